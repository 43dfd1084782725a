package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sessiontoken/sessiontoken/internal/jws"
	"github.com/sessiontoken/sessiontoken/keys"
)

// JWT: compact JWS (RFC 7515) carrying JWT claims (RFC 7519), with
// NumericDate times that keep milliseconds. The header is always
// {"alg":…,"kid":…,"typ":"JWT"}; internal/jws does the signing and the
// strict parsing, this file the key lookup and the claims.

// issueJWT signs cl with k, the primary JWT key of set.
func (c *Codec) issueJWT(set *keys.Set, k *keys.Key, cl *Claims) (string, error) {
	jk, err := c.preparedJWSKey(set, k)
	if err != nil {
		return "", fmt.Errorf("token: issuing: %w", err)
	}
	bp := jwtBuffers.Get().(*[]byte)
	defer putJWTBuffer(bp)
	payload := appendClaims((*bp)[:0], cl, numericDates)
	// The token is appended after the payload in the same buffer.
	full, err := jk.Sign(payload, k.ID(), payload)
	if err != nil {
		clear(payload)
		return "", fmt.Errorf("token: issuing: %v", err)
	}
	tok := string(full[len(payload):])
	clear(full)
	*bp = full[:0]
	return tok, nil
}

// verifyJWT checks raw (already bounded in size by the caller) and decodes
// its claims into dst: header (strict, see internal/jws), key by kid (of
// this codec's format, inside its window), alg equal to the key's,
// signature, then the claims with NumericDate times. The claim rules
// (exp, nbf, iat, iss, aud) are the caller's. It returns the key that
// verified.
func (c *Codec) verifyJWT(dst *Claims, raw string, now time.Time) (*keys.Key, error) {
	var t jws.Token
	k, jk, err := c.jwtKey(raw, now, &t)
	if err != nil {
		return nil, err
	}
	bp := jwtBuffers.Get().(*[]byte)
	defer putJWTBuffer(bp)
	payload, err := jk.Verify((*bp)[:0], &t)
	if err != nil {
		return nil, jwtError(err)
	}
	*bp = payload[:0]
	err = parseClaims(dst, payload, numericDates)
	clear(payload)
	return k, err
}

// jwtKey parses raw into t and returns the key that must verify it, with
// its prepared form.
//
// Fast path: a header segment that is byte for byte the one we write for a
// JWT key of the current set ({"alg":…,"kid":…,"typ":"JWT"}) names that
// key and its algorithm without being decoded; it was checked once, when
// the set was prepared. Any other header is decoded and checked strictly
// and its kid looked up; its alg must then be the key's (checked by
// jws.Key.Verify). Both paths accept exactly the same tokens.
func (c *Codec) jwtKey(raw string, now time.Time, t *jws.Token) (*keys.Key, *jws.Key, error) {
	set := c.cfg.Keys.Current()
	if d := strings.IndexByte(raw, '.'); d > 0 {
		if pk, ok := c.jwtKeysFor(set).byHeader[raw[:d]]; ok {
			if !pk.key.VerifiesAt(now) {
				return nil, nil, fmt.Errorf("%w: key %s no longer verifies", ErrUnknownKey, pk.key.ID())
			}
			if err := jws.ParseKnownHeader(raw, jws.Header{Alg: pk.jk.Algorithm(), KID: pk.key.ID()}, t); err != nil {
				return nil, nil, jwtError(err)
			}
			return pk.key, pk.jk, nil
		}
	}
	if err := jws.Parse(raw, t); err != nil {
		return nil, nil, jwtError(err)
	}
	k, err := c.lookup(set, t.Header.KID, now)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: kid %q", err, t.Header.KID)
	}
	jk, err := c.preparedJWSKey(set, k)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: key %s: %v", ErrUnknownKey, k.ID(), err)
	}
	return k, jk, nil
}

// jwtError maps an internal/jws error to our sentinels: a token that is
// not strict JWS, or asks for an algorithm or extension we never accept,
// is malformed; an alg that is not its key's, or a signature that does not
// verify, is a bad signature.
func jwtError(err error) error {
	if errors.Is(err, jws.ErrAlgorithmMismatch) || errors.Is(err, jws.ErrSignature) {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}

// jwtBuffers holds scratch buffers for payloads and tokens. Each is
// cleared before it returns to the pool, so nothing of one token is ever
// visible while another is handled.
var jwtBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func putJWTBuffer(bp *[]byte) {
	if cap(*bp) > 64<<10 {
		return // let an outsized buffer go rather than pin it
	}
	*bp = (*bp)[:0]
	jwtBuffers.Put(bp)
}

// jwtKeys is the prepared form of one key set's JWT keys: the internal/jws
// state of each key (pooled keyed HMACs, copies of public and private keys
// — exporting them from a keys.Key copies and, for ES256, re-derives the
// public point, which costs more than a verification) and, for the fast
// path, the encoded header we write for each key. It is immutable once
// built; a Codec keeps the latest behind an atomic pointer, like the
// PASETO keys.
type jwtKeys struct {
	set      *keys.Set
	byHeader map[string]jwtPrepKey
	byKey    map[*keys.Key]*jws.Key
}

type jwtPrepKey struct {
	key *keys.Key
	jk  *jws.Key
}

// jwtKeysFor returns the prepared JWT keys of set, building them when set
// is not the one prepared last. Keys prepared for the previous set are
// reused by pointer, so a reload prepares only new keys. Two goroutines
// racing on a new set both build it; either result is correct.
func (c *Codec) jwtKeysFor(set *keys.Set) *jwtKeys {
	old := c.jwtPrep.Load()
	if old != nil && old.set == set {
		return old
	}
	p := &jwtKeys{set: set, byHeader: map[string]jwtPrepKey{}, byKey: map[*keys.Key]*jws.Key{}}
	for _, k := range set.Keys() {
		if !JWT.Accepts(k.Algorithm()) {
			continue
		}
		jk := (*jws.Key)(nil)
		if old != nil {
			jk = old.byKey[k]
		}
		if jk == nil {
			var err error
			if jk, err = newJWSKey(k); err != nil {
				continue // such a key takes the slow path, which reports it
			}
		}
		p.byKey[k] = jk
		if h, err := jk.HeaderSegment(k.ID()); err == nil {
			p.byHeader[h] = jwtPrepKey{key: k, jk: jk}
		}
	}
	c.jwtPrep.Store(p)
	return p
}

// preparedJWSKey returns the prepared state of k, a key of set.
func (c *Codec) preparedJWSKey(set *keys.Set, k *keys.Key) (*jws.Key, error) {
	if jk := c.jwtKeysFor(set).byKey[k]; jk != nil {
		return jk, nil
	}
	return newJWSKey(k) // a key that failed to prepare: report why
}

func newJWSKey(k *keys.Key) (*jws.Key, error) {
	switch k.Algorithm() {
	case keys.HS256:
		secret, err := k.ExportSecret()
		if err != nil {
			return nil, err
		}
		defer clear(secret)
		return jws.NewHS256(secret)
	case keys.EdDSA:
		pub, _ := k.PublicKey().(ed25519.PublicKey)
		var priv ed25519.PrivateKey
		if k.CanIssue() {
			p, err := k.ExportPrivateKey()
			if err != nil {
				return nil, err
			}
			priv, _ = p.(ed25519.PrivateKey)
		}
		return jws.NewEdDSA(pub, priv)
	case keys.ES256:
		pub, _ := k.PublicKey().(*ecdsa.PublicKey)
		var priv *ecdsa.PrivateKey
		if k.CanIssue() {
			p, err := k.ExportPrivateKey()
			if err != nil {
				return nil, err
			}
			priv, _ = p.(*ecdsa.PrivateKey)
		}
		return jws.NewES256(pub, priv)
	}
	return nil, fmt.Errorf("%v is not a JWT algorithm", k.Algorithm())
}
