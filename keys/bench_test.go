package keys

import (
	"testing"
)

// The verify path calls Ring.Current and Set.Lookup per token, the issue
// path Set.PrimaryFor: all three must stay allocation-free.

func benchSet(b *testing.B) (*Set, *Key) {
	b.Helper()
	var ks []*Key
	for i := 0; i < 8; i++ {
		ks = append(ks, mustGenerate(b, V4Local).WithValidity(day(i), day(i+30)))
	}
	return mustSet(b, ks...), ks[5]
}

func BenchmarkRingCurrentLookup(b *testing.B) {
	s, k := benchSet(b)
	r, err := NewRing(s)
	if err != nil {
		b.Fatal(err)
	}
	id := k.ID()
	now := day(10)
	b.ReportAllocs()
	for b.Loop() {
		k, err := r.Current().Lookup(id)
		if err != nil || !k.VerifiesAt(now) {
			b.Fatal("lookup failed")
		}
	}
}

func BenchmarkPrimaryFor(b *testing.B) {
	s, _ := benchSet(b)
	now := day(10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.PrimaryFor(now, V4Local); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePASERK(b *testing.B) {
	for _, raw := range []string{testLocalPASERK, testPublicPASERK, testSecretPASERK} {
		b.Run(raw[:len("k4.secret")], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParsePASERK(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseSet(b *testing.B) {
	data := readFixture(b, "all-algorithms.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSet(data); err != nil {
			b.Fatal(err)
		}
	}
}
