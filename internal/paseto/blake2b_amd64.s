//go:build amd64 && !purego

#include "textflag.h"

// The BLAKE2b compression function F (RFC 7693 §3.2) on one block, with
// AVX2. The state v0..v15 is four rows of four words, one row per YMM
// register (Y0 = v0-v3, Y1 = v4-v7, Y2 = v8-v11, Y3 = v12-v15), so the
// column step is four G functions at once and the diagonal step the same
// after rotating rows 1-3 by one, two and three words (VPERMQ).
// Rotations: by 32 swaps dwords (VPSHUFD), by 24 and 16 are byte
// shuffles, by 63 an add, a shift and a xor. Each round gathers its
// message words by the σ schedule into Y8-Y11 first, so the loads run
// while the previous round's G functions are still in flight.

DATA b2ror24<>+0x00(SB)/8, $0x0201000706050403
DATA b2ror24<>+0x08(SB)/8, $0x0A09080F0E0D0C0B
DATA b2ror24<>+0x10(SB)/8, $0x0201000706050403
DATA b2ror24<>+0x18(SB)/8, $0x0A09080F0E0D0C0B
GLOBL b2ror24<>(SB), RODATA|NOPTR, $32

DATA b2ror16<>+0x00(SB)/8, $0x0100070605040302
DATA b2ror16<>+0x08(SB)/8, $0x09080F0E0D0C0B0A
DATA b2ror16<>+0x10(SB)/8, $0x0100070605040302
DATA b2ror16<>+0x18(SB)/8, $0x09080F0E0D0C0B0A
GLOBL b2ror16<>(SB), RODATA|NOPTR, $32

DATA b2iv<>+0x00(SB)/8, $0x6a09e667f3bcc908
DATA b2iv<>+0x08(SB)/8, $0xbb67ae8584caa73b
DATA b2iv<>+0x10(SB)/8, $0x3c6ef372fe94f82b
DATA b2iv<>+0x18(SB)/8, $0xa54ff53a5f1d36f1
DATA b2iv<>+0x20(SB)/8, $0x510e527fade682d1
DATA b2iv<>+0x28(SB)/8, $0x9b05688c2b3e6c1f
DATA b2iv<>+0x30(SB)/8, $0x1f83d9abfb41bd6b
DATA b2iv<>+0x38(SB)/8, $0x5be0cd19137e2179
GLOBL b2iv<>(SB), RODATA|NOPTR, $64

// MSG gathers message words i, j, k, l of the block at B into Y.
#define MSG(B, Y, X, T, i, j, k, l) \
	VMOVQ (i*8)(B), X; VPINSRQ $1, (j*8)(B), X, X; \
	VMOVQ (k*8)(B), T; VPINSRQ $1, (l*8)(B), T, T; \
	VINSERTI128 $1, T, Y, Y

// G runs G on the four columns of rows Y0-Y3 with message words MX, MY.
#define G(MX, MY) \
	VPADDQ MX, Y0, Y0; VPADDQ Y1, Y0, Y0; VPXOR Y0, Y3, Y3; VPSHUFD $0xB1, Y3, Y3; \
	VPADDQ Y3, Y2, Y2; VPXOR Y2, Y1, Y1; VPSHUFB Y6, Y1, Y1; \
	VPADDQ MY, Y0, Y0; VPADDQ Y1, Y0, Y0; VPXOR Y0, Y3, Y3; VPSHUFB Y7, Y3, Y3; \
	VPADDQ Y3, Y2, Y2; VPXOR Y2, Y1, Y1; \
	VPADDQ Y1, Y1, Y4; VPSRLQ $63, Y1, Y1; VPXOR Y4, Y1, Y1

// ROUND is one round with the sixteen message indices of its σ row.
#define ROUND(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15) \
	MSG(SI, Y8, X8, X12, s0, s2, s4, s6); \
	MSG(SI, Y9, X9, X13, s1, s3, s5, s7); \
	MSG(SI, Y10, X10, X14, s8, s10, s12, s14); \
	MSG(SI, Y11, X11, X15, s9, s11, s13, s15); \
	G(Y8, Y9); \
	VPERMQ $0x39, Y1, Y1; VPERMQ $0x4E, Y2, Y2; VPERMQ $0x93, Y3, Y3; \
	G(Y10, Y11); \
	VPERMQ $0x93, Y1, Y1; VPERMQ $0x4E, Y2, Y2; VPERMQ $0x39, Y3, Y3

// func compressAVX2(h *[8]uint64, block *[BlockSize]byte, t uint64, last bool)
TEXT ·compressAVX2(SB), NOSPLIT, $0-25
	MOVQ h+0(FP), DI
	MOVQ block+8(FP), SI
	MOVQ t+16(FP), AX
	MOVBQZX last+24(FP), BX
	NEGQ BX // all ones for the last block

	VMOVDQU b2ror24<>(SB), Y6
	VMOVDQU b2ror16<>(SB), Y7
	VMOVDQU 0(DI), Y0
	VMOVDQU 32(DI), Y1
	VMOVDQU b2iv<>+0x00(SB), Y2
	VMOVQ   AX, X3
	VMOVQ   BX, X4
	VINSERTI128 $1, X4, Y3, Y3 // t, 0, f, 0
	VPXOR   b2iv<>+0x20(SB), Y3, Y3

	ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
	ROUND(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3)
	ROUND(11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4)
	ROUND(7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8)
	ROUND(9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13)
	ROUND(2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9)
	ROUND(12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11)
	ROUND(13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10)
	ROUND(6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5)
	ROUND(10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0)
	ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
	ROUND(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3)

	// h ^= v[0:8] ^ v[8:16]
	VPXOR   Y2, Y0, Y0
	VPXOR   0(DI), Y0, Y0
	VMOVDQU Y0, 0(DI)
	VPXOR   Y3, Y1, Y1
	VPXOR   32(DI), Y1, Y1
	VMOVDQU Y1, 32(DI)

	// Leave no chaining value or message word in vector registers: both
	// may be key material.
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11
	VPXOR Y12, Y12, Y12
	VPXOR Y13, Y13, Y13
	VPXOR Y14, Y14, Y14
	VPXOR Y15, Y15, Y15
	VZEROUPPER
	RET

// The same for two independent blocks at once (the two key derivations of
// a token): state A in Y0-Y3 with its block at SI, state B in Y4-Y7 with
// its block at DX. Interleaving the two dependency chains keeps twice as
// many instructions in flight, so both cost little more than one.
// Y8/Y9 and Y10/Y11 hold A's and B's message words, Y12 and Y13 are
// scratch, Y14 and Y15 the rotation masks.

#define G2(MXA, MYA, MXB, MYB) \
	VPADDQ MXA, Y0, Y0; VPADDQ MXB, Y4, Y4; \
	VPADDQ Y1, Y0, Y0; VPADDQ Y5, Y4, Y4; \
	VPXOR Y0, Y3, Y3; VPXOR Y4, Y7, Y7; \
	VPSHUFD $0xB1, Y3, Y3; VPSHUFD $0xB1, Y7, Y7; \
	VPADDQ Y3, Y2, Y2; VPADDQ Y7, Y6, Y6; \
	VPXOR Y2, Y1, Y1; VPXOR Y6, Y5, Y5; \
	VPSHUFB Y14, Y1, Y1; VPSHUFB Y14, Y5, Y5; \
	VPADDQ MYA, Y0, Y0; VPADDQ MYB, Y4, Y4; \
	VPADDQ Y1, Y0, Y0; VPADDQ Y5, Y4, Y4; \
	VPXOR Y0, Y3, Y3; VPXOR Y4, Y7, Y7; \
	VPSHUFB Y15, Y3, Y3; VPSHUFB Y15, Y7, Y7; \
	VPADDQ Y3, Y2, Y2; VPADDQ Y7, Y6, Y6; \
	VPXOR Y2, Y1, Y1; VPXOR Y6, Y5, Y5; \
	VPADDQ Y1, Y1, Y12; VPADDQ Y5, Y5, Y13; \
	VPSRLQ $63, Y1, Y1; VPSRLQ $63, Y5, Y5; \
	VPXOR Y12, Y1, Y1; VPXOR Y13, Y5, Y5

#define ROUND2(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15) \
	MSG(SI, Y8, X8, X12, s0, s2, s4, s6); \
	MSG(SI, Y9, X9, X13, s1, s3, s5, s7); \
	MSG(DX, Y10, X10, X12, s0, s2, s4, s6); \
	MSG(DX, Y11, X11, X13, s1, s3, s5, s7); \
	G2(Y8, Y9, Y10, Y11); \
	VPERMQ $0x39, Y1, Y1; VPERMQ $0x39, Y5, Y5; \
	VPERMQ $0x4E, Y2, Y2; VPERMQ $0x4E, Y6, Y6; \
	VPERMQ $0x93, Y3, Y3; VPERMQ $0x93, Y7, Y7; \
	MSG(SI, Y8, X8, X12, s8, s10, s12, s14); \
	MSG(SI, Y9, X9, X13, s9, s11, s13, s15); \
	MSG(DX, Y10, X10, X12, s8, s10, s12, s14); \
	MSG(DX, Y11, X11, X13, s9, s11, s13, s15); \
	G2(Y8, Y9, Y10, Y11); \
	VPERMQ $0x93, Y1, Y1; VPERMQ $0x93, Y5, Y5; \
	VPERMQ $0x4E, Y2, Y2; VPERMQ $0x4E, Y6, Y6; \
	VPERMQ $0x39, Y3, Y3; VPERMQ $0x39, Y7, Y7

// func compress2AVX2(h *[2][8]uint64, blocks *[2][BlockSize]byte, t0, t1 uint64)
TEXT ·compress2AVX2(SB), NOSPLIT, $0-32
	MOVQ h+0(FP), DI
	MOVQ blocks+8(FP), SI
	LEAQ 128(SI), DX
	MOVQ t0+16(FP), AX
	MOVQ t1+24(FP), BX
	MOVQ $-1, CX // both blocks are final

	VMOVDQU b2ror24<>(SB), Y14
	VMOVDQU b2ror16<>(SB), Y15
	VMOVDQU 0(DI), Y0
	VMOVDQU 32(DI), Y1
	VMOVDQU 64(DI), Y4
	VMOVDQU 96(DI), Y5
	VMOVDQU b2iv<>+0x00(SB), Y2
	VMOVDQA Y2, Y6
	VMOVQ   CX, X12
	VMOVQ   AX, X3
	VINSERTI128 $1, X12, Y3, Y3 // t0, 0, f, 0
	VPXOR   b2iv<>+0x20(SB), Y3, Y3
	VMOVQ   BX, X7
	VINSERTI128 $1, X12, Y7, Y7 // t1, 0, f, 0
	VPXOR   b2iv<>+0x20(SB), Y7, Y7

	ROUND2(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
	ROUND2(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3)
	ROUND2(11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4)
	ROUND2(7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8)
	ROUND2(9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13)
	ROUND2(2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9)
	ROUND2(12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11)
	ROUND2(13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10)
	ROUND2(6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5)
	ROUND2(10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0)
	ROUND2(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
	ROUND2(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3)

	VPXOR   Y2, Y0, Y0
	VPXOR   0(DI), Y0, Y0
	VMOVDQU Y0, 0(DI)
	VPXOR   Y3, Y1, Y1
	VPXOR   32(DI), Y1, Y1
	VMOVDQU Y1, 32(DI)
	VPXOR   Y6, Y4, Y4
	VPXOR   64(DI), Y4, Y4
	VMOVDQU Y4, 64(DI)
	VPXOR   Y7, Y5, Y5
	VPXOR   96(DI), Y5, Y5
	VMOVDQU Y5, 96(DI)

	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11
	VPXOR Y12, Y12, Y12
	VPXOR Y13, Y13, Y13
	VZEROUPPER
	RET
