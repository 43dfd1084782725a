package keys

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/blake2b"
)

// PASERK headers of the types this package reads and writes
// (https://github.com/paseto-standard/paserk, version 4 only).
const (
	headerLocal  = "k4.local."
	headerPublic = "k4.public."
	headerSecret = "k4.secret."
	headerLID    = "k4.lid."
	headerPID    = "k4.pid."
	headerSID    = "k4.sid."
)

// MaxPASERKSize is the length of the longest PASERK [ParsePASERK] accepts,
// a k4.secret: its header and 86 base64url characters. Longer input is
// refused before it is decoded.
const MaxPASERKSize = len(headerSecret) + 86

// ParsePASERK parses a version 4 PASERK key: "k4.local.…" (a [V4Local]
// key), "k4.public.…" (a verify-only [V4Public] key) or "k4.secret.…" (a
// [V4Public] key that issues). The returned key has no validity window.
//
// Parsing is strict: the header must match exactly, the data must be
// unpadded base64url of exactly the key's length with zero trailing bits
// (so each key has exactly one encoding), and a secret key's public half
// must match its seed. Every other PASERK type (IDs, wrapped, sealed or
// password-protected keys) and every other version is refused. All errors
// match [ErrInvalidKey].
func ParsePASERK(raw string) (*Key, error) {
	if len(raw) > MaxPASERKSize {
		return nil, fmt.Errorf("%w: PASERK is %d bytes, longer than any k4 key", ErrInvalidKey, len(raw))
	}
	switch {
	case strings.HasPrefix(raw, headerLocal):
		b, err := decodeExact(raw[len(headerLocal):], 32)
		if err != nil {
			return nil, fmt.Errorf("%w: k4.local: %v", ErrInvalidKey, err)
		}
		return NewV4Local(b)
	case strings.HasPrefix(raw, headerPublic):
		b, err := decodeExact(raw[len(headerPublic):], ed25519.PublicKeySize)
		if err != nil {
			return nil, fmt.Errorf("%w: k4.public: %v", ErrInvalidKey, err)
		}
		return NewV4PublicVerifier(b)
	case strings.HasPrefix(raw, headerSecret):
		b, err := decodeExact(raw[len(headerSecret):], ed25519.PrivateKeySize)
		if err != nil {
			return nil, fmt.Errorf("%w: k4.secret: %v", ErrInvalidKey, err)
		}
		return NewV4Public(b)
	}
	return nil, fmt.Errorf("%w: not a k4.local, k4.public or k4.secret PASERK (header %q)", ErrInvalidKey, paserkHeader(raw))
}

// paserkHeader returns the "version.type." header of raw for an error
// message, or "" when raw does not start with one. It never returns data
// past the second dot, so an error never echoes key material (base64url has
// no dots).
func paserkHeader(raw string) string {
	raw = truncate(raw, 24)
	first := strings.IndexByte(raw, '.')
	if first < 0 {
		return ""
	}
	second := strings.IndexByte(raw[first+1:], '.')
	if second < 0 {
		return ""
	}
	return raw[:first+1+second+1]
}

// PublicPASERK returns the "k4.public.…" PASERK of a [V4Public] key, the
// form in which a PASETO public key is published. It fails with
// [ErrWrongPurpose] for every other algorithm: local keys have no public
// half, and JWT keys are published as JWKs ([Key.PublicJWK]).
func (k *Key) PublicPASERK() (string, error) {
	if k.alg != V4Public || k.mat().edPub == nil {
		return "", fmt.Errorf("%w: %v key has no PASERK public key", ErrWrongPurpose, k.alg)
	}
	return k.publicPASERK(), nil
}

// SecretPASERK exports the key's secret material as a PASERK:
// "k4.local.…" for a [V4Local] key, "k4.secret.…" for a [V4Public] key that
// can issue. It fails with [ErrWrongPurpose] for verify-only and JWT keys.
//
// The result is the key itself: store it only where the key may be stored
// (a key-set file, a secret manager), never in a log or a token.
func (k *Key) SecretPASERK() (string, error) {
	m := k.mat()
	switch {
	case k.alg == V4Local && m.secret != nil:
		return k.localPASERK(), nil
	case k.alg == V4Public && m.edPriv != nil:
		return k.secretPASERK(), nil
	}
	return "", fmt.Errorf("%w: %v key has no PASERK secret", ErrWrongPurpose, k.alg)
}

// SecretKeyID returns the PASERK "k4.sid.…" ID of the secret half of a
// [V4Public] key that can issue. Tokens never carry it (they name the
// public key, [Key.ID]); it exists to refer to the secret key itself, for
// example in an inventory of who holds which signing key. It fails with
// [ErrWrongPurpose] for every other key.
func (k *Key) SecretKeyID() (string, error) {
	if k.alg != V4Public || k.mat().edPriv == nil {
		return "", fmt.Errorf("%w: %v key has no PASERK secret key ID", ErrWrongPurpose, k.alg)
	}
	return paserkID(headerSID, k.secretPASERK()), nil
}

// localPASERK returns k4.local.<key> for a v4.local key.
func (k *Key) localPASERK() string { return headerLocal + b64(k.mat().secret) }

// publicPASERK returns k4.public.<key> for a v4.public key.
func (k *Key) publicPASERK() string { return headerPublic + b64(k.mat().edPub) }

// secretPASERK returns k4.secret.<key> for a v4.public key that can issue.
func (k *Key) secretPASERK() string { return headerSecret + b64(k.mat().edPriv) }

// paserkID computes a PASERK key ID (lid, pid, sid) as the PASERK ID
// operation defines it for version 4: the header followed by
// base64url(BLAKE2b-264(header || paserk)).
func paserkID(header, paserk string) string {
	h, err := blake2b.New(33, nil)
	if err != nil {
		panic("keys: BLAKE2b-264: " + err.Error()) // unreachable: 33 is a valid size and the key is empty
	}
	h.Write([]byte(header))
	h.Write([]byte(paserk))
	return header + b64(h.Sum(nil))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// decodeExact decodes s as unpadded base64url into exactly n bytes. It is
// stricter than base64.RawURLEncoding.Strict(), which still skips '\r' and
// '\n': the length is checked first, every character must be in the
// base64url alphabet, and the unused trailing bits must be zero, so every
// byte string has exactly one accepted encoding.
func decodeExact(s string, n int) ([]byte, error) {
	if want := base64.RawURLEncoding.EncodedLen(n); len(s) != want {
		return nil, fmt.Errorf("data is %d characters, want %d", len(s), want)
	}
	b, err := decodeB64(s)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// decodeB64 decodes strict unpadded base64url of any length.
func decodeB64(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, fmt.Errorf("character %d is not base64url", i)
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		// The error names an offset only, never the data.
		return nil, fmt.Errorf("bad base64url: %v", err)
	}
	return b, nil
}
