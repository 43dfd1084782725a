package keys

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/chacha20"
)

// ErrUnwrap reports a wrapped key that does not authenticate under the
// wrapping key it was given: the wrapping key is the wrong one, or the
// wrapped data was altered. The two cannot be told apart, by design. Errors
// that match ErrUnwrap also match [ErrInvalidKey].
var ErrUnwrap = errors.New("keys: wrapped key does not authenticate (wrong wrapping key or altered data)")

// PASERK headers of the wrapped key types (PASERK "PIE" protocol, version 4).
const (
	headerLocalWrap  = "k4.local-wrap.pie."
	headerSecretWrap = "k4.secret-wrap.pie."
)

// Sizes of the parts of a PIE-wrapped key: tag, nonce, then the ciphertext,
// which is as long as the key.
const (
	pieTagSize   = 32
	pieNonceSize = 32
)

// MaxWrappedPASERKSize is the length of the longest wrapped PASERK
// [ParseWrappedPASERK] accepts, a k4.secret-wrap.pie: its header and the
// base64url of a 32-byte tag, a 32-byte nonce and a 64-byte secret key.
// Longer input is refused before it is decoded.
const MaxWrappedPASERKSize = len(headerSecretWrap) + 171

// WrappedPASERK returns k's secret wrapped under wrappingKey with the
// PASERK PIE protocol: "k4.local-wrap.pie.…" for a [V4Local] key and
// "k4.secret-wrap.pie.…" for a [V4Public] key that can issue. wrappingKey
// must be a V4Local key (a master key); each call draws a fresh 32-byte
// nonce from crypto/rand, so wrapping the same key twice gives two
// different strings.
//
// The wrapped form hides the key from whoever stores it (a shared Redis,
// a configuration repository) and authenticates it: without wrappingKey
// nobody can read it, alter it or make a new one that unwraps. It does not
// hide which key it is once unwrapped, nor prevent an old wrapped key from
// being stored again.
//
// It fails with [ErrWrongPurpose] when wrappingKey is not a V4Local key or
// k has no PASERK secret (a verify-only key, a JWT key).
func (k *Key) WrappedPASERK(wrappingKey *Key) (string, error) {
	wk, err := wrappingSecret(wrappingKey)
	if err != nil {
		return "", err
	}
	m := k.mat()
	var header string
	var plain []byte
	switch {
	case k.alg == V4Local && m.secret != nil:
		header, plain = headerLocalWrap, m.secret
	case k.alg == V4Public && m.edPriv != nil:
		header, plain = headerSecretWrap, m.edPriv
	default:
		return "", fmt.Errorf("%w: %v key has no PASERK secret to wrap", ErrWrongPurpose, k.alg)
	}
	var nonce [pieNonceSize]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", fmt.Errorf("keys: reading randomness: %w", err)
	}
	return pieWrap(header, wk, nonce, plain), nil
}

// ParseWrappedPASERK unwraps a "k4.local-wrap.pie.…" or
// "k4.secret-wrap.pie.…" PASERK made by [Key.WrappedPASERK] (or any PASERK
// implementation) with wrappingKey, a V4Local key, and returns the key it
// holds, with no validity window.
//
// The tag is checked, in constant time, before anything is decrypted. It
// fails with [ErrUnwrap] when the tag does not match (wrong wrapping key or
// altered data), with [ErrInvalidKey] for malformed input (another version
// or type, bad base64url, a wrong length, a secret key whose halves do not
// match) and with [ErrWrongPurpose] when wrappingKey is not a V4Local key.
// Errors never quote the input.
func ParseWrappedPASERK(raw string, wrappingKey *Key) (*Key, error) {
	wk, err := wrappingSecret(wrappingKey)
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxWrappedPASERKSize {
		return nil, fmt.Errorf("%w: wrapped PASERK is %d bytes, longer than any k4 wrapped key", ErrInvalidKey, len(raw))
	}
	var header string
	var size int
	switch {
	case strings.HasPrefix(raw, headerLocalWrap):
		header, size = headerLocalWrap, 32
	case strings.HasPrefix(raw, headerSecretWrap):
		header, size = headerSecretWrap, ed25519.PrivateKeySize
	default:
		return nil, fmt.Errorf("%w: not a k4.local-wrap.pie or k4.secret-wrap.pie PASERK (header %q)", ErrInvalidKey, paserkHeader(raw))
	}
	b, err := decodeExact(raw[len(header):], pieTagSize+pieNonceSize+size)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidKey, strings.TrimSuffix(header, "."), err)
	}
	plain, err := pieUnwrap(header, wk, b)
	if err != nil {
		return nil, err
	}
	if header == headerLocalWrap {
		return NewV4Local(plain)
	}
	return NewV4Public(plain)
}

// wrappingSecret returns the secret of a wrapping key, which must be a
// V4Local key: PASERK PIE for version 4 is defined for v4.local wrapping
// keys only, and a key of another algorithm is never reused for it.
func wrappingSecret(wk *Key) ([]byte, error) {
	if wk == nil || wk.alg != V4Local || wk.mat().secret == nil {
		return nil, fmt.Errorf("%w: a wrapping key must be a v4.local key", ErrWrongPurpose)
	}
	return wk.mat().secret, nil
}

// pieKeys derives the encryption key, the XChaCha20 nonce and the
// authentication key of PASERK PIE version 4 from the wrapping key and the
// random nonce n:
//
//	x  = BLAKE2b-448(key = wk, msg = 0x80 || n); Ek = x[:32], n2 = x[32:]
//	Ak = BLAKE2b-256(key = wk, msg = 0x81 || n)
func pieKeys(wk []byte, n []byte) (ek, n2, ak []byte) {
	x := keyedBLAKE2b(56, wk, []byte{0x80}, n)
	return x[:32], x[32:], keyedBLAKE2b(32, wk, []byte{0x81}, n)
}

// pieTag is BLAKE2b-256(key = Ak, msg = header || n || c).
func pieTag(ak []byte, header string, n, c []byte) []byte {
	return keyedBLAKE2b(pieTagSize, ak, []byte(header), n, c)
}

// pieWrap encrypts plain and returns header || base64url(t || n || c).
func pieWrap(header string, wk []byte, nonce [pieNonceSize]byte, plain []byte) string {
	ek, n2, ak := pieKeys(wk, nonce[:])
	c := make([]byte, len(plain))
	xchacha20(ek, n2, c, plain)
	t := pieTag(ak, header, nonce[:], c)
	out := make([]byte, 0, pieTagSize+pieNonceSize+len(c))
	out = append(append(append(out, t...), nonce[:]...), c...)
	return header + b64(out)
}

// pieUnwrap checks the tag of b = t || n || c and decrypts c.
func pieUnwrap(header string, wk []byte, b []byte) ([]byte, error) {
	t, n, c := b[:pieTagSize], b[pieTagSize:pieTagSize+pieNonceSize], b[pieTagSize+pieNonceSize:]
	ek, n2, ak := pieKeys(wk, n)
	if subtle.ConstantTimeCompare(t, pieTag(ak, header, n, c)) != 1 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, ErrUnwrap)
	}
	plain := make([]byte, len(c))
	xchacha20(ek, n2, plain, c)
	return plain, nil
}

// keyedBLAKE2b returns the size-byte BLAKE2b of the concatenated parts
// under key.
func keyedBLAKE2b(size int, key []byte, parts ...[]byte) []byte {
	h, err := blake2b.New(size, key)
	if err != nil {
		panic("keys: BLAKE2b: " + err.Error()) // unreachable: sizes and key lengths are fixed and valid
	}
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// xchacha20 XORs src with the XChaCha20 key stream of key and the 24-byte
// nonce into dst.
func xchacha20(key, nonce, dst, src []byte) {
	c, err := chacha20.NewUnauthenticatedCipher(key, nonce)
	if err != nil {
		panic("keys: XChaCha20: " + err.Error()) // unreachable: 32-byte key, 24-byte nonce
	}
	c.XORKeyStream(dst, src)
}

// Headers of the wrapped JWT secrets. PASERK defines no type for JWT keys,
// so these are this package's own, named so that no PASERK parser takes
// them for one of its types; the construction is PIE version 4 unchanged,
// and the header is authenticated, so a wrapped secret cannot be relabelled
// as another algorithm.
const (
	headerHS256Wrap = "sessiontoken.hs256-wrap.pie."
	headerEdDSAWrap = "sessiontoken.eddsa-wrap.pie."
	headerES256Wrap = "sessiontoken.es256-wrap.pie."
)

// maxWrappedHS256Secret bounds the HS256 secret [ParseWrappedSecret]
// accepts, so that input is bounded before it is decoded.
const maxWrappedHS256Secret = 512

// WrappedSecret is [Key.WrappedPASERK] for keys of every algorithm that
// can issue: v4.local and v4.public keys give their PASERK
// (k4.local-wrap.pie, k4.secret-wrap.pie); HS256, EdDSA and ES256 keys,
// which PASERK does not cover, give the same PIE construction under this
// package's headers "sessiontoken.hs256-wrap.pie.",
// "sessiontoken.eddsa-wrap.pie." and "sessiontoken.es256-wrap.pie." (the
// HS256 secret, the 64-byte Ed25519 private key, the 32-byte P-256 scalar).
// Only [ParseWrappedSecret] reads those.
//
// It fails with [ErrWrongPurpose] for a verify-only key or a wrapping key
// that is not V4Local.
func (k *Key) WrappedSecret(wrappingKey *Key) (string, error) {
	if k.alg == V4Local || k.alg == V4Public {
		return k.WrappedPASERK(wrappingKey)
	}
	wk, err := wrappingSecret(wrappingKey)
	if err != nil {
		return "", err
	}
	m := k.mat()
	var header string
	var plain []byte
	switch {
	case k.alg == HS256 && m.secret != nil && len(m.secret) <= maxWrappedHS256Secret:
		header, plain = headerHS256Wrap, m.secret
	case k.alg == EdDSA && m.edPriv != nil:
		header, plain = headerEdDSAWrap, m.edPriv
	case k.alg == ES256 && m.ecPriv != nil:
		d, err := m.ecPriv.Bytes()
		if err != nil {
			return "", fmt.Errorf("%w: ES256 private key: %v", ErrInvalidKey, err)
		}
		header, plain = headerES256Wrap, d
	default:
		return "", fmt.Errorf("%w: %v key has no secret to wrap", ErrWrongPurpose, k.alg)
	}
	var nonce [pieNonceSize]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", fmt.Errorf("keys: reading randomness: %w", err)
	}
	return pieWrap(header, wk, nonce, plain), nil
}

// ParseWrappedSecret unwraps what [Key.WrappedSecret] returns, for every
// algorithm: the PASERK types as [ParseWrappedPASERK] does, and this
// package's HS256, EdDSA and ES256 headers with the same checks (size
// bounded before decoding, tag checked in constant time before
// decryption, material checked as the New… functions do). Errors are
// those of ParseWrappedPASERK.
func ParseWrappedSecret(raw string, wrappingKey *Key) (*Key, error) {
	var header string
	switch {
	case strings.HasPrefix(raw, headerHS256Wrap):
		header = headerHS256Wrap
	case strings.HasPrefix(raw, headerEdDSAWrap):
		header = headerEdDSAWrap
	case strings.HasPrefix(raw, headerES256Wrap):
		header = headerES256Wrap
	default:
		return ParseWrappedPASERK(raw, wrappingKey)
	}
	wk, err := wrappingSecret(wrappingKey)
	if err != nil {
		return nil, err
	}
	data := raw[len(header):]
	if len(data) > base64.RawURLEncoding.EncodedLen(pieTagSize+pieNonceSize+maxWrappedHS256Secret) {
		return nil, fmt.Errorf("%w: wrapped secret is %d bytes, too long", ErrInvalidKey, len(raw))
	}
	b, err := decodeB64(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidKey, strings.TrimSuffix(header, "."), err)
	}
	want := map[string]int{headerEdDSAWrap: ed25519.PrivateKeySize, headerES256Wrap: 32}[header]
	n := len(b) - pieTagSize - pieNonceSize
	if n < 0 || (want != 0 && n != want) || (header == headerHS256Wrap && n < MinHS256SecretSize) {
		return nil, fmt.Errorf("%w: %s: wrong length", ErrInvalidKey, strings.TrimSuffix(header, "."))
	}
	plain, err := pieUnwrap(header, wk, b)
	if err != nil {
		return nil, err
	}
	switch header {
	case headerHS256Wrap:
		return NewHS256(plain)
	case headerEdDSAWrap:
		return NewEdDSA(plain)
	}
	return parseES256Scalar(plain)
}
