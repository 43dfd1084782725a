package paseto

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// TestAppendDecodeEveryByteEverywhere puts each of the 256 byte values at
// each position of a 160-character encoding (five AVX2 steps, then the
// plain Go tail) and holds the verdict and the bytes to encoding/base64's
// strict RawURLEncoding, CR and LF excepted (it skips them; we refuse).
func TestAppendDecodeEveryByteEverywhere(t *testing.T) {
	t.Logf("AVX2 decoder in use: %v", useAVX2)
	std := base64.RawURLEncoding.Strict()
	valid := []byte(base64.RawURLEncoding.EncodeToString(pattern(120, 3)))
	for _, n := range []int{len(valid), len(valid) - 2, 32, 40, 64, 70} {
		s := bytes.Clone(valid[:n])
		if n%4 != 0 {
			s = []byte(base64.RawURLEncoding.EncodeToString(pattern(n*3/4, 5)))
		}
		for p := range s {
			orig := s[p]
			for b := range 256 {
				s[p] = byte(b)
				want, err := std.DecodeString(string(s))
				wantOK := err == nil && b != '\r' && b != '\n'
				got, ok := AppendDecode(nil, s)
				gotStr, okStr := AppendDecode(nil, string(s))
				if ok != wantOK || okStr != wantOK {
					t.Fatalf("len %d, byte %#x at %d: accepted %v (string %v), want %v", len(s), b, p, ok, okStr, wantOK)
				}
				if ok && (!bytes.Equal(got, want) || !bytes.Equal(gotStr, want)) {
					t.Fatalf("len %d, byte %#x at %d: decodes differently", len(s), b, p)
				}
			}
			s[p] = orig
		}
	}
}

// TestAppendDecodeLengths decodes every length up to 400 characters, into
// buffers with and without spare capacity, so every split between the
// AVX2 steps and the plain Go tail is taken.
func TestAppendDecodeLengths(t *testing.T) {
	for n := 0; n <= 300; n++ {
		raw := pattern(n, byte(n))
		enc := base64.RawURLEncoding.EncodeToString(raw)
		for _, dst := range [][]byte{nil, []byte("pre"), make([]byte, 0, 1024)} {
			got, ok := AppendDecode(dst, enc)
			if !ok || !bytes.Equal(got[len(dst):], raw) || !bytes.Equal(got[:len(dst)], dst) {
				t.Fatalf("%d bytes (dst cap %d): ok %v, decodes differently", n, cap(dst), ok)
			}
		}
	}
}

func BenchmarkAppendDecode(b *testing.B) {
	s := base64.RawURLEncoding.EncodeToString(pattern(330, 1)) // a v4.local body
	buf := make([]byte, 0, 512)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		AppendDecode(buf, s)
	}
}

func BenchmarkStdlibDecode(b *testing.B) {
	s := []byte(base64.RawURLEncoding.EncodeToString(pattern(330, 1)))
	buf := make([]byte, 512)
	std := base64.RawURLEncoding.Strict()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := std.Decode(buf, s); err != nil {
			b.Fatal(err)
		}
	}
}
