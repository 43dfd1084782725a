package revocation

import (
	"crypto/rand"
	"encoding/binary"
	"math/bits"
)

// table is the compact set of revoked session IDs behind Memory and the
// Redis mirror: open addressing with Robin Hood linear probing over one flat
// array of 18-byte slots (the raw 16-byte ID and a 16-bit coarse expiry).
//
// Why not a Go map: map[[16]byte]int64 costs ~56 B per entry. Here a slot is
// 18 B, the table is kept between 77.5% and 93% full (it grows by 1.2×, not
// 2×, which is cheap because the index is computed with a multiply-shift
// rather than a power-of-two mask), so an entry costs 19.4–23.2 B. Robin
// Hood probing keeps lookups short at that load: a miss stops as soon as it
// meets a slot closer to its home than the probe is, so hits and misses both
// read a few adjacent slots.
//
// Expiry is stored in units of unitMs ((MaxTokenLifetime+1min)/16000, rounded up),
// modulo 2^16, and read relative to the current time: a live entry lies at
// most ~1.3 lifetimes ahead, well inside the ±32768-unit window. An entry
// left unpruned for more than two lifetimes would read as live again, which
// only blocks a token that has long expired; the pruner runs far more often.
// Rounding is always upward, so an entry lives at least until its instant.
//
// The hash is a seeded multiply of the ID's two halves. Session IDs come
// from crypto/rand inside tokens we issued, so nobody can choose them to
// collide; the random seed makes even that attempt pointless.
//
// table is not safe for concurrent use: list guards it.
type table struct {
	slots        []slot
	n            int // occupied slots
	seed0, seed1 uint64
	gen          uint64 // bumped when slots is reallocated
}

type slot struct {
	id  [16]byte
	exp uint16 // expiry in units mod 2^16; 0 marks an empty slot
}

const (
	minTableCap = 64
	// maxLoadPermille and the 1.2× growth bound the load to [77.5%, 93%].
	maxLoadPermille = 930
	// shrinkLoadPermille: after pruning, a table this empty is rebuilt at
	// ~85% load so memory follows the live entries down as well as up.
	shrinkLoadPermille = 400
)

func newTable() table {
	var seed [16]byte
	if _, err := rand.Read(seed[:]); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go ≥ 1.24
		// crashes the program instead); keep the fixed odd constants then.
		seed = [16]byte{1, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53}
	}
	return table{
		slots: make([]slot, minTableCap),
		seed0: binary.LittleEndian.Uint64(seed[:8]) | 1,
		seed1: binary.LittleEndian.Uint64(seed[8:]) | 1,
	}
}

func (t *table) hash(id *[16]byte) uint64 {
	a := binary.LittleEndian.Uint64(id[:8]) ^ t.seed0
	b := binary.LittleEndian.Uint64(id[8:]) ^ t.seed1
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo ^ a
}

// home returns the preferred index of id: the high word of hash×cap, which
// maps hashes onto [0, cap) in order for any cap, power of two or not.
func (t *table) home(id *[16]byte) int {
	hi, _ := bits.Mul64(t.hash(id), uint64(len(t.slots)))
	return int(hi)
}

// dist is how far the entry at index i sits from its home.
func (t *table) dist(i int) int {
	d := i - t.home(&t.slots[i].id)
	if d < 0 {
		d += len(t.slots)
	}
	return d
}

// find returns the index of id, or -1.
func (t *table) find(id *[16]byte) int {
	n := len(t.slots)
	i := t.home(id)
	for d := 0; ; d++ {
		s := &t.slots[i]
		if s.exp == 0 {
			return -1
		}
		if s.id == *id {
			return i
		}
		if d > t.dist(i) {
			return -1
		}
		if i++; i == n {
			i = 0
		}
	}
}

// put inserts id with expiry e, or raises an existing entry's expiry to e
// when e is later (relative to nowU). It reports whether id was new.
func (t *table) put(id [16]byte, e, nowU uint16) bool {
	if i := t.find(&id); i >= 0 {
		if unitsAfter(e, nowU) > unitsAfter(t.slots[i].exp, nowU) {
			t.slots[i].exp = e
		}
		return false
	}
	if (t.n+1)*1000 > len(t.slots)*maxLoadPermille {
		t.resize(len(t.slots) + len(t.slots)/5)
	}
	t.insertNew(slot{id: id, exp: e})
	return true
}

// insertNew places a slot known to be absent, Robin Hood style: walking
// from its home, it takes the place of the first resident that is closer to
// its own home, and carries that resident on.
func (t *table) insertNew(cur slot) {
	n := len(t.slots)
	i := t.home(&cur.id)
	for d := 0; ; d++ {
		s := &t.slots[i]
		if s.exp == 0 {
			*s = cur
			t.n++
			return
		}
		if sd := t.dist(i); sd < d {
			cur, *s = *s, cur
			d = sd
		}
		if i++; i == n {
			i = 0
		}
	}
}

// removeAt deletes the entry at i by shifting the following displaced
// entries back one slot, so no tombstones accumulate.
func (t *table) removeAt(i int) {
	n := len(t.slots)
	for {
		j := i + 1
		if j == n {
			j = 0
		}
		if t.slots[j].exp == 0 || t.dist(j) == 0 {
			t.slots[i] = slot{}
			break
		}
		t.slots[i] = t.slots[j]
		i = j
	}
	t.n--
}

// resize rebuilds the table with capacity c (at least minTableCap and
// enough for the entries at the maximum load).
func (t *table) resize(c int) {
	if min := t.n*1000/maxLoadPermille + 1; c < min {
		c = min
	}
	if c < minTableCap {
		c = minTableCap
	}
	old := t.slots
	t.slots = make([]slot, c)
	t.n = 0
	t.gen++
	for i := range old {
		if old[i].exp != 0 {
			t.insertNew(old[i])
		}
	}
}

// maybeShrink rebuilds a sparse table at ~85% load.
func (t *table) maybeShrink() {
	if len(t.slots) > minTableCap && t.n*1000 < len(t.slots)*shrinkLoadPermille {
		t.resize(t.n * 100 / 85)
	}
}

// unitsAfter returns how many units e lies after nowU, negative when e is
// in the past (modulo 2^16, see table).
func unitsAfter(e, nowU uint16) int { return int(int16(e - nowU)) }

// live reports whether expiry e is still ahead of nowU.
func live(e, nowU uint16) bool { return unitsAfter(e, nowU) > 0 }
