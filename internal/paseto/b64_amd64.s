//go:build amd64 && !purego

#include "textflag.h"
#include "asm_amd64.h"

// Strict base64url decoding, 32 characters to 24 bytes per step, with
// AVX2 (the technique of Muła and Lemire, "Faster Base64 Encoding and
// Decoding Using AVX2 Instructions", 2018, with tables worked out here
// for the URL-safe alphabet and no padding).
//
// Validation: every byte is split into its high and low nibble, and
// b64lo[low] & b64hi[high] is non-zero exactly when the byte is not in
// the alphabet. Each bit of the tables is a class of high nibbles:
//   bit 0  high 2 ('-' only):        invalid unless low is D
//   bit 1  high 3 (digits):          invalid for low A-F
//   bit 2  high 4 and 6 (letters):   invalid for low 0
//   bit 3  high 5 ('P'-'Z', '_'):    invalid for low B-E
//   bit 4  high 7 ('p'-'z'):         invalid for low B-F
//   bit 5  high 0, 1, 8-F:           always invalid
// Translation adds b64off[high] (+17, +4, -65, -65, -71, -71 for high
// 2-7) and 33 more for '_' (0x5F), the one character whose offset its
// high nibble does not decide.

DUP(b64nib, $0x0F0F0F0F0F0F0F0F, $0x0F0F0F0F0F0F0F0F)
DUP(b64lo, $0x2121212121212125, $0x333B3A3B3B232121)
DUP(b64hi, $0x1004080402012020, $0x2020202020202020)
DUP(b64off, $0xB9B9BFBF04110000, $0x0000000000000000)
DUP(b64under, $0x5F5F5F5F5F5F5F5F, $0x5F5F5F5F5F5F5F5F)
DUP(b64fix, $0x2121212121212121, $0x2121212121212121)
DUP(b64mul1, $0x0140014001400140, $0x0140014001400140)
DUP(b64mul2, $0x0001100000011000, $0x0001100000011000)
DUP(b64pack, $0x090A040506000102, $0xFFFFFFFF0C0D0E08)

// Dword order that packs the 12 bytes of each lane together.
DATA b64perm<>+0x00(SB)/8, $0x0000000100000000
DATA b64perm<>+0x08(SB)/8, $0x0000000400000002
DATA b64perm<>+0x10(SB)/8, $0x0000000600000005
DATA b64perm<>+0x18(SB)/8, $0x0000000700000003
GLOBL b64perm<>(SB), RODATA|NOPTR, $32

// func decodeAVX2(dst, src *byte, blocks int) (bad bool)
TEXT ·decodeAVX2(SB), NOSPLIT, $0-25
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX

	VMOVDQU b64nib<>(SB), Y15
	VMOVDQU b64lo<>(SB), Y14
	VMOVDQU b64hi<>(SB), Y13
	VMOVDQU b64off<>(SB), Y12
	VMOVDQU b64under<>(SB), Y11
	VMOVDQU b64fix<>(SB), Y10
	VMOVDQU b64mul1<>(SB), Y9
	VMOVDQU b64mul2<>(SB), Y8
	VMOVDQU b64pack<>(SB), Y7
	VMOVDQU b64perm<>(SB), Y6
	VPXOR   Y5, Y5, Y5 // invalid-byte accumulator

loop:
	VMOVDQU (SI), Y0
	VPSRLD  $4, Y0, Y1
	VPAND   Y15, Y1, Y1 // high nibbles
	VPAND   Y15, Y0, Y2 // low nibbles
	VPSHUFB Y2, Y14, Y2
	VPSHUFB Y1, Y13, Y3
	VPAND   Y2, Y3, Y3
	VPOR    Y3, Y5, Y5
	VPSHUFB Y1, Y12, Y1 // offset by high nibble
	VPCMPEQB Y11, Y0, Y2
	VPAND   Y10, Y2, Y2 // +33 for '_'
	VPADDB  Y2, Y1, Y1
	VPADDB  Y1, Y0, Y0  // 6-bit values
	VPMADDUBSW Y9, Y0, Y0 // pairs: a<<6 | b
	VPMADDWD Y8, Y0, Y0   // quads: ab<<12 | cd, 24 bits per dword
	VPSHUFB Y7, Y0, Y0    // three big-endian bytes per dword, packed per lane
	VPERMD  Y0, Y6, Y0    // both lanes' 12 bytes together
	VMOVDQU Y0, (DI)      // 24 bytes and 8 the next step overwrites
	ADDQ    $32, SI
	ADDQ    $24, DI
	DECQ    CX
	JNZ     loop

	VPTEST Y5, Y5
	SETNE  bad+24(FP)
	VZEROUPPER
	RET
