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

// b2sigma is the message schedule of RFC 7693 §2.7 for the twelve rounds
// (round r uses row r mod 10), as byte offsets into the block.
DATA b2sigma<>+0x00(SB)/8, $0x3830282018100800
DATA b2sigma<>+0x08(SB)/8, $0x7870686058504840
DATA b2sigma<>+0x10(SB)/8, $0x3068784840205070
DATA b2sigma<>+0x18(SB)/8, $0x1828385810006008
DATA b2sigma<>+0x20(SB)/8, $0x6878102800604058
DATA b2sigma<>+0x28(SB)/8, $0x2048083830187050
DATA b2sigma<>+0x30(SB)/8, $0x7058606808184838
DATA b2sigma<>+0x38(SB)/8, $0x4078002050283010
DATA b2sigma<>+0x40(SB)/8, $0x7850201038280048
DATA b2sigma<>+0x48(SB)/8, $0x6818403060580870
DATA b2sigma<>+0x50(SB)/8, $0x1840580050306010
DATA b2sigma<>+0x58(SB)/8, $0x4808707828386820
DATA b2sigma<>+0x60(SB)/8, $0x5020687078082860
DATA b2sigma<>+0x68(SB)/8, $0x5840104818303800
DATA b2sigma<>+0x70(SB)/8, $0x4818086070385868
DATA b2sigma<>+0x78(SB)/8, $0x5010304020780028
DATA b2sigma<>+0x80(SB)/8, $0x4000185848707830
DATA b2sigma<>+0x88(SB)/8, $0x2850200838681060
DATA b2sigma<>+0x90(SB)/8, $0x2808303820401050
DATA b2sigma<>+0x98(SB)/8, $0x0068601870485878
DATA b2sigma<>+0xa0(SB)/8, $0x3830282018100800
DATA b2sigma<>+0xa8(SB)/8, $0x7870686058504840
DATA b2sigma<>+0xb0(SB)/8, $0x3068784840205070
DATA b2sigma<>+0xb8(SB)/8, $0x1828385810006008
GLOBL b2sigma<>(SB), RODATA|NOPTR, $192

// IDX loads four message offsets of the current σ row (at R8) into AX,
// BX, CX and R9; MSG gathers the message words at those offsets of the
// block at B into Y.
#define IDX(a, b, c, d) \
	MOVBQZX a(R8), AX; MOVBQZX b(R8), BX; MOVBQZX c(R8), CX; MOVBQZX d(R8), R9

#define MSG(B, Y, X, T) \
	VMOVQ (B)(AX*1), X; VPINSRQ $1, (B)(BX*1), X, X; \
	VMOVQ (B)(CX*1), T; VPINSRQ $1, (B)(R9*1), T, T; \
	VINSERTI128 $1, T, Y, Y

// G runs G on the four columns of rows Y0-Y3 with message words MX, MY.
#define G(MX, MY) \
	VPADDQ MX, Y0, Y0; VPADDQ Y1, Y0, Y0; VPXOR Y0, Y3, Y3; VPSHUFD $0xB1, Y3, Y3; \
	VPADDQ Y3, Y2, Y2; VPXOR Y2, Y1, Y1; VPSHUFB Y6, Y1, Y1; \
	VPADDQ MY, Y0, Y0; VPADDQ Y1, Y0, Y0; VPXOR Y0, Y3, Y3; VPSHUFB Y7, Y3, Y3; \
	VPADDQ Y3, Y2, Y2; VPXOR Y2, Y1, Y1; \
	VPADDQ Y1, Y1, Y4; VPSRLQ $63, Y1, Y1; VPXOR Y4, Y1, Y1

// ROUND is one round, its σ row at R8. The rounds are a loop, not
// unrolled: the whole function stays under 600 bytes, so a server whose
// network stack evicts it between requests reloads little.
#define ROUND \
	IDX(0, 2, 4, 6); MSG(SI, Y8, X8, X12); \
	IDX(1, 3, 5, 7); MSG(SI, Y9, X9, X13); \
	IDX(8, 10, 12, 14); MSG(SI, Y10, X10, X14); \
	IDX(9, 11, 13, 15); MSG(SI, Y11, X11, X15); \
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

	LEAQ b2sigma<>(SB), R8
	MOVQ $12, R10

loop:
	ROUND
	ADDQ $16, R8
	DECQ R10
	JNZ  loop

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

#define ROUND2 \
	IDX(0, 2, 4, 6); MSG(SI, Y8, X8, X12); MSG(DX, Y10, X10, X12); \
	IDX(1, 3, 5, 7); MSG(SI, Y9, X9, X13); MSG(DX, Y11, X11, X13); \
	G2(Y8, Y9, Y10, Y11); \
	VPERMQ $0x39, Y1, Y1; VPERMQ $0x39, Y5, Y5; \
	VPERMQ $0x4E, Y2, Y2; VPERMQ $0x4E, Y6, Y6; \
	VPERMQ $0x93, Y3, Y3; VPERMQ $0x93, Y7, Y7; \
	IDX(8, 10, 12, 14); MSG(SI, Y8, X8, X12); MSG(DX, Y10, X10, X12); \
	IDX(9, 11, 13, 15); MSG(SI, Y9, X9, X13); MSG(DX, Y11, X11, X13); \
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

	LEAQ b2sigma<>(SB), R8
	MOVQ $12, R10

loop:
	ROUND2
	ADDQ $16, R8
	DECQ R10
	JNZ  loop

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
