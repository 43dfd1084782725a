package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/token"
)

func loadFileT(t *testing.T, file string) *keys.Set {
	t.Helper()
	s, err := keys.LoadFile(file)
	require.NoError(t, err)
	return s
}

// issueAt issues a token with the file's current primary key at now.
func issueAt(t *testing.T, file string, f token.Format, now time.Time) string {
	t.Helper()
	c, err := token.New(token.Config{Keys: loadFileT(t, file), Format: f, Now: func() time.Time { return now }, TTL: time.Hour})
	require.NoError(t, err)
	raw, err := c.Issue(token.Claims{Subject: "user-42"})
	require.NoError(t, err)
	return raw
}

// TestEndToEndRotation walks the runbook of docs/cli.md: init, add,
// promote, retire, list, with tokens issued along the way by the library
// and checked with token inspect --keys. No token within its lifetime ever
// fails, and the retired key stops verifying when its window ends.
func TestEndToEndRotation(t *testing.T) {
	for _, tc := range []struct {
		format string
		tf     token.Format
	}{{"v4.local", token.V4Local}, {"v4.public", token.V4Public}, {"es256", token.JWT}} {
		t.Run(tc.format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "keys.json")
			verifies := func(now time.Time, raw string) result {
				t.Helper()
				return runAt(t, now, "", nil, "token", "inspect", "--keys", file, raw)
			}

			mustRun(t, t0, "keys", "init", file, "--format", tc.format)
			old := loadFileT(t, file).Keys()[0].ID()
			tokOld := issueAt(t, file, tc.tf, t0)

			// Day 1: publish the next key, pending for an hour.
			mustRun(t, t0, "keys", "add", file, "--issue-from", "+1h")
			var next string
			for _, k := range loadFileT(t, file).Keys() {
				if k.ID() != old {
					next = k.ID()
				}
			}
			require.NotEmpty(t, next)
			r := verifies(t0.Add(time.Minute), tokOld)
			assert.Equal(t, exitOK, r.code, r.stdout)
			assert.Contains(t, r.stdout, "primary")

			// Promote it early, after the file has reached every instance.
			t1 := t0.Add(30 * time.Minute)
			mustRun(t, t1, "keys", "promote", file, next)
			tokNext := issueAt(t, file, tc.tf, t1)
			assert.Contains(t, tokNext+mustRun(t, t1, "token", "inspect", tokNext).stdout, next, "new tokens name the new key")

			// Retire the old key: it verifies for the longest token lifetime.
			mustRun(t, t1, "keys", "retire", file, old, "--max-token-lifetime", "1h")
			list := mustRun(t, t1, "keys", "list", file).stdout
			assert.Regexp(t, old+` +\S+ +verify-only`, list)
			assert.Regexp(t, next+` +\S+ +primary`, list)
			if tc.format == "v4.public" || tc.format == "es256" {
				assert.Contains(t, list, "no (public only)", "the retired key lost its private half")
			}

			// Both tokens verify while within their lifetimes.
			for _, raw := range []string{tokOld, tokNext} {
				r := verifies(t1.Add(10*time.Minute), raw)
				assert.Equal(t, exitOK, r.code, r.stdout+r.stderr)
				assert.Contains(t, r.stdout, "verified: yes")
			}
			r = verifies(t1.Add(10*time.Minute), tokOld)
			assert.Contains(t, r.stdout, "in "+file+", verify-only")

			// The old key's window ends after tokOld expired anyway; then a
			// token under it (say, a stolen one with a forged long life)
			// names an expired key.
			r = verifies(t1.Add(2*time.Hour), tokOld)
			assert.Equal(t, exitFailed, r.code)
			assert.Contains(t, r.stdout, "expired")
			list = mustRun(t, t1.Add(2*time.Hour), "keys", "list", file).stdout
			assert.Regexp(t, old+` +\S+ +expired`, list)

			// Clean up the expired key; the new one carries on.
			mustRun(t, t1.Add(2*time.Hour), "keys", "remove", file, old)
			r = verifies(t1.Add(50*time.Minute), tokNext)
			assert.Equal(t, exitOK, r.code, r.stdout)
			assert.False(t, strings.Contains(mustRun(t, t1, "keys", "list", file).stdout, old))
		})
	}
}
