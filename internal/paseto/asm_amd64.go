//go:build amd64 && !purego

package paseto

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 kernels of chacha_amd64.s and b64_amd64.s.
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
