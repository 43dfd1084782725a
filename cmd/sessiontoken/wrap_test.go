package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
)

// masterKeyFile writes a fresh master key with the given mode and returns
// its path.
func masterKeyFile(t *testing.T, mode os.FileMode) string {
	t.Helper()
	var g generated
	require.NoError(t, json.Unmarshal([]byte(mustRun(t, t0, "keys", "generate", "--json").stdout), &g))
	file := filepath.Join(t.TempDir(), "master.key")
	require.NoError(t, os.WriteFile(file, []byte(g.PASERK+"\n"), mode))
	return file
}

func TestKeysWrapUnwrap(t *testing.T) {
	master := masterKeyFile(t, 0o600)
	for _, format := range []string{"v4.local", "v4.public"} {
		t.Run(format, func(t *testing.T) {
			var g generated
			require.NoError(t, json.Unmarshal([]byte(mustRun(t, t0, "keys", "generate", "--format", format, "--json").stdout), &g))

			// Wrap from stdin.
			r := runAt(t, t0, g.PASERK+"\n", nil, "keys", "wrap", "--master-key", master, "--json", "-")
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			var w wrapped
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &w))
			assert.Equal(t, g.Kid, w.Kid)
			assert.True(t, strings.HasPrefix(w.Wrapped, map[string]string{"v4.local": "k4.local-wrap.pie.", "v4.public": "k4.secret-wrap.pie."}[format]))
			assert.NotContains(t, r.stdout, g.PASERK[strings.LastIndexByte(g.PASERK, '.')+1:], "the wrapped form hides the key")

			// Unwrap gives the same key back.
			r = mustRun(t, t0, "keys", "unwrap", "--master-key", master, "--json", w.Wrapped)
			var u generated
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &u))
			assert.Equal(t, g.Kid, u.Kid)
			assert.Equal(t, g.PASERK, u.PASERK)

			// Another master key does not unwrap it: exit 1, no secret.
			r = runT(t, "keys", "unwrap", "--master-key", masterKeyFile(t, 0o600), w.Wrapped)
			assert.Equal(t, exitFailed, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, keys.ErrUnwrap.Error())
		})
	}
}

func TestKeysWrapRefusals(t *testing.T) {
	master := masterKeyFile(t, 0o600)
	var pub generated
	require.NoError(t, json.Unmarshal([]byte(mustRun(t, t0, "keys", "generate", "--format", "v4.public", "--json").stdout), &pub))
	var es generated
	require.NoError(t, json.Unmarshal([]byte(mustRun(t, t0, "keys", "generate", "--format", "eddsa", "--json").stdout), &es))
	notLocal := filepath.Join(t.TempDir(), "master.key")
	require.NoError(t, os.WriteFile(notLocal, []byte(pub.PASERK), 0o600))
	cases := []struct {
		name      string
		args      []string
		stdin     string
		wantCode  int
		wantInErr string
	}{
		{name: "no master key", args: []string{"keys", "wrap", "k4.local.x"}, wantCode: exitUsage, wantInErr: "--master-key FILE is required"},
		{name: "missing master key file", args: []string{"keys", "wrap", "--master-key", master + ".nope", "k4.local.x"}, wantCode: exitFailed, wantInErr: "no such file"},
		{name: "master key of the wrong kind", args: []string{"keys", "wrap", "--master-key", notLocal, "-"}, stdin: pub.PASERK, wantCode: exitError, wantInErr: "a master key is a k4.local key"},
		{name: "public key only", args: []string{"keys", "wrap", "--master-key", master, pub.PublicPASERK}, wantCode: exitFailed, wantInErr: "no PASERK secret"},
		{name: "not a PASERK", args: []string{"keys", "wrap", "--master-key", master, "-"}, stdin: string(es.JWK), wantCode: exitFailed, wantInErr: "invalid key"},
		{name: "oversized stdin", args: []string{"keys", "unwrap", "--master-key", master, "-"}, stdin: strings.Repeat("k", maxKeyInput+1), wantCode: exitFailed, wantInErr: "longer than"},
		{name: "malformed wrapped key", args: []string{"keys", "unwrap", "--master-key", master, "k4.local-wrap.pie.AAAA"}, wantCode: exitFailed, wantInErr: "invalid key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runAt(t, t0, tc.stdin, nil, tc.args...)
			assert.Equal(t, tc.wantCode, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tc.wantInErr)
			assert.Empty(t, r.stdout)
		})
	}

	// A master key others can read still works, with a warning.
	loose := masterKeyFile(t, 0o644)
	r := mustRun(t, t0, "keys", "wrap", "--master-key", loose, pub.PASERK)
	assert.Contains(t, r.stderr, "readable by other users")
}
