package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// t0 is the tests' clock.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type result struct {
	code           int
	stdout, stderr string
}

// runAt runs the command line args in process with the clock fixed at now,
// stdin as given and an empty environment apart from env.
func runAt(t *testing.T, now time.Time, stdin string, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	c := &cli{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		now:    func() time.Time { return now },
		getenv: func(k string) string { return env[k] },
	}
	code := c.main(args)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func runT(t *testing.T, args ...string) result { return runAt(t, t0, "", nil, args...) }

// mustRun runs args and requires exit code 0.
func mustRun(t *testing.T, now time.Time, args ...string) result {
	t.Helper()
	r := runAt(t, now, "", nil, args...)
	require.Equal(t, exitOK, r.code, "sessiontoken %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.stdout, r.stderr)
	return r
}

func TestRunUsesTheRealClockAndStreams(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"keys", "generate", "--format", "v4.local"}, strings.NewReader(""), &out, &errb)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out.String(), "kid:    k4.lid.")
	assert.Empty(t, errb.String())
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "keys.json")
	mustRun(t, t0, "keys", "init", file)
	cases := []struct {
		name      string
		args      []string
		env       map[string]string
		wantInErr string
	}{
		{name: "no command", args: nil, wantInErr: "missing command"},
		{name: "unknown command", args: []string{"frobnicate"}, wantInErr: `unknown command "frobnicate"`},
		{name: "group without subcommand", args: []string{"keys"}, wantInErr: "keys: missing subcommand"},
		{name: "unknown subcommand", args: []string{"keys", "rotate"}, wantInErr: `unknown subcommand "rotate"`},
		{name: "unknown format", args: []string{"keys", "generate", "--format", "rsa"}, wantInErr: `unknown --format "rsa"`},
		{name: "unknown flag", args: []string{"keys", "generate", "--colour"}, wantInErr: "flag provided but not defined"},
		{name: "flag without value", args: []string{"keys", "generate", "--format"}, wantInErr: "flag needs an argument"},
		{name: "bad bool", args: []string{"keys", "list", file, "--json=maybe"}, wantInErr: "invalid boolean"},
		{name: "extra argument", args: []string{"keys", "generate", "extra"}, wantInErr: `unexpected argument "extra"`},
		{name: "init without file", args: []string{"keys", "init"}, wantInErr: "expected FILE"},
		{name: "init two files", args: []string{"keys", "init", "a", "b"}, wantInErr: `unexpected argument "b"`},
		{name: "promote without kid", args: []string{"keys", "promote", file}, wantInErr: "expected FILE KID"},
		{name: "bad instant", args: []string{"keys", "add", file, "--issue-from", "tomorrow"}, wantInErr: "invalid instant"},
		{name: "bad duration", args: []string{"keys", "retire", file, "kid", "--max-token-lifetime", "forever"}, wantInErr: "invalid duration"},
		{name: "negative duration", args: []string{"keys", "retire", file, "kid", "--max-token-lifetime", "-1h"}, wantInErr: "must be positive"},
		{name: "list --at garbage", args: []string{"keys", "list", file, "--at", "2026-13-01"}, wantInErr: "invalid instant"},
		{name: "inspect without token", args: []string{"token", "inspect"}, wantInErr: "expected TOKEN|-"},
		{name: "issuer without keys", args: []string{"token", "inspect", "v4.local.x", "--issuer", "me"}, wantInErr: "need --keys"},
		{name: "max size zero", args: []string{"token", "inspect", "v4.local.x", "--max-token-size", "0"}, wantInErr: "--max-token-size"},
		{name: "session without sid", args: []string{"revoke", "session"}, wantInErr: "expected SID"},
		{name: "malformed sid", args: []string{"revoke", "session", "not-a-session-id", "--redis", "127.0.0.1:1"}, wantInErr: "invalid session ID"},
		{name: "until in the past", args: []string{"revoke", "session", "AAAAAAAAAAAAAAAAAAAAAA", "--until", "-1h", "--redis", "127.0.0.1:1"}, wantInErr: "not in the future"},
		{name: "no redis address", args: []string{"revoke", "subject", "user-1"}, wantInErr: "no Redis address"},
		{name: "bad redis URL", args: []string{"revocation", "stats", "--redis", "redis://:hunter2@[::1"}, wantInErr: "invalid --redis URL"},
		{name: "URL with cluster", args: []string{"revocation", "stats", "--redis", "redis://h:1", "--redis-cluster"}, wantInErr: "not a URL"},
		{name: "stats with argument", args: []string{"revocation", "stats", "x"}, wantInErr: `unexpected argument "x"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runAt(t, t0, "", tc.env, tc.args...)
			assert.Equal(t, exitUsage, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tc.wantInErr)
			assert.NotContains(t, r.stderr, "hunter2", "a URL's password must not be echoed")
		})
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "keys.json")
	mustRun(t, t0, "keys", "init", file)
	garbage := filepath.Join(dir, "garbage.json")
	require.NoError(t, os.WriteFile(garbage, []byte(`{"version":1,"keys":[]}`), 0o600))
	cases := []struct {
		name string
		args []string
		want int
	}{
		{name: "help", args: []string{"--help"}, want: exitOK},
		{name: "list", args: []string{"keys", "list", file}, want: exitOK},
		{name: "missing file", args: []string{"keys", "list", filepath.Join(dir, "nope.json")}, want: exitFailed},
		{name: "unknown kid", args: []string{"keys", "promote", file, "k4.lid.nope"}, want: exitFailed},
		{name: "init over existing file", args: []string{"keys", "init", file}, want: exitFailed},
		{name: "malformed key-set file", args: []string{"keys", "list", garbage}, want: exitError},
		{name: "token that is not a token", args: []string{"token", "inspect", "hello"}, want: exitFailed},
		{name: "unreachable redis", args: []string{"revoke", "subject", "u", "--redis", "127.0.0.1:1", "--timeout", "2s"}, want: exitError},
		{name: "usage", args: []string{"keys", "list"}, want: exitUsage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runT(t, tc.args...)
			assert.Equal(t, tc.want, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			if tc.want != exitOK {
				assert.True(t, strings.HasPrefix(r.stderr, "sessiontoken: "), "errors go to stderr: %q", r.stderr)
			}
		})
	}
}

// leaves returns the paths of every command that runs, and groups those
// that hold them.
func walk(cmd *command, path []string, leaf, group func([]string)) {
	if cmd.run != nil {
		leaf(path)
		return
	}
	group(path)
	for _, s := range cmd.sub {
		walk(s, append(append([]string(nil), path...), s.name), leaf, group)
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	leaves := 0
	walk(commands(), nil, func(path []string) {
		leaves++
		for _, h := range []string{"--help", "-h"} {
			r := runT(t, append(path, h)...)
			assert.Equal(t, exitOK, r.code, "%v %s", path, h)
			assert.Contains(t, r.stdout, "Usage: sessiontoken "+strings.Join(path, " ")+" [flags]")
			assert.Contains(t, r.stdout, "--json")
			assert.Contains(t, r.stdout, "Exit codes")
			assert.Empty(t, r.stderr)
		}
	}, func(path []string) {
		r := runT(t, append(path, "--help")...)
		assert.Equal(t, exitOK, r.code, "%v --help", path)
		assert.Contains(t, r.stdout, "Commands:")
	})
	assert.Equal(t, 13, leaves, "every command is visited")
}

// TestDocsCoverEveryCommandAndFlag keeps docs/cli.md in step with the
// code: every command and every one of its flags must be documented there.
func TestDocsCoverEveryCommandAndFlag(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	require.NoError(t, err)
	walk(commands(), nil, func(path []string) {
		name := strings.Join(path, " ")
		assert.True(t, strings.Contains(string(doc), "## `sessiontoken "+name+"`"), "docs/cli.md has no section for %q", name)
		r := runT(t, append(path, "--help")...)
		for _, line := range strings.Split(r.stdout, "\n") {
			if f, ok := strings.CutPrefix(line, "  --"); ok {
				flag := "--" + strings.Fields(f)[0]
				assert.True(t, strings.Contains(string(doc), "`"+flag), "docs/cli.md does not mention %s of %q", flag, name)
			}
		}
	}, func([]string) {})
	for _, code := range []string{"| 0 |", "| 1 |", "| 2 |", "| 3 |"} {
		assert.True(t, strings.Contains(string(doc), code), "docs/cli.md: exit code table has no %s", code)
	}
}

func TestFlagsAfterArgumentsAndDoubleDash(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "keys.json")
	// Flags after the positional argument are parsed.
	mustRun(t, t0, "keys", "init", file, "--format", "hs256")
	r := mustRun(t, t0, "keys", "list", file, "--json")
	assert.Contains(t, r.stdout, `"alg": "HS256"`)
	// After "--", a value starting with '-' is a positional argument.
	r = runT(t, "keys", "promote", "--", file, "-odd-kid")
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, `key "-odd-kid" is not in`)

	// Key IDs and session IDs are base64url and may start with '-': a
	// long base64url argument that is not a flag is taken as an argument.
	kid := "-b68FP0WXlHMouHMHtQXwYk5YPm19dlipMYggcjaYoU"
	r = runT(t, "keys", "promote", file, kid, "--json")
	assert.Equal(t, exitFailed, r.code, r.stderr)
	assert.Contains(t, r.stderr, `key "`+kid+`" is not in`)
	r = runT(t, "keys", "promote", "--json", file, kid)
	assert.Equal(t, exitFailed, r.code, r.stderr)
	r = runT(t, "revoke", "session", "-AAAAAAAAAAAAAAAAAAAAA")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "no Redis address", "the session ID was accepted")
	// A flag's value is never taken for an argument.
	r = runT(t, "token", "inspect", "--implicit-assertion", "-abcdefghijklmnopqrstuvwxyz", "v2.local.AAAA")
	assert.Equal(t, exitFailed, r.code, r.stderr)
	assert.Contains(t, r.stderr, "accepts v4 only")
	// A short unknown flag is still an unknown flag.
	r = runT(t, "keys", "list", file, "-x")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "flag provided but not defined: -x")
}

func TestParseInstantAndDuration(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "now", want: t0},
		{in: "+1h", want: t0.Add(time.Hour)},
		{in: "-30m", want: t0.Add(-30 * time.Minute)},
		{in: "+7d", want: t0.Add(7 * 24 * time.Hour)},
		{in: "+1d12h", want: t0.Add(36 * time.Hour)},
		{in: "2026-01-02T03:04:05Z", want: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{in: "2026-01-02T03:04:05+02:00", want: time.Date(2026, 1, 2, 1, 4, 5, 0, time.UTC)},
		{in: "2026-01-02", wantErr: true},
		{in: "+", wantErr: true},
		{in: "+d", wantErr: true},
		{in: "+1x", wantErr: true},
		{in: "+99999d", wantErr: true},
		{in: "0001-01-01T00:00:00Z", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseInstant(tc.in, t0)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.True(t, tc.want.Equal(got), "got %v, want %v", got, tc.want)
		})
	}
	assert.Equal(t, "90d", formatDuration(90*24*time.Hour))
	assert.Equal(t, "in 2d3h", relative(t0.Add(51*time.Hour+20*time.Minute), t0))
	assert.Equal(t, "14m59s ago", relative(t0.Add(-(14*time.Minute+59*time.Second)), t0))
	assert.Equal(t, "in 1h", relative(t0.Add(time.Hour), t0))
	assert.Equal(t, "now", relative(t0, t0))
}

func TestMain(m *testing.M) {
	quietRedis()
	os.Exit(m.Run())
}
