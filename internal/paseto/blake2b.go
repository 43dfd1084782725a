package paseto

import "encoding/binary"

//go:generate go run gen_compress.go

// BLAKE2b (RFC 7693), only what v4.local needs: keyed digests of up to 64
// bytes, written in one pass and summed once. The compression function is
// in blake2b_compress.go, generated with its rounds unrolled.
//
// Why not golang.org/x/crypto/blake2b: on the CPUs this library is
// measured on (AMD Zen 5; likewise Zen 3–4 and Intel since Alder Lake,
// which issue four or more integer operations per cycle), its AVX2
// assembly is slower than plain Go: 1.75 µs per KiB against 1.15 µs for
// the unrolled compress here. Its hash.Hash API also costs a state copy per
// Sum and a parse per restored state. The tests hold this implementation
// to x/crypto's output for every key length, output size and message
// length around the block boundaries, and fuzz the two against each other.

// BlockSize is the BLAKE2b block size in bytes.
const BlockSize = 128

// iv is the BLAKE2b initialisation vector (RFC 7693 §2.6).
var iv = [8]uint64{
	0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
	0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
}

// digest is a BLAKE2b computation in progress. The zero value is not
// usable: start it with init. The last block is compressed only by sum,
// since BLAKE2b must flag the final block even when it is full.
type digest struct {
	h   [8]uint64
	t   uint64 // bytes compressed so far
	n   int    // bytes pending in buf (1–BlockSize once anything is written)
	buf [BlockSize]byte
}

// init starts a digest of size bytes (1–64) keyed with key (0–64 bytes):
// the parameter block of RFC 7693 §2.5 (fanout and depth 1, no salt or
// personalisation) and, for a keyed digest, the zero-padded key as the
// first block.
func (d *digest) init(size int, key []byte) {
	d.h = iv
	d.h[0] ^= 0x01010000 ^ uint64(len(key))<<8 ^ uint64(size)
	d.t = 0
	d.buf = [BlockSize]byte{}
	d.n = 0
	if len(key) > 0 {
		copy(d.buf[:], key)
		d.n = BlockSize
	}
}

// write absorbs p. Full blocks of p are compressed in place, without a
// copy, whenever more input follows them.
func (d *digest) write(p []byte) {
	for len(p) > 0 {
		if d.n == BlockSize {
			d.t += BlockSize
			compress(&d.h, &d.buf, d.t, false)
			d.n = 0
		}
		if d.n == 0 {
			for len(p) > BlockSize {
				d.t += BlockSize
				compress(&d.h, (*[BlockSize]byte)(p), d.t, false)
				p = p[BlockSize:]
			}
		}
		k := copy(d.buf[d.n:], p)
		d.n += k
		p = p[k:]
	}
}

// writeLE64 absorbs the 8-byte little-endian encoding of v.
func (d *digest) writeLE64(v uint64) {
	var le [8]byte
	binary.LittleEndian.PutUint64(le[:], v)
	d.write(le[:])
}

// sum compresses the final block and writes the first len(out) bytes of
// the hash (at most 64) to out. The digest must not be written after.
func (d *digest) sum(out []byte) {
	clear(d.buf[d.n:])
	d.t += uint64(d.n)
	compress(&d.h, &d.buf, d.t, true)
	putHash(out, &d.h)
}

// putHash writes the first len(out) bytes (at most 64) of the hash state
// h, little-endian, to out.
func putHash(out []byte, h *[8]uint64) {
	i := 0
	for ; i+8 <= len(out); i += 8 {
		binary.LittleEndian.PutUint64(out[i:], h[i/8])
	}
	for ; i < len(out); i++ {
		out[i] = byte(h[i/8] >> (8 * (i % 8)))
	}
}

// clear erases the digest: its chaining value and its buffer may hold
// key material.
func (d *digest) clear() { *d = digest{} }
