package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken"
	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// keyFile creates a key-set file with one key of the given CLI format and
// returns its path and set.
func keyFile(t *testing.T, format string) (string, *keys.Set) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "keys.json")
	mustRun(t, t0, "keys", "init", file, "--format", format)
	s, err := keys.LoadFile(file)
	require.NoError(t, err)
	return file, s
}

// issue issues a token at t0 with the set's primary key of format f.
func issue(t *testing.T, s *keys.Set, f token.Format, cfg token.Config) (string, token.Claims) {
	t.Helper()
	cfg.Keys, cfg.Format = s, f
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return t0 }
	}
	codec, err := token.New(cfg)
	require.NoError(t, err)
	raw, err := codec.Issue(token.Claims{
		Subject: "user-42", Roles: []string{"admin"}, Scopes: []string{"read", "write"},
		Data: json.RawMessage(`{"plan":"pro"}`),
	})
	require.NoError(t, err)
	cl, err := codec.Verify(raw)
	require.NoError(t, err)
	return raw, *cl
}

// secretsOf returns every secret string in a key-set file, to check that
// no output ever contains one.
func secretsOf(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var f struct {
		Keys []struct {
			PASERK string `json:"paserk"`
			JWK    struct {
				D string `json:"d"`
				K string `json:"k"`
			} `json:"jwk"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(data, &f))
	var out []string
	for _, k := range f.Keys {
		for _, s := range []string{k.PASERK, k.JWK.D, k.JWK.K} {
			if s != "" {
				// Strip the PASERK header: the material is what matters.
				if i := strings.LastIndexByte(s, '.'); i >= 0 {
					s = s[i+1:]
				}
				out = append(out, s)
			}
		}
	}
	require.NotEmpty(t, out)
	return out
}

func assertNoSecrets(t *testing.T, r result, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		assert.NotContains(t, r.stdout, s, "key material on stdout")
		assert.NotContains(t, r.stderr, s, "key material on stderr")
	}
}

func TestInspectEveryFormat(t *testing.T) {
	cases := []struct {
		format   string
		tf       token.Format
		readable bool // the payload is readable without the key
		want     string
	}{
		{format: "v4.local", tf: token.V4Local, want: "format:   v4.local\nversion:  v4\npurpose:  local\n"},
		{format: "v4.public", tf: token.V4Public, readable: true, want: "format:   v4.public\nversion:  v4\npurpose:  public\n"},
		{format: "hs256", tf: token.JWT, readable: true, want: `"alg":"HS256"`},
		{format: "eddsa", tf: token.JWT, readable: true, want: `"alg":"EdDSA"`},
		{format: "es256", tf: token.JWT, readable: true, want: `"alg":"ES256"`},
	}
	for _, tc := range cases {
		t.Run(tc.format, func(t *testing.T) {
			file, s := keyFile(t, tc.format)
			secrets := secretsOf(t, file)
			raw, cl := issue(t, s, tc.tf, token.Config{})
			kid := s.Keys()[0].ID()

			// Without keys: what the token says about itself.
			r := runAt(t, t0, "", nil, "token", "inspect", raw)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Contains(t, r.stdout, tc.want)
			assert.Contains(t, r.stdout, "kid:      "+kid)
			if tc.readable {
				assert.Contains(t, r.stdout, "UNVERIFIED")
				assert.Contains(t, r.stdout, `"sub": "user-42"`)
				assert.Contains(t, r.stdout, "exp (UNVERIFIED): "+formatTime(t0.Add(token.DefaultTTL))+" (in 15m)")
			} else {
				assert.Contains(t, r.stdout, "encrypted")
				assert.NotContains(t, r.stdout, "user-42")
			}
			assert.NotContains(t, r.stdout, "verified:")
			assertNoSecrets(t, r, secrets)

			// With keys, a minute later: verified, with its claims.
			t1 := t0.Add(time.Minute)
			r = runAt(t, t1, "", nil, "token", "inspect", "--keys", file, raw)
			require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
			assert.Contains(t, r.stdout, "verified: yes\n")
			assert.Contains(t, r.stdout, "sub:   user-42")
			assert.Contains(t, r.stdout, "sid:   "+cl.SessionID.Base64())
			assert.Contains(t, r.stdout, "roles: admin")
			assert.Contains(t, r.stdout, "scope: read write")
			assert.Contains(t, r.stdout, "iat:   "+formatTime(t0)+" (1m ago)")
			assert.Contains(t, r.stdout, "exp:   "+formatTime(t0.Add(token.DefaultTTL))+" (in 14m)")
			assert.Contains(t, r.stdout, `data:  {"plan":"pro"}`)
			assert.Contains(t, r.stdout, "key:      "+s.Keys()[0].Algorithm().String()+" in "+file+", primary")
			assert.NotContains(t, r.stdout, "UNVERIFIED")
			assertNoSecrets(t, r, secrets)

			// JSON, from stdin, as copied from an Authorization header.
			r = runAt(t, t1, "Bearer "+raw+"\n", nil, "token", "inspect", "--keys", file, "--json", "-")
			require.Equal(t, exitOK, r.code, r.stderr)
			var in inspection
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &in))
			assert.Equal(t, kid, in.KeyID)
			require.NotNil(t, in.Verification)
			assert.True(t, in.Verification.Verified)
			require.NotNil(t, in.Verification.Claims)
			assert.Equal(t, "user-42", in.Verification.Claims.Subject)
			assert.Equal(t, cl.SessionID.Base64(), in.Verification.Claims.SessionID)
			assert.Equal(t, []string{"admin"}, in.Verification.Claims.Roles)
			require.NotNil(t, in.Key)
			assert.Equal(t, "primary", in.Key.State)
			assertNoSecrets(t, r, secrets)

			// An hour later the token has expired: exit 1, with the reason.
			r = runAt(t, t0.Add(time.Hour), "", nil, "token", "inspect", "--keys", file, raw)
			assert.Equal(t, exitFailed, r.code)
			assert.Contains(t, r.stdout, "verified: NO: token: expired")
			assert.Contains(t, r.stderr, "token does not verify: token: expired")

			// Another key set does not know the key.
			other, _ := keyFile(t, tc.format)
			r = runAt(t, t1, "", nil, "token", "inspect", "--keys", other, raw)
			assert.Equal(t, exitFailed, r.code)
			assert.Contains(t, r.stdout, "key:      not in "+other)
			assert.Contains(t, r.stdout, "token: unknown key")
		})
	}
}

func TestInspectVerificationOptions(t *testing.T) {
	file, s := keyFile(t, "v4.local")
	t1 := t0.Add(time.Minute)
	withAssertion, _ := issue(t, s, token.V4Local, token.Config{ImplicitAssertion: []byte("tenant-1"), Issuer: "https://api.example", Audience: []string{"mobile"}})
	jwtFile, js := keyFile(t, "hs256")
	jwt, _ := issue(t, js, token.JWT, token.Config{})
	big := strings.Repeat("A", 5000)

	cases := []struct {
		name      string
		args      []string
		late      time.Duration // run this long after t1
		wantCode  int
		wantInOut string
	}{
		{name: "assertion missing", args: []string{"--keys", file, withAssertion}, wantCode: exitFailed, wantInOut: "(under no implicit assertion and the Manager's access and refresh assertions; give --implicit-assertion)"},
		{name: "assertion wrong", args: []string{"--keys", file, "--implicit-assertion", "tenant-2", withAssertion}, wantCode: exitFailed, wantInOut: "token: bad signature"},
		{name: "assertion right", args: []string{"--keys", file, "--implicit-assertion", "tenant-1", withAssertion}, wantCode: exitOK, wantInOut: "verified: yes"},
		{name: "issuer right", args: []string{"--keys", file, "--implicit-assertion", "tenant-1", "--issuer", "https://api.example", withAssertion}, wantCode: exitOK, wantInOut: "iss:   https://api.example"},
		{name: "issuer wrong", args: []string{"--keys", file, "--implicit-assertion", "tenant-1", "--issuer", "https://evil.example", withAssertion}, wantCode: exitFailed, wantInOut: "token: wrong issuer"},
		{name: "audience one of", args: []string{"--keys", file, "--implicit-assertion", "tenant-1", "--audience", "web,mobile", withAssertion}, wantCode: exitOK, wantInOut: "aud:   mobile"},
		{name: "audience wrong", args: []string{"--keys", file, "--implicit-assertion", "tenant-1", "--audience", "web", withAssertion}, wantCode: exitFailed, wantInOut: "token: wrong audience"},
		{name: "leeway accepts an expired token", args: []string{"--keys", jwtFile, "--leeway", "1h", jwt}, late: 30 * time.Minute, wantCode: exitOK, wantInOut: "verified: yes"},
		{name: "assertion on a JWT", args: []string{"--keys", jwtFile, "--implicit-assertion", "x", jwt}, wantCode: exitUsage},
		{name: "too large for the verifier", args: []string{"--keys", file, "--max-token-size", "64", withAssertion}, wantCode: exitFailed, wantInOut: "token: too large"},
		{name: "not a token", args: []string{"hello"}, wantCode: exitFailed},
		{name: "space inside", args: []string{"v4.local.abc def"}, wantCode: exitFailed},
		{name: "empty", args: []string{"  "}, wantCode: exitFailed},
		{name: "too long", args: []string{"v4.local." + strings.Repeat("A", maxInspectSize)}, wantCode: exitFailed},
		{name: "local without payload", args: []string{"v4.local..Zm9v"}, wantCode: exitFailed},
		{name: "bad base64 footer", args: []string{"v4.local.AAAA.A"}, wantCode: exitFailed},
		{name: "five segments", args: []string{"a.b.c.d.e"}, wantCode: exitFailed},
		{name: "v2 token", args: []string{"v2.local.AAAA"}, wantCode: exitFailed, wantInOut: "accepts v4 only"},
		{name: "v4 without footer", args: []string{"v4.public." + big}, wantCode: exitFailed, wantInOut: "no {\"kid\":…} footer"},
		{name: "alg none", args: []string{b64(`{"alg":"none","typ":"JWT"}`) + "." + b64(`{"sub":"admin"}`) + "."}, wantCode: exitFailed, wantInOut: `JWT alg "none"`},
		{name: "jwt without kid", args: []string{b64(`{"alg":"HS256"}`) + "." + b64(`{"sub":"x"}`) + ".c2ln"}, wantCode: exitFailed, wantInOut: "no kid"},
		{name: "jwt header not json", args: []string{b64(`nope`) + "." + b64(`{}`) + ".c2ln"}, wantCode: exitFailed},
		{name: "footer that is not JSON", args: []string{"v4.local.AAAA." + b64("\x00raw")}, wantCode: exitFailed, wantInOut: `footer:   "\x00raw"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runAt(t, t1.Add(tc.late), "", nil, append([]string{"token", "inspect"}, tc.args...)...)
			assert.Equal(t, tc.wantCode, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			if tc.wantInOut != "" {
				assert.Contains(t, r.stdout+r.stderr, tc.wantInOut)
			}
		})
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestInspectStdinIsBounded(t *testing.T) {
	r := runAt(t, t0, strings.Repeat("A", maxInspectSize+1), nil, "token", "inspect", "-")
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "longer than")
	assert.Empty(t, r.stdout)
}

// FuzzUnsafeInspect checks the unverified token reader: it never panics,
// it fails only with a negative answer (exit code 1), and what it accepts
// has a known format and prints as JSON.
func FuzzUnsafeInspect(f *testing.F) {
	for _, format := range []string{"v4.local", "v4.public", "hs256", "eddsa", "es256"} {
		k, err := keys.Generate(mustAlg(format))
		if err != nil {
			f.Fatal(err)
		}
		s, err := keys.NewSet(k)
		if err != nil {
			f.Fatal(err)
		}
		tf := map[string]token.Format{"v4.local": token.V4Local, "v4.public": token.V4Public}[format]
		if strings.HasPrefix(format, "hs") || strings.HasPrefix(format, "e") {
			tf = token.JWT
		}
		codec, err := token.New(token.Config{Keys: s, Format: tf})
		if err != nil {
			f.Fatal(err)
		}
		raw, err := codec.Issue(token.Claims{Subject: "s"})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	for _, seed := range []string{"", "v4.local.", "v4.public.AAAA.", "a.b.c", "a..c", "v2.local.x", "....", "v4.local.AAAA.e30", b64(`{"alg":"none"}`) + ".e30."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		in, format, err := unsafeInspect(raw, t0)
		if err != nil {
			var fl *failure
			if !errors.As(err, &fl) {
				t.Fatalf("error is not a negative answer: %v", err)
			}
			return
		}
		switch in.Format {
		case "v4.local", "v4.public", "JWT":
			if in.Problem == "" && format.String() != in.Format {
				t.Fatalf("format %v for a %s token", format, in.Format)
			}
		default:
			if in.Problem == "" {
				t.Fatalf("format %q accepted without a problem", in.Format)
			}
		}
		if _, err := json.Marshal(in); err != nil {
			t.Fatalf("inspection does not marshal: %v", err)
		}
	})
}

func mustAlg(format string) keys.Algorithm {
	for _, f := range formatNames {
		if f.name == format {
			return f.alg
		}
	}
	panic(format)
}

// TestInspectManagerTokens inspects the tokens a real Manager issues: the
// access and refresh tokens carry the Manager's implicit assertions, which
// inspect finds without being told.
func TestInspectManagerTokens(t *testing.T) {
	file, s := keyFile(t, "v4.local")
	store, err := revocation.NewMemory(revocation.MemoryConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, store.Close()) })
	mgr, err := sessiontoken.New(sessiontoken.Config{
		Keys: s, Revocations: store, Issuer: "https://api.example",
		Now: func() time.Time { return t0 },
	})
	require.NoError(t, err)
	pair, err := mgr.Login(context.Background(), sessiontoken.Subject{ID: "user-42", Roles: []string{"admin"}})
	require.NoError(t, err)

	for _, tc := range []struct {
		name, raw, kind string
	}{
		{name: "access", raw: pair.AccessToken, kind: "access token (Manager)"},
		{name: "refresh", raw: pair.RefreshToken, kind: "refresh token (Manager)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runAt(t, t0.Add(time.Minute), "", nil, "token", "inspect", "--keys", file, "--issuer", "https://api.example", "--json", tc.raw)
			require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
			var in inspection
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &in))
			require.NotNil(t, in.Verification)
			assert.Equal(t, tc.kind, in.Verification.Kind)
			assert.Equal(t, "user-42", in.Verification.Claims.Subject)
			assert.Equal(t, pair.SessionID.Base64(), in.Verification.Claims.SessionID)

			// Told the wrong assertion, it does not guess.
			r = runAt(t, t0.Add(time.Minute), "", nil, "token", "inspect", "--keys", file, "--implicit-assertion", "other", tc.raw)
			assert.Equal(t, exitFailed, r.code)
			assert.Contains(t, r.stdout, "verified: NO: token: bad signature")
			assert.NotContains(t, r.stdout, "under no implicit assertion", "a given assertion is the only one tried")
		})
	}

	// Expired: the failure names the reason, not "bad signature".
	r := runAt(t, t0.Add(time.Hour), "", nil, "token", "inspect", "--keys", file, pair.AccessToken)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stdout, "verified: NO: token: expired")
}
