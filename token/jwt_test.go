package token_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/token"
)

func init() {
	// golang-jwt truncates NumericDates to whole seconds by default; ours
	// keep milliseconds, so compare at that precision. Only this test
	// binary's use of golang-jwt is affected.
	jwt.TimePrecision = time.Millisecond
}

var (
	jwtNow      = time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	jwtIssuer   = "https://api.example.com"
	jwtAudience = []string{"mobile"}
)

// jwtKeys are fixed keys, one per JWT algorithm, plus a PASETO key whose
// ID a JWT must never be able to name.
type jwtKeys struct {
	hs, ed, es, v4 *keys.Key
	hsSecret       []byte
	edPriv         ed25519.PrivateKey
	esPriv         *ecdsa.PrivateKey
}

func newJWTKeys(t testing.TB) jwtKeys {
	t.Helper()
	var k jwtKeys
	var err error
	k.hsSecret = []byte("sessiontoken-jwt-test-secret-0123456789")
	k.hs, err = keys.NewHS256(k.hsSecret)
	require.NoError(t, err)
	k.edPriv = ed25519.NewKeyFromSeed(sha256.New().Sum([]byte("ed25519 seed for sessiontoken"))[:32])
	k.ed, err = keys.NewEdDSA(k.edPriv)
	require.NoError(t, err)
	d := sha256.Sum256([]byte("p-256 scalar for sessiontoken"))
	k.esPriv, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	require.NoError(t, err)
	k.es, err = keys.NewES256(k.esPriv)
	require.NoError(t, err)
	k.v4, err = keys.NewV4Local(k.hsSecret[:32])
	require.NoError(t, err)
	return k
}

func (k jwtKeys) byAlg(alg string) *keys.Key {
	switch alg {
	case "HS256":
		return k.hs
	case "EdDSA":
		return k.ed
	}
	return k.es
}

// signingKey is what golang-jwt signs with for alg.
func (k jwtKeys) signingKey(alg string) any {
	switch alg {
	case "HS256":
		return k.hsSecret
	case "EdDSA":
		return k.edPriv
	}
	return k.esPriv
}

// verifyingKey is what golang-jwt verifies with for alg.
func (k jwtKeys) verifyingKey(alg string) any {
	switch alg {
	case "HS256":
		return k.hsSecret
	case "EdDSA":
		return k.edPriv.Public()
	}
	return &k.esPriv.PublicKey
}

var jwtAlgs = []string{"HS256", "EdDSA", "ES256"}

// newJWTCodec returns a JWT codec whose set holds primary (which issues)
// and the other keys given, verify-only or not.
func newJWTCodec(t testing.TB, primary *keys.Key, others ...*keys.Key) *token.Codec {
	t.Helper()
	set, err := keys.NewSet(append(others, primary.WithValidity(jwtNow.Add(-time.Hour), time.Time{}))...)
	require.NoError(t, err)
	c, err := token.New(token.Config{
		Keys: set, Format: token.JWT, Issuer: jwtIssuer, Audience: jwtAudience,
		Leeway: 5 * time.Second, Now: func() time.Time { return jwtNow },
	})
	require.NoError(t, err)
	return c
}

// jwtFixtureClaims are the MEASUREMENTS.md fixture: sid, sub, iss, aud,
// iat, nbf, exp and two roles.
func jwtFixtureClaims(t testing.TB) token.Claims {
	sid, err := token.NewSessionID()
	require.NoError(t, err)
	return token.Claims{
		Subject: "user-1234", SessionID: sid, Roles: []string{"admin", "billing"},
		IssuedAt: jwtNow, NotBefore: jwtNow, ExpiresAt: jwtNow.Add(15 * time.Minute),
	}
}

func segments(raw string) []string { return strings.Split(raw, ".") }

func decodeSegment(t testing.TB, s string) []byte {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestJWTIssueVerifyRoundTrip(t *testing.T) {
	k := newJWTKeys(t)
	for _, alg := range jwtAlgs {
		t.Run(alg, func(t *testing.T) {
			c := newJWTCodec(t, k.byAlg(alg))
			in := jwtFixtureClaims(t)
			in.ID = "jti-1"
			in.Audience = []string{"mobile", "web"}
			in.Scopes = []string{"read", "write"}
			in.Data = json.RawMessage(`{"tenant":"t1","n":[1,2]}`)
			in.ExpiresAt = jwtNow.Add(10*time.Minute + 123*time.Millisecond)
			raw, err := c.Issue(in)
			require.NoError(t, err)

			hdr := decodeSegment(t, segments(raw)[0])
			assert.JSONEq(t, `{"alg":"`+alg+`","kid":"`+k.byAlg(alg).ID()+`","typ":"JWT"}`, string(hdr))
			var payload map[string]any
			require.NoError(t, json.Unmarshal(decodeSegment(t, segments(raw)[1]), &payload))
			assert.Equal(t, float64(jwtNow.Add(10*time.Minute+123*time.Millisecond).UnixMilli())/1000, payload["exp"], "exp is a NumericDate with milliseconds")

			got, err := c.Verify(raw)
			require.NoError(t, err)
			in.Issuer = jwtIssuer
			assert.Equal(t, in, *got)
		})
	}
}

// gjClaims is how a golang-jwt user would read our tokens.
type gjClaims struct {
	jwt.RegisteredClaims
	SID   string   `json:"sid"`
	Roles []string `json:"roles"`
}

// strictGolangJWT is golang-jwt configured as strictly as it allows.
func strictGolangJWT(alg string) *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{alg}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithStrictDecoding(),
		jwt.WithIssuer(jwtIssuer),
		jwt.WithAudience(jwtAudience...),
		jwt.WithTimeFunc(func() time.Time { return jwtNow }),
		jwt.WithLeeway(5*time.Second),
	)
}

func TestJWTOursParseInGolangJWT(t *testing.T) {
	k := newJWTKeys(t)
	for _, alg := range jwtAlgs {
		t.Run(alg, func(t *testing.T) {
			c := newJWTCodec(t, k.byAlg(alg))
			in := jwtFixtureClaims(t)
			in.ID = "jti-7"
			raw, err := c.Issue(in)
			require.NoError(t, err)

			var got gjClaims
			tok, err := strictGolangJWT(alg).ParseWithClaims(raw, &got, func(tok *jwt.Token) (any, error) {
				if tok.Header["kid"] != k.byAlg(alg).ID() {
					return nil, errors.New("wrong kid")
				}
				return k.verifyingKey(alg), nil
			})
			require.NoError(t, err)
			require.True(t, tok.Valid)
			assert.Equal(t, "JWT", tok.Header["typ"])
			assert.Equal(t, jwtIssuer, got.Issuer)
			assert.Equal(t, in.Subject, got.Subject)
			assert.Equal(t, jwt.ClaimStrings(jwtAudience), got.Audience)
			assert.Equal(t, in.ID, got.ID)
			assert.True(t, in.ExpiresAt.Equal(got.ExpiresAt.Time), "exp %v vs %v", in.ExpiresAt, got.ExpiresAt.Time)
			assert.True(t, in.NotBefore.Equal(got.NotBefore.Time))
			assert.True(t, in.IssuedAt.Equal(got.IssuedAt.Time))
			assert.Equal(t, in.SessionID.Base64(), got.SID)
			assert.Equal(t, in.Roles, got.Roles)
		})
	}
}

func TestJWTGolangJWTTokensVerifyInOurs(t *testing.T) {
	k := newJWTKeys(t)
	for _, alg := range jwtAlgs {
		t.Run(alg, func(t *testing.T) {
			c := newJWTCodec(t, k.byAlg(alg))
			want := jwtFixtureClaims(t)
			want.Issuer, want.Audience, want.ID = jwtIssuer, []string{"mobile", "web"}, "jti-9"
			gc := gjClaims{
				RegisteredClaims: jwt.RegisteredClaims{
					Issuer: want.Issuer, Subject: want.Subject, Audience: want.Audience, ID: want.ID,
					ExpiresAt: jwt.NewNumericDate(want.ExpiresAt), NotBefore: jwt.NewNumericDate(want.NotBefore),
					IssuedAt: jwt.NewNumericDate(want.IssuedAt),
				},
				SID: want.SessionID.Base64(), Roles: want.Roles,
			}
			tok := jwt.NewWithClaims(jwt.GetSigningMethod(alg), gc)
			tok.Header["kid"] = k.byAlg(alg).ID()
			raw, err := tok.SignedString(k.signingKey(alg))
			require.NoError(t, err)

			got, err := c.Verify(raw)
			require.NoError(t, err)
			assert.Equal(t, want, *got)
		})
	}
}

// hs256 signs header and payload JSON with an arbitrary HMAC secret.
func hs256(secret []byte, header, payload string) string {
	in := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestJWTRejects(t *testing.T) {
	k := newJWTKeys(t)
	// One verifying codec holding every key, the PASETO one included.
	c := newJWTCodec(t, k.hs, k.ed, k.es, k.v4)
	esCodec := newJWTCodec(t, k.es)

	good := jwtFixtureClaims(t)
	payloadJSON := func(cl token.Claims) string {
		cl.Issuer, cl.Audience = jwtIssuer, jwtAudience
		b, err := json.Marshal(map[string]any{
			"iss": cl.Issuer, "aud": cl.Audience, "sub": cl.Subject, "sid": cl.SessionID.Base64(),
			"iat": cl.IssuedAt.Unix(), "nbf": cl.NotBefore.Unix(), "exp": cl.ExpiresAt.Unix(), "roles": cl.Roles,
		})
		require.NoError(t, err)
		return string(b)
	}
	payload := payloadJSON(good)
	hsHeader := `{"alg":"HS256","kid":"` + k.hs.ID() + `","typ":"JWT"}`
	valid := hs256(k.hsSecret, hsHeader, payload)
	_, err := c.Verify(valid)
	require.NoError(t, err, "the base token must verify for the rejections to mean anything")

	esTok, err := esCodec.Issue(good)
	require.NoError(t, err)
	esSeg := segments(esTok)
	digest := sha256.Sum256([]byte(esSeg[0] + "." + esSeg[1]))
	der, err := ecdsa.SignASN1(rand.Reader, k.esPriv, digest[:])
	require.NoError(t, err)
	rs := decodeSegment(t, esSeg[2])
	sPlusN := new(big.Int).Add(new(big.Int).SetBytes(rs[32:]), elliptic.P256().Params().N)
	enc := base64.RawURLEncoding.EncodeToString

	edPub := []byte(k.edPriv.Public().(ed25519.PublicKey))
	esPubBytes, err := k.esPriv.PublicKey.Bytes()
	require.NoError(t, err)
	expired := good
	expired.IssuedAt, expired.NotBefore, expired.ExpiresAt = jwtNow.Add(-time.Hour), jwtNow.Add(-time.Hour), jwtNow.Add(-time.Minute)
	noExp := `{"iss":"` + jwtIssuer + `","aud":"mobile","sub":"x"}`
	withSeg := func(raw string, i int, s string) string {
		p := segments(raw)
		p[i] = s
		return strings.Join(p, ".")
	}

	tests := []struct {
		name    string
		raw     string
		wantErr error
	}{
		{name: "alg none, empty signature", raw: base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"`+k.hs.ID()+`"}`)) + "." + enc([]byte(payload)) + ".", wantErr: token.ErrMalformed},
		{name: "alg none with a signature", raw: hs256(k.hsSecret, `{"alg":"none","kid":"`+k.hs.ID()+`"}`, payload), wantErr: token.ErrMalformed},
		{name: "alg HS256 on an EdDSA key, MAC under its public key", raw: hs256(edPub, `{"alg":"HS256","kid":"`+k.ed.ID()+`"}`, payload), wantErr: token.ErrBadSignature},
		{name: "alg HS256 on an ES256 key, MAC under its public point", raw: hs256(esPubBytes, `{"alg":"HS256","kid":"`+k.es.ID()+`"}`, payload), wantErr: token.ErrBadSignature},
		{name: "alg EdDSA on an HS256 key", raw: hs256(k.hsSecret, `{"alg":"EdDSA","kid":"`+k.hs.ID()+`"}`, payload), wantErr: token.ErrBadSignature},
		{name: "alg RS256", raw: hs256(k.hsSecret, `{"alg":"RS256","kid":"`+k.hs.ID()+`"}`, payload), wantErr: token.ErrMalformed},
		{name: "unknown kid", raw: hs256(k.hsSecret, `{"alg":"HS256","kid":"no-such-key"}`, payload), wantErr: token.ErrUnknownKey},
		{name: "kid of a v4.local key", raw: hs256(k.hsSecret[:32], `{"alg":"HS256","kid":"`+k.v4.ID()+`"}`, payload), wantErr: token.ErrUnknownKey},
		{name: "missing kid", raw: hs256(k.hsSecret, `{"alg":"HS256"}`, payload), wantErr: token.ErrMalformed},
		{name: "crit", raw: hs256(k.hsSecret, `{"alg":"HS256","kid":"`+k.hs.ID()+`","crit":["exp"]}`, payload), wantErr: token.ErrMalformed},
		{name: "b64 false", raw: hs256(k.hsSecret, `{"alg":"HS256","kid":"`+k.hs.ID()+`","b64":false}`, payload), wantErr: token.ErrMalformed},
		{name: "typ JOSE", raw: hs256(k.hsSecret, `{"alg":"HS256","kid":"`+k.hs.ID()+`","typ":"JOSE"}`, payload), wantErr: token.ErrMalformed},
		{name: "duplicate alg", raw: hs256(k.hsSecret, `{"alg":"HS256","alg":"HS256","kid":"`+k.hs.ID()+`"}`, payload), wantErr: token.ErrMalformed},
		{name: "ES256 DER signature", raw: withSeg(esTok, 2, enc(der)), wantErr: token.ErrBadSignature},
		{name: "ES256 s + n", raw: withSeg(esTok, 2, enc(append(append([]byte{}, rs[:32]...), sPlusN.Bytes()...))), wantErr: token.ErrBadSignature},
		{name: "ES256 r zero", raw: withSeg(esTok, 2, enc(append(make([]byte, 32), rs[32:]...))), wantErr: token.ErrBadSignature},
		{name: "padded signature", raw: valid + "=", wantErr: token.ErrMalformed},
		{name: "padded payload", raw: withSeg(valid, 1, base64.URLEncoding.EncodeToString([]byte(payload+" "))), wantErr: token.ErrMalformed},
		{name: "standard alphabet", raw: withSeg(valid, 2, strings.NewReplacer("-", "+", "_", "/").Replace(segments(valid)[2])+"+"), wantErr: token.ErrMalformed},
		{name: "signature trailing bits", raw: valid[:len(valid)-1] + setLowBit(valid[len(valid)-1]), wantErr: token.ErrMalformed},
		{name: "modified payload", raw: withSeg(valid, 1, enc([]byte(strings.Replace(payload, "user-1234", "user-1235", 1)))), wantErr: token.ErrBadSignature},
		{name: "two segments", raw: valid[:strings.LastIndexByte(valid, '.')], wantErr: token.ErrMalformed},
		{name: "four segments", raw: valid + ".e30", wantErr: token.ErrMalformed},
		{name: "JSON serialisation", raw: `{"payload":"e30","signatures":[]}`, wantErr: token.ErrMalformed},
		{name: "empty", raw: "", wantErr: token.ErrMalformed},
		{name: "too large", raw: valid + strings.Repeat("A", token.DefaultMaxTokenSize), wantErr: token.ErrTooLarge},
		{name: "duplicate claim", raw: hs256(k.hsSecret, hsHeader, strings.Replace(payload, `"sub":"user-1234"`, `"sub":"user-1234","sub":"admin"`, 1)), wantErr: token.ErrMalformed},
		{name: "payload not an object", raw: hs256(k.hsSecret, hsHeader, `["x"]`), wantErr: token.ErrMalformed},
		{name: "exp missing", raw: hs256(k.hsSecret, hsHeader, noExp), wantErr: token.ErrMalformed},
		{name: "expired", raw: hs256(k.hsSecret, hsHeader, payloadJSON(expired)), wantErr: token.ErrExpired},
		{name: "exp as RFC 3339 string", raw: hs256(k.hsSecret, hsHeader, strings.Replace(payload, `"exp":`+jsonNumber(good.ExpiresAt.Unix()), `"exp":"2030-01-01T00:00:00Z"`, 1)), wantErr: token.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Verify(tc.raw)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.ErrorIs(t, err, tc.wantErr)
			assert.ErrorIs(t, err, token.ErrInvalid)
		})
	}
}

// setLowBit returns the base64url character c with its lowest bit set:
// the last character of a 32-byte MAC carries 2 unused bits.
func setLowBit(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i|1])
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestJWTKeyWindow(t *testing.T) {
	k := newJWTKeys(t)
	old := k.ed.WithValidity(time.Time{}, jwtNow.Add(-time.Second))
	c := newJWTCodec(t, k.hs, old)
	issuer := newJWTCodec(t, k.ed)
	raw, err := issuer.Issue(jwtFixtureClaims(t))
	require.NoError(t, err)
	_, err = c.Verify(raw)
	assert.ErrorIs(t, err, token.ErrUnknownKey, "a key past VerifyUntil must not verify")

	verifyOnly, err := k.ed.Public()
	require.NoError(t, err)
	c = newJWTCodec(t, k.hs, verifyOnly)
	_, err = c.Verify(raw)
	assert.NoError(t, err, "a verify-only public key verifies")
}

func TestJWTVerifyToReusedClaims(t *testing.T) {
	// Claims from one verification must not change when later tokens are
	// verified (the payload buffer is pooled and cleared).
	k := newJWTKeys(t)
	c := newJWTCodec(t, k.hs)
	a, b := jwtFixtureClaims(t), jwtFixtureClaims(t)
	a.Subject, b.Subject = "alice-has-a-long-subject", "bob"
	a.Data = json.RawMessage(`{"k":"aaaaaaaaaaaaaaaa"}`)
	ra, err := c.Issue(a)
	require.NoError(t, err)
	rb, err := c.Issue(b)
	require.NoError(t, err)
	ga, err := c.Verify(ra)
	require.NoError(t, err)
	snapshot := *ga
	snapshot.Data = append(json.RawMessage(nil), ga.Data...)
	snapshot.Roles = append([]string(nil), ga.Roles...)
	for i := 0; i < 10; i++ {
		_, err := c.Verify(rb)
		require.NoError(t, err)
	}
	assert.Equal(t, snapshot, *ga)
}

func TestJWTConcurrent(t *testing.T) {
	k := newJWTKeys(t)
	for _, alg := range jwtAlgs {
		c := newJWTCodec(t, k.byAlg(alg))
		done := make(chan error)
		for g := 0; g < 4; g++ {
			go func() {
				var err error
				for i := 0; i < 20 && err == nil; i++ {
					var raw string
					if raw, err = c.Issue(token.Claims{Subject: "s"}); err == nil {
						var cl *token.Claims
						if cl, err = c.Verify(raw); err == nil && cl.Subject != "s" {
							err = errors.New("wrong subject")
						}
					}
				}
				done <- err
			}()
		}
		for g := 0; g < 4; g++ {
			assert.NoError(t, <-done, alg)
		}
	}
}

// TestJWTVerifyAllocs holds the HS256 verify path to its allocation
// budget. A header spelled as we write it is recognised without decoding:
// what remains is the claims decoder's, one string holding the claims'
// strings and one backing the string slices (roles, aud). Any other header
// is parsed, which adds the kid string.
func TestJWTVerifyAllocs(t *testing.T) {
	if jwtRaceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	k := newJWTKeys(t)
	c := newJWTCodec(t, k.hs)
	ours, err := c.Issue(jwtFixtureClaims(t))
	require.NoError(t, err)
	reordered := hs256(k.hsSecret, `{"kid":"`+k.hs.ID()+`","alg":"HS256"}`, string(decodeSegment(t, segments(ours)[1])))
	tests := []struct {
		name   string
		raw    string
		budget float64
	}{
		{name: "our header", raw: ours, budget: 2},
		{name: "other header", raw: reordered, budget: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var dst token.Claims
			allocs := testing.AllocsPerRun(200, func() {
				if err := c.VerifyTo(&dst, tc.raw); err != nil {
					panic(err)
				}
			})
			t.Logf("HS256 VerifyTo: %v allocations", allocs)
			assert.LessOrEqual(t, allocs, tc.budget)
		})
	}
}
