//go:build !amd64 || purego

package paseto

// useAVX2 is false where there is no AVX2 kernel: x/crypto does XChaCha20.
const useAVX2 = false

func (s *scratch) xorAVX2(dst, src []byte) { panic("paseto: no AVX2 kernel on this platform") }
