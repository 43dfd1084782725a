package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
)

func TestKeysGenerate(t *testing.T) {
	cases := []struct {
		format     string
		alg        keys.Algorithm
		secretHead string // PASERK header, "" for a JWK
		public     bool   // prints a public form
	}{
		{format: "v4.local", alg: keys.V4Local, secretHead: "k4.local."},
		{format: "v4.public", alg: keys.V4Public, secretHead: "k4.secret.", public: true},
		{format: "hs256", alg: keys.HS256},
		{format: "eddsa", alg: keys.EdDSA, public: true},
		{format: "ES256", alg: keys.ES256, public: true}, // case-insensitive
	}
	for _, tc := range cases {
		t.Run(tc.format, func(t *testing.T) {
			r := mustRun(t, t0, "keys", "generate", "--format", tc.format, "--json")
			var g generated
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &g))
			assert.Equal(t, tc.alg.String(), g.Alg)
			// The output is a key-set file entry: the keys package must
			// read it back as a key that issues, with the printed ID.
			entry := map[string]any{"kid": g.Kid, "alg": g.Alg}
			if tc.secretHead != "" {
				assert.True(t, strings.HasPrefix(g.PASERK, tc.secretHead), "paserk %.12s…", g.PASERK)
				assert.Nil(t, g.JWK)
				entry["paserk"] = g.PASERK
			} else {
				assert.Empty(t, g.PASERK)
				entry["jwk"] = g.JWK
			}
			file, err := json.Marshal(map[string]any{"version": 1, "keys": []any{entry}})
			require.NoError(t, err)
			s, err := keys.ParseSet(file)
			require.NoError(t, err)
			k, err := s.Lookup(g.Kid)
			require.NoError(t, err)
			assert.True(t, k.CanIssue())
			assert.Equal(t, tc.alg, k.Algorithm())

			if tc.public {
				assert.True(t, g.PublicPASERK != "" || g.PublicJWK != nil)
				assert.NotContains(t, string(g.PublicJWK), `"d"`, "the public JWK holds no private member")
				if g.PublicPASERK != "" {
					pub, err := keys.ParsePASERK(g.PublicPASERK)
					require.NoError(t, err)
					assert.Equal(t, g.Kid, pub.ID())
					assert.False(t, pub.CanIssue())
				}
			} else {
				assert.Empty(t, g.PublicPASERK)
				assert.Nil(t, g.PublicJWK)
			}

			// The text form shows the same key and ID.
			r2 := mustRun(t, t0, "keys", "generate", "--format", tc.format)
			assert.Contains(t, r2.stdout, "kid:    ")
			assert.Contains(t, r2.stdout, "alg:    "+tc.alg.String())
			assert.Contains(t, r2.stdout, "secret: ")
			assert.NotContains(t, r2.stdout, g.Kid, "every run generates a fresh key")
		})
	}
}

// readList runs "keys list --json" at instant at and returns kid → row.
func readList(t *testing.T, now time.Time, file string, at string) map[string]keyRow {
	t.Helper()
	args := []string{"keys", "list", file, "--json"}
	if at != "" {
		args = append(args, "--at", at)
	}
	r := mustRun(t, now, args...)
	var out struct {
		At   string   `json:"at"`
		Keys []keyRow `json:"keys"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	m := map[string]keyRow{}
	for _, k := range out.Keys {
		m[k.Kid] = k
	}
	return m
}

func rowJSON(t *testing.T, r result) keyRow {
	t.Helper()
	var row keyRow
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &row), r.stdout)
	return row
}

func TestKeysRotation(t *testing.T) {
	for _, format := range []string{"v4.local", "v4.public", "hs256", "eddsa", "es256"} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "keys.json")
			old := rowJSON(t, mustRun(t, t0, "keys", "init", file, "--format", format, "--json"))
			assert.Equal(t, "primary", old.State)
			fi, err := os.Stat(file)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

			// add: pending for the default hour, in the file's format.
			added := rowJSON(t, mustRun(t, t0, "keys", "add", file, "--json"))
			assert.Equal(t, "pending", added.State)
			assert.Equal(t, old.Alg, added.Alg)
			assert.Equal(t, formatTime(t0.Add(time.Hour)), added.IssueFrom)
			now := readList(t, t0, file, "")
			assert.Equal(t, "primary", now[old.Kid].State)
			assert.Equal(t, "pending", now[added.Kid].State)
			later := readList(t, t0, file, "+2h")
			assert.Equal(t, "verify-only", later[old.Kid].State)
			assert.Equal(t, "primary", later[added.Kid].State)

			// promote: primary at once.
			t1 := t0.Add(10 * time.Minute)
			p := rowJSON(t, mustRun(t, t1, "keys", "promote", file, added.Kid, "--json"))
			assert.Equal(t, "primary", p.State)
			assert.Equal(t, formatTime(t1), p.IssueFrom)
			again := mustRun(t, t1, "keys", "promote", file, added.Kid)
			assert.Contains(t, again.stdout, "already primary")

			// retire: the primary cannot be retired, the old key can.
			r := runAt(t, t1, "", nil, "keys", "retire", file, added.Kid)
			assert.Equal(t, exitFailed, r.code)
			assert.Contains(t, r.stderr, "is the primary key")
			ret := rowJSON(t, mustRun(t, t1, "keys", "retire", file, old.Kid, "--max-token-lifetime", "30d", "--json"))
			assert.Equal(t, "verify-only", ret.State)
			assert.Equal(t, formatTime(t1.Add(30*24*time.Hour)), ret.VerifyUntil)
			s, err := keys.LoadFile(file)
			require.NoError(t, err)
			k, err := s.Lookup(old.Kid)
			require.NoError(t, err)
			if k.Purpose() == keys.Public {
				assert.False(t, k.CanIssue(), "a retired asymmetric key loses its private half")
			} else {
				assert.True(t, k.CanIssue(), "a symmetric key has no other half")
			}
			// A second retire keeps the earlier verify_until unless told.
			mustRun(t, t1, "keys", "retire", file, old.Kid, "--max-token-lifetime", "60d")
			assert.Equal(t, ret.VerifyUntil, readList(t, t1, file, "")[old.Kid].VerifyUntil)
			mustRun(t, t1, "keys", "retire", file, old.Kid, "--verify-until", "+1d")
			assert.Equal(t, formatTime(t1.Add(24*time.Hour)), readList(t, t1, file, "")[old.Kid].VerifyUntil)
			// The old key expires after a day; the new one stays primary.
			final := readList(t, t1, file, "+2d")
			assert.Equal(t, "expired", final[old.Kid].State)
			assert.Equal(t, "primary", final[added.Kid].State)

			// remove: the expired key goes; the primary cannot.
			t2 := t1.Add(3 * 24 * time.Hour)
			r = runAt(t, t2, "", nil, "keys", "remove", file, added.Kid)
			assert.Equal(t, exitFailed, r.code)
			mustRun(t, t2, "keys", "remove", file, old.Kid)
			left := readList(t, t2, file, "")
			assert.Len(t, left, 1)
			assert.Contains(t, left, added.Kid)
		})
	}
}

func TestKeysRefusals(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "keys.json")
	first := rowJSON(t, mustRun(t, t0, "keys", "init", file, "--json"))
	cases := []struct {
		name      string
		now       time.Time
		args      []string
		wantCode  int
		wantInErr string
	}{
		{name: "init over a file", args: []string{"keys", "init", file}, wantCode: exitFailed, wantInErr: "already exists"},
		{name: "promote unknown kid", args: []string{"keys", "promote", file, "k4.lid.unknown"}, wantCode: exitFailed, wantInErr: "is not in"},
		{name: "retire primary", args: []string{"keys", "retire", file, first.Kid}, wantCode: exitFailed, wantInErr: "primary key"},
		{name: "remove last key", args: []string{"keys", "remove", file, first.Kid}, wantCode: exitFailed, wantInErr: "primary key"},
		{name: "list missing file", args: []string{"keys", "list", filepath.Join(dir, "missing.json")}, wantCode: exitFailed, wantInErr: "no such file"},
		{name: "add to missing file", args: []string{"keys", "add", filepath.Join(dir, "missing.json")}, wantCode: exitFailed, wantInErr: "no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, err := os.ReadFile(file)
			require.NoError(t, err)
			r := runT(t, tc.args...)
			assert.Equal(t, tc.wantCode, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tc.wantInErr)
			after, err := os.ReadFile(file)
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "a refused command leaves the file alone")
		})
	}
}

func TestKeysAddSchedule(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	mustRun(t, t0, "keys", "init", file, "--format", "v4.local")

	// --issue-from now: primary at once, with a warning about instances
	// that have not reloaded yet.
	r := mustRun(t, t0, "keys", "add", file, "--issue-from", "now", "--json")
	b := rowJSON(t, r)
	assert.Equal(t, "primary", b.State)
	assert.Contains(t, r.stderr, "warning: the new key is primary at once")

	// An issue_from before the current primary's would never take over.
	before, err := os.ReadFile(file)
	require.NoError(t, err)
	r = runT(t, "keys", "add", file, "--issue-from", "-1h")
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "would not become primary")
	after, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after))

	// An RFC 3339 instant is kept as given.
	c := rowJSON(t, mustRun(t, t0, "keys", "add", file, "--issue-from", "2026-03-02T00:00:00Z", "--json"))
	assert.Equal(t, "2026-03-02T00:00:00Z", c.IssueFrom)
	assert.Equal(t, "pending", c.State)

	// A second format: the default is then ambiguous.
	mustRun(t, t0, "keys", "add", file, "--format", "hs256", "--issue-from", "now")
	r = runT(t, "keys", "add", file)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "several formats")
	d := rowJSON(t, mustRun(t, t0, "keys", "add", file, "--format", "hs256", "--json"))
	assert.Equal(t, "HS256", d.Alg)
}

func TestKeysRetirePendingAndRemove(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	mustRun(t, t0, "keys", "init", file, "--format", "eddsa")
	pending := rowJSON(t, mustRun(t, t0, "keys", "add", file, "--json"))
	r := runT(t, "keys", "retire", file, pending.Kid)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "keys remove")
	r = mustRun(t, t0, "keys", "remove", file, pending.Kid)
	assert.Contains(t, r.stdout, "was pending")
	assert.Empty(t, r.stderr)
	assert.NotContains(t, readList(t, t0, file, ""), pending.Kid)

	// Removing a verify-only key cuts its tokens off: it warns.
	next := rowJSON(t, mustRun(t, t0, "keys", "add", file, "--issue-from", "now", "--json"))
	first := ""
	for kid := range readList(t, t0, file, "") {
		if kid != next.Kid {
			first = kid
		}
	}
	r = mustRun(t, t0, "keys", "remove", file, first)
	assert.Contains(t, r.stderr, "stops verifying")
	assert.Len(t, readList(t, t0, file, ""), 1)
}

func TestKeysListText(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	first := rowJSON(t, mustRun(t, t0, "keys", "init", file, "--format", "es256", "--json"))
	second := rowJSON(t, mustRun(t, t0, "keys", "add", file, "--format", "eddsa", "--json"))
	secrets := secretsOf(t, file)

	r := mustRun(t, t0, "keys", "list", file)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 3)
	assert.Regexp(t, `^KID +ALG +STATE +ISSUES +ISSUE FROM +VERIFY UNTIL$`, lines[0])
	assert.Regexp(t, `^`+first.Kid+` +ES256 +primary +yes +- +never$`, lines[1])
	assert.Regexp(t, `^`+second.Kid+` +EdDSA +pending +yes +2026-03-01T13:00:00Z \(in 1h\) +never$`, lines[2])
	assertNoSecrets(t, r, secrets)

	// --at shows the schedule's effect and says which instant it shows.
	r = mustRun(t, t0, "keys", "list", file, "--at", "+90m")
	assert.Regexp(t, first.Kid+` +ES256 +verify-only`, r.stdout)
	assert.Regexp(t, second.Kid+` +EdDSA +primary`, r.stdout)
	assert.Contains(t, r.stdout, "(states at 2026-03-01T13:30:00Z, in 1h30m)")
	assertNoSecrets(t, r, secrets)
}
