// Macros shared by the AVX2 kernels (chacha_amd64.s, blake2b_amd64.s,
// b64_amd64.s).

// DUP declares the 32-byte read-only table name: the 16 bytes lo, hi,
// twice, one copy per 128-bit lane (VPSHUFB and VPSHUFD work per lane).
#define DUP(name, lo, hi) \
	DATA name<>+0x00(SB)/8, lo; \
	DATA name<>+0x08(SB)/8, hi; \
	DATA name<>+0x10(SB)/8, lo; \
	DATA name<>+0x18(SB)/8, hi; \
	GLOBL name<>(SB), RODATA|NOPTR, $32
