package sessiontoken

import (
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/internal/redistest"
	"github.com/sessiontoken/sessiontoken/revocation"
)

// backends lists the revocation stores every end-to-end test runs against:
// the in-memory store and real Redis (internal/redistest: REDIS_ADDR, else
// a redis-server started for the test, else miniredis, which it logs), with
// the local mirror and in strict mode.
func backends() []backend {
	return []backend{
		{name: "memory", new: func(t *testing.T, now func() time.Time) store { return newMemory(t, now) }},
		{name: "redis mirror", new: func(t *testing.T, now func() time.Time) store { return newRedis(t, now, false) }},
		{name: "redis strict", new: func(t *testing.T, now func() time.Time) store { return newRedis(t, now, true) }},
	}
}

// newMemory returns a revocation.Memory on the clock now, closed when the
// test ends.
func newMemory(t testing.TB, now func() time.Time) *revocation.Memory {
	t.Helper()
	m, err := revocation.NewMemory(revocation.MemoryConfig{Now: now})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// newRedis returns a revocation.Redis on a fresh key prefix, closed when
// the test ends, once its mirror has loaded.
//
// The tests move a fake clock by hours in one step, which the mirror would
// rightly take for a lost connection (its last read of the stream looks
// hours old) and fail closed. Its MaxStaleness is therefore set beyond any
// jump the tests make: these tests are about the session lifecycle, and
// every revocation they check was written through this same store, which
// records it in its mirror when Redis acknowledges it. The strict backend
// asks Redis on every check and needs no such setting.
func newRedis(t testing.TB, now func() time.Time, strict bool) *revocation.Redis {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	return newRedisOn(t, rdb, prefix, now, strict)
}

// newRedisOn is newRedis on a given client and prefix: several stores on
// one prefix are several instances of one service.
func newRedisOn(t testing.TB, rdb redis.UniversalClient, prefix string, now func() time.Time, strict bool) *revocation.Redis {
	t.Helper()
	cfg := revocation.RedisConfig{
		KeyPrefix: prefix, Now: now, Strict: strict,
		PollInterval: 100 * time.Millisecond,
		Logger:       slog.New(slog.DiscardHandler),
	}
	if !strict {
		cfg.MaxStaleness = 365 * 24 * time.Hour
	}
	r, err := revocation.NewRedis(rdb, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	require.Eventually(t, func() bool { return r.Health().Err == nil }, 10*time.Second, 5*time.Millisecond,
		"redis store never became ready: %v", r.Health().Err)
	return r
}
