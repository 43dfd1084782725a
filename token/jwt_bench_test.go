package token_test

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/sessiontoken/sessiontoken/token"
)

// Benchmarks of the JWT path beside golang-jwt on the same claims (the
// MEASUREMENTS.md fixture: sid, sub, iss, aud, iat, nbf, exp, two roles)
// and beside the raw primitives, so that ratios come from one run:
//
//	go test -run '^$' -bench 'JWT' -benchmem -count 5 -benchtime 300ms ./token/

func BenchmarkJWTVerify(b *testing.B) {
	k := newJWTKeys(b)
	for _, alg := range jwtAlgs {
		c := newJWTCodec(b, k.byAlg(alg))
		raw, err := c.Issue(jwtFixtureClaims(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(alg+"/ours", func(b *testing.B) {
			var dst token.Claims
			b.ReportAllocs()
			for b.Loop() {
				if err := c.VerifyTo(&dst, raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg+"/golang-jwt", func(b *testing.B) {
			p := strictGolangJWT(alg)
			key := k.verifyingKey(alg)
			keyFunc := func(*jwt.Token) (any, error) { return key, nil }
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.ParseWithClaims(raw, &jwt.RegisteredClaims{}, keyFunc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkJWTIssue(b *testing.B) {
	k := newJWTKeys(b)
	for _, alg := range jwtAlgs {
		c := newJWTCodec(b, k.byAlg(alg))
		cl := jwtFixtureClaims(b)
		cl.Issuer, cl.Audience = jwtIssuer, jwtAudience
		b.Run(alg+"/ours", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Issue(cl); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg+"/golang-jwt", func(b *testing.B) {
			method, key, kid := jwt.GetSigningMethod(alg), k.signingKey(alg), k.byAlg(alg).ID()
			b.ReportAllocs()
			for b.Loop() {
				gc := gjClaims{
					RegisteredClaims: jwt.RegisteredClaims{
						Issuer: cl.Issuer, Subject: cl.Subject, Audience: cl.Audience,
						ExpiresAt: jwt.NewNumericDate(cl.ExpiresAt), NotBefore: jwt.NewNumericDate(cl.NotBefore),
						IssuedAt: jwt.NewNumericDate(cl.IssuedAt),
					},
					SID: cl.SessionID.Base64(), Roles: cl.Roles,
				}
				t := jwt.NewWithClaims(method, gc)
				t.Header["kid"] = kid
				if _, err := t.SignedString(key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJWTRaw is the floor: the primitives alone over the same token,
// with nothing parsed. HMAC as a straightforward implementation does it
// (hmac.New per token), plus base64url decoding of the signature and the
// payload; Ed25519 is a bare ed25519.Verify over the signing input.
func BenchmarkJWTRaw(b *testing.B) {
	k := newJWTKeys(b)
	hsRaw, err := newJWTCodec(b, k.hs).Issue(jwtFixtureClaims(b))
	if err != nil {
		b.Fatal(err)
	}
	edRaw, err := newJWTCodec(b, k.ed).Issue(jwtFixtureClaims(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("HMAC-SHA256+base64url", func(b *testing.B) {
		dot := strings.LastIndexByte(hsRaw, '.')
		input, sigEnc := []byte(hsRaw[:dot]), hsRaw[dot+1:]
		payloadEnc := hsRaw[strings.IndexByte(hsRaw, '.')+1 : dot]
		sig := make([]byte, 32)
		payload := make([]byte, len(payloadEnc))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := base64.RawURLEncoding.Decode(sig, []byte(sigEnc)); err != nil {
				b.Fatal(err)
			}
			m := hmac.New(sha256.New, k.hsSecret)
			m.Write(input)
			if !hmac.Equal(m.Sum(nil), sig) {
				b.Fatal("bad MAC")
			}
			if _, err := base64.RawURLEncoding.Decode(payload, []byte(payloadEnc)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ed25519.Verify", func(b *testing.B) {
		dot := strings.LastIndexByte(edRaw, '.')
		input := []byte(edRaw[:dot])
		sig, err := base64.RawURLEncoding.DecodeString(edRaw[dot+1:])
		if err != nil {
			b.Fatal(err)
		}
		pub := k.edPriv.Public().(ed25519.PublicKey)
		b.ReportAllocs()
		for b.Loop() {
			if !ed25519.Verify(pub, input, sig) {
				b.Fatal("bad signature")
			}
		}
	})
}
