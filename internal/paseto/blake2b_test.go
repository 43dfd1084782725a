package paseto

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/blake2b"
)

// ourSum hashes msg with our digest, writing it in pieces of chunk bytes
// (the whole message at once when chunk <= 0), so that both write paths
// (through the buffer, and full blocks in place) are exercised.
func ourSum(size int, key, msg []byte, chunk int) []byte {
	var d digest
	d.init(size, key)
	if chunk <= 0 {
		chunk = len(msg) + 1
	}
	for p := msg; len(p) > 0; {
		k := min(chunk, len(p))
		d.write(p[:k])
		p = p[k:]
	}
	out := make([]byte, size)
	d.sum(out)
	return out
}

func refSum(t testing.TB, size int, key, msg []byte) []byte {
	h, err := blake2b.New(size, key)
	require.NoError(t, err)
	h.Write(msg)
	return h.Sum(nil)
}

// pattern returns n bytes that differ from block to block, so that a
// block compressed twice or skipped changes the hash.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*131+i/128) ^ seed
	}
	return b
}

// TestDigestMatchesXCrypto holds our BLAKE2b to golang.org/x/crypto's for
// every output size and key length class and message lengths around the
// block boundaries, written whole and in pieces.
func TestDigestMatchesXCrypto(t *testing.T) {
	for _, size := range []int{1, 16, 20, 32, 33, 48, 56, 63, 64} {
		for _, klen := range []int{0, 1, 16, 32, 64} {
			key := pattern(klen, 0xa5)
			for _, mlen := range []int{0, 1, 53, 127, 128, 129, 255, 256, 257, 383, 384, 385, 1000} {
				msg := pattern(mlen, byte(size))
				want := refSum(t, size, key, msg)
				for _, chunk := range []int{0, 1, 7, 128, 129} {
					got := ourSum(size, key, msg, chunk)
					if !bytes.Equal(want, got) {
						t.Fatalf("size %d key %d msg %d chunk %d: got %x, want %x", size, klen, mlen, chunk, got, want)
					}
				}
			}
		}
	}
}

// TestDigestRFC7693 checks the one vector RFC 7693 gives (Appendix A:
// BLAKE2b-512 of "abc"), independently of x/crypto.
func TestDigestRFC7693(t *testing.T) {
	want, _ := hex.DecodeString("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1" +
		"7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
	assert.Equal(t, want, ourSum(64, nil, []byte("abc"), 0))
}

// TestLocalKeyDerivationsMatchXCrypto checks the prepared-key shortcut:
// derive must equal the two keyed BLAKE2b hashes of v4.local computed
// from scratch, and mac the keyed hash of the PAE.
func TestLocalKeyDerivationsMatchXCrypto(t *testing.T) {
	for seed := byte(0); seed < 8; seed++ {
		key := pattern(KeySize, seed)
		n := pattern(NonceSize, seed^0x5a)
		k, err := NewLocalKey(key)
		require.NoError(t, err)
		s := getScratch()
		k.derive(s, n)
		assert.Equal(t, refSum(t, 56, key, append([]byte(encInfo), n...)), s.ekn[:])
		assert.Equal(t, refSum(t, 32, key, append([]byte(authInfo), n...)), s.ak[:])
		for _, clen := range []int{0, 53, 230, 400} {
			c, f, i := pattern(clen, seed), []byte(`{"kid":"k4.lid.x"}`), pattern(int(seed), 1)
			s.mac(n, c, f, i)
			want := refSum(t, 32, s.ak[:], AppendPAE(nil, localHeader, n, c, f, i))
			assert.Equal(t, want, s.tag[:], "mac, c %d bytes", clen)
		}
		s.release()
	}
}

// FuzzDigest compares our BLAKE2b with x/crypto's on arbitrary keys,
// messages, output sizes and write splits.
func FuzzDigest(f *testing.F) {
	f.Add([]byte("key"), []byte("abc"), uint8(32), uint8(0))
	f.Add([]byte{}, bytes.Repeat([]byte{1}, 300), uint8(56), uint8(128))
	f.Add(bytes.Repeat([]byte{2}, 64), bytes.Repeat([]byte{3}, 128), uint8(64), uint8(7))
	f.Fuzz(func(t *testing.T, key, msg []byte, size, chunk uint8) {
		if len(key) > 64 {
			key = key[:64]
		}
		sz := int(size%64) + 1
		want := refSum(t, sz, key, msg)
		if got := ourSum(sz, key, msg, int(chunk)); !bytes.Equal(want, got) {
			t.Fatalf("size %d key %d msg %d chunk %d: got %x, want %x", sz, len(key), len(msg), chunk, got, want)
		}
	})
}

// TestCompressUpToDate regenerates blake2b_compress.go and fails if the
// committed file differs: nobody should edit the generated code by hand.
func TestCompressUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go run gen_compress.go")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out := filepath.Join(t.TempDir(), "compress.go")
	cmd := exec.Command(goBin, "run", "gen_compress.go", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen_compress.go: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	require.NoError(t, err)
	got, err := os.ReadFile("blake2b_compress.go")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "blake2b_compress.go is stale: run go generate ./internal/paseto")
}

// BenchmarkDigest1KiB and BenchmarkXCrypto1KiB compare our BLAKE2b with
// x/crypto's in one run; BenchmarkCompress its two compression functions.
func BenchmarkDigest1KiB(b *testing.B) {
	msg, out := make([]byte, 1024), make([]byte, 32)
	b.SetBytes(1024)
	for i := 0; i < b.N; i++ {
		var d digest
		d.init(32, nil)
		d.write(msg)
		d.sum(out)
	}
}

func BenchmarkXCrypto1KiB(b *testing.B) {
	msg := make([]byte, 1024)
	b.SetBytes(1024)
	for i := 0; i < b.N; i++ {
		_ = blake2b.Sum256(msg)
	}
}

// TestCompressKernelsAgree holds the AVX2 compression function to the
// plain Go one on varied chaining values, blocks, counters and both
// values of the final-block flag. (The digest tests above hold whichever
// compress is in use to x/crypto.)
func TestCompressKernelsAgree(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this machine")
	}
	for i := range 200 {
		var h [8]uint64
		var block [BlockSize]byte
		for j := range h {
			h[j] = uint64(i)*0x9e3779b97f4a7c15 ^ uint64(j)<<56 ^ iv[j]
		}
		copy(block[:], pattern(BlockSize, byte(i)))
		counter := uint64(i) * 977
		if i%7 == 0 {
			counter = ^uint64(0) - uint64(i)
		}
		last := i%2 == 1
		want, got := h, h
		compressGeneric(&want, &block, counter, last)
		compressAVX2(&got, &block, counter, last)
		require.Equal(t, want, got, "case %d", i)

		// Two final blocks at once, each with its own state and counter.
		var blocks [2][BlockSize]byte
		blocks[0] = block
		copy(blocks[1][:], pattern(BlockSize, byte(i+100)))
		pair := [2][8]uint64{h, iv}
		pair[1][3] ^= uint64(i)
		want0, want1 := pair[0], pair[1]
		compressGeneric(&want0, &blocks[0], counter, true)
		compressGeneric(&want1, &blocks[1], counter+uint64(i), true)
		compress2AVX2(&pair, &blocks, counter, counter+uint64(i))
		require.Equal(t, [2][8]uint64{want0, want1}, pair, "pair %d", i)
	}
}

func BenchmarkCompress(b *testing.B) {
	var block [BlockSize]byte
	h := iv
	b.Run("generic", func(b *testing.B) {
		b.SetBytes(BlockSize)
		for b.Loop() {
			compressGeneric(&h, &block, BlockSize, true)
		}
	})
	if useAVX2 {
		b.Run("avx2", func(b *testing.B) {
			b.SetBytes(BlockSize)
			for b.Loop() {
				compressAVX2(&h, &block, BlockSize, true)
			}
		})
		var pair [2][8]uint64
		var blocks [2][BlockSize]byte
		b.Run("avx2-pair", func(b *testing.B) {
			b.SetBytes(2 * BlockSize)
			for b.Loop() {
				compress2AVX2(&pair, &blocks, BlockSize, BlockSize)
			}
		})
	}
}
