package token

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	gopaseto "aidanwoods.dev/go-paseto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/internal/paseto"
)

// Differential tests against go-paseto, the reference implementation the
// project started on: tokens either library issues open in the other with
// the same claims, and a fuzz test feeds both the same mutated tokens.

func goPasetoKeys(t testing.TB) (gopaseto.V4SymmetricKey, gopaseto.V4AsymmetricSecretKey, gopaseto.V4AsymmetricPublicKey) {
	t.Helper()
	local, public := testKeys(t)
	secret, err := local.ExportSecret()
	require.NoError(t, err)
	sk, err := gopaseto.V4SymmetricKeyFromBytes(secret)
	require.NoError(t, err)
	priv, err := public.ExportPrivateKey()
	require.NoError(t, err)
	ak, err := gopaseto.NewV4AsymmetricSecretKeyFromEd25519(priv.(ed25519.PrivateKey))
	require.NoError(t, err)
	return sk, ak, ak.Public()
}

func TestOursOpenInGoPaseto(t *testing.T) {
	sk, _, pk := goPasetoKeys(t)
	for _, f := range []Format{V4Local, V4Public} {
		t.Run(f.String(), func(t *testing.T) {
			for _, ia := range []string{"", "bound-to-api"} {
				c := newTestCodec(t, f, func(c *Config) { c.ImplicitAssertion = []byte(ia) })
				want := fixtureClaims()
				want.Scopes = []string{"read", "write"}
				tok, err := c.Issue(want)
				require.NoError(t, err)
				p := gopaseto.NewParserWithoutExpiryCheck()
				var got *gopaseto.Token
				if f == V4Local {
					got, err = p.ParseV4Local(sk, tok, []byte(ia))
				} else {
					got, err = p.ParseV4Public(pk, tok, []byte(ia))
				}
				require.NoError(t, err)
				for name, v := range map[string]string{"iss": want.Issuer, "sub": want.Subject, "aud": "mobile", "sid": want.SessionID.Base64(), "scope": "read write"} {
					s, err := got.GetString(name)
					require.NoError(t, err, name)
					assert.Equal(t, v, s, name)
				}
				for name, v := range map[string]time.Time{"exp": want.ExpiresAt, "iat": want.IssuedAt, "nbf": want.NotBefore} {
					tm, err := got.GetTime(name)
					require.NoError(t, err, name)
					assert.True(t, v.Equal(tm), "%s: %v != %v", name, v, tm)
				}
				var roles []string
				require.NoError(t, got.Get("roles", &roles))
				assert.Equal(t, want.Roles, roles)
				assert.Equal(t, kidFooter(t, f), string(got.Footer()))
			}
		})
	}
}

func TestGoPasetoOpensInOurs(t *testing.T) {
	sk, ak, _ := goPasetoKeys(t)
	for _, f := range []Format{V4Local, V4Public} {
		t.Run(f.String(), func(t *testing.T) {
			for _, ia := range []string{"", "bound-to-api"} {
				want := fixtureClaims()
				tk := goPasetoToken(want, strings.TrimSuffix(strings.TrimPrefix(kidFooter(t, f), `{"kid":"`), `"}`))
				var tok string
				if f == V4Local {
					tok = tk.V4Encrypt(sk, []byte(ia))
				} else {
					tok = tk.V4Sign(ak, []byte(ia))
				}
				c := newTestCodec(t, f, func(c *Config) { c.ImplicitAssertion = []byte(ia) })
				got, err := c.Verify(tok)
				require.NoError(t, err)
				// go-paseto writes RFC 3339 with whole seconds.
				want.IssuedAt, want.NotBefore, want.ExpiresAt = want.IssuedAt.Truncate(time.Second), want.NotBefore.Truncate(time.Second), want.ExpiresAt.Truncate(time.Second)
				assertSameClaims(t, want, *got)

				// The wrong implicit assertion fails in both.
				_, err = newTestCodec(t, f, func(c *Config) { c.ImplicitAssertion = []byte(ia + "x") }).Verify(tok)
				assert.ErrorIs(t, err, ErrBadSignature)
			}
		})
	}
}

// deliberatelyStricterToken names why we refuse a token go-paseto accepts,
// or "" when there is no such reason. payload is the token's message as
// the construction authenticated it (nil when it did not).
func deliberatelyStricterToken(c *Codec, tok string, footerOK bool, payload []byte) string {
	if strings.HasSuffix(tok, ".") {
		return "empty footer after a dot"
	}
	if !footerOK {
		return "footer must be {\"kid\":…} naming a key of ours"
	}
	var cl Claims
	if err := parseClaims(&cl, payload, rfc3339Times); err != nil {
		return "strict claims JSON and types"
	}
	if err := c.checkClaims(&cl, fixedNow); err != nil {
		return "exp required, time, issuer and audience rules"
	}
	return ""
}

func fuzzDifferential(f *testing.F, format Format) {
	sk, ak, pk := goPasetoKeys(f)
	c := newTestCodec(f, format, nil)
	cl := fixtureClaims()
	tok, err := c.Issue(cl)
	require.NoError(f, err)
	f.Add(tok)
	tk := goPasetoToken(cl, strings.TrimSuffix(strings.TrimPrefix(kidFooter(f, format), `{"kid":"`), `"}`))
	if format == V4Local {
		f.Add(tk.V4Encrypt(sk, nil))
	} else {
		f.Add(tk.V4Sign(ak, nil))
	}
	f.Add(craft(f, format, claimsJSON(`"x":[1,{"y":null}]`), kidFooter(f, format), nil))
	f.Add(craft(f, format, claimsJSON(""), "", nil))
	f.Add(craft(f, format, claimsJSON(`"sub":"a","sub":"b"`), kidFooter(f, format), nil))
	// Authentic tokens over payloads and footers that probe the claims and
	// footer rules: each must be accepted by both, or refused by us for a
	// named reason.
	for _, payload := range []string{
		claimsJSON(""), claimsJSON(`"roles":["a","b"],"scope":"x y"`), claimsJSON(`"data":{"a":[1,{"b":null}]}`),
		claimsJSON(`"sub":null`), claimsJSON(`"SUB":"x"`), claimsJSON(`"x":1,"x":2`), claimsJSON(`"exp":"2026-03-01T12:16:00Z"`),
		`{"exp":"2026-03-01T12:15:00Z"}`, `[]`, `{}`, `not json`, "{\"sub\":\"\xff\"}", claimsJSON("") + " ",
		claimsJSON("") + "x", claimsJSON(`"aud":["mobile"]`), claimsJSON(`"aud":7`), claimsJSON(`"sid":"AQAAAAAAAAAAAAAAAAAAAA"`),
	} {
		f.Add(craft(f, format, payload, kidFooter(f, format), nil))
	}
	for _, footer := range []string{strings.Replace(kidFooter(f, format), ":", " : ", 1), `{"kid":"x"}`, `{}`, `"kid"`, kidFooter(f, format) + " "} {
		f.Add(craft(f, format, claimsJSON(""), footer, nil))
	}
	f.Add(tok + ".")
	f.Add(strings.Replace(tok, ".", "=.", 3))
	header := format.String() + "."
	f.Fuzz(func(t *testing.T, tok string) {
		got, ourErr := c.Verify(tok)
		if ourErr != nil {
			if !errors.Is(ourErr, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", ourErr)
			}
			assertOneReason(t, ourErr)
		} else {
			again, err := c.Issue(*got)
			if err != nil {
				t.Fatalf("accepted claims do not re-issue: %v", err)
			}
			back, err := c.Verify(again)
			if err == nil && got.SessionID.IsZero() {
				back.SessionID = SessionID{} // Issue fills a missing sid
			}
			if err != nil || !sameClaims(*got, *back) {
				t.Fatalf("re-issued claims differ: %v\n%+v\n%+v", err, *got, *back)
			}
		}
		p := gopaseto.NewParserWithoutExpiryCheck()
		var theirErr error
		if format == V4Local {
			_, theirErr = p.ParseV4Local(sk, tok, nil)
		} else {
			_, theirErr = p.ParseV4Public(pk, tok, nil)
		}
		switch {
		case ourErr == nil && theirErr != nil:
			t.Fatalf("we accept a token go-paseto refuses (%v): %q", theirErr, tok)
		case ourErr != nil && theirErr == nil:
			// Explain the refusal with one of our stricter rules.
			body, footerEnc, err := paseto.Split(tok, header)
			footerOK := false
			var payload []byte
			if err == nil {
				_, fb, kerr := c.verifyingKey(footerEnc, fixedNow)
				footerOK = kerr == nil
				if footerOK {
					if format == V4Local {
						payload, _, err = c.pasetoKeysFor(c.cfg.Keys.Current()).ordered[0].local.Open(nil, body, fb, nil)
					} else {
						payload, _, err = paseto.Verify(nil, c.pasetoKeysFor(c.cfg.Keys.Current()).ordered[0].pub, body, fb, nil)
					}
					if err != nil {
						t.Fatalf("construction refuses a token go-paseto accepts: %v: %q", err, tok)
					}
				}
			}
			if deliberatelyStricterToken(c, tok, footerOK, payload) == "" {
				t.Fatalf("we refuse a token go-paseto accepts, for no named reason: %v: %q", ourErr, tok)
			}
		}
	})
}

// FuzzVerifyLocal and FuzzVerifyPublic check, on mutated tokens: no panic;
// every error matches ErrInvalid and exactly one reason; we accept a token
// only when go-paseto does, and refuse one go-paseto accepts only for a
// named stricter rule (deliberatelyStricterToken); accepted claims
// re-issue and verify to the same claims.
func FuzzVerifyLocal(f *testing.F)  { fuzzDifferential(f, V4Local) }
func FuzzVerifyPublic(f *testing.F) { fuzzDifferential(f, V4Public) }
