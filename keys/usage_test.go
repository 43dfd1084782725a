package keys

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeyUsageCounts(t *testing.T) {
	var u KeyUsage // the zero value works
	a, b := mustGenerate(t, V4Local), mustGenerate(t, HS256)
	for i := 0; i < 3; i++ {
		u.Verified(a, fileClock)
	}
	u.Verified(b, fileClock)
	assert.Equal(t, uint64(3), u.Count(a.ID()))
	assert.Equal(t, uint64(1), u.Count(b.ID()))
	assert.Zero(t, u.Count("k4.lid.unknown"))
	assert.Equal(t, map[string]uint64{a.ID(): 3, b.ID(): 1}, u.Counts())

	counts := u.Counts()
	counts[a.ID()] = 100
	assert.Equal(t, uint64(3), u.Count(a.ID()), "Counts returns a copy")

	allocs := testing.AllocsPerRun(100, func() { u.Verified(a, fileClock) })
	assert.Zero(t, allocs, "counting a known key does not allocate")
}

func TestKeyUsageNearEnd(t *testing.T) {
	end := fileClock.Add(10 * time.Hour)
	old := mustGenerate(t, V4Local).WithValidity(time.Time{}, end)
	forever := mustGenerate(t, V4Local)
	log := &syncBuffer{}
	type warning struct {
		kid   string
		now   time.Time
		count uint64
	}
	var warnings []warning
	u := NewKeyUsage(KeyUsageConfig{
		NearEnd:   time.Hour,
		WarnEvery: 10 * time.Minute,
		Logger:    slog.New(slog.NewTextHandler(log, nil)),
		OnNearEnd: func(k *Key, now time.Time, n uint64) { warnings = append(warnings, warning{k.ID(), now, n}) },
	})

	steps := []struct {
		name     string
		key      *Key
		now      time.Time
		wantWarn bool
	}{
		{name: "far from the end", key: old, now: fileClock},
		{name: "just outside NearEnd", key: old, now: end.Add(-time.Hour - time.Nanosecond)},
		{name: "inside NearEnd", key: old, now: end.Add(-time.Hour), wantWarn: true},
		{name: "again within WarnEvery", key: old, now: end.Add(-55 * time.Minute)},
		{name: "after WarnEvery", key: old, now: end.Add(-50 * time.Minute), wantWarn: true},
		{name: "a key without end", key: forever, now: end},
	}
	for _, st := range steps {
		before := len(warnings)
		u.Verified(st.key, st.now)
		if st.wantWarn {
			require.Len(t, warnings, before+1, st.name)
			w := warnings[before]
			assert.Equal(t, old.ID(), w.kid, st.name)
			assert.True(t, st.now.Equal(w.now), st.name)
		} else {
			assert.Len(t, warnings, before, st.name)
		}
	}
	assert.Equal(t, uint64(5), warnings[1].count)
	assert.Contains(t, log.String(), "near the end of its window")
	assert.Contains(t, log.String(), old.ID())
}

// TestKeyUsageConcurrent counts from several goroutines, new keys
// included; run with -race.
func TestKeyUsageConcurrent(t *testing.T) {
	u := NewKeyUsage(KeyUsageConfig{Logger: slog.New(slog.DiscardHandler)})
	ks := []*Key{mustGenerate(t, V4Local), mustGenerate(t, V4Local), mustGenerate(t, V4Local).WithValidity(time.Time{}, fileClock)}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				u.Verified(ks[i%len(ks)], fileClock)
			}
		}()
	}
	wg.Wait()
	var total uint64
	for _, n := range u.Counts() {
		total += n
	}
	assert.Equal(t, uint64(4000), total)
}

func BenchmarkKeyUsageVerified(b *testing.B) {
	u := NewKeyUsage(KeyUsageConfig{})
	k := mustGenerate(b, V4Local)
	u.Verified(k, fileClock)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			u.Verified(k, fileClock)
		}
	})
}
