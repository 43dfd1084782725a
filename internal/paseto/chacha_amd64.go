//go:build amd64 && !purego

package paseto

import (
	"crypto/subtle"

	"golang.org/x/sys/cpu"
)

// useAVX2 selects chachaBlocks4AVX2. A variable, so that the tests can
// compare both paths on one machine.
var useAVX2 = cpu.X86.HasAVX2

// chachaBlocks4AVX2 writes to ks the ChaCha20 keystream of the four
// blocks starting at the input state st (counter st[12], st[12]+1, …).
// It does not check the counter for overflow.
//
//go:noescape
func chachaBlocks4AVX2(ks *[256]byte, st *[16]uint32)

// maxStream bounds what one key and nonce may encrypt: 2^32 blocks, where
// the 32-bit block counter would wrap. Tokens are bounded far below it.
const maxStream = 1 << 38

// xorAVX2 is xorKeyStream with the AVX2 kernel. The state and keystream
// live in s, which release clears.
func (s *scratch) xorAVX2(dst, src []byte) {
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
