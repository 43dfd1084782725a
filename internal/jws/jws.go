package jws

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"unicode/utf8"
)

// Errors. Every error this package returns wraps exactly one of them.
var (
	// ErrMalformed: the token is not a strict compact JWS (segments,
	// base64url, header JSON, a missing or oversized member).
	ErrMalformed = errors.New("jws: malformed")
	// ErrUnsupported: the header asks for something never accepted: an
	// algorithm other than HS256, EdDSA and ES256 (none included), crit, b64.
	ErrUnsupported = errors.New("jws: unsupported")
	// ErrAlgorithmMismatch: the header's alg is not the algorithm of the
	// key it names (algorithm confusion).
	ErrAlgorithmMismatch = errors.New("jws: alg does not match the key")
	// ErrSignature: the signature has the wrong length, is out of range
	// or does not verify.
	ErrSignature = errors.New("jws: bad signature")
)

func malformed(msg string) error   { return fmt.Errorf("%w: %s", ErrMalformed, msg) }
func unsupported(msg string) error { return fmt.Errorf("%w: %s", ErrUnsupported, msg) }

// Algorithm is a JWS algorithm this package implements.
type Algorithm uint8

// The algorithms. The zero value is invalid.
const (
	HS256 Algorithm = iota + 1 // HMAC-SHA256 (RFC 7518 §3.2)
	EdDSA                      // Ed25519 (RFC 8037)
	ES256                      // ECDSA P-256 SHA-256, r‖s (RFC 7518 §3.4)
)

// String returns the alg header value: "HS256", "EdDSA" or "ES256".
func (a Algorithm) String() string {
	switch a {
	case HS256:
		return "HS256"
	case EdDSA:
		return "EdDSA"
	case ES256:
		return "ES256"
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// sigLen is the exact signature length of the algorithm, in bytes.
func (a Algorithm) sigLen() int {
	if a == HS256 {
		return sha256.Size
	}
	return 64
}

// algorithmByName matches the alg header exactly (case-sensitive, RFC 7515
// §4.1.1).
func algorithmByName(b []byte) (Algorithm, bool) {
	switch string(b) {
	case "HS256":
		return HS256, true
	case "EdDSA":
		return EdDSA, true
	case "ES256":
		return ES256, true
	}
	return 0, false
}

// MaxTokenLen is a hard bound on a token, in bytes, whatever the caller's
// own limit.
const MaxTokenLen = 64 << 10

// Token is a compact JWS split into its segments, with its header decoded
// and checked but nothing verified yet.
type Token struct {
	Header Header

	signingInput string // header "." payload, as received
	payload      string // encoded
	sig          string // encoded
}

// Parse splits raw into exactly three non-empty segments, decodes the
// header with strict base64url and checks it (see the Header fields).
// It verifies nothing: the result is only good for choosing the key.
func Parse(raw string, t *Token) error {
	if err := split(raw, t); err != nil {
		return err
	}
	hdr := t.signingInput[:len(t.signingInput)-len(t.payload)-1]
	if len(hdr) > MaxHeaderLen {
		*t = Token{}
		return malformed("header too long")
	}
	var buf [MaxHeaderLen / 4 * 3]byte
	hb, ok := appendDecode(buf[:0], hdr)
	if !ok {
		*t = Token{}
		return malformed("header is not canonical unpadded base64url")
	}
	if err := parseHeader(hb, &t.Header); err != nil {
		*t = Token{}
		return err
	}
	return nil
}

// ParseKnownHeader is Parse for a token whose header segment the caller
// has found, byte for byte, among the [Key.HeaderSegment] values of the
// keys it holds, and which therefore needs no decoding: h is that key's
// algorithm and ID. The segments are checked as Parse checks them.
func ParseKnownHeader(raw string, h Header, t *Token) error {
	if err := split(raw, t); err != nil {
		return err
	}
	t.Header = h
	return nil
}

// split checks the bound and the three non-empty segments.
func split(raw string, t *Token) error {
	*t = Token{}
	if len(raw) > MaxTokenLen {
		return malformed("token too long")
	}
	d1 := strings.IndexByte(raw, '.')
	if d1 < 0 {
		return malformed("not three segments")
	}
	d2 := strings.IndexByte(raw[d1+1:], '.')
	if d2 < 0 {
		return malformed("not three segments")
	}
	d2 += d1 + 1
	if strings.IndexByte(raw[d2+1:], '.') >= 0 {
		return malformed("not three segments")
	}
	if d1 == 0 || d2 == d1+1 || d2 == len(raw)-1 {
		return malformed("empty segment")
	}
	t.signingInput, t.payload, t.sig = raw[:d2], raw[d1+1:d2], raw[d2+1:]
	return nil
}

// Key is the prepared state of one signing or verifying key. It is safe
// for concurrent use.
type Key struct {
	alg    Algorithm
	macs   *sync.Pool // HS256: *macState
	edPub  ed25519.PublicKey
	edPriv ed25519.PrivateKey
	ecPub  *ecdsa.PublicKey
	ecPriv *ecdsa.PrivateKey
}

// macState is one HMAC-SHA256 instance keyed with a Key's secret. The pool
// hands each one to a single goroutine at a time; hash state is never
// shared.
type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
	in  []byte
}

// MinHS256SecretLen is the shortest HS256 secret accepted (RFC 7518 §3.2:
// at least the hash size).
const MinHS256SecretLen = 32

// NewHS256 returns an HS256 key for secret, which is copied.
func NewHS256(secret []byte) (*Key, error) {
	if len(secret) < MinHS256SecretLen {
		return nil, fmt.Errorf("jws: HS256 secret is %d bytes, want at least %d", len(secret), MinHS256SecretLen)
	}
	s := append([]byte(nil), secret...)
	// hmac.New keeps its own padded copies of the key; after its first
	// Reset, an instance restores the precomputed inner and outer states
	// instead of hashing the key blocks again.
	pool := &sync.Pool{New: func() any { return &macState{h: hmac.New(sha256.New, s)} }}
	return &Key{alg: HS256, macs: pool}, nil
}

// NewEdDSA returns an Ed25519 key. priv may be nil for a verify-only key;
// otherwise it must be the private half of pub.
func NewEdDSA(pub ed25519.PublicKey, priv ed25519.PrivateKey) (*Key, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("jws: Ed25519 public key has the wrong size")
	}
	k := &Key{alg: EdDSA, edPub: append(ed25519.PublicKey(nil), pub...)}
	if priv != nil {
		if len(priv) != ed25519.PrivateKeySize || !pub.Equal(priv.Public()) {
			return nil, errors.New("jws: Ed25519 private key does not match the public key")
		}
		k.edPriv = append(ed25519.PrivateKey(nil), priv...)
	}
	return k, nil
}

// NewES256 returns an ECDSA P-256 key. priv may be nil for a verify-only
// key; otherwise it must be the private half of pub. The keys are used,
// not copied: callers hand over keys nobody else modifies.
func NewES256(pub *ecdsa.PublicKey, priv *ecdsa.PrivateKey) (*Key, error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, errors.New("jws: ES256 public key is not on P-256")
	}
	if _, err := pub.Bytes(); err != nil {
		return nil, fmt.Errorf("jws: ES256 public key: %v", err)
	}
	if priv != nil && !priv.PublicKey.Equal(pub) {
		return nil, errors.New("jws: ES256 private key does not match the public key")
	}
	return &Key{alg: ES256, ecPub: pub, ecPriv: priv}, nil
}

// Algorithm returns the key's algorithm.
func (k *Key) Algorithm() Algorithm { return k.alg }

// CanSign reports whether the key holds the material needed to sign.
func (k *Key) CanSign() bool { return k.alg == HS256 || k.edPriv != nil || k.ecPriv != nil }

// Sign appends to dst the compact JWS of payload with the protected header
// {"alg":…,"kid":…,"typ":"JWT"}.
func (k *Key) Sign(dst []byte, kid string, payload []byte) ([]byte, error) {
	if !k.CanSign() {
		return dst, fmt.Errorf("jws: %v key cannot sign", k.alg)
	}
	start := len(dst)
	dst, err := k.appendHeaderSegment(dst, kid)
	if err != nil {
		return dst, err
	}
	dst = append(dst, '.')
	dst = base64.RawURLEncoding.AppendEncode(dst, payload)
	input := dst[start:]

	var sig [64]byte
	switch k.alg {
	case HS256:
		st := k.macs.Get().(*macState)
		st.h.Reset()
		st.h.Write(input)
		copy(sig[:], st.h.Sum(st.sum[:0]))
		k.macs.Put(st)
	case EdDSA:
		copy(sig[:], ed25519.Sign(k.edPriv, input))
	case ES256:
		digest := sha256.Sum256(input)
		der, err := ecdsa.SignASN1(rand.Reader, k.ecPriv, digest[:])
		if err == nil && !derToRS(sig[:], der) {
			err = errors.New("unexpected DER signature")
		}
		if err != nil {
			return dst[:start], fmt.Errorf("jws: signing: %v", err)
		}
	}
	dst = append(dst, '.')
	return base64.RawURLEncoding.AppendEncode(dst, sig[:k.alg.sigLen()]), nil
}

// HeaderSegment returns the encoded protected header [Key.Sign] writes for
// kid, so that a verifier can recognise its own tokens' headers without
// decoding them (see [ParseKnownHeader]).
func (k *Key) HeaderSegment(kid string) (string, error) {
	b, err := k.appendHeaderSegment(nil, kid)
	return string(b), err
}

// appendHeaderSegment appends base64url({"alg":…,"kid":…,"typ":"JWT"}).
func (k *Key) appendHeaderSegment(dst []byte, kid string) ([]byte, error) {
	if kid == "" || len(kid) > maxKIDLen || !utf8.ValidString(kid) {
		return dst, errors.New("jws: kid must be 1 to 256 bytes of UTF-8")
	}
	var hb [64 + maxKIDLen*6]byte
	h := append(hb[:0], `{"alg":"`...)
	h = append(h, k.alg.String()...)
	h = append(h, `","kid":`...)
	h = appendJSONString(h, kid)
	h = append(h, `,"typ":"JWT"}`...)
	return base64.RawURLEncoding.AppendEncode(dst, h), nil
}

// appendJSONString appends s as a JSON string, escaping what RFC 8259
// requires.
func appendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// inputs holds scratch buffers for the signing input, which the hash and
// signature APIs want as []byte while the token arrives as a string.
var inputs = sync.Pool{New: func() any { return new([]byte) }}

// Verify checks t against k and, when the signature is good, appends the
// decoded payload to dst. In order: the header's alg must be k's algorithm
// (never chosen from the token); the signature segment must be canonical
// base64url of exactly the algorithm's length (32 bytes for HS256, 64 for
// EdDSA and ES256: a DER-encoded ECDSA signature is refused); the
// signature must verify (HMAC compared in constant time; ES256 r and s in
// [1, n-1]); the payload must be canonical base64url. It does not look at
// the payload's content.
func (k *Key) Verify(dst []byte, t *Token) ([]byte, error) {
	if t.Header.Alg != k.alg {
		return dst, fmt.Errorf("%w: header alg %v, key %v", ErrAlgorithmMismatch, t.Header.Alg, k.alg)
	}
	// Encoding first, so that padding or a stray character is reported
	// as malformed whatever the length; then the exact length, so that a
	// DER ECDSA signature or a truncated MAC never reaches the crypto.
	if !canonical(t.sig) {
		return dst, malformed("signature is not canonical unpadded base64url")
	}
	if n := decodedLen(len(t.sig)); n != k.alg.sigLen() {
		return dst, fmt.Errorf("%w: %d bytes, want %d", ErrSignature, n, k.alg.sigLen())
	}
	var sb [64]byte
	sig, _ := appendDecode(sb[:0], t.sig)

	// The payload is decoded before the signature is checked, which costs
	// nothing more and reports a non-canonical payload as malformed; it is
	// handed out only once the signature verifies.
	out, ok := appendDecode(dst, t.payload)
	if !ok {
		return dst, malformed("payload is not canonical unpadded base64url")
	}

	var good bool
	if k.alg == HS256 {
		st := k.macs.Get().(*macState)
		st.in = append(st.in[:0], t.signingInput...)
		st.h.Reset()
		st.h.Write(st.in)
		good = hmac.Equal(st.h.Sum(st.sum[:0]), sig)
		clear(st.in)
		k.macs.Put(st)
	} else {
		bp := inputs.Get().(*[]byte)
		in := append((*bp)[:0], t.signingInput...)
		if k.alg == EdDSA {
			good = ed25519.Verify(k.edPub, in, sig)
		} else {
			good = k.verifyES256(in, sig)
		}
		clear(in)
		*bp = in
		inputs.Put(bp)
	}
	if !good {
		clear(out[len(dst):])
		return dst, fmt.Errorf("%w: %v signature does not verify", ErrSignature, k.alg)
	}
	return out, nil
}

// p256Order is n, the order of the P-256 base point, big-endian.
var p256Order = [32]byte{
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
}

// verifyES256 checks a 64-byte r‖s signature. r and s must lie in [1, n-1]
// (checked here explicitly, not left to the library); they are then
// re-encoded as DER for crypto/ecdsa, on the stack.
func (k *Key) verifyES256(input, sig []byte) bool {
	r, s := sig[:32], sig[32:]
	if !inScalarRange(r) || !inScalarRange(s) {
		return false
	}
	digest := sha256.Sum256(input)
	var der [2 + 2*(2+33)]byte
	d := appendDERInteger(der[:2], r)
	d = appendDERInteger(d, s)
	d[0], d[1] = 0x30, byte(len(d)-2)
	return ecdsa.VerifyASN1(k.ecPub, digest[:], d)
}

// inScalarRange reports whether the big-endian 32-byte v is in [1, n-1].
// Signatures are public, so variable time is fine.
func inScalarRange(v []byte) bool {
	zero := true
	for _, b := range v {
		if b != 0 {
			zero = false
			break
		}
	}
	if zero {
		return false
	}
	for i := range v {
		if v[i] != p256Order[i] {
			return v[i] < p256Order[i]
		}
	}
	return false // v == n
}

// derToRS converts the DER signature crypto/ecdsa produces for P-256 into
// the fixed-width r‖s of RFC 7518 §3.4.
func derToRS(out []byte, der []byte) bool {
	if len(der) < 2 || der[0] != 0x30 || int(der[1]) != len(der)-2 {
		return false
	}
	rest := der[2:]
	for i := 0; i < 2; i++ {
		if len(rest) < 2 || rest[0] != 0x02 || int(rest[1]) > len(rest)-2 {
			return false
		}
		v := rest[2 : 2+int(rest[1])]
		rest = rest[2+int(rest[1]):]
		for len(v) > 0 && v[0] == 0 {
			v = v[1:]
		}
		if len(v) > 32 {
			return false
		}
		half := out[32*i : 32*(i+1)]
		clear(half)
		copy(half[32-len(v):], v)
	}
	return len(rest) == 0
}

// appendDERInteger appends the minimal DER INTEGER of the unsigned
// big-endian v, which is not zero.
func appendDERInteger(dst, v []byte) []byte {
	for len(v) > 1 && v[0] == 0 {
		v = v[1:]
	}
	pad := v[0]&0x80 != 0
	l := len(v)
	if pad {
		l++
	}
	dst = append(dst, 0x02, byte(l))
	if pad {
		dst = append(dst, 0)
	}
	return append(dst, v...)
}
