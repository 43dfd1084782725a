package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"

	"strings"

	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
)

// fuzzJWTSetup is a verifying codec over one key of each JWT algorithm,
// the raw material to check signatures independently, and a valid token
// of each algorithm.
type fuzzJWTSetup struct {
	codec    *Codec
	hsSecret []byte
	edPub    ed25519.PublicKey
	esPub    *ecdsa.PublicKey
	byID     map[string]*keys.Key
	seeds    []string
	issuers  []*Codec // one per algorithm, each over a set of that key alone
}

func newFuzzJWTSetup(t testing.TB) *fuzzJWTSetup {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	s := &fuzzJWTSetup{hsSecret: []byte("fuzz-secret-fuzz-secret-fuzz-secret!"), byID: map[string]*keys.Key{}}
	hs, err := keys.NewHS256(s.hsSecret)
	require.NoError(t, err)
	edPriv := ed25519.NewKeyFromSeed(make([]byte, 32))
	s.edPub = edPriv.Public().(ed25519.PublicKey)
	ed, err := keys.NewEdDSA(edPriv)
	require.NoError(t, err)
	d := sha256.Sum256([]byte("fuzz p-256"))
	esPriv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	require.NoError(t, err)
	s.esPub = &esPriv.PublicKey
	es, err := keys.NewES256(esPriv)
	require.NoError(t, err)
	v4, err := keys.NewV4Local(s.hsSecret[:32])
	require.NoError(t, err)

	cfg := Config{Format: JWT, Issuer: "iss", Audience: []string{"aud"}, Leeway: time.Minute, Now: func() time.Time { return now }}
	for _, k := range []*keys.Key{hs, ed, es} {
		s.byID[k.ID()] = k
		set, err := keys.NewSet(k)
		require.NoError(t, err)
		cfg.Keys = set
		c, err := New(cfg)
		require.NoError(t, err)
		sid, err := NewSessionID()
		require.NoError(t, err)
		raw, err := c.Issue(Claims{Subject: "sub", SessionID: sid, Roles: []string{"a", "b"}, NotBefore: now, Scopes: []string{"x"}, Data: json.RawMessage(`{"d":1}`)})
		require.NoError(t, err)
		s.seeds = append(s.seeds, raw)
		s.issuers = append(s.issuers, c)
	}
	set, err := keys.NewSet(hs, ed, es, v4)
	require.NoError(t, err)
	cfg.Keys = set
	s.codec, err = New(cfg)
	require.NoError(t, err)
	return s
}

// signatureValid checks an accepted token's signature with the standard
// library alone: alg from the header must be the named key's, and the
// signature must verify under that key's material.
func (s *fuzzJWTSetup) signatureValid(raw string) error {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return errors.New("not three segments")
	}
	b64 := base64.RawURLEncoding.Strict()
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return err
	}
	var h struct{ Alg, Kid string }
	if err := json.Unmarshal(hb, &h); err != nil {
		return err
	}
	k := s.byID[h.Kid]
	if k == nil || k.Algorithm().String() != h.Alg {
		return errors.New("kid or alg does not match a key")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return err
	}
	input := []byte(parts[0] + "." + parts[1])
	switch k.Algorithm() {
	case keys.HS256:
		m := hmac.New(sha256.New, s.hsSecret)
		m.Write(input)
		if !hmac.Equal(m.Sum(nil), sig) {
			return errors.New("HMAC does not verify")
		}
	case keys.EdDSA:
		if !ed25519.Verify(s.edPub, input, sig) {
			return errors.New("Ed25519 signature does not verify")
		}
	case keys.ES256:
		digest := sha256.Sum256(input)
		if len(sig) != 64 || !ecdsa.Verify(s.esPub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return errors.New("ECDSA signature does not verify")
		}
	}
	return nil
}

// FuzzVerifyJWT: Verify never panics; every error matches ErrInvalid;
// whatever is accepted carries a valid signature under the key its kid
// names, with that key's alg, and verifies again to the same claims.
func FuzzVerifyJWT(f *testing.F) {
	s := newFuzzJWTSetup(f)
	for _, raw := range s.seeds {
		f.Add(raw)
		f.Add(strings.Replace(raw, ".", "..", 1))
		f.Add(raw + "=")
	}
	for _, g := range loadWycheproof(f).TestGroups {
		for _, tc := range g.Tests {
			var raw string
			if json.Unmarshal(tc.JWS, &raw) == nil {
				f.Add(raw)
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cl, err := s.codec.Verify(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not match ErrInvalid: %v", err)
			}
			if cl != nil {
				t.Fatal("claims returned with an error")
			}
			return
		}
		if err := s.signatureValid(raw); err != nil {
			t.Fatalf("accepted %q: %v", raw, err)
		}
		again, err := s.codec.Verify(raw)
		if err != nil {
			t.Fatalf("second verification failed: %v", err)
		}
		a, _ := json.Marshal(cl)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Fatalf("claims differ between two verifications: %s vs %s", a, b)
		}
	})
}

// TestJWTPreparedKeysFollowTheSet checks that the prepared JWT keys are
// rebuilt for a reloaded set, reuse the keys it shares with the previous
// one, and forget keys it dropped, so reloads never grow them.
func TestJWTPreparedKeysFollowTheSet(t *testing.T) {
	oldKey, err := keys.Generate(keys.HS256)
	require.NoError(t, err)
	newKey, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	first, err := keys.NewSet(oldKey)
	require.NoError(t, err)
	ring, err := keys.NewRing(first)
	require.NoError(t, err)
	c, err := New(Config{Keys: ring, Format: JWT})
	require.NoError(t, err)

	raw, err := c.Issue(Claims{Subject: "alice"})
	require.NoError(t, err)
	p1 := c.jwtPrep.Load()
	require.NotNil(t, p1)
	assert.Same(t, first, p1.set)

	both, err := keys.NewSet(oldKey, newKey.WithValidity(time.Now().Add(time.Hour), time.Time{}))
	require.NoError(t, err)
	require.NoError(t, ring.Store(both))
	_, err = c.Verify(raw)
	require.NoError(t, err)
	p2 := c.jwtPrep.Load()
	assert.Same(t, both, p2.set)
	assert.Len(t, p2.byKey, 2)
	assert.Same(t, p1.byKey[oldKey], p2.byKey[oldKey], "a key kept across a reload is not prepared again")

	only, err := keys.NewSet(newKey)
	require.NoError(t, err)
	require.NoError(t, ring.Store(only))
	_, err = c.Verify(raw)
	require.ErrorIs(t, err, ErrUnknownKey)
	p3 := c.jwtPrep.Load()
	assert.Same(t, only, p3.set)
	assert.Len(t, p3.byKey, 1, "a dropped key is forgotten")
	assert.Nil(t, p3.byKey[oldKey])
}

// TestJWTPooledBuffersCleared checks that no byte of a token or its
// claims stays in a pooled buffer after Issue or Verify, whether the token
// was accepted or refused.
func TestJWTPooledBuffersCleared(t *testing.T) {
	s := newFuzzJWTSetup(t)
	check := func(what string) {
		t.Helper()
		for i := 0; i < 4; i++ { // the pool may hold several buffers
			bp := jwtBuffers.Get().(*[]byte)
			b := (*bp)[:cap(*bp)]
			for j, c := range b {
				require.Zero(t, c, "%s: pooled buffer byte %d not cleared", what, j)
			}
			defer jwtBuffers.Put(bp)
		}
	}
	for _, raw := range s.seeds {
		_, err := s.codec.Verify(raw)
		require.NoError(t, err)
		check("after a good token")
		p := strings.Split(raw, ".")
		_, err = s.codec.Verify(p[0] + "." + p[1] + "xx." + p[2])
		require.Error(t, err)
		check("after a bad signature")
		_, err = s.codec.Verify(p[0] + "." + p[1] + "Z." + p[2])
		require.Error(t, err)
		check("after a malformed payload")
	}
	for _, c := range s.issuers {
		_, err := c.Issue(Claims{Subject: "secret-subject"})
		require.NoError(t, err)
		check("after issuing")
	}
}
