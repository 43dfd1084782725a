package token

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/sessiontoken/sessiontoken/keys"
)

// Format is a token format. The zero value is PASETO v4.local.
type Format uint8

const (
	// V4Local is PASETO v4.local: encrypted and authenticated with a
	// symmetric key. The default.
	V4Local Format = iota
	// V4Public is PASETO v4.public: signed with Ed25519, readable by anyone.
	V4Public
	// JWT is a signed JSON Web Token (JWS compact serialisation). The
	// algorithm (HS256, EdDSA or ES256) is the key's, never the token's.
	JWT
)

// String returns "v4.local", "v4.public" or "JWT".
func (f Format) String() string {
	switch f {
	case V4Local:
		return "v4.local"
	case V4Public:
		return "v4.public"
	case JWT:
		return "JWT"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// Accepts reports whether keys of algorithm a issue and verify tokens of
// format f: v4.local keys for V4Local, v4.public keys for V4Public, HS256,
// EdDSA and ES256 keys for JWT. A codec ignores every other key of its set.
func (f Format) Accepts(a keys.Algorithm) bool {
	for _, b := range f.algorithms() {
		if a == b {
			return true
		}
	}
	return false
}

// Key algorithms of each format; read-only.
var (
	v4LocalAlgs  = []keys.Algorithm{keys.V4Local}
	v4PublicAlgs = []keys.Algorithm{keys.V4Public}
	jwtAlgs      = []keys.Algorithm{keys.HS256, keys.EdDSA, keys.ES256}
)

// algorithms returns the key algorithms that issue and verify tokens of
// format f. The slice must not be modified.
func (f Format) algorithms() []keys.Algorithm {
	switch f {
	case V4Local:
		return v4LocalAlgs
	case V4Public:
		return v4PublicAlgs
	case JWT:
		return jwtAlgs
	}
	return nil
}

// Defaults applied by [New] to zero Config fields.
const (
	DefaultTTL          = 15 * time.Minute
	DefaultMaxTokenSize = 4096
)

// Config configures a [Codec]. The zero value of every field but Keys is a
// safe default; [New] copies the Config, so later changes to it have no
// effect.
type Config struct {
	// Keys provides the key set: the primary key issues, and tokens are
	// verified with the key their footer (PASETO) or header (JWT) names.
	// Required. A [*keys.Set] provides itself; a reloading holder is read
	// with one atomic load per call.
	Keys keys.Provider

	// Format is the one format this codec issues and accepts. If zero,
	// PASETO v4.local. Keys of other formats in the set are never used.
	Format Format

	// Issuer is written as iss when issuing and, when non-empty, required
	// to match exactly on verify.
	Issuer string

	// Audience is written as aud when issuing a token whose claims carry
	// none and, when non-empty, a verified token must name at least one of
	// these audiences.
	Audience []string

	// TTL is the lifetime given to issued tokens whose ExpiresAt is zero.
	// If zero, DefaultTTL (15 minutes).
	TTL time.Duration

	// Leeway is the clock skew tolerated on exp, nbf and iat. If zero,
	// none. Must not be negative.
	Leeway time.Duration

	// MaxTokenSize bounds the length of a token in bytes; longer tokens are
	// refused with ErrTooLarge before any decoding. If zero,
	// DefaultMaxTokenSize (4 KiB).
	MaxTokenSize int

	// ImplicitAssertion is authenticated with every PASETO token but not
	// carried in it (PASETO v4 "implicit assertion"): a token issued with
	// one assertion never verifies under another, which binds tokens to a
	// purpose. Must be empty for JWT.
	ImplicitAssertion []byte

	// Now returns the current time. If nil, time.Now. Tests inject a fixed
	// clock here.
	Now func() time.Time

	// KeyUsage, if not nil, counts the tokens each key verified (only
	// tokens that passed every check) and warns when tokens still arrive
	// under a key close to the end of its window: see [keys.KeyUsage]. It
	// costs a few tens of nanoseconds and no allocation per verification.
	KeyUsage *keys.KeyUsage
}

// Codec issues and verifies tokens of one format with one key set. It is
// safe for concurrent use.
type Codec struct {
	cfg Config

	// prep holds the PASETO keys of the last key set seen, prepared
	// (derivation states, footers); rebuilt when the provider returns
	// another set. Unused by JWT.
	prep atomic.Pointer[pasetoKeys]

	// jwtPrep is the same for JWT keys (internal/jws state, fast-path
	// headers). Unused by PASETO.
	jwtPrep atomic.Pointer[jwtKeys]

	// interns are the configured issuer and audiences: verified claims
	// that equal one of them share its memory instead of allocating.
	interns []string
}

// New checks cfg, applies its defaults and returns a codec.
func New(cfg Config) (*Codec, error) {
	if cfg.Keys == nil {
		return nil, errors.New("token: Config.Keys is required")
	}
	if cfg.Format > JWT {
		return nil, fmt.Errorf("token: unknown format %v", cfg.Format)
	}
	if cfg.Leeway < 0 || cfg.TTL < 0 || cfg.MaxTokenSize < 0 {
		return nil, errors.New("token: Config.Leeway, TTL and MaxTokenSize must not be negative")
	}
	if cfg.Format == JWT && len(cfg.ImplicitAssertion) > 0 {
		return nil, errors.New("token: JWT has no implicit assertion")
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.MaxTokenSize == 0 {
		cfg.MaxTokenSize = DefaultMaxTokenSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Audience = append([]string(nil), cfg.Audience...)
	cfg.ImplicitAssertion = append([]byte(nil), cfg.ImplicitAssertion...)
	c := &Codec{cfg: cfg}
	if cfg.Issuer != "" {
		c.interns = append(c.interns, cfg.Issuer)
	}
	c.interns = append(c.interns, cfg.Audience...)
	return c, nil
}

// Format returns the format the codec issues and accepts.
func (c *Codec) Format() Format { return c.cfg.Format }

// Issue returns a token for claims, sealed or signed with the key set's
// primary key among the keys of the codec's format
// ([keys.Set.PrimaryFor]). Zero fields are
// filled in: SessionID with a fresh random ID, IssuedAt with the current
// time, ExpiresAt with IssuedAt + TTL, Issuer and Audience from the
// Config. Times are truncated to the millisecond. Claims.Data must be
// valid JSON without duplicate names.
func (c *Codec) Issue(claims Claims) (string, error) {
	now := c.cfg.Now()
	if c.cfg.Format != JWT {
		pk, err := c.issuingKey(now)
		if err != nil {
			return "", err
		}
		if err := c.fill(&claims, now); err != nil {
			return "", err
		}
		if c.cfg.Format == V4Local {
			return c.issueLocal(pk, &claims)
		}
		return c.issuePublic(pk, &claims)
	}
	set := c.cfg.Keys.Current()
	key, err := set.PrimaryFor(now, jwtAlgs...)
	if err != nil {
		return "", fmt.Errorf("token: issuing: %w", err)
	}
	if err := c.fill(&claims, now); err != nil {
		return "", err
	}
	return c.issueJWT(set, key, &claims)
}

// fill completes claims before issuing.
func (c *Codec) fill(cl *Claims, now time.Time) error {
	if cl.SessionID.IsZero() {
		sid, err := NewSessionID()
		if err != nil {
			return err
		}
		cl.SessionID = sid
	}
	if cl.IssuedAt.IsZero() {
		cl.IssuedAt = now
	}
	if cl.ExpiresAt.IsZero() {
		cl.ExpiresAt = cl.IssuedAt.Add(c.cfg.TTL)
	}
	if cl.Issuer == "" {
		cl.Issuer = c.cfg.Issuer
	}
	if len(cl.Audience) == 0 {
		cl.Audience = c.cfg.Audience
	}
	cl.IssuedAt = cl.IssuedAt.Truncate(time.Millisecond)
	cl.ExpiresAt = cl.ExpiresAt.Truncate(time.Millisecond)
	cl.NotBefore = cl.NotBefore.Truncate(time.Millisecond)
	if !cl.ExpiresAt.After(cl.IssuedAt) {
		return errors.New("token: issuing: ExpiresAt is not after IssuedAt")
	}
	if err := validData(cl.Data); err != nil {
		return fmt.Errorf("token: issuing: Claims.Data: %v", err)
	}
	return nil
}

// Verify checks raw and returns its claims. The checks, in order: size
// (before any decoding), header (version and purpose, or JWT header), key
// lookup by the ID the token names (the key must be of this codec's format
// and inside its window; the algorithm comes from the key, never the
// token), cryptography (MAC/decryption or signature, constant time), then
// claims: a strict JSON object, exp required and not past, nbf and iat not
// in the future (each with Leeway), issuer and audience when configured.
//
// Every error matches [ErrInvalid] and one specific reason (ErrTooLarge,
// ErrMalformed, ErrUnknownKey, ErrBadSignature, ErrExpired, ErrNotYetValid,
// ErrIssuer, ErrAudience). Verify does not check revocation.
func (c *Codec) Verify(raw string) (*Claims, error) {
	// One allocation holds the Claims and room for a few roles and
	// audiences, which then need no slice of their own.
	box := new(struct {
		cl    Claims
		arena [4]string
	})
	if err := c.verify(&box.cl, raw, box.arena[:0]); err != nil {
		return nil, err
	}
	return &box.cl, nil
}

// VerifyTo is [Codec.Verify] writing into dst, which it overwrites whole,
// for callers that reuse a Claims. On error dst is zeroed.
func (c *Codec) VerifyTo(dst *Claims, raw string) error {
	err := c.verify(dst, raw, nil)
	if err != nil {
		*dst = Claims{}
	}
	return err
}

func (c *Codec) verify(dst *Claims, raw string, arena []string) error {
	if len(raw) > c.cfg.MaxTokenSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(raw), c.cfg.MaxTokenSize)
	}
	now := c.cfg.Now()
	var (
		key *keys.Key
		err error
	)
	switch c.cfg.Format {
	case V4Local:
		key, err = c.verifyLocal(dst, raw, now, arena)
	case V4Public:
		key, err = c.verifyPublic(dst, raw, now, arena)
	default:
		key, err = c.verifyJWT(dst, raw, now)
	}
	if err != nil {
		return err
	}
	if err := c.checkClaims(dst, now); err != nil {
		return err
	}
	if c.cfg.KeyUsage != nil {
		c.cfg.KeyUsage.Verified(key, now)
	}
	return nil
}

// lookup returns the verifying key named kid, refusing keys of another
// format and keys past their window.
func (c *Codec) lookup(set *keys.Set, kid string, now time.Time) (*keys.Key, error) {
	k, err := set.Lookup(kid)
	if err != nil || !c.cfg.Format.Accepts(k.Algorithm()) || !k.VerifiesAt(now) {
		return nil, ErrUnknownKey
	}
	return k, nil
}

// checkClaims applies the registered-claim rules after the cryptography
// has succeeded.
func (c *Codec) checkClaims(cl *Claims, now time.Time) error {
	if cl.ExpiresAt.IsZero() {
		return fmt.Errorf("%w: exp missing", ErrMalformed)
	}
	lw := c.cfg.Leeway
	if !now.Before(cl.ExpiresAt.Add(lw)) {
		return ErrExpired
	}
	if !cl.NotBefore.IsZero() && now.Add(lw).Before(cl.NotBefore) {
		return fmt.Errorf("%w: nbf in the future", ErrNotYetValid)
	}
	if !cl.IssuedAt.IsZero() && now.Add(lw).Before(cl.IssuedAt) {
		return fmt.Errorf("%w: iat in the future", ErrNotYetValid)
	}
	if c.cfg.Issuer != "" && cl.Issuer != c.cfg.Issuer {
		return ErrIssuer
	}
	if len(c.cfg.Audience) > 0 && !anyOf(cl.Audience, c.cfg.Audience) {
		return ErrAudience
	}
	return nil
}

func anyOf(have, want []string) bool {
	for _, w := range want {
		if contains(have, w) {
			return true
		}
	}
	return false
}
