package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Errors returned by this package. Test for them with [errors.Is]; the
// returned errors wrap them with context.
var (
	// ErrInvalidKey reports key material that is malformed, of the wrong
	// size or of the wrong kind for the algorithm it was given for,
	// including a PASERK of a version or type this package does not accept.
	ErrInvalidKey = errors.New("keys: invalid key")
	// ErrWrongPurpose reports an operation asked of a key whose algorithm or
	// purpose does not allow it (for example the secret of a verify-only key).
	ErrWrongPurpose = errors.New("keys: key of the wrong purpose")
	// ErrUnknownKey reports a key ID that is not in a key set.
	ErrUnknownKey = errors.New("keys: unknown key")
	// ErrNoPrimary reports a key set with no key allowed to issue at the
	// given instant.
	ErrNoPrimary = errors.New("keys: no primary key")
	// ErrInvalidSet reports a key set that cannot be used: a key-set file
	// that is malformed, too large, of an unknown version, names a key with
	// the wrong ID, or holds no key; or an empty set given to a [Ring].
	// When the cause is one key's material, the error also matches
	// [ErrInvalidKey].
	ErrInvalidSet = errors.New("keys: invalid key set")
)

// Algorithm names what a key is for: one token format and one
// cryptographic construction. A key of one algorithm is never used for
// another (PASETO's "algorithm lucidity").
type Algorithm uint8

// The supported algorithms. The zero value is invalid.
const (
	// V4Local is PASETO v4.local: a 32-byte symmetric key, XChaCha20 and
	// keyed BLAKE2b.
	V4Local Algorithm = iota + 1
	// V4Public is PASETO v4.public: an Ed25519 key pair.
	V4Public
	// HS256 is JWT HMAC-SHA256 with a secret of at least 32 bytes.
	HS256
	// EdDSA is JWT Ed25519.
	EdDSA
	// ES256 is JWT ECDSA on P-256 with SHA-256.
	ES256
)

var algorithmNames = [...]string{
	V4Local:  "v4.local",
	V4Public: "v4.public",
	HS256:    "HS256",
	EdDSA:    "EdDSA",
	ES256:    "ES256",
}

// String returns the name used in tokens and in the key-set file:
// "v4.local", "v4.public", "HS256", "EdDSA" or "ES256".
func (a Algorithm) String() string {
	if a.valid() {
		return algorithmNames[a]
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

func (a Algorithm) valid() bool { return a >= V4Local && a <= ES256 }

// ParseAlgorithm returns the algorithm named s, as printed by
// [Algorithm.String]. Names are case-sensitive, so "hs256" and "none" are
// refused with [ErrInvalidKey].
func ParseAlgorithm(s string) (Algorithm, error) {
	for a := V4Local; a <= ES256; a++ {
		if algorithmNames[a] == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown algorithm %s", ErrInvalidKey, quoteShort(s))
}

// Purpose tells symmetric keys from asymmetric ones.
type Purpose uint8

const (
	// Local keys are symmetric: the same secret issues and verifies.
	Local Purpose = iota + 1
	// Public keys are asymmetric: a private key issues, a public key verifies.
	Public
)

// String returns "local" or "public".
func (p Purpose) String() string {
	switch p {
	case Local:
		return "local"
	case Public:
		return "public"
	}
	return fmt.Sprintf("Purpose(%d)", uint8(p))
}

// Purpose returns whether keys of this algorithm are symmetric or asymmetric.
func (a Algorithm) Purpose() Purpose {
	switch a {
	case V4Local, HS256:
		return Local
	case V4Public, EdDSA, ES256:
		return Public
	}
	return 0
}

// MinHS256SecretSize is the shortest HS256 secret accepted: RFC 7518 §3.2
// requires a key at least as long as the hash output.
const MinHS256SecretSize = 32

// Key is one key of a single algorithm with its ID and validity window.
//
// A Key is immutable and safe for concurrent use. Its material is copied in
// when it is made and copied out only through explicitly named calls
// ([Key.ExportSecret], [Key.ExportPrivateKey], [Key.SecretPASERK],
// [Set.MarshalFile]); every printed form (String, GoString, every fmt verb,
// JSON, slog) shows only its algorithm and ID. The material is reached
// through a func value, so that even a Key value stored in an unexported
// struct field, which fmt (and reflection-based dumpers) print field by
// field without calling its methods, shows an address rather than bytes: a
// plain pointer would not do, as fmt expands a pointer to a struct when a
// verb does not fit it (%s, %q).
//
// The zero Key is invalid: make keys with [Generate], the New… functions,
// [ParsePASERK] or a key-set file.
type Key struct {
	id  string
	alg Algorithm
	m   func() *material // nil only in the zero Key

	issueFrom   time.Time // zero: may issue from the beginning of time
	verifyUntil time.Time // zero: verifies forever
}

// material holds a key's bytes. It is never modified after construction.
type material struct {
	secret []byte             // V4Local (32 bytes), HS256 (≥ 32 bytes)
	edPriv ed25519.PrivateKey // V4Public, EdDSA; nil on a verify-only key
	edPub  ed25519.PublicKey  // V4Public, EdDSA
	ecPriv *ecdsa.PrivateKey  // ES256; nil on a verify-only key
	ecPub  *ecdsa.PublicKey   // ES256
}

// noMaterial stands in for the material of a zero Key so that its methods
// report "nothing" instead of panicking. It is never written to.
var noMaterial material

func (k *Key) mat() *material {
	if k.m == nil {
		return &noMaterial
	}
	return k.m()
}

// holding returns the accessor a Key keeps for m.
func holding(m *material) func() *material { return func() *material { return m } }

// Generate returns a fresh key of algorithm alg, with material read from
// crypto/rand and no validity window. HS256 secrets are 32 bytes.
func Generate(alg Algorithm) (*Key, error) {
	switch alg {
	case V4Local, HS256:
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("keys: reading randomness: %w", err)
		}
		if alg == V4Local {
			return NewV4Local(b)
		}
		return NewHS256(b)
	case V4Public, EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("keys: generating Ed25519 key: %w", err)
		}
		if alg == V4Public {
			return NewV4Public(priv)
		}
		return NewEdDSA(priv)
	case ES256:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("keys: generating P-256 key: %w", err)
		}
		return NewES256(priv)
	}
	return nil, fmt.Errorf("%w: cannot generate %v", ErrInvalidKey, alg)
}

// NewV4Local returns a PASETO v4.local key for the 32-byte secret b.
// b is copied.
func NewV4Local(b []byte) (*Key, error) {
	if len(b) != 32 {
		return nil, fmt.Errorf("%w: v4.local key is %d bytes, want 32", ErrInvalidKey, len(b))
	}
	k := &Key{alg: V4Local, m: holding(&material{secret: clone(b)})}
	k.id = paserkID(headerLID, k.localPASERK())
	return k, nil
}

// NewHS256 returns a JWT HS256 key for secret. Secrets shorter than
// [MinHS256SecretSize] are refused. secret is copied.
//
// The key's ID is the JWK thumbprint of the secret, which lets anyone who
// sees a token test guesses of the secret offline: use a secret from
// crypto/rand (as [Generate] does), never a password.
func NewHS256(secret []byte) (*Key, error) {
	if len(secret) < MinHS256SecretSize {
		return nil, fmt.Errorf("%w: HS256 secret is %d bytes, want at least %d", ErrInvalidKey, len(secret), MinHS256SecretSize)
	}
	k := &Key{alg: HS256, m: holding(&material{secret: clone(secret)})}
	k.id = thumbprint(`{"k":"` + b64(secret) + `","kty":"oct"}`)
	return k, nil
}

// NewV4Public returns a PASETO v4.public key that issues with priv, a
// 64-byte Ed25519 private key (seed followed by public key). A private key
// whose public half does not match its seed is refused. priv is copied.
func NewV4Public(priv ed25519.PrivateKey) (*Key, error) { return newEd25519(V4Public, priv) }

// NewV4PublicVerifier returns a verify-only PASETO v4.public key.
// pub is copied.
func NewV4PublicVerifier(pub ed25519.PublicKey) (*Key, error) { return newEd25519Pub(V4Public, pub) }

// NewEdDSA returns a JWT EdDSA (Ed25519) key that issues with priv. A
// private key whose public half does not match its seed is refused. priv is
// copied.
func NewEdDSA(priv ed25519.PrivateKey) (*Key, error) { return newEd25519(EdDSA, priv) }

// NewEdDSAVerifier returns a verify-only JWT EdDSA key. pub is copied.
func NewEdDSAVerifier(pub ed25519.PublicKey) (*Key, error) { return newEd25519Pub(EdDSA, pub) }

func newEd25519(alg Algorithm, priv ed25519.PrivateKey) (*Key, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: %v private key is %d bytes, want %d", ErrInvalidKey, alg, len(priv), ed25519.PrivateKeySize)
	}
	// An Ed25519 private key is seed||public; recompute the public half
	// from the seed so a mismatched pair can never be loaded (a signer
	// would otherwise sign with one key and name another).
	p := ed25519.NewKeyFromSeed(priv.Seed())
	if !p.Equal(priv) {
		return nil, fmt.Errorf("%w: %v private key does not match its public half", ErrInvalidKey, alg)
	}
	k, err := newEd25519Pub(alg, p.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	k.mat().edPriv = p // still under construction: not shared yet
	return k, nil
}

func newEd25519Pub(alg Algorithm, pub ed25519.PublicKey) (*Key, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: %v public key is %d bytes, want %d", ErrInvalidKey, alg, len(pub), ed25519.PublicKeySize)
	}
	k := &Key{alg: alg, m: holding(&material{edPub: ed25519.PublicKey(clone(pub))})}
	if alg == V4Public {
		k.id = paserkID(headerPID, k.publicPASERK())
	} else {
		k.id = thumbprint(`{"crv":"Ed25519","kty":"OKP","x":"` + b64(pub) + `"}`)
	}
	return k, nil
}

// NewES256 returns a JWT ES256 key that issues with priv, which must be on
// P-256 and whose public half must match its scalar. The key is copied.
func NewES256(priv *ecdsa.PrivateKey) (*Key, error) {
	// Check the shape before calling into crypto/ecdsa, which dereferences
	// D, X and Y without checking them.
	if priv == nil || priv.Curve != elliptic.P256() || priv.D == nil || priv.X == nil || priv.Y == nil {
		return nil, fmt.Errorf("%w: ES256 private key is not a P-256 key", ErrInvalidKey)
	}
	b, err := priv.Bytes() // validates the scalar
	if err != nil {
		return nil, fmt.Errorf("%w: ES256 private key: %v", ErrInvalidKey, err)
	}
	cp, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), b)
	if err != nil {
		return nil, fmt.Errorf("%w: ES256 private key: %v", ErrInvalidKey, err)
	}
	if !cp.PublicKey.Equal(&priv.PublicKey) {
		return nil, fmt.Errorf("%w: ES256 private key does not match its public half", ErrInvalidKey)
	}
	k, err := NewES256Verifier(&cp.PublicKey)
	if err != nil {
		return nil, err
	}
	k.mat().ecPriv = cp // still under construction: not shared yet
	return k, nil
}

// NewES256Verifier returns a verify-only JWT ES256 key; pub must be a valid
// point on P-256. The key is copied.
func NewES256Verifier(pub *ecdsa.PublicKey) (*Key, error) {
	if pub == nil || pub.Curve != elliptic.P256() || pub.X == nil || pub.Y == nil {
		return nil, fmt.Errorf("%w: ES256 public key is not on P-256", ErrInvalidKey)
	}
	raw, err := pub.Bytes() // uncompressed point; fails off the curve
	if err != nil {
		return nil, fmt.Errorf("%w: ES256 public key: %v", ErrInvalidKey, err)
	}
	return newES256Point(raw)
}

// newES256Point returns a verify-only ES256 key for an uncompressed P-256
// point (0x04 || X || Y).
func newES256Point(raw []byte) (*Key, error) {
	cp, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("%w: ES256 public key: %v", ErrInvalidKey, err)
	}
	x, y := raw[1:33], raw[33:65]
	k := &Key{alg: ES256, m: holding(&material{ecPub: cp})}
	k.id = thumbprint(`{"crv":"P-256","kty":"EC","x":"` + b64(x) + `","y":"` + b64(y) + `"}`)
	return k, nil
}

// ID returns the key's identifier, the value tokens carry to name it:
// PASERK "k4.lid.…" for v4.local, "k4.pid.…" for v4.public (both halves of
// a pair share it), and the RFC 7638 JWK thumbprint for JWT keys. IDs are
// derived from the material, so an ID can never be attached to the wrong key.
func (k *Key) ID() string { return k.id }

// Algorithm returns the key's algorithm.
func (k *Key) Algorithm() Algorithm { return k.alg }

// Purpose returns whether the key is symmetric or asymmetric.
func (k *Key) Purpose() Purpose { return k.alg.Purpose() }

// CanIssue reports whether the key holds the secret or private material
// needed to issue tokens (a verify-only public key cannot).
func (k *Key) CanIssue() bool {
	m := k.mat()
	return m.secret != nil || m.edPriv != nil || m.ecPriv != nil
}

// IssueFrom returns the instant from which the key may become primary. The
// zero time means it may issue from the start.
func (k *Key) IssueFrom() time.Time { return k.issueFrom }

// VerifyUntil returns the instant at which the key stops verifying. The zero
// time means it never stops.
func (k *Key) VerifyUntil() time.Time { return k.verifyUntil }

// WithValidity returns a copy of k with the validity window [issueFrom,
// verifyUntil). A zero issueFrom means "from the start"; a zero verifyUntil
// means "forever". The material is shared with k, which is safe because keys
// are immutable. [NewSet] refuses a window that ends before it begins.
func (k *Key) WithValidity(issueFrom, verifyUntil time.Time) *Key {
	c := *k
	c.issueFrom, c.verifyUntil = issueFrom, verifyUntil
	return &c
}

// Public returns the verify-only half of an asymmetric key, with the same ID
// and validity window. It fails with [ErrWrongPurpose] for a symmetric key,
// which has no public half.
func (k *Key) Public() (*Key, error) {
	if k.Purpose() != Public {
		return nil, fmt.Errorf("%w: %v key has no public half", ErrWrongPurpose, k.alg)
	}
	m := k.mat()
	c := *k
	c.m = holding(&material{edPub: m.edPub, ecPub: m.ecPub})
	return &c, nil
}

// PublicKey returns a copy of the public key of an asymmetric key
// (ed25519.PublicKey or *ecdsa.PublicKey), or nil for a symmetric key.
func (k *Key) PublicKey() crypto.PublicKey {
	m := k.mat()
	switch {
	case m.edPub != nil:
		return ed25519.PublicKey(clone(m.edPub))
	case m.ecPub != nil:
		raw, err := m.ecPub.Bytes()
		if err != nil {
			return nil
		}
		p, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
		if err != nil {
			return nil
		}
		return p
	}
	return nil
}

// ExportSecret returns a copy of the secret of a symmetric key (v4.local,
// HS256). It fails with [ErrWrongPurpose] for asymmetric keys. Whatever
// receives the bytes must keep them as secret as the key file.
func (k *Key) ExportSecret() ([]byte, error) {
	m := k.mat()
	if m.secret == nil {
		return nil, fmt.Errorf("%w: %v key has no symmetric secret", ErrWrongPurpose, k.alg)
	}
	return clone(m.secret), nil
}

// ExportPrivateKey returns a copy of the private key of an asymmetric key
// that can issue (ed25519.PrivateKey or *ecdsa.PrivateKey). It fails with
// [ErrWrongPurpose] for symmetric and verify-only keys.
func (k *Key) ExportPrivateKey() (crypto.PrivateKey, error) {
	m := k.mat()
	switch {
	case m.edPriv != nil:
		return ed25519.PrivateKey(clone(m.edPriv)), nil
	case m.ecPriv != nil:
		b, err := m.ecPriv.Bytes()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
		}
		p, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), b)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
		}
		return p, nil
	}
	return nil, fmt.Errorf("%w: %v key has no private key", ErrWrongPurpose, k.alg)
}

// Equal reports whether k and o hold the same material for the same
// algorithm and can both issue or both only verify (validity windows are
// not compared).
func (k *Key) Equal(o *Key) bool {
	if k == nil || o == nil {
		return k == o
	}
	// IDs are collision-resistant hashes of the material and algorithm
	// family; comparing them compares the material without branching on
	// secret bytes. The private half of an asymmetric key is fixed by its
	// public half (checked on construction), so equal IDs and equal
	// CanIssue mean equal keys.
	return k.alg == o.alg && k.id == o.id && k.CanIssue() == o.CanIssue()
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

// quoteShort quotes untrusted text for an error message when it is short
// enough to be a name (an algorithm, a member name), and otherwise gives only
// its length: a long value may be key material pasted into the wrong place,
// and a 16-character prefix of it is already too much to log.
func quoteShort(s string) string {
	if len(s) <= 12 {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("(%d bytes, not shown)", len(s))
}

// truncate shortens untrusted text quoted in an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// parseES256Scalar returns the ES256 key whose private scalar is the
// 32-byte big-endian d.
func parseES256Scalar(d []byte) (*Key, error) {
	p, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, fmt.Errorf("%w: ES256 private key: %v", ErrInvalidKey, err)
	}
	return NewES256(p)
}
