//go:build amd64 && !purego

#include "textflag.h"
#include "asm_amd64.h"

// The BLAKE2b compression function F (RFC 7693 §3.2) on one block, with
// AVX2. The state v0..v15 is four rows of four words, one row per YMM
// register (Y0 = v0-v3, Y1 = v4-v7, Y2 = v8-v11, Y3 = v12-v15), so the
// column step is four G functions at once and the diagonal step the same
// after rotating rows 1-3 by one, two and three words (VPERMQ).
// Rotations: by 32 swaps dwords (VPSHUFD), by 24 and 16 are byte
// shuffles, by 63 an add, a shift and a xor. Each round gathers its
// message words by the σ schedule into Y8-Y11 first, so the loads run
// while the previous round's G functions are still in flight.

DUP(b2ror24, $0x0201000706050403, $0x0A09080F0E0D0C0B)
DUP(b2ror16, $0x0100070605040302, $0x09080F0E0D0C0B0A)

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

// G runs G on the four columns of rows A-D with message words MX, MY;
// T is scratch, R24 and R16 hold the rotation masks.
#define G(A, B, C, D, MX, MY, T, R24, R16) \
	VPADDQ MX, A, A; VPADDQ B, A, A; VPXOR A, D, D; VPSHUFD $0xB1, D, D; \
	VPADDQ D, C, C; VPXOR C, B, B; VPSHUFB R24, B, B; \
	VPADDQ MY, A, A; VPADDQ B, A, A; VPXOR A, D, D; VPSHUFB R16, D, D; \
	VPADDQ D, C, C; VPXOR C, B, B; \
	VPADDQ B, B, T; VPSRLQ $63, B, B; VPXOR T, B, B

// DIAG rotates rows B, C, D left by one, two and three words, so that the
// columns hold the diagonals; UNDIAG rotates them back.
#define DIAG(B, C, D) VPERMQ $0x39, B, B; VPERMQ $0x4E, C, C; VPERMQ $0x93, D, D
#define UNDIAG(B, C, D) VPERMQ $0x93, B, B; VPERMQ $0x4E, C, C; VPERMQ $0x39, D, D

// FEED is the feed-forward of two state rows: h[off:off+32] ^= A ^ C.
#define FEED(A, C, off) VPXOR C, A, A; VPXOR off(DI), A, A; VMOVDQU A, off(DI)

// ROUND is one round, its σ row at R8. The rounds are a loop, not
// unrolled: the whole function stays under 600 bytes, so a server whose
// network stack evicts it between requests reloads little.
#define ROUND \
	IDX(0, 2, 4, 6); MSG(SI, Y8, X8, X12); \
	IDX(1, 3, 5, 7); MSG(SI, Y9, X9, X13); \
	IDX(8, 10, 12, 14); MSG(SI, Y10, X10, X14); \
	IDX(9, 11, 13, 15); MSG(SI, Y11, X11, X15); \
	G(Y0, Y1, Y2, Y3, Y8, Y9, Y4, Y6, Y7); \
	DIAG(Y1, Y2, Y3); \
	G(Y0, Y1, Y2, Y3, Y10, Y11, Y4, Y6, Y7); \
	UNDIAG(Y1, Y2, Y3)

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
	FEED(Y0, Y2, 0)
	FEED(Y1, Y3, 32)

	// Leave no chaining value or message word in vector registers: both
	// may be key material.
	VZEROALL
	RET

// The same for two independent blocks at once (the two key derivations of
// a token): state A in Y0-Y3 with its block at SI, state B in Y4-Y7 with
// its block at DX. One compression is a single dependency chain; with two
// in flight the CPU runs one's steps while the other's wait, so both cost
// little more than one. Y8/Y9 and Y10/Y11 hold A's and B's message words,
// Y12 and Y13 are scratch, Y14 and Y15 the rotation masks.
#define ROUND2 \
	IDX(0, 2, 4, 6); MSG(SI, Y8, X8, X12); MSG(DX, Y10, X10, X12); \
	IDX(1, 3, 5, 7); MSG(SI, Y9, X9, X13); MSG(DX, Y11, X11, X13); \
	G(Y0, Y1, Y2, Y3, Y8, Y9, Y12, Y14, Y15); \
	G(Y4, Y5, Y6, Y7, Y10, Y11, Y13, Y14, Y15); \
	DIAG(Y1, Y2, Y3); DIAG(Y5, Y6, Y7); \
	IDX(8, 10, 12, 14); MSG(SI, Y8, X8, X12); MSG(DX, Y10, X10, X12); \
	IDX(9, 11, 13, 15); MSG(SI, Y9, X9, X13); MSG(DX, Y11, X11, X13); \
	G(Y0, Y1, Y2, Y3, Y8, Y9, Y12, Y14, Y15); \
	G(Y4, Y5, Y6, Y7, Y10, Y11, Y13, Y14, Y15); \
	UNDIAG(Y1, Y2, Y3); UNDIAG(Y5, Y6, Y7)

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

	FEED(Y0, Y2, 0)
	FEED(Y1, Y3, 32)
	FEED(Y4, Y6, 64)
	FEED(Y5, Y7, 96)

	VZEROALL
	RET
