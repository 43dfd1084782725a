package jws

// Strict unpadded base64url (RFC 7515 §2, RFC 4648 §5).
//
// encoding/base64 is strict enough with RawURLEncoding.Strict(), but it
// decodes []byte, and converting a segment of the token string to []byte
// would allocate on every verification. This decoder reads the string in
// place and refuses, beyond what the alphabet forbids, the two encodings
// that let one value have several spellings: padding ('=') and non-zero
// trailing bits.

const invalid = 0xff

// decodeMap maps a base64url character to its 6-bit value; every other
// byte ('+', '/', '=', '?', whitespace, …) maps to invalid.
var decodeMap = func() (m [256]byte) {
	for i := range m {
		m[i] = invalid
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		m[alphabet[i]] = byte(i)
	}
	return m
}()

// decodedLen returns the number of bytes n characters of unpadded base64url
// decode to, or -1 when no canonical encoding has that length (n%4 == 1).
func decodedLen(n int) int {
	if n%4 == 1 {
		return -1
	}
	return n/4*3 + (n%4*6)/8
}

// appendDecode appends the decoding of src to dst. It reports false for a
// character outside the base64url alphabet, a length no encoding has, or
// non-zero bits after the last full byte; dst is then returned unchanged
// and whatever was written past its length is cleared.
func appendDecode(dst []byte, src string) ([]byte, bool) {
	n := decodedLen(len(src))
	if n < 0 {
		return dst, false
	}
	dst = grow(dst, n)
	out := dst[len(dst) : len(dst)+n]
	if !decodeInto(out, src) {
		clear(out)
		return dst, false
	}
	return dst[:len(dst)+n], true
}

// decodeInto decodes src into out, which has exactly its decoded length.
func decodeInto(out []byte, src string) bool {
	i, o := 0, 0
	for ; i+4 <= len(src); i, o = i+4, o+3 {
		a, b, c, d := decodeMap[src[i]], decodeMap[src[i+1]], decodeMap[src[i+2]], decodeMap[src[i+3]]
		if (a|b|c|d)&0xc0 != 0 { // invalid is 0xff: its top bits are set
			return false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		out[o], out[o+1], out[o+2] = byte(v>>16), byte(v>>8), byte(v)
	}
	switch len(src) - i {
	case 2: // 12 bits: one byte and 4 trailing bits that must be zero
		a, b := decodeMap[src[i]], decodeMap[src[i+1]]
		if (a|b)&0xc0 != 0 || b&0x0f != 0 {
			return false
		}
		out[o] = a<<2 | b>>4
	case 3: // 18 bits: two bytes and 2 trailing bits that must be zero
		a, b, c := decodeMap[src[i]], decodeMap[src[i+1]], decodeMap[src[i+2]]
		if (a|b|c)&0xc0 != 0 || c&0x03 != 0 {
			return false
		}
		v := uint32(a)<<12 | uint32(b)<<6 | uint32(c)
		out[o], out[o+1] = byte(v>>10), byte(v>>2)
	}
	return true
}

// grow makes room for n more bytes after len(b).
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), len(b)+n)
	copy(nb, b)
	return nb
}

// canonical reports whether s is canonical unpadded base64url, without
// decoding it.
func canonical(s string) bool {
	if decodedLen(len(s)) < 0 {
		return false
	}
	var acc byte
	for i := 0; i < len(s); i++ {
		acc |= decodeMap[s[i]]
	}
	if acc&0xc0 != 0 {
		return false
	}
	switch len(s) % 4 {
	case 2:
		return decodeMap[s[len(s)-1]]&0x0f == 0
	case 3:
		return decodeMap[s[len(s)-1]]&0x03 == 0
	}
	return true
}
