package token

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/internal/paseto"
	"github.com/sessiontoken/sessiontoken/keys"
)

// craft builds a token of format f over any payload and footer with the
// fixed test keys, bypassing the claims encoder, so that tests can hand
// the verifier exactly the bytes they want.
func craft(t testing.TB, f Format, payload, footer string, implicit []byte) string {
	t.Helper()
	local, public := testKeys(t)
	if f == V4Local {
		secret, err := local.ExportSecret()
		require.NoError(t, err)
		k, err := paseto.NewLocalKey(secret)
		require.NoError(t, err)
		var n [paseto.NonceSize]byte
		n[5] = 42
		return string(k.Seal(nil, &n, []byte(payload), []byte(footer), implicit))
	}
	priv, err := public.ExportPrivateKey()
	require.NoError(t, err)
	return string(paseto.Sign(nil, priv.(ed25519.PrivateKey), []byte(payload), []byte(footer), implicit))
}

func kidFooter(t testing.TB, f Format) string {
	local, public := testKeys(t)
	if f == V4Local {
		return `{"kid":"` + local.ID() + `"}`
	}
	return `{"kid":"` + public.ID() + `"}`
}

// claimsJSON is a valid payload at fixedNow with the given members
// spliced in before the closing brace.
func claimsJSON(extra string) string {
	s := `{"iss":"https://api.example.com","aud":"mobile","exp":"2026-03-01T12:15:00.000Z","iat":"2026-03-01T12:00:00.000Z"`
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// withTrailingBits returns tok with the unused low bits of its payload's
// last base64 character set, or "" when the payload length has none.
func withTrailingBits(tok, header string) string {
	body, footer, _ := strings.Cut(tok[len(header):], ".")
	if len(body)%4 == 0 {
		return ""
	}
	last := strings.IndexByte(alphabetForTest, body[len(body)-1])
	body = body[:len(body)-1] + string(alphabetForTest[last|1])
	return header + body + "." + footer
}

const alphabetForTest = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestVerifyRejects(t *testing.T) {
	for _, f := range []Format{V4Local, V4Public} {
		t.Run(f.String(), func(t *testing.T) {
			header := f.String() + "."
			other := map[Format]Format{V4Local: V4Public, V4Public: V4Local}[f]
			kf := kidFooter(t, f)
			good := craft(t, f, claimsJSON(""), kf, nil)
			// A payload length whose encoding has unused trailing bits.
			trailing := ""
			for pad := 0; trailing == ""; pad++ {
				trailing = withTrailingBits(craft(t, f, claimsJSON(`"x":"`+strings.Repeat("a", pad)+`"`), kf, nil), header)
			}
			unknown, err := keys.Generate(map[Format]keys.Algorithm{V4Local: keys.V4Local, V4Public: keys.V4Public}[f])
			require.NoError(t, err)
			body, _, _ := strings.Cut(good[len(header):], ".")
			flipAt := len(body) / 2
			flipped := []byte(good)
			flipped[len(header)+flipAt] ^= 'A' ^ 'B'
			if flipped[len(header)+flipAt] == good[len(header)+flipAt] {
				flipped[len(header)+flipAt] = 'C'
			}

			tests := []struct {
				name  string
				token string
				tweak func(*Config)
				want  error // nil: accepted
			}{
				{name: "valid", token: good},
				{name: "too large, checked before decoding", token: strings.Repeat("!", 5000), want: ErrTooLarge},
				{name: "too large for a small limit", token: good, tweak: func(c *Config) { c.MaxTokenSize = len(good) - 1 }, want: ErrTooLarge},
				{name: "exactly the limit", token: good, tweak: func(c *Config) { c.MaxTokenSize = len(good) }},
				{name: "other purpose header", token: craft(t, other, claimsJSON(""), kidFooter(t, other), nil), want: ErrMalformed},
				{name: "other version", token: "v3" + good[2:], want: ErrMalformed},
				{name: "upper-case header", token: strings.ToUpper(header) + good[len(header):], want: ErrMalformed},
				{name: "empty", token: "", want: ErrMalformed},
				{name: "header only", token: header, want: ErrMalformed},
				{name: "padding", token: header + body + "=" + good[len(header)+len(body):], want: ErrMalformed},
				{name: "padding before footer", token: header + body + "==." + good[len(header)+len(body)+1:], want: ErrMalformed},
				{name: "non-zero trailing bits", token: trailing, want: ErrMalformed},
				{name: "newline in payload", token: header + body[:8] + "\n" + body[8:] + good[len(header)+len(body):], want: ErrMalformed},
				{name: "standard alphabet", token: header + "+" + body[1:] + good[len(header)+len(body):], want: ErrMalformed},
				{name: "third part", token: good + ".e30", want: ErrMalformed},
				{name: "no footer", token: craft(t, f, claimsJSON(""), "", nil), want: ErrMalformed},
				{name: "footer not JSON", token: craft(t, f, claimsJSON(""), "kid", nil), want: ErrMalformed},
				{name: "footer not an object", token: craft(t, f, claimsJSON(""), `["kid"]`, nil), want: ErrMalformed},
				{name: "footer duplicate kid", token: craft(t, f, claimsJSON(""), strings.TrimSuffix(kf, "}")+`,"kid":"x"}`, nil), want: ErrMalformed},
				{name: "footer extra member", token: craft(t, f, claimsJSON(""), strings.TrimSuffix(kf, "}")+`,"wpk":"x"}`, nil), want: ErrMalformed},
				{name: "footer trailing data", token: craft(t, f, claimsJSON(""), kf+"x", nil), want: ErrMalformed},
				{name: "footer too large", token: craft(t, f, claimsJSON(""), `{"kid":"`+strings.Repeat("a", 300)+`"}`, nil), want: ErrMalformed},
				{name: "footer with whitespace still verifies", token: craft(t, f, claimsJSON(""), strings.Replace(kf, ":", " : ", 1), nil)},
				{name: "unknown kid", token: craft(t, f, claimsJSON(""), `{"kid":"`+unknown.ID()+`"}`, nil), want: ErrUnknownKey},
				{name: "kid of the other purpose", token: craft(t, f, claimsJSON(""), kidFooter(t, other), nil), want: ErrUnknownKey},
				{name: "kid of a key past its window", token: good, tweak: func(c *Config) {
					local, public := testKeys(t)
					set, err := keys.NewSet(local.WithValidity(time.Time{}, fixedNow), public.WithValidity(time.Time{}, fixedNow))
					require.NoError(t, err)
					c.Keys = set
				}, want: ErrUnknownKey},
				{name: "implicit assertion expected", token: good, tweak: func(c *Config) { c.ImplicitAssertion = []byte("api") }, want: ErrBadSignature},
				{name: "implicit assertion mismatch", token: craft(t, f, claimsJSON(""), kf, []byte("web")), tweak: func(c *Config) { c.ImplicitAssertion = []byte("api") }, want: ErrBadSignature},
				{name: "implicit assertion match", token: craft(t, f, claimsJSON(""), kf, []byte("api")), tweak: func(c *Config) { c.ImplicitAssertion = []byte("api") }},
				{name: "bad MAC or signature", token: string(flipped), want: ErrBadSignature},
				{name: "exp missing", token: craft(t, f, `{"iss":"https://api.example.com","aud":"mobile"}`, kf, nil), want: ErrMalformed},
				{name: "exp past", token: craft(t, f, strings.Replace(claimsJSON(""), "12:15:00.000", "12:00:00.000", 1), kf, nil), want: ErrExpired},
				{name: "exp past within leeway", token: craft(t, f, strings.Replace(claimsJSON(""), "12:15:00.000", "11:59:50.000", 1), kf, nil), tweak: func(c *Config) { c.Leeway = time.Minute }},
				{name: "exp past beyond leeway", token: craft(t, f, strings.Replace(claimsJSON(""), "12:15:00.000", "11:58:00.000", 1), kf, nil), tweak: func(c *Config) { c.Leeway = time.Minute }, want: ErrExpired},
				{name: "exp as a number", token: craft(t, f, strings.Replace(claimsJSON(""), `"2026-03-01T12:15:00.000Z"`, "1772367300", 1), kf, nil), want: ErrMalformed},
				{name: "exp not RFC 3339", token: craft(t, f, strings.Replace(claimsJSON(""), "2026-03-01T12:15:00.000Z", "2026-03-01 12:15:00", 1), kf, nil), want: ErrMalformed},
				{name: "nbf future", token: craft(t, f, claimsJSON(`"nbf":"2026-03-01T12:01:00Z"`), kf, nil), want: ErrNotYetValid},
				{name: "nbf future within leeway", token: craft(t, f, claimsJSON(`"nbf":"2026-03-01T12:01:00Z"`), kf, nil), tweak: func(c *Config) { c.Leeway = 2 * time.Minute }},
				{name: "iat future", token: craft(t, f, strings.Replace(claimsJSON(""), `"iat":"2026-03-01T12:00:00.000Z"`, `"iat":"2026-03-01T12:05:00Z"`, 1), kf, nil), want: ErrNotYetValid},
				{name: "iat future within leeway", token: craft(t, f, strings.Replace(claimsJSON(""), `"iat":"2026-03-01T12:00:00.000Z"`, `"iat":"2026-03-01T12:05:00Z"`, 1), kf, nil), tweak: func(c *Config) { c.Leeway = 10 * time.Minute }},
				{name: "wrong issuer", token: good, tweak: func(c *Config) { c.Issuer = "https://other.example.com" }, want: ErrIssuer},
				{name: "issuer missing", token: craft(t, f, `{"aud":"mobile","exp":"2026-03-01T12:15:00Z"}`, kf, nil), want: ErrIssuer},
				{name: "no issuer configured", token: craft(t, f, `{"aud":"mobile","exp":"2026-03-01T12:15:00Z"}`, kf, nil), tweak: func(c *Config) { c.Issuer = "" }},
				{name: "wrong audience", token: good, tweak: func(c *Config) { c.Audience = []string{"web"} }, want: ErrAudience},
				{name: "audience in an array", token: craft(t, f, strings.Replace(claimsJSON(""), `"aud":"mobile"`, `"aud":["web","mobile"]`, 1), kf, nil)},
				{name: "audience of the wrong type", token: craft(t, f, strings.Replace(claimsJSON(""), `"aud":"mobile"`, `"aud":7`, 1), kf, nil), want: ErrMalformed},
				{name: "audience array of numbers", token: craft(t, f, strings.Replace(claimsJSON(""), `"aud":"mobile"`, `"aud":[7]`, 1), kf, nil), want: ErrMalformed},
				{name: "duplicate claim", token: craft(t, f, claimsJSON(`"iss":"https://api.example.com"`), kf, nil), want: ErrMalformed},
				{name: "duplicate claim through an escape", token: craft(t, f, claimsJSON(`"\u0069ss":"https://api.example.com"`), kf, nil), want: ErrMalformed},
				{name: "duplicate unknown member", token: craft(t, f, claimsJSON(`"x":1,"x":2`), kf, nil), want: ErrMalformed},
				{name: "duplicate inside data", token: craft(t, f, claimsJSON(`"data":{"a":1,"b":{"c":1,"c":2}}`), kf, nil), want: ErrMalformed},
				{name: "invalid UTF-8", token: craft(t, f, claimsJSON(`"sub":"\xff"`), kf, nil), want: ErrMalformed},
				{name: "invalid escape", token: craft(t, f, claimsJSON(`"sub":"\x"`), kf, nil), want: ErrMalformed},
				{name: "trailing data", token: craft(t, f, claimsJSON("")+"{}", kf, nil), want: ErrMalformed},
				{name: "trailing whitespace", token: craft(t, f, claimsJSON("")+" \n", kf, nil)},
				{name: "top level array", token: craft(t, f, "["+claimsJSON("")+"]", kf, nil), want: ErrMalformed},
				{name: "malformed number", token: craft(t, f, claimsJSON(`"x":01`), kf, nil), want: ErrMalformed},
				{name: "null claim", token: craft(t, f, claimsJSON(`"sub":null`), kf, nil), want: ErrMalformed},
				{name: "roles not strings", token: craft(t, f, claimsJSON(`"roles":["a",1]`), kf, nil), want: ErrMalformed},
				{name: "bad sid", token: craft(t, f, claimsJSON(`"sid":"short"`), kf, nil), want: ErrMalformed},
				{name: "deep nesting", token: craft(t, f, claimsJSON(`"data":`+strings.Repeat("[", 70)+strings.Repeat("]", 70)), kf, nil), want: ErrMalformed},
				{name: "unknown members ignored", token: craft(t, f, claimsJSON(`"x":{"y":[1,2.5e3,true,null,"z"]}`), kf, nil)},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					c := newTestCodec(t, f, tc.tweak)
					var cl Claims
					cl.Subject = "stale"
					err := c.VerifyTo(&cl, tc.token)
					if tc.want == nil {
						require.NoError(t, err)
						return
					}
					require.Error(t, err)
					assert.ErrorIs(t, err, tc.want)
					assert.ErrorIs(t, err, ErrInvalid)
					assert.Equal(t, Claims{}, cl, "claims not zeroed on error")
					assertOneReason(t, err)
				})
			}
		})
	}
}

// assertOneReason checks that err matches exactly one specific sentinel.
func assertOneReason(t *testing.T, err error) {
	t.Helper()
	n := 0
	for _, s := range []error{ErrTooLarge, ErrMalformed, ErrUnknownKey, ErrBadSignature, ErrExpired, ErrNotYetValid, ErrIssuer, ErrAudience} {
		if errors.Is(err, s) {
			n++
		}
	}
	assert.Equal(t, 1, n, "error %q matches %d reasons", err, n)
}
