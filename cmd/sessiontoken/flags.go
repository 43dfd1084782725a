package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// flagSet is a flag.FlagSet with the conventions every command shares:
// --help prints the command's help to stdout, --json selects JSON output,
// flags may come before or after the positional arguments, and errors are
// usage errors (exit code 2) rather than flag's own printing and exiting.
type flagSet struct {
	*flag.FlagSet
	path string // "keys add"
	args string // positional arguments for the usage line: "FILE KID"
	desc string // what the command does, printed by --help
	json bool
}

func (c *cli) flags(path, args, desc string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(path, flag.ContinueOnError), path: path, args: args, desc: desc}
	fs.SetOutput(io.Discard) // errors are reported by cli.main, help by fs.help
	fs.BoolVar(&fs.json, "json", false, "print the result as JSON on stdout")
	return fs
}

// parse parses args, allowing flags after positional arguments ("keys
// retire FILE KID --verify-until +1h"); "--" ends the flags, so a value
// that starts with "-" can still be given. It returns the positional
// arguments and checks their number is within [min, max].
func (c *cli) parse(fs *flagSet, args []string, min, max int) ([]string, error) {
	args, dashArgs := protectDashArgs(fs, args)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.help(c.stdout)
				return nil, errHelpShown
			}
			return nil, usagef(fs.path, "%v", err)
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	for i, p := range pos {
		if v, ok := dashArgs[p]; ok {
			pos[i] = v
		}
	}
	switch {
	case len(pos) < min:
		return nil, usagef(fs.path, "expected %s", fs.args)
	case len(pos) > max:
		return nil, usagef(fs.path, "unexpected argument %q", truncate(pos[max], 40))
	}
	return pos, nil
}

// protectDashArgs lets key IDs and session IDs that start with '-' (a
// base64url character) be given as arguments without "--": an argument
// that starts with a single '-', is not one of the command's flags, and is
// a long base64url string is replaced by a placeholder that flag leaves
// alone, and the returned map gives it back. Flag values are skipped.
func protectDashArgs(fs *flagSet, args []string) ([]string, map[string]string) {
	var out []string
	var m map[string]string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if f := fs.Lookup(name); f != nil || name == "h" || name == "help" {
			if f != nil && !hasValue && !isBoolFlag(f) {
				i++ // the next argument is this flag's value
			}
			continue
		}
		if a[1] == '-' || len(a) < 16 || !isBase64URL(a) {
			continue
		}
		if out == nil {
			out = append([]string(nil), args...)
			m = map[string]string{}
		}
		ph := fmt.Sprintf("\x00arg%d", i)
		out[i], m[ph] = ph, a
	}
	if out == nil {
		return args, nil
	}
	return out, m
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// help prints the command's usage, description and flags.
func (fs *flagSet) help(w io.Writer) {
	fmt.Fprintf(w, "Usage: sessiontoken %s [flags]", fs.path)
	if fs.args != "" {
		fmt.Fprintf(w, " %s", fs.args)
	}
	fmt.Fprintf(w, "\n\n%s\n\nFlags:\n", fs.desc)
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if typ != "" {
			line += " " + typ
		}
		fmt.Fprintf(w, "%s\n      %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0s" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	fmt.Fprint(w, "\nExit codes: 0 success; 1 not verified, not found or refused; 2 usage error;\n3 the work could not be done (I/O, malformed key-set file, Redis).\n")
}

// writeJSON prints v as indented JSON.
func (c *cli) writeJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// durationFlag is a duration flag that also accepts whole days, which Go's
// time.ParseDuration does not: "90d", "1d12h".
type durationFlag struct {
	d      time.Duration
	zeroOK bool // 0 is allowed (a leeway), else the value must be positive
}

func (f *durationFlag) String() string { return formatDuration(f.d) }

func (f *durationFlag) Set(s string) error {
	d, err := parseDuration(s)
	if err != nil {
		return err
	}
	if d < 0 || d == 0 && !f.zeroOK {
		return errors.New("must be positive")
	}
	f.d = d
	return nil
}

// parseDuration parses a Go duration with an optional leading number of
// days: "15m", "90d", "1d12h", "-2h".
func parseDuration(s string) (time.Duration, error) {
	neg := false
	body := s
	if strings.HasPrefix(body, "-") || strings.HasPrefix(body, "+") {
		neg = body[0] == '-'
		body = body[1:]
	}
	var days time.Duration
	if i := strings.IndexByte(body, 'd'); i > 0 {
		n, err := strconv.ParseUint(body[:i], 10, 16)
		if err != nil || n > 100*365 {
			return 0, fmt.Errorf("invalid duration %q", truncate(s, 40))
		}
		days = time.Duration(n) * 24 * time.Hour
		body = body[i+1:]
	}
	var rest time.Duration
	if body != "" {
		d, err := time.ParseDuration(body)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("invalid duration %q (use e.g. 90m, 36h, 90d)", truncate(s, 40))
		}
		rest = d
	} else if days == 0 {
		return 0, fmt.Errorf("invalid duration %q", truncate(s, 40))
	}
	d := days + rest
	if neg {
		d = -d
	}
	return d, nil
}

// formatDuration prints d with whole days split out: "90d", "1d12h0m0s".
func formatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	day := 24 * time.Hour
	switch {
	case d%day == 0:
		return fmt.Sprintf("%s%dd", sign, d/day)
	case d > day:
		return fmt.Sprintf("%s%dd%s", sign, d/day, d%day)
	}
	return sign + d.String()
}

// parseInstant parses an instant given on the command line: "now", an
// offset from now ("+1h", "-30m", "+7d") or an RFC 3339 time.
func parseInstant(s string, now time.Time) (time.Time, error) {
	switch {
	case s == "now":
		return now, nil
	case strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-"):
		d, err := parseDuration(s)
		if err != nil {
			return time.Time{}, err
		}
		return now.Add(d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid instant %q: want now, +DURATION, -DURATION or RFC 3339 (2026-01-02T15:04:05Z)", truncate(s, 40))
	}
	if y := t.UTC().Year(); y < 1970 || y > 9999 {
		return time.Time{}, fmt.Errorf("instant %q is outside the years 1970–9999", truncate(s, 40))
	}
	return t, nil
}

// instantFlag is a flag holding an instant spelled as parseInstant reads
// it. The text is kept and parsed after all flags, against one reading of
// the clock.
type instantFlag struct {
	raw string
	set bool
}

func (f *instantFlag) String() string { return f.raw }

func (f *instantFlag) Set(s string) error {
	if _, err := parseInstant(s, time.Unix(0, 0)); err != nil {
		return err
	}
	f.raw, f.set = s, true
	return nil
}

// value returns the instant, or def when the flag was not given.
func (f *instantFlag) value(now, def time.Time) time.Time {
	if !f.set {
		return def
	}
	t, _ := parseInstant(f.raw, now) // checked by Set
	return t
}

// relative describes t relative to now for people: "in 14m59s", "3h ago".
func relative(t, now time.Time) string {
	d := t.Sub(now).Round(time.Second)
	switch {
	case d == 0:
		return "now"
	case d > 0:
		return "in " + humanDuration(d)
	}
	return humanDuration(-d) + " ago"
}

// humanDuration prints a positive d with its two largest units: "2d3h",
// "1h", "14m59s".
func humanDuration(d time.Duration) string {
	units := []struct {
		name string
		size time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	var b strings.Builder
	shown := 0
	for _, u := range units {
		if n := d / u.size; n > 0 || shown > 0 {
			if n > 0 {
				fmt.Fprintf(&b, "%d%s", n, u.name)
			}
			d -= n * u.size
			if shown++; shown == 2 {
				break
			}
		}
	}
	if b.Len() == 0 {
		return "0s"
	}
	return b.String()
}

// formatTime prints an instant in UTC RFC 3339 with milliseconds when it
// has any.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999Z07:00")
}
