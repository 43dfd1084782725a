//go:build amd64 && !purego

#include "textflag.h"
#include "asm_amd64.h"

// ChaCha20 (RFC 8439) keystream, four blocks per call, with AVX2.
//
// Each YMM register holds one row of the 4x4 state for two blocks, block
// k in the low 128 bits and block k+1 in the high 128 bits, so a column
// round is one quarter round on whole registers and a diagonal round the
// same after rotating rows B, C and D by one, two and three words within
// each lane (VPSHUFD). Y0-Y3 are rows A-D of blocks 0 and 1, Y4-Y7 of
// blocks 2 and 3; the two groups are interleaved so that each instruction
// has an independent neighbour. Rotations by 16 and 8 are byte shuffles,
// by 12 and 7 shift pairs.

DUP(rot16, $0x0504070601000302, $0x0D0C0F0E09080B0A)
DUP(rot8, $0x0605040702010003, $0x0E0D0C0F0A09080B)

// Block counters of the high lane (+1) and of the second group (+2).
DATA inc01<>+0x00(SB)/8, $0
DATA inc01<>+0x08(SB)/8, $0
DATA inc01<>+0x10(SB)/8, $1
DATA inc01<>+0x18(SB)/8, $0
GLOBL inc01<>(SB), RODATA|NOPTR, $32
DUP(inc22, $2, $0)

// QR runs the quarter round on rows (A0, B0, C0, D0) and (A1, B1, C1, D1)
// at once. Y8, Y9 are scratch; Y10, Y11 hold the rot16 and rot8 masks.
#define QR(A0, B0, C0, D0, A1, B1, C1, D1) \
	VPADDD B0, A0, A0; VPADDD B1, A1, A1; \
	VPXOR A0, D0, D0; VPXOR A1, D1, D1; \
	VPSHUFB Y10, D0, D0; VPSHUFB Y10, D1, D1; \
	VPADDD D0, C0, C0; VPADDD D1, C1, C1; \
	VPXOR C0, B0, B0; VPXOR C1, B1, B1; \
	VPSLLD $12, B0, Y8; VPSLLD $12, B1, Y9; \
	VPSRLD $20, B0, B0; VPSRLD $20, B1, B1; \
	VPOR Y8, B0, B0; VPOR Y9, B1, B1; \
	VPADDD B0, A0, A0; VPADDD B1, A1, A1; \
	VPXOR A0, D0, D0; VPXOR A1, D1, D1; \
	VPSHUFB Y11, D0, D0; VPSHUFB Y11, D1, D1; \
	VPADDD D0, C0, C0; VPADDD D1, C1, C1; \
	VPXOR C0, B0, B0; VPXOR C1, B1, B1; \
	VPSLLD $7, B0, Y8; VPSLLD $7, B1, Y9; \
	VPSRLD $25, B0, B0; VPSRLD $25, B1, B1; \
	VPOR Y8, B0, B0; VPOR Y9, B1, B1

// func chachaBlocks4AVX2(ks *[256]byte, st *[16]uint32)
TEXT ·chachaBlocks4AVX2(SB), NOSPLIT, $0-16
	MOVQ ks+0(FP), DI
	MOVQ st+8(FP), SI

	VMOVDQU rot16<>(SB), Y10
	VMOVDQU rot8<>(SB), Y11

	VBROADCASTI128 0(SI), Y0
	VBROADCASTI128 16(SI), Y1
	VBROADCASTI128 32(SI), Y2
	VBROADCASTI128 48(SI), Y3
	VPADDD inc01<>(SB), Y3, Y3
	VMOVDQA Y0, Y4
	VMOVDQA Y1, Y5
	VMOVDQA Y2, Y6
	VPADDD inc22<>(SB), Y3, Y7

	MOVQ $10, CX

loop:
	QR(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	// Diagonals: rotate B, C, D left by one, two, three words.
	VPSHUFD $0x39, Y1, Y1; VPSHUFD $0x39, Y5, Y5
	VPSHUFD $0x4e, Y2, Y2; VPSHUFD $0x4e, Y6, Y6
	VPSHUFD $0x93, Y3, Y3; VPSHUFD $0x93, Y7, Y7
	QR(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	// Back to columns.
	VPSHUFD $0x93, Y1, Y1; VPSHUFD $0x93, Y5, Y5
	VPSHUFD $0x4e, Y2, Y2; VPSHUFD $0x4e, Y6, Y6
	VPSHUFD $0x39, Y3, Y3; VPSHUFD $0x39, Y7, Y7
	DECQ CX
	JNZ  loop

	// Add the input state.
	VBROADCASTI128 0(SI), Y8
	VPADDD Y8, Y0, Y0
	VPADDD Y8, Y4, Y4
	VBROADCASTI128 16(SI), Y8
	VPADDD Y8, Y1, Y1
	VPADDD Y8, Y5, Y5
	VBROADCASTI128 32(SI), Y8
	VPADDD Y8, Y2, Y2
	VPADDD Y8, Y6, Y6
	VBROADCASTI128 48(SI), Y8
	VPADDD inc01<>(SB), Y8, Y8
	VPADDD Y8, Y3, Y3
	VPADDD inc22<>(SB), Y8, Y8
	VPADDD Y8, Y7, Y7

	// Low lanes are blocks 0 and 2, high lanes blocks 1 and 3.
	VPERM2I128 $0x20, Y1, Y0, Y8
	VMOVDQU    Y8, 0(DI)
	VPERM2I128 $0x20, Y3, Y2, Y8
	VMOVDQU    Y8, 32(DI)
	VPERM2I128 $0x31, Y1, Y0, Y8
	VMOVDQU    Y8, 64(DI)
	VPERM2I128 $0x31, Y3, Y2, Y8
	VMOVDQU    Y8, 96(DI)
	VPERM2I128 $0x20, Y5, Y4, Y8
	VMOVDQU    Y8, 128(DI)
	VPERM2I128 $0x20, Y7, Y6, Y8
	VMOVDQU    Y8, 160(DI)
	VPERM2I128 $0x31, Y5, Y4, Y8
	VMOVDQU    Y8, 192(DI)
	VPERM2I128 $0x31, Y7, Y6, Y8
	VMOVDQU    Y8, 224(DI)

	// Leave no keystream or key words in vector registers.
	VZEROALL
	RET
