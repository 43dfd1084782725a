// Command sessiontoken is the operators' tool for sessiontoken: it generates
// keys, rotates a key-set file, inspects tokens (and verifies them when
// given the keys), and revokes sessions and subjects in Redis.
//
//	sessiontoken keys generate --format v4.local
//	sessiontoken keys init keys.json --format v4.local
//	sessiontoken keys add keys.json --issue-from +1h
//	sessiontoken keys list keys.json
//	sessiontoken token inspect --keys keys.json - < token.txt
//	sessiontoken revoke subject user-42 --redis 127.0.0.1:6379
//	sessiontoken revocation stats --redis 127.0.0.1:6379
//
// Every command takes --help and --json. Exit codes: 0 success; 1 the
// answer is no (the token does not verify, a key ID or file is not there,
// the key's state forbids the change); 2 usage error; 3 the work could not
// be done (I/O, a malformed key-set file, Redis unreachable). docs/cli.md
// describes every command and flag.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Exit codes, documented in docs/cli.md. Scripts rely on them: keep them
// stable.
const (
	exitOK     = 0 // success
	exitFailed = 1 // the answer is no: not verified, not found, refused by state
	exitUsage  = 2 // bad command line
	exitError  = 3 // the work could not be done: I/O, malformed input file, Redis
)

func main() {
	quietRedis()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program behind main, with its inputs and outputs
// injected so tests run it in process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now, getenv: os.Getenv}
	return c.main(args)
}

// cli carries what every command needs. Tests replace now with a fixed
// clock and getenv with a map lookup.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
	getenv         func(string) string
}

// command is a node of the command tree: a group (with sub) or a leaf
// (with run).
type command struct {
	name    string
	summary string
	run     func(c *cli, args []string) error
	sub     []*command
}

// commands is the command tree. It is a function, not a variable, so that
// leaves can refer to the tree (for help) without an initialisation cycle.
func commands() *command {
	return &command{name: "sessiontoken", sub: []*command{
		{name: "keys", summary: "generate keys and manage a key-set file", sub: []*command{
			{name: "generate", summary: "print a fresh key (secret) and its key ID", run: (*cli).keysGenerate},
			{name: "init", summary: "create a key-set file with one primary key", run: (*cli).keysInit},
			{name: "add", summary: "add a key, verify-only until it may issue", run: (*cli).keysAdd},
			{name: "promote", summary: "make a key primary now", run: (*cli).keysPromote},
			{name: "retire", summary: "stop a key issuing and schedule the end of its verification", run: (*cli).keysRetire},
			{name: "remove", summary: "remove an expired, pending or compromised key", run: (*cli).keysRemove},
			{name: "wrap", summary: "wrap a secret key under a master key (PASERK PIE)", run: (*cli).keysWrap},
			{name: "unwrap", summary: "unwrap a wrapped key with the master key (prints the secret)", run: (*cli).keysUnwrap},
			{name: "list", summary: "list the keys of a key-set file and their states (no key material)", run: (*cli).keysList},
		}},
		{name: "token", summary: "look into tokens", sub: []*command{
			{name: "inspect", summary: "show a token's header, footer and key ID; verify it with --keys", run: (*cli).tokenInspect},
		}},
		{name: "revoke", summary: "revoke sessions and subjects in Redis", sub: []*command{
			{name: "session", summary: "revoke every token of one session", run: (*cli).revokeSession},
			{name: "subject", summary: "revoke every token of a subject issued before an instant", run: (*cli).revokeSubject},
		}},
		{name: "revocation", summary: "the revocation list in Redis", sub: []*command{
			{name: "stats", summary: "show the revocation list's size, memory and stream lag", run: (*cli).revocationStats},
		}},
	}}
}

// main dispatches args through the command tree and turns the result into
// an exit code, printing errors to stderr.
func (c *cli) main(args []string) int {
	err := c.dispatch(commands(), nil, args)
	if err == nil || errors.Is(err, errHelpShown) {
		return exitOK
	}
	fmt.Fprintf(c.stderr, "sessiontoken: %v\n", err)
	var u *usageError
	if errors.As(err, &u) && u.path != "" {
		fmt.Fprintf(c.stderr, "Run 'sessiontoken %s --help' for usage.\n", u.path)
	}
	return exitCode(err)
}

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	var u *usageError
	var f *failure
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &f):
		return exitFailed
	}
	return exitError
}

func (c *cli) dispatch(cmd *command, path []string, args []string) error {
	if cmd.run != nil {
		return cmd.run(c, args)
	}
	here := joinPath(path)
	if len(args) == 0 {
		c.groupHelp(c.stderr, cmd, path)
		if here == "" {
			return usagef("", "missing command")
		}
		return usagef(here, "missing subcommand")
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		c.groupHelp(c.stdout, cmd, path)
		return errHelpShown
	}
	for _, s := range cmd.sub {
		if s.name == name {
			return c.dispatch(s, append(append([]string(nil), path...), s.name), args[1:])
		}
	}
	if here == "" {
		return usagef("", "unknown command %q", truncate(name, 40))
	}
	return usagef(here, "unknown subcommand %q", truncate(name, 40))
}

func (c *cli) groupHelp(w io.Writer, cmd *command, path []string) {
	here := joinPath(append([]string{"sessiontoken"}, path...))
	fmt.Fprintf(w, "Usage: %s <command> [flags] [arguments]\n\nCommands:\n", here)
	for _, s := range cmd.sub {
		fmt.Fprintf(w, "  %-12s %s\n", s.name, s.summary)
	}
	fmt.Fprintf(w, "\nRun '%s <command> --help' for a command's flags.\n", here)
	if len(path) == 0 {
		fmt.Fprint(w, "\nExit codes: 0 success; 1 not verified, not found or refused; 2 usage error;\n3 the work could not be done (I/O, malformed key-set file, Redis).\n")
	}
}

func joinPath(path []string) string {
	s := ""
	for i, p := range path {
		if i > 0 {
			s += " "
		}
		s += p
	}
	return s
}

// errHelpShown reports that --help was answered; the exit code is 0.
var errHelpShown = errors.New("help shown")

// usageError is a bad command line: exit code 2.
type usageError struct {
	path string // the command, for the "--help" hint; "" for the top level
	msg  string
}

func (e *usageError) Error() string {
	if e.path == "" {
		return e.msg
	}
	return e.path + ": " + e.msg
}

func usagef(path, format string, a ...any) error {
	return &usageError{path: path, msg: fmt.Sprintf(format, a...)}
}

// failure is a negative answer: exit code 1 (a token that does not verify,
// a key ID that is not in the file, a change the key's state forbids).
type failure struct{ err error }

func (e *failure) Error() string { return e.err.Error() }
func (e *failure) Unwrap() error { return e.err }

func failf(format string, a ...any) error { return &failure{err: fmt.Errorf(format, a...)} }

// truncate shortens untrusted text quoted in a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
