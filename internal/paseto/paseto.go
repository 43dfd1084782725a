package paseto

import (
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
)

// Token headers: version and purpose, with the trailing dot.
const (
	LocalHeader  = "v4.local."
	PublicHeader = "v4.public."
)

// Sizes of the v4 constructions.
const (
	KeySize       = 32 // v4.local key
	NonceSize     = 32 // v4.local n
	TagSize       = 32 // v4.local t
	SignatureSize = ed25519.SignatureSize
)

// Errors. The token package maps them to its own sentinels.
var (
	// ErrMalformed reports a token that is not a well-formed v4 token of
	// the expected purpose: header, dots, base64url, length.
	ErrMalformed = errors.New("paseto: malformed token")
	// ErrAuth reports a MAC or signature that does not verify.
	ErrAuth = errors.New("paseto: message authentication failed")
	// ErrKey reports key material of the wrong size.
	ErrKey = errors.New("paseto: invalid key")
)

var (
	localHeader  = []byte(LocalHeader)
	publicHeader = []byte(PublicHeader)
	encInfo      = "paseto-encryption-key"
	authInfo     = "paseto-auth-key-for-aead"
)

// Split checks that raw starts with header and returns the encoded payload
// and the encoded footer ("" when there is none). A token has at most one
// dot after its header, and neither part may be empty: "v4.local.x." and
// "v4.local..f" are refused.
func Split(raw, header string) (body, footer string, err error) {
	if !strings.HasPrefix(raw, header) {
		return "", "", ErrMalformed
	}
	rest := raw[len(header):]
	body, footer, dotted := strings.Cut(rest, ".")
	if body == "" || (dotted && footer == "") || strings.IndexByte(footer, '.') >= 0 {
		return "", "", ErrMalformed
	}
	return body, footer, nil
}

// AppendPAE appends the Pre-Authentication Encoding of pieces to dst:
// LE64(count) followed by LE64(len(p)) || p for each piece.
func AppendPAE(dst []byte, pieces ...[]byte) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(pieces)))
	for _, p := range pieces {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(len(p))&^(1<<63))
		dst = append(dst, p...)
	}
	return dst
}

// scratch is the per-call working state, pooled. Everything secret in it
// (derived keys, the MAC's keyed state) is cleared by release.
type scratch struct {
	d   digest
	ekn [56]byte // Ek || n2
	ak  [32]byte
	tag [TagSize]byte
	pre [8 + 8 + len(LocalHeader) + 8 + NonceSize + 8]byte // PAE up to c
	buf []byte

	state [16]uint32 // ChaCha20 input state (AVX2 path): holds the subkey
	ks    [256]byte  // four blocks of keystream (AVX2 path)
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func (s *scratch) release() {
	s.d.clear()
	clear(s.ekn[:])
	clear(s.ak[:])
	clear(s.tag[:])
	clear(s.pre[:])
	clear(s.state[:])
	clear(s.ks[:])
	clear(s.buf)
	s.buf = s.buf[:0]
	if cap(s.buf) > 64<<10 {
		s.buf = nil
	}
	scratchPool.Put(s)
}

// LocalKey is a prepared v4.local key: the BLAKE2b chaining values of the
// two key derivations with the key block already compressed, so that each
// derivation costs one compression. It is immutable and safe for
// concurrent use.
type LocalKey struct {
	enc  [8]uint64 // BLAKE2b-448 keyed with the key, after the key block
	auth [8]uint64 // BLAKE2b-256 keyed with the key, after the key block
}

// NewLocalKey prepares a 32-byte v4.local key.
func NewLocalKey(key []byte) (*LocalKey, error) {
	if len(key) != KeySize {
		return nil, ErrKey
	}
	k := new(LocalKey)
	var d digest
	defer d.clear()
	for _, p := range []struct {
		dst  *[8]uint64
		size int
	}{{&k.enc, 56}, {&k.auth, 32}} {
		d.init(p.size, key)
		d.t += BlockSize
		compress(&d.h, &d.buf, d.t, false)
		*p.dst = d.h
	}
	return k, nil
}

// derive computes Ek || n2 into s.ekn and Ak into s.ak for the 32-byte
// nonce n: each is one final block, info || n, from the prepared chaining
// value. The two are independent, so with AVX2 they are compressed
// together (compress2AVX2), at little more than the cost of one.
func (k *LocalKey) derive(s *scratch, n []byte) {
	var blks [2][BlockSize]byte // public: info strings and nonce
	copy(blks[0][copy(blks[0][:], encInfo):], n)
	copy(blks[1][copy(blks[1][:], authInfo):], n)
	t0 := BlockSize + uint64(len(encInfo)+len(n))
	t1 := BlockSize + uint64(len(authInfo)+len(n))
	h := [2][8]uint64{k.enc, k.auth}
	if useAVX2 {
		compress2AVX2(&h, &blks, t0, t1)
	} else {
		compressGeneric(&h[0], &blks[0], t0, true)
		compressGeneric(&h[1], &blks[1], t1, true)
	}
	putHash(s.ekn[:], &h[0])
	putHash(s.ak[:], &h[1])
}

// mac computes t = BLAKE2b-256(Ak; PAE(h, n, c, f, i)) into s.tag.
func (s *scratch) mac(n, c, f, i []byte) {
	s.d.init(TagSize, s.ak[:])
	// PAE(h, n, c, f, i), with everything before c in one write.
	p := s.pre[:0]
	p = binary.LittleEndian.AppendUint64(p, 5)
	p = binary.LittleEndian.AppendUint64(p, uint64(len(localHeader)))
	p = append(p, localHeader...)
	p = binary.LittleEndian.AppendUint64(p, uint64(len(n)))
	p = append(p, n...)
	p = binary.LittleEndian.AppendUint64(p, uint64(len(c))&^(1<<63))
	s.d.write(p)
	s.d.write(c)
	s.d.writeLE64(uint64(len(f)) &^ (1 << 63))
	s.d.write(f)
	s.d.writeLE64(uint64(len(i)) &^ (1 << 63))
	s.d.write(i)
	s.d.sum(s.tag[:])
}

// Seal appends the v4.local token of message m with footer f and implicit
// assertion i to dst, using the 32-byte nonce n (from crypto/rand; only
// tests pass fixed nonces).
func (k *LocalKey) Seal(dst []byte, n *[NonceSize]byte, m, f, i []byte) []byte {
	s := getScratch()
	defer s.release()
	k.derive(s, n[:])
	// Binary payload n || c || t in the scratch buffer.
	need := NonceSize + len(m) + TagSize
	if cap(s.buf) < need {
		s.buf = make([]byte, 0, need+need/4)
	}
	b := s.buf[:need]
	copy(b, n[:])
	c := b[NonceSize : NonceSize+len(m)]
	xorKeyStream(s, c, m)
	s.mac(n[:], c, f, i)
	copy(b[NonceSize+len(m):], s.tag[:])
	dst = append(dst, LocalHeader...)
	dst = AppendEncode(dst, b)
	if len(f) > 0 {
		dst = append(dst, '.')
		dst = AppendEncode(dst, f)
	}
	s.buf = b
	return dst
}

// Open authenticates and decrypts the encoded payload body of a v4.local
// token (as returned by [Split]) with footer f (decoded) and implicit
// assertion i. It decodes into buf (grown when too small) and returns the
// plaintext, which aliases the returned buffer: the caller owns both and
// should clear the plaintext when done. The tag is compared in constant
// time before anything is decrypted.
func (k *LocalKey) Open(buf []byte, body string, f, i []byte) (m, out []byte, err error) {
	if DecodedLen(len(body)) < NonceSize+TagSize {
		return nil, buf, ErrMalformed
	}
	out, ok := AppendDecode(buf[:0], body)
	if !ok {
		return nil, out, ErrMalformed
	}
	n := out[:NonceSize]
	c := out[NonceSize : len(out)-TagSize]
	t := out[len(out)-TagSize:]
	s := getScratch()
	defer s.release()
	k.derive(s, n)
	s.mac(n, c, f, i)
	if subtle.ConstantTimeCompare(s.tag[:], t) != 1 {
		return nil, out, ErrAuth
	}
	xorKeyStream(s, c, c)
	return c, out, nil
}

// Sign appends the v4.public token of message m with footer f and implicit
// assertion i to dst, signed with priv.
func Sign(dst []byte, priv ed25519.PrivateKey, m, f, i []byte) []byte {
	s := getScratch()
	defer s.release()
	s.buf = AppendPAE(s.buf[:0], publicHeader, m, f, i)
	sig := ed25519.Sign(priv, s.buf)
	// Binary payload m || sig, reusing the scratch buffer.
	b := append(append(s.buf[:0], m...), sig...)
	dst = append(dst, PublicHeader...)
	dst = AppendEncode(dst, b)
	if len(f) > 0 {
		dst = append(dst, '.')
		dst = AppendEncode(dst, f)
	}
	s.buf = b
	return dst
}

// Verify checks the encoded payload body of a v4.public token (as returned
// by [Split]) with footer f (decoded) and implicit assertion i against
// pub, and returns the message, which aliases the returned buffer.
func Verify(buf []byte, pub ed25519.PublicKey, body string, f, i []byte) (m, out []byte, err error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, buf, ErrKey
	}
	dl := DecodedLen(len(body))
	if dl < SignatureSize {
		return nil, buf, ErrMalformed
	}
	out, ok := AppendDecode(buf[:0], body)
	if !ok {
		return nil, out, ErrMalformed
	}
	mlen := len(out) - SignatureSize
	// PAE(h, m, f, i) after the decoded payload, in the same buffer.
	out = AppendPAE(out, publicHeader, out[:mlen], f, i)
	m = out[:mlen] // out may have moved
	sig := out[mlen : mlen+SignatureSize]
	if !ed25519.Verify(pub, out[dl:], sig) {
		return nil, out, ErrAuth
	}
	return m, out, nil
}
