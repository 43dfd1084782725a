//go:build !amd64 || purego

package paseto

// useAVX2 is false where there are no AVX2 kernels: BLAKE2b is
// compressGeneric, XChaCha20 golang.org/x/crypto/chacha20's and base64url
// decoding plain Go. The stubs below are never called.
const useAVX2 = false

func xorAVX2(s *scratch, dst, src []byte) { panic("paseto: no AVX2 kernel") }

func decodeAVX2(dst, src *byte, blocks int) bool { panic("paseto: no AVX2 kernel") }

func compressAVX2(h *[8]uint64, block *[BlockSize]byte, t uint64, last bool) {
	panic("paseto: no AVX2 kernel")
}

func compress2AVX2(h *[2][8]uint64, blocks *[2][BlockSize]byte, t0, t1 uint64) {
	panic("paseto: no AVX2 kernel")
}
