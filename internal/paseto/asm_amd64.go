//go:build amd64 && !purego

package paseto

import (
	"crypto/subtle"
	"encoding/binary"

	"golang.org/x/sys/cpu"
)

// useAVX2 selects the AVX2 kernels of blake2b_amd64.s, chacha_amd64.s and
// b64_amd64.s.
var useAVX2 = cpu.X86.HasAVX2

// chachaBlocks4AVX2 writes to ks the ChaCha20 keystream of the four
// blocks starting at the input state st (counters st[12] to st[12]+3).
// It does not check the counter for overflow.
//
//go:noescape
func chachaBlocks4AVX2(ks *[256]byte, st *[16]uint32)

// decodeAVX2 decodes blocks×32 base64url characters at src into
// blocks×24 bytes at dst, and reports whether any character was outside
// the alphabet. Each step stores 32 bytes: dst must have blocks×24+8.
//
//go:noescape
func decodeAVX2(dst, src *byte, blocks int) (bad bool)

// compressAVX2 is the BLAKE2b compression function of blake2b_amd64.s,
// with the arguments of compressGeneric.
//
//go:noescape
func compressAVX2(h *[8]uint64, block *[BlockSize]byte, t uint64, last bool)

// compress2AVX2 compresses two independent final blocks at once:
// blocks[i] into h[i] with byte counter ti (blake2b_amd64.s).
//
//go:noescape
func compress2AVX2(h *[2][8]uint64, blocks *[2][BlockSize]byte, t0, t1 uint64)

// maxStream bounds what one key and nonce may encrypt: 2^32 blocks, where
// the 32-bit block counter would wrap. Tokens are bounded far below it.
const maxStream = 1 << 38

// xorAVX2 is xorKeyStream with the AVX2 kernel. The state and keystream
// live in s, which release clears.
func xorAVX2(s *scratch, dst, src []byte) {
	if uint64(len(src)) > maxStream {
		panic("paseto: XChaCha20 message too long")
	}
	initState(&s.state, &s.ekn)
	for len(src) > 0 {
		chachaBlocks4AVX2(&s.ks, &s.state)
		n := subtle.XORBytes(dst, src, s.ks[:])
		dst, src = dst[n:], src[n:]
		s.state[12] += 4
	}
}

// initState sets st to the ChaCha20 input state of XChaCha20 for the
// 32-byte key and 24-byte nonce in ekn at block counter 0: the key words
// are HChaCha20(key, nonce[:16]), the nonce words 0 || nonce[16:24]
// (draft-irtf-cfrg-xchacha-03 §2.3).
func initState(st *[16]uint32, ekn *[56]byte) {
	st[0], st[1], st[2], st[3] = sigma0, sigma1, sigma2, sigma3
	hChaCha20((*[8]uint32)(st[4:12]), (*[32]byte)(ekn[:32]), (*[16]byte)(ekn[32:48]))
	st[12] = 0
	st[13] = 0
	st[14] = binary.LittleEndian.Uint32(ekn[48:])
	st[15] = binary.LittleEndian.Uint32(ekn[52:])
}
