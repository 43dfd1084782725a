package revocation

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sessiontoken/sessiontoken/internal/redistest"
	"github.com/sessiontoken/sessiontoken/token"
)

// benchRedis returns a store on the test Redis with n revoked sessions.
func benchRedis(b *testing.B, strict bool, n int) (*Redis, []token.Claims) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(b)
	r := newTestRedis(b, rdb, RedisConfig{KeyPrefix: prefix, Strict: strict, MaxTokenLifetime: 24 * time.Hour})
	waitLoaded(b, r)
	now := time.Now()
	if err := r.loadScripts(ctx); err != nil {
		b.Fatal(err)
	}
	pipe := rdb.Pipeline()
	for i := 0; i < n; i++ {
		_ = r.writeSession(ctx, pipe, sidN(uint64(i)), now.Add(time.Hour).UnixMilli(), now.UnixMilli(), false)
		r.list.addSession(sidN(uint64(i)), now.Add(time.Hour).UnixMilli(), now.UnixMilli())
		if i%1000 == 999 {
			if _, err := pipe.Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		b.Fatal(err)
	}
	probes := make([]token.Claims, 1024)
	for i := range probes {
		probes[i] = token.Claims{SessionID: sidN(uint64(i * 7 % (2*n + 1))), Subject: "bob", IssuedAt: now}
	}
	return r, probes
}

// BenchmarkRedisMirrorCheck: the default Check, a memory lookup.
func BenchmarkRedisMirrorCheck(b *testing.B) {
	r, probes := benchRedis(b, false, 10000)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := r.Check(ctx, &probes[i&1023]); errors.Is(err, ErrUnavailable) {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedisStrictCheck: one script round trip per Check, beside a
// plain EXISTS on the same server in the same run (loopback latency on
// this class of machine varies between runs; compare the two).
func BenchmarkRedisStrictCheck(b *testing.B) {
	r, probes := benchRedis(b, true, 10000)
	ctx := context.Background()
	b.Run("strict", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := r.Check(ctx, &probes[i&1023]); errors.Is(err, ErrUnavailable) {
				b.Fatal(err)
			}
		}
	})
	b.Run("EXISTS", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := r.rdb.Exists(ctx, r.epochKey).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRedisRevoke: one RevokeSession (script + stream event).
func BenchmarkRedisRevoke(b *testing.B) {
	r, _ := benchRedis(b, false, 0)
	ctx := context.Background()
	until := time.Now().Add(time.Hour)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := r.RevokeSession(ctx, sidN(uint64(i)+1<<40), until); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedisPropagation measures how long a revocation made through one
// client takes to reach another store's mirror (its own client and
// connection), and reports p50 and p99 over b.N revocations.
func BenchmarkRedisPropagation(b *testing.B) {
	ctx := context.Background()
	s := redistest.StartServer(b)
	a := newTestRedis(b, s.Client(b), RedisConfig{PollInterval: time.Second})
	c := newTestRedis(b, s.Client(b), RedisConfig{PollInterval: time.Second})
	waitLoaded(b, c)
	lat := make([]time.Duration, 0, b.N)
	until := time.Now().Add(time.Hour)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sid := sidN(uint64(i) + 1<<41)
		cl := token.Claims{SessionID: sid}
		start := time.Now()
		if err := a.RevokeSession(ctx, sid, until); err != nil {
			b.Fatal(err)
		}
		for !errors.Is(c.Check(ctx, &cl), ErrRevoked) {
			if time.Since(start) > 5*time.Second {
				b.Fatal("revocation never reached the other mirror")
			}
			time.Sleep(20 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
