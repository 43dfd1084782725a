package paseto

import (
	"encoding/binary"
	"math/bits"

	"golang.org/x/crypto/chacha20"
)

// XChaCha20 for v4.local. On amd64 with AVX2 the keystream comes from
// chacha_amd64.s, four blocks per call (asm_amd64.go drives it): a
// token's 255 bytes take 229 ns against 528 ns with
// golang.org/x/crypto/chacha20, which has no amd64 assembly. Elsewhere,
// and under the purego build tag, x/crypto does it all. The tests hold the
// two to identical output for every length around the block boundaries
// and fuzz them against each other.

// The ChaCha20 constants, "expand 32-byte k" as little-endian words.
const (
	sigma0 = 0x61707865
	sigma1 = 0x3320646e
	sigma2 = 0x79622d32
	sigma3 = 0x6b206574
)

// xorKeyStream sets dst to src XORed with the XChaCha20 keystream of the
// key Ek and nonce n2 in s.ekn, block counter from zero. dst and src may
// overlap exactly or not at all.
func xorKeyStream(s *scratch, dst, src []byte) {
	if useAVX2 {
		xorAVX2(s, dst, src)
		return
	}
	ciph, err := chacha20.NewUnauthenticatedCipher(s.ekn[:32], s.ekn[32:56])
	if err != nil {
		panic("paseto: " + err.Error())
	}
	ciph.XORKeyStream(dst, src)
}

// hChaCha20 writes the HChaCha20 subkey of key and nonce to out as eight
// words: twenty ChaCha20 rounds with no final addition, keeping the first
// and last rows (draft-irtf-cfrg-xchacha-03 §2.2).
func hChaCha20(out *[8]uint32, key *[32]byte, nonce *[16]byte) {
	le := binary.LittleEndian
	x0, x1, x2, x3 := uint32(sigma0), uint32(sigma1), uint32(sigma2), uint32(sigma3)
	x4, x5, x6, x7 := le.Uint32(key[0:]), le.Uint32(key[4:]), le.Uint32(key[8:]), le.Uint32(key[12:])
	x8, x9, x10, x11 := le.Uint32(key[16:]), le.Uint32(key[20:]), le.Uint32(key[24:]), le.Uint32(key[28:])
	x12, x13, x14, x15 := le.Uint32(nonce[0:]), le.Uint32(nonce[4:]), le.Uint32(nonce[8:]), le.Uint32(nonce[12:])
	for range 10 {
		// Columns.
		x0, x4, x8, x12 = quarterRound(x0, x4, x8, x12)
		x1, x5, x9, x13 = quarterRound(x1, x5, x9, x13)
		x2, x6, x10, x14 = quarterRound(x2, x6, x10, x14)
		x3, x7, x11, x15 = quarterRound(x3, x7, x11, x15)
		// Diagonals.
		x0, x5, x10, x15 = quarterRound(x0, x5, x10, x15)
		x1, x6, x11, x12 = quarterRound(x1, x6, x11, x12)
		x2, x7, x8, x13 = quarterRound(x2, x7, x8, x13)
		x3, x4, x9, x14 = quarterRound(x3, x4, x9, x14)
	}
	*out = [8]uint32{x0, x1, x2, x3, x12, x13, x14, x15}
}

func quarterRound(a, b, c, d uint32) (uint32, uint32, uint32, uint32) {
	a += b
	d = bits.RotateLeft32(d^a, 16)
	c += d
	b = bits.RotateLeft32(b^c, 12)
	a += b
	d = bits.RotateLeft32(d^a, 8)
	c += d
	b = bits.RotateLeft32(b^c, 7)
	return a, b, c, d
}
