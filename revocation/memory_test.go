package revocation

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/token"
)

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct{ ms atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ms.Store(t.UnixMilli())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.UnixMilli(c.ms.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// sidN returns a deterministic, random-looking session ID (splitmix64).
func sidN(n uint64) token.SessionID {
	var s token.SessionID
	binary.LittleEndian.PutUint64(s[:8], splitmix(n))
	binary.LittleEndian.PutUint64(s[8:], splitmix(n^0x5bd1e995))
	return s
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func newTestMemory(t testing.TB, life time.Duration) (*Memory, *fakeClock) {
	t.Helper()
	clk := newFakeClock(t0)
	m, err := NewMemory(MemoryConfig{MaxTokenLifetime: life, Now: clk.Now, PruneInterval: time.Hour})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m, clk
}

func TestMemorySessions(t *testing.T) {
	ctx := context.Background()
	m, clk := newTestMemory(t, 24*time.Hour)
	revoked, other := sidN(1), sidN(2)
	require.NoError(t, m.RevokeSession(ctx, revoked, t0.Add(time.Hour)))

	tests := []struct {
		name    string
		claims  token.Claims
		advance time.Duration
		want    error
	}{
		{name: "revoked session", claims: token.Claims{SessionID: revoked, IssuedAt: t0}, want: ErrRevoked},
		{name: "other session", claims: token.Claims{SessionID: other, IssuedAt: t0}},
		{name: "no session ID", claims: token.Claims{Subject: "u1", IssuedAt: t0}},
		{name: "revoked just before the end", claims: token.Claims{SessionID: revoked}, advance: 59 * time.Minute, want: ErrRevoked},
		{name: "forgotten after until", claims: token.Claims{SessionID: revoked}, advance: 2 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk.Advance(tc.advance)
			err := m.Check(ctx, &tc.claims)
			if tc.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.want)
			}
		})
	}
	m.Prune()
	n, _ := m.Len()
	assert.Zero(t, n, "expired entry pruned")
}

func TestMemorySubjectCutoff(t *testing.T) {
	ctx := context.Background()
	m, clk := newTestMemory(t, time.Hour)
	cut := t0.Add(1500 * time.Millisecond)
	require.NoError(t, m.RevokeSubject(ctx, "alice", cut))
	// An earlier cutoff arriving later never replaces the later one.
	require.NoError(t, m.RevokeSubject(ctx, "alice", t0))

	tests := []struct {
		name string
		sub  string
		iat  time.Time
		want error
	}{
		{name: "issued a millisecond before", sub: "alice", iat: cut.Add(-time.Millisecond), want: ErrRevoked},
		{name: "issued long before", sub: "alice", iat: t0.Add(-30 * time.Minute), want: ErrRevoked},
		{name: "issued at the cutoff", sub: "alice", iat: cut},
		{name: "issued after, same second", sub: "alice", iat: cut.Add(time.Millisecond)},
		{name: "sub-millisecond before is the same millisecond", sub: "alice", iat: cut.Add(-time.Microsecond).Truncate(time.Millisecond).Add(time.Millisecond)},
		{name: "missing iat counts as before", sub: "alice", want: ErrRevoked},
		{name: "other subject", sub: "bob", iat: t0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := m.Check(ctx, &token.Claims{Subject: tc.sub, IssuedAt: tc.iat})
			if tc.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.want)
			}
		})
	}

	// A later cutoff wins.
	require.NoError(t, m.RevokeSubject(ctx, "alice", cut.Add(time.Second)))
	assert.ErrorIs(t, m.Check(ctx, &token.Claims{Subject: "alice", IssuedAt: cut.Add(time.Millisecond)}), ErrRevoked)

	// Kept for MaxTokenLifetime after the cutoff, then pruned.
	clk.Advance(time.Hour + 3*time.Second)
	m.Prune()
	_, subs := m.Len()
	assert.Zero(t, subs)
}

func TestMemoryRejects(t *testing.T) {
	ctx := context.Background()
	m, _ := newTestMemory(t, time.Hour)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{name: "until beyond lifetime", call: func() error { return m.RevokeSession(ctx, sidN(1), t0.Add(2*time.Hour)) }, want: ErrInvalid},
		{name: "zero session", call: func() error { return m.RevokeSession(ctx, token.SessionID{}, t0.Add(time.Minute)) }, want: ErrInvalid},
		{name: "empty subject", call: func() error { return m.RevokeSubject(ctx, "", t0) }, want: ErrInvalid},
		{name: "cutoff far in the future", call: func() error { return m.RevokeSubject(ctx, "a", t0.Add(time.Hour)) }, want: ErrInvalid},
		{name: "cancelled context", call: func() error { return m.RevokeSession(cancelled, sidN(1), t0.Add(time.Minute)) }, want: context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.ErrorIs(t, tc.call(), tc.want) })
	}
	// Past until: accepted, nothing to keep.
	require.NoError(t, m.RevokeSession(ctx, sidN(3), t0.Add(-time.Minute)))
	n, _ := m.Len()
	assert.Zero(t, n)

	_, err := NewMemory(MemoryConfig{MaxTokenLifetime: -1})
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestMemoryRefreshCounter(t *testing.T) {
	ctx := context.Background()
	m, _ := newTestMemory(t, time.Hour)
	testRefreshCounter(ctx, t, m)
}

// testRefreshCounter runs the RefreshCounter contract against any store.
func testRefreshCounter(ctx context.Context, t *testing.T, rc RefreshCounter) {
	sid := sidN(uint64(time.Now().UnixNano()))
	// Real time: Redis expires the counter at until by its own clock.
	base := time.Now().Truncate(time.Millisecond)
	until := base.Add(time.Hour)
	grace := 5 * time.Second
	steps := []struct {
		name      string
		presented uint64
		at        time.Duration
		want      uint64
		wantErr   error
	}{
		{name: "first refresh", presented: 0, want: 1},
		{name: "next generation", presented: 1, at: time.Second, want: 2},
		{name: "concurrent refresh within grace", presented: 1, at: 3 * time.Second, want: 2},
		{name: "same presented after grace is reuse", presented: 1, at: 10 * time.Second, wantErr: ErrRefreshReused},
		{name: "much older is reuse", presented: 0, at: 11 * time.Second, wantErr: ErrRefreshReused},
		{name: "current still works", presented: 2, at: 12 * time.Second, want: 3},
		{name: "store lost state: jump ahead", presented: 9, at: 13 * time.Second, want: 10},
		{name: "after the jump the old one is reuse", presented: 3, at: 60 * time.Second, wantErr: ErrRefreshReused},
	}
	for _, st := range steps {
		got, err := rc.AdvanceRefresh(ctx, sid, st.presented, base.Add(st.at), grace, until)
		if st.wantErr != nil {
			assert.ErrorIs(t, err, st.wantErr, st.name)
			assert.Zero(t, got, st.name)
			continue
		}
		require.NoError(t, err, st.name)
		assert.Equal(t, st.want, got, st.name)
	}
}

// TestTableMatchesMap drives the table with random puts, removals and
// lookups and compares every answer with a plain map.
func TestTableMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tab := newTable()
	ref := map[[16]byte]uint16{}
	keys := make([][16]byte, 0, 20000)
	for step := 0; step < 100000; step++ {
		switch op := r.IntN(10); {
		case op < 5 || len(keys) == 0:
			var id [16]byte
			if len(keys) > 0 && r.IntN(4) == 0 {
				id = keys[r.IntN(len(keys))]
			} else {
				id = sidN(r.Uint64())
				keys = append(keys, id)
			}
			e := uint16(1 + r.IntN(1000))
			_, had := ref[id]
			added := tab.put(id, e, 0)
			assert.Equal(t, !had, added)
			if e > ref[id] {
				ref[id] = e
			}
		case op < 7:
			id := keys[r.IntN(len(keys))]
			if i := tab.find(&id); i >= 0 {
				tab.removeAt(i)
				delete(ref, id)
			} else {
				_, had := ref[id]
				require.False(t, had, "present in map but not found")
			}
		default:
			id := keys[r.IntN(len(keys))]
			i := tab.find(&id)
			e, had := ref[id]
			if had != (i >= 0) || (had && e != tab.slots[i].exp) {
				t.Fatalf("step %d: table and map disagree", step)
			}
		}
		if step%50000 == 0 {
			tab.maybeShrink()
		}
	}
	assert.Equal(t, len(ref), tab.n)
	for id, e := range ref {
		i := tab.find(&id)
		require.GreaterOrEqual(t, i, 0)
		assert.Equal(t, e, tab.slots[i].exp)
	}
}

func TestListExpiryEncodingWraps(t *testing.T) {
	// Over many lifetimes the 16-bit expiry wraps; an entry must read as
	// live until its instant and as dead right after its unit, wherever
	// "now" falls.
	l := newList(time.Hour)
	for k := int64(0); k < 200; k++ {
		nowMs := t0.UnixMilli() + k*l.unitMs*997
		until := nowMs + l.lifeMs
		e := l.expUnit(until)
		assert.True(t, live(e, l.nowUnit(nowMs)))
		assert.True(t, live(e, l.nowUnit(until-1)))
		assert.False(t, live(e, l.nowUnit(until+l.unitMs)))
	}
}

func TestMemoryPruneKeepsLive(t *testing.T) {
	ctx := context.Background()
	m, clk := newTestMemory(t, time.Hour)
	const n = 50000
	for i := uint64(0); i < n; i++ {
		until := t0.Add(time.Duration(1+i%59) * time.Minute)
		require.NoError(t, m.RevokeSession(ctx, sidN(i), until))
	}
	clk.Advance(30*time.Minute + 30*time.Second)
	m.Prune()
	live := 0
	for i := uint64(0); i < n; i++ {
		err := m.Check(ctx, &token.Claims{SessionID: sidN(i)})
		want := 1+i%59 > 31
		if want {
			live++
			require.ErrorIs(t, err, ErrRevoked, "entry %d", i)
		} else if err != nil && 1+i%59 < 30 {
			t.Fatalf("entry %d expired long ago still revoked", i)
		}
	}
	sessions, _ := m.Len()
	assert.InDelta(t, live, sessions, float64(n/59)+1, "pruned down to the live entries")
}

func TestMemoryCheckDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	m, _ := newTestMemory(t, time.Hour)
	require.NoError(t, m.RevokeSession(ctx, sidN(1), t0.Add(time.Minute)))
	require.NoError(t, m.RevokeSubject(ctx, "alice", t0))
	for _, c := range []token.Claims{
		{SessionID: sidN(1), Subject: "bob", IssuedAt: t0},
		{SessionID: sidN(2), Subject: "alice", IssuedAt: t0.Add(-time.Second)},
		{SessionID: sidN(2), Subject: "bob", IssuedAt: t0},
	} {
		allocs := testing.AllocsPerRun(200, func() { _ = m.Check(ctx, &c) })
		assert.Zero(t, allocs)
	}
}

// TestMemoryBytesPerEntry measures the heap held per revoked session.
func TestMemoryBytesPerEntry(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocates ~25 MB; the race detector changes heap figures")
	}
	ctx := context.Background()
	const n = 1_000_000
	sids := make([]token.SessionID, n)
	for i := range sids {
		sids[i] = sidN(uint64(i))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, _ := newTestMemory(t, 24*time.Hour)
	for i, s := range sids {
		require.NoError(t, m.RevokeSession(ctx, s, t0.Add(time.Duration(1+i%1000)*time.Minute)))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("Memory: %.1f bytes per revoked session (%d entries, %d slots)", per, m.list.tab.n, len(m.list.tab.slots))
	assert.LessOrEqual(t, per, 24.0)
	runtime.KeepAlive(sids)
}

func TestMemoryConcurrent(t *testing.T) {
	ctx := context.Background()
	m, clk := newTestMemory(t, time.Hour)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var failures atomic.Int64
	var writers sync.WaitGroup
	for w := 0; w < 8; w++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := uint64(0); i < 3000; i++ {
				id := sidN(uint64(w)<<32 | i)
				if err := m.RevokeSession(ctx, id, clk.Now().Add(30*time.Minute)); err != nil {
					failures.Add(1)
				}
				// A revocation is visible to its own writer immediately.
				if !errors.Is(m.Check(ctx, &token.Claims{SessionID: id}), ErrRevoked) {
					failures.Add(1)
				}
				if i%500 == 0 {
					_ = m.RevokeSubject(ctx, "u", clk.Now())
				}
			}
		}()
	}
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					_ = m.Check(ctx, &token.Claims{SessionID: sidN(rand.Uint64()), Subject: "u", IssuedAt: clk.Now()})
					m.Prune()
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	assert.Zero(t, failures.Load())
	n, _ := m.Len()
	assert.Equal(t, 8*3000, n)
}

func TestMemoryCloseStopsGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	m, err := NewMemory(MemoryConfig{PruneInterval: time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, m.Close())
	require.NoError(t, m.Close(), "idempotent")
	assert.LessOrEqual(t, runtime.NumGoroutine(), before)
}

func BenchmarkMemoryCheck(b *testing.B) {
	ctx := context.Background()
	m, _ := newTestMemory(b, 24*time.Hour)
	const n = 1_000_000
	for i := uint64(0); i < n; i++ {
		_ = m.RevokeSession(ctx, sidN(i), t0.Add(time.Duration(1+i%1000)*time.Minute))
	}
	probes := make([]token.Claims, 4096)
	for i := range probes {
		// Half revoked, half not: both paths of the probe loop.
		probes[i] = token.Claims{SessionID: sidN(uint64(i * 2 % (2 * n))), Subject: "bob", IssuedAt: t0}
		if i%2 == 1 {
			probes[i].SessionID = sidN(uint64(n + i))
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.Check(ctx, &probes[i&4095])
	}
}

func BenchmarkMemoryRevoke(b *testing.B) {
	ctx := context.Background()
	m, _ := newTestMemory(b, 24*time.Hour)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = m.RevokeSession(ctx, sidN(uint64(i)), t0.Add(time.Hour))
	}
}

// BenchmarkMapBaseline is the plain map[[16]byte]int64 lookup that
// MEASUREMENTS.md quotes (~190 ns, ~56 B/entry), run beside
// BenchmarkMemoryCheck so the two can be compared in one run.
func BenchmarkMapBaseline(b *testing.B) {
	const n = 1_000_000
	m := make(map[[16]byte]int64)
	for i := uint64(0); i < n; i++ {
		m[sidN(i)] = int64(i)
	}
	probes := make([][16]byte, 4096)
	for i := range probes {
		probes[i] = sidN(uint64(i * 2 % (2 * n)))
		if i%2 == 1 {
			probes[i] = sidN(uint64(n + i))
		}
	}
	var mu sync.RWMutex
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mu.RLock()
		_, ok := m[probes[i&4095]]
		mu.RUnlock()
		if ok && i < 0 {
			b.Fatal()
		}
	}
}

func TestMemoryShortLifetimeKeepsWholeEntries(t *testing.T) {
	// With a lifetime of seconds, the minute of skew allowance dominates:
	// an entry that far ahead must still be held to its end.
	ctx := context.Background()
	m, clk := newTestMemory(t, time.Second)
	require.NoError(t, m.RevokeSession(ctx, sidN(1), t0.Add(time.Minute)))
	clk.Advance(59 * time.Second)
	assert.ErrorIs(t, m.Check(ctx, &token.Claims{SessionID: sidN(1)}), ErrRevoked)
	clk.Advance(2 * time.Second)
	assert.NoError(t, m.Check(ctx, &token.Claims{SessionID: sidN(1)}))
}

func TestListHoldsFarExpiries(t *testing.T) {
	// An expiry beyond the table's range (only a tampered stream event can
	// carry one) is held as long as possible, never wrapped into the past.
	l := newList(time.Hour)
	nowMs := t0.UnixMilli()
	for _, ahead := range []time.Duration{2 * time.Hour, 100 * time.Hour, 1 << 62} {
		sid := sidN(uint64(ahead))
		l.addSession(sid, nowMs+ahead.Milliseconds(), nowMs)
		assert.ErrorIs(t, l.check(&token.Claims{SessionID: sid}, nowMs+time.Hour.Milliseconds()), ErrRevoked, "%v ahead", ahead)
	}
}
