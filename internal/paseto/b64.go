package paseto

import (
	"encoding/base64"
	"unsafe"
)

// The token alphabet: base64url without padding (RFC 4648 §5).
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

var b64 = base64.RawURLEncoding

// decodeMap maps an alphabet byte to its 6-bit value, 0xff for any other
// byte (padding, newlines and the standard alphabet's + and / included).
var decodeMap = func() (m [256]byte) {
	for i := range m {
		m[i] = 0xff
	}
	for i := 0; i < len(alphabet); i++ {
		m[alphabet[i]] = byte(i)
	}
	return m
}()

// EncodedLen returns the length of the unpadded base64url encoding of n
// bytes.
func EncodedLen(n int) int { return b64.EncodedLen(n) }

// DecodedLen returns the number of bytes s decodes to, or -1 when no
// canonical unpadded encoding has that length (len(s) % 4 == 1).
func DecodedLen(n int) int {
	if n%4 == 1 {
		return -1
	}
	return n/4*3 + (n%4*6)/8
}

// AppendEncode appends the unpadded base64url encoding of src to dst.
func AppendEncode(dst, src []byte) []byte { return b64.AppendEncode(dst, src) }

// AppendDecode appends the bytes encoded by s to dst. Only the canonical
// encoding is accepted: the URL-safe alphabet, no padding, no whitespace
// (encoding/base64 skips CR and LF; this does not) and zero trailing bits,
// so every byte string has exactly one accepted encoding (PASETO vectors
// 4-F-4 and 4-F-5). On error dst is returned unextended with ok false.
func AppendDecode[T string | []byte](dst []byte, s T) (out []byte, ok bool) {
	n := DecodedLen(len(s))
	if n < 0 {
		return dst, false
	}
	start := len(dst)
	if cap(dst)-start < n {
		grown := make([]byte, start, start+n)
		copy(grown, dst)
		dst = grown
	}
	out = dst[:start+n]
	o := out[start:]
	var bad byte
	i, j := 0, 0
	// With AVX2, 32 characters to 24 bytes per step (b64_amd64.s) while
	// the step's 32-byte store fits, then the rest in Go.
	if useAVX2 {
		if blocks := min(len(s)/32, (len(o)-8)/24); blocks > 0 {
			if decodeAVX2(&o[0], dataPtr(s), blocks) {
				bad = 0xff
			}
			i, j = blocks*32, blocks*24
		}
	}
	// Eight characters to six bytes per step while at least that many
	// remain, then four to three.
	for ; i+8 <= len(s) && j+6 <= len(o); i, j = i+8, j+6 {
		q := s[i : i+8]
		a, b, c, d := decodeMap[q[0]], decodeMap[q[1]], decodeMap[q[2]], decodeMap[q[3]]
		e, f, g, h := decodeMap[q[4]], decodeMap[q[5]], decodeMap[q[6]], decodeMap[q[7]]
		bad |= a | b | c | d | e | f | g | h
		v := uint64(a)<<42 | uint64(b)<<36 | uint64(c)<<30 | uint64(d)<<24 |
			uint64(e)<<18 | uint64(f)<<12 | uint64(g)<<6 | uint64(h)
		w := o[j : j+6 : j+6]
		w[0], w[1], w[2], w[3], w[4], w[5] = byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	for ; i+4 <= len(s); i, j = i+4, j+3 {
		a, b, c, d := decodeMap[s[i]], decodeMap[s[i+1]], decodeMap[s[i+2]], decodeMap[s[i+3]]
		bad |= a | b | c | d
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		o[j], o[j+1], o[j+2] = byte(v>>16), byte(v>>8), byte(v)
	}
	switch len(s) - i {
	case 2:
		a, b := decodeMap[s[i]], decodeMap[s[i+1]]
		bad |= a | b
		if b&0x0f != 0 { // 4 unused trailing bits must be zero
			bad = 0xff
		}
		o[j] = a<<2 | b>>4
	case 3:
		a, b, c := decodeMap[s[i]], decodeMap[s[i+1]], decodeMap[s[i+2]]
		bad |= a | b | c
		if c&0x03 != 0 { // 2 unused trailing bits must be zero
			bad = 0xff
		}
		o[j], o[j+1] = a<<2|b>>4, b<<4|c>>2
	}
	// Every valid value is below 64, so any 0xff marker sets bit 6 or 7.
	if bad&0xc0 != 0 {
		clear(o)
		return dst[:start], false
	}
	return out, true
}

// dataPtr returns a pointer to the first byte of s, which must not be
// empty: a string and a slice header both start with it.
func dataPtr[T string | []byte](s T) *byte { return *(**byte)(unsafe.Pointer(&s)) }
