package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/crypto/blake2b"
)

// Errors returned by this package. Test for them with [errors.Is]; the
// returned errors wrap them with context.
var (
	// ErrInvalidKey reports key material that is malformed, of the wrong
	// size or of the wrong kind for the algorithm it was given for.
	ErrInvalidKey = errors.New("keys: invalid key")
	// ErrWrongPurpose reports an operation asked of a key whose algorithm or
	// purpose does not allow it (for example the secret of a verify-only key).
	ErrWrongPurpose = errors.New("keys: key of the wrong purpose")
	// ErrUnknownKey reports a key ID that is not in a key set.
	ErrUnknownKey = errors.New("keys: unknown key")
	// ErrNoPrimary reports a key set with no key allowed to issue at the
	// given instant.
	ErrNoPrimary = errors.New("keys: no primary key")
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
// [Algorithm.String]. Names are case-sensitive.
func ParseAlgorithm(s string) (Algorithm, error) {
	for a := V4Local; a <= ES256; a++ {
		if algorithmNames[a] == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown algorithm %q", ErrInvalidKey, s)
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
// ([Key.ExportSecret], [Key.SecretPASERK]); every printed form (String,
// GoString, %v, %+v, JSON, slog) shows only its algorithm and ID.
type Key struct {
	id  string
	alg Algorithm

	secret []byte             // V4Local (32 bytes), HS256 (≥ 32 bytes)
	edPriv ed25519.PrivateKey // V4Public, EdDSA; nil on a verify-only key
	edPub  ed25519.PublicKey  // V4Public, EdDSA
	ecPriv *ecdsa.PrivateKey  // ES256; nil on a verify-only key
	ecPub  *ecdsa.PublicKey   // ES256

	issueFrom   time.Time // zero: may issue from the beginning of time
	verifyUntil time.Time // zero: verifies forever
}

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
	k := &Key{alg: V4Local, secret: clone(b)}
	k.id = paserkID("k4.lid.", k.localPASERK())
	return k, nil
}

// NewHS256 returns a JWT HS256 key for secret. Secrets shorter than
// [MinHS256SecretSize] are refused. secret is copied.
func NewHS256(secret []byte) (*Key, error) {
	if len(secret) < MinHS256SecretSize {
		return nil, fmt.Errorf("%w: HS256 secret is %d bytes, want at least %d", ErrInvalidKey, len(secret), MinHS256SecretSize)
	}
	k := &Key{alg: HS256, secret: clone(secret)}
	k.id = thumbprint(`{"k":"` + b64(secret) + `","kty":"oct"}`)
	return k, nil
}

// NewV4Public returns a PASETO v4.public key that issues with priv.
// priv is copied.
func NewV4Public(priv ed25519.PrivateKey) (*Key, error) { return newEd25519(V4Public, priv) }

// NewV4PublicVerifier returns a verify-only PASETO v4.public key.
// pub is copied.
func NewV4PublicVerifier(pub ed25519.PublicKey) (*Key, error) { return newEd25519Pub(V4Public, pub) }

// NewEdDSA returns a JWT EdDSA (Ed25519) key that issues with priv.
// priv is copied.
func NewEdDSA(priv ed25519.PrivateKey) (*Key, error) { return newEd25519(EdDSA, priv) }

// NewEdDSAVerifier returns a verify-only JWT EdDSA key. pub is copied.
func NewEdDSAVerifier(pub ed25519.PublicKey) (*Key, error) { return newEd25519Pub(EdDSA, pub) }

func newEd25519(alg Algorithm, priv ed25519.PrivateKey) (*Key, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: %v private key is %d bytes, want %d", ErrInvalidKey, alg, len(priv), ed25519.PrivateKeySize)
	}
	// An Ed25519 private key is seed||public; recompute the public half
	// from the seed so a mismatched pair can never be loaded.
	p := ed25519.NewKeyFromSeed(priv.Seed())
	if !p.Equal(priv) {
		return nil, fmt.Errorf("%w: %v private key does not match its public half", ErrInvalidKey, alg)
	}
	k, err := newEd25519Pub(alg, p.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	k.edPriv = p
	return k, nil
}

func newEd25519Pub(alg Algorithm, pub ed25519.PublicKey) (*Key, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: %v public key is %d bytes, want %d", ErrInvalidKey, alg, len(pub), ed25519.PublicKeySize)
	}
	k := &Key{alg: alg, edPub: ed25519.PublicKey(clone(pub))}
	if alg == V4Public {
		k.id = paserkID("k4.pid.", k.publicPASERK())
	} else {
		k.id = thumbprint(`{"crv":"Ed25519","kty":"OKP","x":"` + b64(pub) + `"}`)
	}
	return k, nil
}

// NewES256 returns a JWT ES256 key that issues with priv, which must be on
// P-256. The key is copied.
func NewES256(priv *ecdsa.PrivateKey) (*Key, error) {
	if priv == nil {
		return nil, fmt.Errorf("%w: nil ES256 private key", ErrInvalidKey)
	}
	b, err := priv.Bytes() // validates the curve and the scalar
	if err != nil || priv.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: ES256 private key is not a valid P-256 key", ErrInvalidKey)
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
	k.ecPriv = cp
	return k, nil
}

// NewES256Verifier returns a verify-only JWT ES256 key; pub must be a valid
// point on P-256. The key is copied.
func NewES256Verifier(pub *ecdsa.PublicKey) (*Key, error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: ES256 public key is not on P-256", ErrInvalidKey)
	}
	raw, err := pub.Bytes() // uncompressed point; fails off the curve
	if err != nil {
		return nil, fmt.Errorf("%w: ES256 public key: %v", ErrInvalidKey, err)
	}
	cp, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("%w: ES256 public key: %v", ErrInvalidKey, err)
	}
	x, y := raw[1:33], raw[33:65]
	k := &Key{alg: ES256, ecPub: cp}
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
	return k.secret != nil || k.edPriv != nil || k.ecPriv != nil
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
// are immutable.
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
	c := *k
	c.edPriv, c.ecPriv = nil, nil
	return &c, nil
}

// PublicKey returns a copy of the public key of an asymmetric key
// (ed25519.PublicKey or *ecdsa.PublicKey), or nil for a symmetric key.
func (k *Key) PublicKey() crypto.PublicKey {
	switch {
	case k.edPub != nil:
		return ed25519.PublicKey(clone(k.edPub))
	case k.ecPub != nil:
		raw, _ := k.ecPub.Bytes()
		p, _ := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
		return p
	}
	return nil
}

// ExportSecret returns a copy of the secret of a symmetric key (v4.local,
// HS256). It fails with [ErrWrongPurpose] for asymmetric keys. Whatever
// receives the bytes must keep them as secret as the key file.
func (k *Key) ExportSecret() ([]byte, error) {
	if k.secret == nil {
		return nil, fmt.Errorf("%w: %v key has no symmetric secret", ErrWrongPurpose, k.alg)
	}
	return clone(k.secret), nil
}

// ExportPrivateKey returns a copy of the private key of an asymmetric key
// that can issue (ed25519.PrivateKey or *ecdsa.PrivateKey). It fails with
// [ErrWrongPurpose] for symmetric and verify-only keys.
func (k *Key) ExportPrivateKey() (crypto.PrivateKey, error) {
	switch {
	case k.edPriv != nil:
		return ed25519.PrivateKey(clone(k.edPriv)), nil
	case k.ecPriv != nil:
		b, _ := k.ecPriv.Bytes()
		p, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), b)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
		}
		return p, nil
	}
	return nil, fmt.Errorf("%w: %v key has no private key", ErrWrongPurpose, k.alg)
}

// Equal reports whether k and o hold the same material for the same
// algorithm (validity windows are not compared). Secrets are compared in
// constant time.
func (k *Key) Equal(o *Key) bool {
	if k == nil || o == nil {
		return k == o
	}
	// IDs are collision-resistant hashes of the material and algorithm
	// family; comparing them compares the material without branching on
	// secret bytes.
	return k.alg == o.alg && k.id == o.id && k.CanIssue() == o.CanIssue()
}

// String returns the key's algorithm and ID, for example
// "v4.local(kid=k4.lid.…)". It never includes key material.
func (k Key) String() string {
	if !k.alg.valid() {
		return "keys.Key(invalid)"
	}
	s := k.alg.String() + "(kid=" + k.id
	if k.Purpose() == Public && !k.CanIssue() {
		s += ", verify-only"
	}
	return s + ")"
}

// GoString is like String, so %#v does not print the material either.
func (k Key) GoString() string { return k.String() }

// Format implements fmt.Formatter so that every verb, %x and %q included,
// prints [Key.String] and never the material.
func (k Key) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(k.String())) }

// MarshalJSON encodes the key's ID and algorithm only, never its material.
// Use the key-set file functions to serialise keys.
func (k Key) MarshalJSON() ([]byte, error) {
	return []byte(`{"kid":"` + k.id + `","alg":"` + k.alg.String() + `"}`), nil
}

// LogValue implements slog.LogValuer with the key's ID and algorithm only.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.id), slog.String("alg", k.alg.String()))
}

var (
	_ fmt.Stringer   = Key{}
	_ fmt.GoStringer = Key{}
	_ fmt.Formatter  = Key{}
	_ slog.LogValuer = Key{}
)

// localPASERK returns k4.local.<key> for a v4.local key.
func (k *Key) localPASERK() string { return "k4.local." + b64(k.secret) }

// publicPASERK returns k4.public.<key> for a v4.public key.
func (k *Key) publicPASERK() string { return "k4.public." + b64(k.edPub) }

// secretPASERK returns k4.secret.<key> for a v4.public key that can issue.
func (k *Key) secretPASERK() string { return "k4.secret." + b64(k.edPriv) }

// paserkID computes a PASERK key ID (lid, pid, sid): the header followed by
// base64url(BLAKE2b-264(header || paserk)).
func paserkID(header, paserk string) string {
	h, _ := blake2b.New(33, nil)
	h.Write([]byte(header))
	h.Write([]byte(paserk))
	return header + b64(h.Sum(nil))
}

// thumbprint computes the RFC 7638 JWK thumbprint (SHA-256) of the
// canonical JWK members given in lexicographic order without whitespace.
func thumbprint(canonicalJWK string) string {
	sum := sha256.Sum256([]byte(canonicalJWK))
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
