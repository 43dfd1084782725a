package main

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "15m", want: 15 * time.Minute},
		{in: "90d", want: 90 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "+2h", want: 2 * time.Hour},
		{in: "-2h", want: -2 * time.Hour},
		{in: "0d1s", want: time.Second},
		{in: "", wantErr: true},
		{in: "d", wantErr: true},
		{in: "1.5d", wantErr: true},
		{in: "1d-1h", wantErr: true},
		{in: "36500d", want: 36500 * 24 * time.Hour},
		{in: "36501d", wantErr: true},
		{in: "1w", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseDuration(tc.in)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDurationFlag(t *testing.T) {
	d := durationFlag{}
	assert.Error(t, d.Set("0s"), "zero is refused unless allowed")
	assert.Error(t, d.Set("-1h"))
	require.NoError(t, d.Set("2d"))
	assert.Equal(t, "2d", d.String())
	z := durationFlag{zeroOK: true}
	require.NoError(t, z.Set("0s"))
	assert.Error(t, z.Set("-1s"), "negative is refused even when zero is allowed")
}

func TestFormatDurations(t *testing.T) {
	cases := []struct {
		d           time.Duration
		format      string
		human       string
		description string
	}{
		{d: 0, format: "0s", human: "0s"},
		{d: 45 * time.Second, format: "45s", human: "45s"},
		{d: 90 * time.Minute, format: "1h30m0s", human: "1h30m"},
		{d: 24 * time.Hour, format: "1d", human: "1d"},
		{d: 36*time.Hour + 5*time.Second, format: "1d12h0m5s", human: "1d12h"},
		{d: 24*time.Hour + 5*time.Second, format: "1d5s", human: "1d", description: "two largest units: seconds dropped after days"},
		{d: -2 * time.Hour, format: "-2h0m0s"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.format, formatDuration(tc.d), "formatDuration(%v)", tc.d)
		if tc.human != "" {
			assert.Equal(t, tc.human, humanDuration(tc.d), "humanDuration(%v) %s", tc.d, tc.description)
		}
	}
}

func TestProtectDashArgs(t *testing.T) {
	c := &cli{}
	newFS := func() *flagSet {
		fs := c.flags("x", "A B", "")
		fs.String("value", "", "")
		fs.Bool("flag", false, "")
		return fs
	}
	kid := "-b68FP0WXlHMouHMHtQXwYk5YPm19dlipMYggcjaYoU"
	cases := []struct {
		name    string
		args    []string
		wantPos []string
		wantErr string
	}{
		{name: "plain", args: []string{"a", "b"}, wantPos: []string{"a", "b"}},
		{name: "dash id second", args: []string{"a", kid}, wantPos: []string{"a", kid}},
		{name: "dash id first, flag after", args: []string{kid, "b", "--flag"}, wantPos: []string{kid, "b"}},
		{name: "value flag takes a dash value", args: []string{"--value", kid, "a", "b"}, wantPos: []string{"a", "b"}},
		{name: "value flag with =", args: []string{"--value=x", kid, "b"}, wantPos: []string{kid, "b"}},
		{name: "bool flag does not take the next", args: []string{"--flag", kid, "b"}, wantPos: []string{kid, "b"}},
		{name: "double dash", args: []string{"a", "--", "-x"}, wantPos: []string{"a", "-x"}},
		{name: "short unknown flag", args: []string{"a", "-x"}, wantErr: "flag provided but not defined: -x"},
		{name: "long unknown double-dash flag", args: []string{"a", "--this-is-not-a-flag-at-all"}, wantErr: "flag provided but not defined"},
		{name: "non-base64url", args: []string{"a", "-this.is.not.base64url"}, wantErr: "flag provided but not defined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pos, err := c.parse(newFS(), tc.args, 2, 2)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				var u *usageError
				assert.ErrorAs(t, err, &u)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantPos, pos)
		})
	}
}

func TestHelpListsFlagsWithDefaults(t *testing.T) {
	var b strings.Builder
	fs := (&cli{}).flags("keys demo", "FILE", "Does a demo.")
	fs.String("format", "v4.local", "key `FORMAT`")
	fs.Var(&durationFlag{d: 90 * 24 * time.Hour}, "max", "a `DURATION`")
	fs.Var(&durationFlag{zeroOK: true}, "leeway", "a `DURATION`")
	fs.help(&b)
	out := b.String()
	assert.Contains(t, out, "Usage: sessiontoken keys demo [flags] FILE\n\nDoes a demo.\n")
	assert.Contains(t, out, "  --format FORMAT\n      key FORMAT (default v4.local)\n")
	assert.Contains(t, out, "  --max DURATION\n      a DURATION (default 90d)\n")
	assert.Contains(t, out, "  --leeway DURATION\n      a DURATION\n", "a zero default is not shown")
	assert.Contains(t, out, "  --json\n      print the result as JSON on stdout\n")
	var _ flag.Value = (*durationFlag)(nil)
	var _ flag.Value = (*instantFlag)(nil)
}

func TestPrintable(t *testing.T) {
	assert.Equal(t, `{"kid":"k4.lid.x"}`, printable([]byte(`{"kid":"k4.lid.x"}`)))
	assert.Equal(t, "with space", printable([]byte("with space")))
	assert.Equal(t, `"\x00raw"`, printable([]byte("\x00raw")))
	assert.Equal(t, `"line\nbreak"`, printable([]byte("line\nbreak")), "a footer cannot forge output lines")
	assert.Equal(t, `"\xff"`, printable([]byte{0xff}))
	assert.Equal(t, `"\x1b[31m"`, printable([]byte("\x1b[31m")), "no terminal escapes")
}

func TestRedactAddr(t *testing.T) {
	assert.Equal(t, "redis://…@h:6379/0", redactAddr("redis://user:pw@h:6379/0"))
	assert.Equal(t, "rediss://h:6380", redactAddr("rediss://h:6380"))
	assert.Equal(t, "10.0.0.1:6379,10.0.0.2:6379", redactAddr("10.0.0.1:6379,10.0.0.2:6379"))
	assert.Equal(t, `a\*b\?\[c\]\\`, globEscape(`a*b?[c]\`))
}
