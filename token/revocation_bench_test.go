package token_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/sessiontoken/sessiontoken/internal/redistest"
	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// BenchmarkLocalVerifyAndCheck is the per-request work of issue 7's
// second target: a v4.local verify plus the revocation check, against the
// in-process Memory store and against the Redis store's local mirror
// (0 round trips). It lives in this package so that its ratio to
// BenchmarkRawLocalOpen comes from the same run:
//
//	go test ./token -run '^$' -bench 'RawLocalOpen|LocalVerify$|LocalVerifyAndCheck' -benchmem -count=5
//
// Each store holds 10,000 other revoked sessions, so the lookup is not
// into an empty table.
func BenchmarkLocalVerifyAndCheck(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, store revocation.Store) {
		c, tok := token.BenchLocal(b)
		until := token.FixedClock().Add(time.Hour)
		for range 10_000 {
			sid, err := token.NewSessionID()
			if err != nil {
				b.Fatal(err)
			}
			if err := store.RevokeSession(ctx, sid, until); err != nil {
				b.Fatal(err)
			}
		}
		var cl token.Claims
		// Warm up: the first check waits until the mirror has applied the
		// revocations above.
		if err := c.VerifyTo(&cl, tok); err != nil {
			b.Fatal(err)
		}
		if err := store.Check(ctx, &cl); err != nil {
			b.Fatal(err)
		}
		token.Measure(b, func() {
			if err := c.VerifyTo(&cl, tok); err != nil {
				b.Fatal(err)
			}
			if err := store.Check(ctx, &cl); err != nil {
				b.Fatal(err)
			}
		})
		b.StopTimer() // Close waits for the mirror's stream read; not part of a check
	}
	b.Run("memory", func(b *testing.B) {
		store, err := revocation.NewMemory(revocation.MemoryConfig{Now: token.FixedClock})
		if err != nil {
			b.Fatal(err)
		}
		defer store.Close()
		run(b, store)
	})
	b.Run("redis-mirror", func(b *testing.B) {
		client, prefix := redistest.Client(b)
		store, err := revocation.NewRedis(client, revocation.RedisConfig{KeyPrefix: prefix, Now: token.FixedClock, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		defer store.Close()
		run(b, store)
	})
}
