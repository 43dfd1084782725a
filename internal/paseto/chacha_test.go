package paseto

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/chacha20"
)

// refXChaCha20 is the reference: x/crypto's XChaCha20 from scratch.
func refXChaCha20(t testing.TB, ekn *[56]byte, src []byte) []byte {
	t.Helper()
	c, err := chacha20.NewUnauthenticatedCipher(ekn[:32], ekn[32:])
	require.NoError(t, err)
	dst := make([]byte, len(src))
	c.XORKeyStream(dst, src)
	return dst
}

// ourXChaCha20 runs xorKeyStream with a pooled scratch, as Seal and Open
// do, out of place and in place, and checks the two agree.
func ourXChaCha20(t testing.TB, ekn *[56]byte, src []byte) []byte {
	t.Helper()
	s := getScratch()
	defer s.release()
	s.ekn = *ekn
	dst := make([]byte, len(src))
	xorKeyStream(s, dst, src)
	inPlace := bytes.Clone(src)
	xorKeyStream(s, inPlace, inPlace)
	require.Equal(t, dst, inPlace, "in place differs from out of place")
	return dst
}

func TestXORKeyStreamMatchesXCrypto(t *testing.T) {
	t.Logf("AVX2 kernel in use: %v", useAVX2)
	var ekn [56]byte
	copy(ekn[:], pattern(len(ekn), 7))
	// Every length through five kernel calls, then some far beyond.
	lengths := []int{4096, 4097, 65535}
	for n := 0; n <= 5*256+1; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		src := pattern(n, byte(n))
		ekn[50] = byte(n) // a different nonce per length
		got, want := ourXChaCha20(t, &ekn, src), refXChaCha20(t, &ekn, src)
		if !bytes.Equal(got, want) {
			t.Fatalf("length %d: keystream differs from x/crypto", n)
		}
	}
}

// TestHChaCha20Vector is the test vector of draft-irtf-cfrg-xchacha-03
// §2.2.1, and x/crypto's HChaCha20 on other inputs.
func TestHChaCha20Vector(t *testing.T) {
	var key [32]byte
	for i := range key {
		key[i] = byte(i)
	}
	var nonce [16]byte
	copy(nonce[:], unhex(t, "000000090000004a0000000031415927"))
	var out [8]uint32
	hChaCha20(&out, &key, &nonce)
	assert.Equal(t, [8]uint32{
		0x423b4182, 0xfe7bb227, 0x50420ed3, 0x737d878a,
		0xd5e4f9a0, 0x53a8748a, 0x13c42ec1, 0xdcecd326,
	}, out)

	for seed := range byte(20) {
		copy(key[:], pattern(32, seed))
		copy(nonce[:], pattern(16, seed+100))
		want, err := chacha20.HChaCha20(key[:], nonce[:])
		require.NoError(t, err)
		hChaCha20(&out, &key, &nonce)
		got := make([]byte, 32)
		for i, w := range out {
			binary.LittleEndian.PutUint32(got[4*i:], w)
		}
		require.Equal(t, hex.EncodeToString(want), hex.EncodeToString(got), "seed %d", seed)
	}
}

// FuzzXORKeyStream compares our XChaCha20 with x/crypto's on arbitrary
// keys, nonces and messages.
func FuzzXORKeyStream(f *testing.F) {
	f.Add(pattern(56, 1), []byte("a short message"))
	f.Add(pattern(56, 2), pattern(255, 3))
	f.Add(pattern(56, 3), pattern(513, 4))
	f.Fuzz(func(t *testing.T, kn, msg []byte) {
		var ekn [56]byte
		copy(ekn[:], kn)
		if got, want := ourXChaCha20(t, &ekn, msg), refXChaCha20(t, &ekn, msg); !bytes.Equal(got, want) {
			t.Fatalf("keystream differs from x/crypto for %d bytes", len(msg))
		}
	})
}

// BenchmarkXChaCha20 and BenchmarkXCryptoXChaCha20 encrypt a token-sized
// message (255 bytes, the fixture claims) with a fresh nonce, as Open does.
func BenchmarkXChaCha20(b *testing.B) {
	var ekn [56]byte
	msg := pattern(255, 1)
	s := getScratch()
	defer s.release()
	s.ekn = ekn
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		xorKeyStream(s, msg, msg)
	}
}

func BenchmarkXCryptoXChaCha20(b *testing.B) {
	var ekn [56]byte
	msg := pattern(255, 1)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		c, _ := chacha20.NewUnauthenticatedCipher(ekn[:32], ekn[32:])
		c.XORKeyStream(msg, msg)
	}
}

func BenchmarkHChaCha20(b *testing.B) {
	var key [32]byte
	var nonce [16]byte
	var out [8]uint32
	for b.Loop() {
		hChaCha20(&out, &key, &nonce)
	}
}
