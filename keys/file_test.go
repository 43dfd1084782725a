package keys

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

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sets", name))
	require.NoError(t, err)
	return b
}

// assertEquivalent checks that two sets hold the same keys, in the same
// order, with the same windows.
func assertEquivalent(t *testing.T, want, got *Set) {
	t.Helper()
	require.Equal(t, want.Len(), got.Len())
	for i, wk := range want.Keys() {
		gk := got.Keys()[i]
		assert.True(t, wk.Equal(gk), "key %d: %v vs %v", i, wk, gk)
		assert.True(t, wk.IssueFrom().Equal(gk.IssueFrom()), "key %d IssueFrom", i)
		assert.True(t, wk.VerifyUntil().Equal(gk.VerifyUntil()), "key %d VerifyUntil", i)
	}
}

func TestParseSetFixture(t *testing.T) {
	data := readFixture(t, "all-algorithms.json")
	s, err := ParseSet(data)
	require.NoError(t, err)
	require.Equal(t, 7, s.Len())

	want := []struct {
		alg      Algorithm
		id       string
		canIssue bool
	}{
		{V4Local, "k4.lid.bqltbNc4JLUAmc9Xtpok-fBuI0dQN5_m3CD9W_nbh559", true}, // official k4.lid-1
		{V4Local, "k4.lid.iVtYQDjr5gEijCSjJC3fQaJm7nCeQSeaty0Jixy8dbsk", true}, // official k4.lid-2
		{V4Public, "k4.pid.mCv5F34c3ALB7hzKEOQUsEBpj3CTArhbJzGyeeCCKWn1", true},
		{V4Public, "k4.pid.S_XQmeEwHbbvRmiyfXfHYpLGjXGzjTRSDoT1YtTakWFE", false}, // official k4.pid-1
		{HS256, "XOBEfwKZzZgziWfq7yZzhEKNQfihBMioCzRbNmqUH0Y", true},
		{EdDSA, rfc8037Thumbprint, true},
		{ES256, "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s", false},
	}
	for i, k := range s.Keys() {
		assert.Equal(t, want[i].alg, k.Algorithm(), "key %d", i)
		assert.Equal(t, want[i].id, k.ID(), "key %d", i)
		assert.Equal(t, want[i].canIssue, k.CanIssue(), "key %d", i)
	}
	assert.Equal(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), s.Keys()[0].IssueFrom())
	assert.Equal(t, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), s.Keys()[0].VerifyUntil())

	// The fixture is in the canonical form MarshalFile writes.
	out, err := s.MarshalFile()
	require.NoError(t, err)
	assert.Equal(t, string(data), string(out))
}

func TestSetFileRoundTrip(t *testing.T) {
	var ks []*Key
	for i, alg := range allAlgorithms {
		k := mustGenerate(t, alg)
		switch i % 3 {
		case 1:
			k = k.WithValidity(day(i), time.Time{})
		case 2:
			k = k.WithValidity(day(i).Add(123456789), day(i+30)) // sub-second instants survive
		}
		ks = append(ks, k)
		if alg.Purpose() == Public {
			ks = append(ks, mustPublic(t, mustGenerate(t, alg)))
		}
	}
	s := mustSet(t, ks...)
	data, err := s.MarshalFile()
	require.NoError(t, err)
	back, err := ParseSet(data)
	require.NoError(t, err)
	assertEquivalent(t, s, back)
	again, err := back.MarshalFile()
	require.NoError(t, err)
	assert.Equal(t, string(data), string(again), "MarshalFile is deterministic")

	for _, alg := range allAlgorithms {
		k := mustGenerate(t, alg)
		for _, name := range []string{"k4.local.", "k4.secret."} {
			if p, err := k.SecretPASERK(); err == nil && strings.HasPrefix(p, name) {
				assert.Contains(t, string(mustMarshal(t, k)), p, "PASETO material is PASERK")
			}
		}
	}
}

func mustMarshal(t *testing.T, ks ...*Key) []byte {
	t.Helper()
	b, err := mustSet(t, ks...).MarshalFile()
	require.NoError(t, err)
	return b
}

func TestMarshalFileRefusesUnwritableInstants(t *testing.T) {
	for _, w := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC)} {
		k := mustGenerate(t, V4Local).WithValidity(time.Time{}, w)
		_, err := mustSet(t, k).MarshalFile()
		assert.ErrorIs(t, err, ErrInvalidSet, "%v", w)
		assert.ErrorIs(t, err, ErrInvalidKey, "%v", w)
	}
}

func TestMarshalFileRefusesEmpty(t *testing.T) {
	var nilSet *Set
	_, err := nilSet.MarshalFile()
	assert.ErrorIs(t, err, ErrInvalidSet)
	_, err = mustSet(t).MarshalFile()
	assert.ErrorIs(t, err, ErrInvalidSet)
	assert.ErrorIs(t, SaveFile(filepath.Join(t.TempDir(), "k.json"), mustSet(t)), ErrInvalidSet)
}

// A minimal valid entry, mutated by the rejection cases below.
const (
	okLocal = `{"kid":"k4.lid.iVtYQDjr5gEijCSjJC3fQaJm7nCeQSeaty0Jixy8dbsk","alg":"v4.local","paserk":"k4.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8"}`
	okHS    = `{"kid":"XOBEfwKZzZgziWfq7yZzhEKNQfihBMioCzRbNmqUH0Y","alg":"HS256","jwk":{"kty":"oct","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}}`
	okEd    = `{"kid":"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k","alg":"EdDSA","jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}}`
	okES    = `{"kid":"cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"}}`
	secretB = "cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8" // okLocal's material
)

func file(keys ...string) string { return `{"version":1,"keys":[` + strings.Join(keys, ",") + `]}` }

func TestParseSetAcceptsVariants(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{name: "minimal", data: file(okLocal)},
		{name: "ES256 with d", data: file(okES)},
		{name: "ES256 verify-only", data: file(strings.Replace(okES, `,"d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"`, ``, 1))},
		{name: "EdDSA verify-only", data: file(strings.Replace(okEd, `,"d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"`, ``, 1))},
		{name: "whitespace", data: " \n{ \"version\" : 1 ,\n \"keys\" : [ " + okLocal + " ] }\n"},
		{name: "members in any order", data: `{"keys":[` + okLocal + `],"version":1}`},
		{name: "offset instants", data: file(strings.Replace(okLocal, `}`, `,"issue_from":"2026-01-01T01:00:00+01:00","verify_until":"2026-02-01T00:00:00.5Z"}`, 1))},
		{name: "JWK with matching kid, alg and use", data: file(strings.Replace(okHS, `"kty":"oct"`, `"kty":"oct","kid":"XOBEfwKZzZgziWfq7yZzhEKNQfihBMioCzRbNmqUH0Y","alg":"HS256","use":"sig"`, 1))},
		{name: "escaped member name", data: `{"\u0076ersion":1,"keys":[` + okLocal + `]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSet([]byte(tc.data))
			require.NoError(t, err)
			assert.Equal(t, 1, s.Len())
		})
	}
}

func TestParseSetRejects(t *testing.T) {
	edMismatch := strings.Replace(okEd, `"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"`, `"x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"`, 1)
	tests := []struct {
		name    string
		data    string
		wantKey bool // the error is about one key's material: also ErrInvalidKey
	}{
		{name: "empty", data: ""},
		{name: "not JSON", data: "version: 1"},
		{name: "array", data: "[]"},
		{name: "string", data: `"k4.local.` + secretB + `"`},
		{name: "truncated", data: file(okLocal)[:40]},
		{name: "trailing data", data: file(okLocal) + "{}"},
		{name: "trailing garbage", data: file(okLocal) + "x"},
		{name: "two sets", data: file(okLocal) + file(okLocal)},
		{name: "missing version", data: `{"keys":[` + okLocal + `]}`},
		{name: "version 0", data: `{"version":0,"keys":[` + okLocal + `]}`},
		{name: "version 2", data: `{"version":2,"keys":[` + okLocal + `]}`},
		{name: "version as string", data: `{"version":"1","keys":[` + okLocal + `]}`},
		{name: "version 1.0", data: `{"version":1.0,"keys":[` + okLocal + `]}`},
		{name: "version null", data: `{"version":null,"keys":[` + okLocal + `]}`},
		{name: "no keys", data: `{"version":1,"keys":[]}`},
		{name: "keys missing", data: `{"version":1}`},
		{name: "keys null", data: `{"version":1,"keys":null}`},
		{name: "duplicate version", data: `{"version":1,"version":1,"keys":[` + okLocal + `]}`},
		{name: "duplicate keys member", data: `{"version":1,"keys":[],"keys":[` + okLocal + `]}`},
		{name: "duplicate kid", data: file(strings.Replace(okLocal, `{`, `{"kid":"x",`, 1))},
		{name: "duplicate JWK member", data: file(strings.Replace(okHS, `"kty":"oct"`, `"kty":"oct","kty":"oct"`, 1))},
		{name: "unknown top-level member", data: `{"version":1,"keys":[` + okLocal + `],"comment":"hi"}`},
		{name: "known name at the wrong level", data: `{"version":1,"kid":"x","keys":[` + okLocal + `]}`},
		{name: "unknown key member", data: file(strings.Replace(okLocal, `{`, `{"note":"x",`, 1))},
		{name: "case-folded member", data: `{"Version":1,"keys":[` + okLocal + `]}`},
		{name: "Kelvin-folded member", data: file(strings.Replace(okHS, `"k":`, "\"\u212a\":", 1))},
		{name: "null value", data: file(strings.Replace(okLocal, `{`, `{"issue_from":null,`, 1))},
		{name: "nested too deep", data: file(strings.Replace(okHS, `"kty":"oct"`, `"kty":"oct","x":{"y":[1]}`, 1))},
		{name: "unknown algorithm", data: file(strings.Replace(okLocal, `"v4.local"`, `"v3.local"`, 1)), wantKey: true},
		{name: "alg none", data: file(strings.Replace(okLocal, `"v4.local"`, `"none"`, 1)), wantKey: true},
		{name: "missing alg", data: file(strings.Replace(okLocal, `"alg":"v4.local",`, ``, 1)), wantKey: true},
		{name: "missing kid", data: file(strings.Replace(okLocal, `"kid":"k4.lid.iVtYQDjr5gEijCSjJC3fQaJm7nCeQSeaty0Jixy8dbsk",`, ``, 1)), wantKey: true},
		{name: "kid of another key", data: file(strings.Replace(okLocal, `iVtYQDjr5gEijCSjJC3fQaJm7nCeQSeaty0Jixy8dbsk`, `bqltbNc4JLUAmc9Xtpok-fBuI0dQN5_m3CD9W_nbh559`, 1)), wantKey: true},
		{name: "kid holding the PASERK by mistake", data: file(strings.Replace(okLocal, `k4.lid.iVtYQDjr5gEijCSjJC3fQaJm7nCeQSeaty0Jixy8dbsk`, `k4.local.`+secretB, 1)), wantKey: true},
		{name: "JWK kid holding the secret by mistake", data: file(strings.Replace(okHS, `"kty":"oct"`, `"kty":"oct","kid":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"`, 1)), wantKey: true},
		{name: "kid empty", data: file(strings.Replace(okLocal, `k4.lid.iVtYQDjr5gEijCSjJC3fQaJm7nCeQSeaty0Jixy8dbsk`, ``, 1)), wantKey: true},
		{name: "paserk of another algorithm", data: file(strings.Replace(okLocal, `"v4.local"`, `"v4.public"`, 1)), wantKey: true},
		{name: "v4 key as JWK", data: file(`{"kid":"x","alg":"v4.local","jwk":{"kty":"oct","k":"` + secretB + `"}}`), wantKey: true},
		{name: "JWT key as PASERK", data: file(`{"kid":"x","alg":"HS256","paserk":"k4.local.` + secretB + `"}`), wantKey: true},
		{name: "both paserk and jwk", data: file(strings.Replace(okLocal, `{`, `{"jwk":{"kty":"oct","k":"`+secretB+`"},`, 1)), wantKey: true},
		{name: "bad PASERK", data: file(strings.Replace(okLocal, secretB, secretB[:42]+"9", 1)), wantKey: true},
		{name: "HS256 short", data: file(strings.Replace(okHS, `MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY`, `MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZQ`, 1)), wantKey: true},
		{name: "HS256 padded", data: file(strings.Replace(okHS, `ZWY"}`, `ZWY="}`, 1)), wantKey: true},
		{name: "HS256 wrong kty", data: file(strings.Replace(okHS, `"oct"`, `"OKP"`, 1)), wantKey: true},
		{name: "HS256 with d", data: file(strings.Replace(okHS, `"kty":"oct"`, `"kty":"oct","d":"AA"`, 1)), wantKey: true},
		{name: "JWK alg mismatch", data: file(strings.Replace(okHS, `"kty":"oct"`, `"kty":"oct","alg":"HS512"`, 1)), wantKey: true},
		{name: "JWK use enc", data: file(strings.Replace(okHS, `"kty":"oct"`, `"kty":"oct","use":"enc"`, 1)), wantKey: true},
		{name: "JWK kid mismatch", data: file(strings.Replace(okHS, `"kty":"oct"`, `"kty":"oct","kid":"other"`, 1)), wantKey: true},
		{name: "EdDSA wrong curve", data: file(strings.Replace(okEd, `"Ed25519"`, `"X25519"`, 1)), wantKey: true},
		{name: "EdDSA d does not match x", data: file(edMismatch), wantKey: true},
		{name: "ES256 wrong curve", data: file(strings.Replace(okES, `"P-256"`, `"P-384"`, 1)), wantKey: true},
		{name: "ES256 wrong kty", data: file(strings.Replace(okES, `"EC"`, `"oct"`, 1)), wantKey: true},
		{name: "ES256 with k", data: file(strings.Replace(okES, `"kty":"EC"`, `"kty":"EC","k":"AA"`, 1)), wantKey: true},
		{name: "ES256 point off the curve", data: file(strings.Replace(okES, `4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM`, `4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyA`, 1)), wantKey: true},
		{name: "ES256 x short", data: file(strings.Replace(okES, `MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4`, `MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7`, 1)), wantKey: true},
		{name: "ES256 y missing", data: file(strings.Replace(okES, `"y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",`, ``, 1)), wantKey: true},
		{name: "ES256 d of another key", data: file(strings.Replace(okES, `870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE`, `AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE`, 1)), wantKey: true},
		{name: "ES256 d zero", data: file(strings.Replace(okES, `870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE`, `AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, 1)), wantKey: true},
		{name: "ES256 d above the order", data: file(strings.Replace(okES, `870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE`, `_________________________________________w`, 1)), wantKey: true},
		{name: "EdDSA d short", data: file(strings.Replace(okEd, `nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A`, `nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyu`, 1)), wantKey: true},
		{name: "EdDSA x bad base64", data: file(strings.Replace(okEd, `11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo`, `11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo`, 1)), wantKey: true},
		{name: "HS256 k missing", data: file(strings.Replace(okHS, `,"k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"`, ``, 1)), wantKey: true},
		{name: "issue_from not RFC 3339", data: file(strings.Replace(okLocal, `{`, `{"issue_from":"2026-01-01",`, 1)), wantKey: true},
		{name: "verify_until without offset", data: file(strings.Replace(okLocal, `{`, `{"verify_until":"2026-01-01T00:00:00",`, 1)), wantKey: true},
		{name: "issue_from empty", data: file(strings.Replace(okLocal, `{`, `{"issue_from":"",`, 1)), wantKey: true},
		{name: "secret pasted into issue_from", data: file(strings.Replace(okLocal, `{`, `{"issue_from":"`+secretB+`",`, 1)), wantKey: true},
		{name: "secret pasted into alg", data: file(strings.Replace(okLocal, `"alg":"v4.local"`, `"alg":"`+secretB+`"`, 1)), wantKey: true},
		{name: "year 10000", data: file(strings.Replace(okLocal, `{`, `{"verify_until":"10000-01-01T00:00:00Z",`, 1)), wantKey: true},
		{name: "year 0 in UTC", data: file(strings.Replace(okLocal, `{`, `{"issue_from":"0001-01-01T00:00:00+01:00",`, 1)), wantKey: true},
		{name: "zero instant", data: file(strings.Replace(okLocal, `{`, `{"issue_from":"0001-01-01T00:00:00Z",`, 1)), wantKey: true},
		{name: "window ends before it starts", data: file(strings.Replace(okLocal, `{`, `{"issue_from":"2026-02-01T00:00:00Z","verify_until":"2026-01-01T00:00:00Z",`, 1)), wantKey: true},
		{name: "same key twice", data: file(okLocal, okLocal), wantKey: true},
		{name: "v4.local secret reused as HS256", data: file(okLocal, `{"kid":"`+thumbprint(`{"k":"`+secretB+`","kty":"oct"}`)+`","alg":"HS256","jwk":{"kty":"oct","k":"`+secretB+`"}}`), wantKey: true},
		{name: "too large", data: file(okLocal) + strings.Repeat(" ", MaxFileSize)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSet([]byte(tc.data))
			require.Error(t, err)
			assert.Nil(t, s)
			assert.ErrorIs(t, err, ErrInvalidSet)
			if tc.wantKey {
				assert.ErrorIs(t, err, ErrInvalidKey)
			}
			assert.NotContains(t, err.Error(), secretB[:20], "errors never quote key material")
			assert.NotContains(t, err.Error(), "nWGxne_9WmC6hEr0", "errors never quote key material")
			assert.NotContains(t, err.Error(), "870MB6gfuTJ4HtUn", "errors never quote key material")
			assert.NotContains(t, err.Error(), "MDEyMzQ1Njc4OWFi", "errors never quote key material")
		})
	}
}

func TestLoadSaveFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.json")
	s := mustSet(t, mustGenerate(t, V4Local).WithValidity(day(0), day(9)), mustGenerate(t, ES256))

	require.NoError(t, SaveFile(path, s))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	back, err := LoadFile(path)
	require.NoError(t, err)
	assertEquivalent(t, s, back)

	// Replacing an existing, more permissive file keeps it 0600 and
	// leaves no temporary file behind.
	require.NoError(t, os.Chmod(path, 0o644))
	s2 := mustSet(t, mustGenerate(t, HS256))
	require.NoError(t, SaveFile(path, s2))
	fi, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	back, err = LoadFile(path)
	require.NoError(t, err)
	assertEquivalent(t, s2, back)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary files left: %v", entries)

	// A failed save leaves the old file intact and no temporary file.
	require.Error(t, SaveFile(filepath.Join(dir, "missing-dir", "keys.json"), s))
	back, err = LoadFile(path)
	require.NoError(t, err)
	assertEquivalent(t, s2, back)

	// A relative path saves in the working directory.
	t.Chdir(dir)
	require.NoError(t, SaveFile("rel.json", s))
	_, err = LoadFile(filepath.Join(dir, "rel.json"))
	require.NoError(t, err)
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadFile(filepath.Join(dir, "missing.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	big := filepath.Join(dir, "big.json")
	require.NoError(t, os.WriteFile(big, append([]byte(file(okLocal)), bytes.Repeat([]byte(" "), MaxFileSize)...), 0o600))
	_, err = LoadFile(big)
	assert.ErrorIs(t, err, ErrInvalidSet)

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"version":2,"keys":[]}`), 0o600))
	_, err = LoadFile(bad)
	assert.ErrorIs(t, err, ErrInvalidSet)
	assert.Contains(t, err.Error(), bad, "the error names the file")
}

func TestFromEnv(t *testing.T) {
	const name = "SESSIONTOKEN_KEYS_TEST"
	t.Setenv(name, string(readFixture(t, "rotation.json")))
	s, err := FromEnv(name)
	require.NoError(t, err)
	assert.Equal(t, 2, s.Len())

	t.Setenv(name, "")
	_, err = FromEnv(name)
	assert.ErrorIs(t, err, ErrInvalidSet)

	_, err = FromEnv("SESSIONTOKEN_KEYS_TEST_UNSET_" + t.Name())
	assert.ErrorIs(t, err, ErrInvalidSet)

	t.Setenv(name, file(okLocal)+"x")
	_, err = FromEnv(name)
	assert.ErrorIs(t, err, ErrInvalidSet)
	assert.Contains(t, err.Error(), name)
	assert.NotContains(t, err.Error(), secretB)
}

// TestRotationFixtureStates reads the rotation fixture with a fixed clock:
// the key the docs walk through.
func TestRotationFixtureStates(t *testing.T) {
	s, err := ParseSet(readFixture(t, "rotation.json"))
	require.NoError(t, err)
	oldID, newID := s.Keys()[0].ID(), s.Keys()[1].ID()
	tests := []struct {
		name             string
		now              string
		wantOld, wantNew State
	}{
		{name: "January: old is primary, new pending", now: "2026-01-15T00:00:00Z", wantOld: StatePrimary, wantNew: StatePending},
		{name: "February: new is primary, old verifies", now: "2026-02-15T00:00:00Z", wantOld: StateVerifyOnly, wantNew: StatePrimary},
		{name: "March: old expired", now: "2026-03-01T00:00:00Z", wantOld: StateExpired, wantNew: StatePrimary},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now, err := time.Parse(time.RFC3339, tc.now)
			require.NoError(t, err)
			got, err := s.State(oldID, now)
			require.NoError(t, err)
			assert.Equal(t, tc.wantOld, got, "old: %v", got)
			got, err = s.State(newID, now)
			require.NoError(t, err)
			assert.Equal(t, tc.wantNew, got, "new: %v", got)
		})
	}
}
