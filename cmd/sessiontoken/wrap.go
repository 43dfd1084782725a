package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sessiontoken/sessiontoken/keys"
)

// maxKeyInput bounds a key read from stdin or a master-key file before it
// is parsed: a PASERK with a line ending and some whitespace.
const maxKeyInput = 1024

// wrapped is the output of "keys wrap".
type wrapped struct {
	Kid     string `json:"kid"`
	Alg     string `json:"alg"`
	Wrapped string `json:"wrapped"`
}

func (c *cli) keysWrap(args []string) error {
	fs := c.flags("keys wrap", "KEY|-",
		"Wrap a secret PASERK (k4.local or k4.secret, as printed by keys generate)\n"+
			"under a master key with PASERK PIE: k4.local-wrap.pie / k4.secret-wrap.pie.\n"+
			"The wrapped key can be stored where the key itself may not (a shared Redis,\n"+
			"a configuration repository): without the master key nobody can read or\n"+
			"alter it. KEY - reads the key from stdin, which keeps it out of the process\n"+
			"list and the shell history.")
	master := fs.String("master-key", "", "`FILE` holding the master key, a k4.local PASERK (required)")
	pos, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	mk, err := c.loadMasterKey(fs.path, *master)
	if err != nil {
		return err
	}
	in, err := c.readKeyArg(pos[0])
	if err != nil {
		return err
	}
	k, err := keys.ParsePASERK(in)
	if err != nil {
		return &failure{err: err}
	}
	w, err := k.WrappedPASERK(mk)
	if err != nil {
		// A verify-only k4.public: there is no secret to wrap.
		return &failure{err: err}
	}
	out := wrapped{Kid: k.ID(), Alg: k.Algorithm().String(), Wrapped: w}
	if fs.json {
		return c.writeJSON(out)
	}
	fmt.Fprintf(c.stdout, "kid:     %s\nalg:     %s\nwrapped: %s\n", out.Kid, out.Alg, out.Wrapped)
	return nil
}

func (c *cli) keysUnwrap(args []string) error {
	fs := c.flags("keys unwrap", "WRAPPED|-",
		"Unwrap a k4.local-wrap.pie or k4.secret-wrap.pie PASERK with the master key and\n"+
			"print the key's ID and its SECRET PASERK, as keys generate does: redirect it\n"+
			"to a protected file, never to a log. A wrapped key that does not\n"+
			"authenticate under the master key (wrong master key, altered data) exits 1.\n"+
			"WRAPPED - reads it from stdin.")
	master := fs.String("master-key", "", "`FILE` holding the master key, a k4.local PASERK (required)")
	pos, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	mk, err := c.loadMasterKey(fs.path, *master)
	if err != nil {
		return err
	}
	in, err := c.readKeyArg(pos[0])
	if err != nil {
		return err
	}
	k, err := keys.ParseWrappedPASERK(in, mk)
	if err != nil {
		return &failure{err: err}
	}
	g, err := exportSecret(k)
	if err != nil {
		return err
	}
	if fs.json {
		return c.writeJSON(g)
	}
	fmt.Fprintf(c.stdout, "kid:    %s\nalg:    %s\nsecret: %s\n", g.Kid, g.Alg, g.PASERK)
	if g.PublicPASERK != "" {
		fmt.Fprintf(c.stdout, "public: %s\n", g.PublicPASERK)
	}
	return nil
}

// loadMasterKey reads a v4.local master key from a file holding its
// PASERK. It warns when the file is readable by others.
func (c *cli) loadMasterKey(path, file string) (*keys.Key, error) {
	if file == "" {
		return nil, usagef(path, "--master-key FILE is required")
	}
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &failure{err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading the master key: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(c.stderr, "warning: master key file %s is readable by other users (mode %v)\n", file, fi.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading the master key: %w", err)
	}
	if len(b) > maxKeyInput {
		return nil, fmt.Errorf("master key file %s is larger than a PASERK", file)
	}
	k, err := keys.ParsePASERK(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", file, err)
	}
	if k.Algorithm() != keys.V4Local {
		return nil, fmt.Errorf("master key file %s: %w: a master key is a k4.local key, not %v", file, keys.ErrWrongPurpose, k.Algorithm())
	}
	return k, nil
}

// readKeyArg returns a key given as an argument or, for "-", on stdin,
// bounded before it is parsed.
func (c *cli) readKeyArg(arg string) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(io.LimitReader(c.stdin, maxKeyInput+1))
	if err != nil {
		return "", fmt.Errorf("reading stdin: %w", err)
	}
	if len(b) > maxKeyInput {
		return "", failf("input on stdin is longer than %d bytes: not a PASERK", maxKeyInput)
	}
	return strings.TrimSpace(string(b)), nil
}
