package sessiontoken

import (
	"context"
	"testing"
	"time"
)

// benchManager is a Manager over the in-memory revocation store
// on a clock that advances a microsecond per call.
func benchManager(b *testing.B) *Manager {
	b.Helper()
	clk := newClock()
	now := func() time.Time { clk.Advance(time.Microsecond); return clk.Now() }
	return newManager(b, newMemory(b, now), clk, func(c *Config) { c.Now = now })
}

// BenchmarkLogin: two tokens issued, no store write.
func BenchmarkLogin(b *testing.B) {
	m := benchManager(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Login(ctx, alice); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify: an access token verified and checked against the
// store, the per-request work for non-HTTP callers.
func BenchmarkVerify(b *testing.B) {
	m := benchManager(b)
	ctx := context.Background()
	p, err := m.Login(ctx, alice)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Verify(ctx, p.AccessToken); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefresh: one rotation (verify, revocation check, counter
// advance, two tokens issued) per iteration, with the in-memory store and
// with Redis (mirror check; the counter advance is one round trip).
func BenchmarkRefresh(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchRefresh(b, benchManager(b)) })
	b.Run("redis", func(b *testing.B) {
		clk := newClock()
		now := func() time.Time { clk.Advance(time.Microsecond); return clk.Now() }
		benchRefresh(b, newManager(b, newRedis(b, now, false), clk, func(c *Config) { c.Now = now }))
	})
}

func benchRefresh(b *testing.B, m *Manager) {
	ctx := context.Background()
	p, err := m.Login(ctx, alice)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if p, err = m.Refresh(ctx, p.RefreshToken); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerifyAllocs: Manager.Verify adds no allocation to the codec's own
// (the revocation check of the in-memory store allocates nothing).
func TestVerifyAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	clk := newClock()
	m := newManager(t, newMemory(t, clk.Now), clk, nil)
	ctx := context.Background()
	p, err := m.Login(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	codec := testing.AllocsPerRun(200, func() {
		if _, err := m.AccessCodec().Verify(p.AccessToken); err != nil {
			t.Fatal(err)
		}
	})
	full := testing.AllocsPerRun(200, func() {
		if _, err := m.Verify(ctx, p.AccessToken); err != nil {
			t.Fatal(err)
		}
	})
	if full > codec {
		t.Errorf("Manager.Verify allocates %v times, the codec alone %v", full, codec)
	}
	t.Logf("allocations per Verify: %v (codec %v)", full, codec)
}
