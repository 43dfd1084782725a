package revocation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/internal/redistest"
	"github.com/sessiontoken/sessiontoken/token"
)

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

func newTestRedis(t testing.TB, rdb redis.UniversalClient, cfg RedisConfig) *Redis {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	r, err := NewRedis(rdb, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	return r
}

// waitLoaded waits for the mirror's first load (NewRedis normally does it).
func waitLoaded(t testing.TB, r *Redis) {
	t.Helper()
	require.Eventually(t, func() bool { return r.Health().Err == nil }, 10*time.Second, 5*time.Millisecond, "mirror never became current: %v", r.Health().Err)
}

func TestRedisStore(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(t)
	clk := newFakeClock(time.Now())
	now := clk.Now()
	mirror := newTestRedis(t, rdb, RedisConfig{KeyPrefix: prefix, MaxTokenLifetime: 24 * time.Hour, Now: clk.Now})
	strict := newTestRedis(t, rdb, RedisConfig{KeyPrefix: prefix, MaxTokenLifetime: 24 * time.Hour, Now: clk.Now, Strict: true})
	waitLoaded(t, mirror)

	revoked := sidN(uint64(now.UnixNano()))
	require.NoError(t, mirror.RevokeSession(ctx, revoked, now.Add(time.Hour)))
	require.NoError(t, mirror.RevokeSubject(ctx, "alice", now))
	// An earlier cutoff never replaces a later one.
	require.NoError(t, strict.RevokeSubject(ctx, "alice", now.Add(-time.Minute)))

	tests := []struct {
		name   string
		claims token.Claims
		want   error
	}{
		{name: "revoked session", claims: token.Claims{SessionID: revoked, Subject: "bob", IssuedAt: now}, want: ErrRevoked},
		{name: "other session", claims: token.Claims{SessionID: sidN(7), Subject: "bob", IssuedAt: now}},
		{name: "subject before cutoff", claims: token.Claims{SessionID: sidN(8), Subject: "alice", IssuedAt: now.Add(-time.Millisecond)}, want: ErrRevoked},
		{name: "subject at cutoff", claims: token.Claims{SessionID: sidN(8), Subject: "alice", IssuedAt: now}},
		{name: "subject after cutoff, same second", claims: token.Claims{SessionID: sidN(8), Subject: "alice", IssuedAt: now.Add(time.Millisecond)}},
		{name: "no session ID, subject fine", claims: token.Claims{Subject: "carol", IssuedAt: now}},
	}
	for _, tc := range tests {
		for _, s := range []struct {
			name  string
			store *Redis
		}{{"mirror", mirror}, {"strict", strict}} {
			t.Run(tc.name+"/"+s.name, func(t *testing.T) {
				check := func() error { return s.store.Check(ctx, &tc.claims) }
				if tc.want == nil {
					assert.NoError(t, check())
					return
				}
				// The strict store sees Redis at once; its mirror follows.
				assert.ErrorIs(t, check(), tc.want)
			})
		}
	}

	t.Run("mirror of the other store follows", func(t *testing.T) {
		c := token.Claims{SessionID: revoked}
		require.Eventually(t, func() bool { return errors.Is(strict.list.check(&c, clk.Now().UnixMilli()), ErrRevoked) }, 5*time.Second, 5*time.Millisecond)
	})

	t.Run("entries expire with their window", func(t *testing.T) {
		clk.Advance(24*time.Hour + 7*time.Hour) // past the window end
		assert.NoError(t, strict.Check(ctx, &token.Claims{SessionID: revoked, Subject: "alice", IssuedAt: now.Add(-time.Hour)}))
	})

	t.Run("rejects", func(t *testing.T) {
		now := clk.Now()
		assert.ErrorIs(t, mirror.RevokeSession(ctx, sidN(1), now.Add(48*time.Hour)), ErrInvalid)
		assert.ErrorIs(t, mirror.RevokeSession(ctx, token.SessionID{}, now.Add(time.Hour)), ErrInvalid)
		assert.ErrorIs(t, mirror.RevokeSubject(ctx, "", now), ErrInvalid)
		_, err := NewRedis(rdb, RedisConfig{KeyPrefix: prefix, MaxTokenLifetime: time.Hour, Logger: quietLogger})
		assert.ErrorIs(t, err, ErrInvalid, "a different lifetime for the same prefix is refused")
		_, err = NewRedis(rdb, RedisConfig{KeyPrefix: "a{b}"})
		assert.ErrorIs(t, err, ErrInvalid)
	})
}

func TestRedisRefreshCounter(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	r := newTestRedis(t, rdb, RedisConfig{KeyPrefix: prefix})
	testRefreshCounter(context.Background(), t, r)
}

// TestRedisLayout checks the compact layout: buckets split as a window
// grows, stay listpack-encoded and hold at most ~2×target IDs, and every
// ID is still found by a strict check.
func TestRedisLayout(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(t)
	if info := rdb.Info(ctx, "server").Val(); info == "" {
		t.Skip("not a real Redis (miniredis): no OBJECT ENCODING")
	}
	clk := newFakeClock(time.Now())
	r := newTestRedis(t, rdb, RedisConfig{KeyPrefix: prefix, MaxTokenLifetime: 24 * time.Hour, Now: clk.Now, Strict: true})
	const n = 3000
	until := clk.Now().Add(time.Hour)
	require.NoError(t, r.loadScripts(ctx))
	pipe := rdb.Pipeline()
	for i := 0; i < n; i++ {
		_ = r.writeSession(ctx, pipe, sidN(uint64(i)), until.UnixMilli(), clk.Now().UnixMilli(), true)
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)

	w := r.windowOf(until.UnixMilli())
	meta, err := rdb.HGetAll(ctx, fmt.Sprintf("%sm:%d", r.tag, w)).Result()
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(n), meta["n"])
	var k, s int
	_, _ = fmt.Sscan(meta["k"], &k)
	_, _ = fmt.Sscan(meta["s"], &s)
	buckets := 1<<k + s
	assert.InDelta(t, n/r.target, buckets, 2, "bucket count follows the entries")
	total := 0
	for a := 0; a < buckets; a++ {
		key := fmt.Sprintf("%sb:%d:%d", r.tag, w, a)
		size := int(rdb.HLen(ctx, key).Val())
		total += size
		assert.LessOrEqual(t, size, 3*r.target, "bucket %d", a)
		assert.Equal(t, "listpack", rdb.ObjectEncoding(ctx, key).Val(), "bucket %d", a)
		ttl := rdb.PExpireTime(ctx, key).Val()
		assert.Equal(t, time.Duration(w*r.windowMs)*time.Millisecond, ttl, "bucket expires at its window end")
	}
	assert.Equal(t, n, total)
	for i := 0; i < n; i += 37 {
		assert.ErrorIs(t, r.Check(ctx, &token.Claims{SessionID: sidN(uint64(i))}), ErrRevoked, "entry %d", i)
	}
	assert.NoError(t, r.Check(ctx, &token.Claims{SessionID: sidN(n + 1)}))

	// A fresh mirror loads all of them.
	m := newTestRedis(t, rdb, RedisConfig{KeyPrefix: prefix, MaxTokenLifetime: 24 * time.Hour, Now: clk.Now})
	waitLoaded(t, m)
	sessions, _ := m.list.len()
	assert.Equal(t, n, sessions)
}

// TestRedisPropagation: a revocation through one client reaches another
// process's mirror through the stream.
func TestRedisPropagation(t *testing.T) {
	ctx := context.Background()
	s := redistest.StartServer(t)
	a := newTestRedis(t, s.Client(t), RedisConfig{})
	b := newTestRedis(t, s.Client(t), RedisConfig{})
	waitLoaded(t, b)
	for i := 0; i < 20; i++ {
		sid := sidN(uint64(1000 + i))
		require.NoError(t, b.Check(ctx, &token.Claims{SessionID: sid}))
		require.NoError(t, a.RevokeSession(ctx, sid, time.Now().Add(time.Hour)))
		require.Eventually(t, func() bool {
			return errors.Is(b.Check(ctx, &token.Claims{SessionID: sid}), ErrRevoked)
		}, 2*time.Second, time.Millisecond)
	}
	require.NoError(t, a.RevokeSubject(ctx, "dave", time.Now()))
	require.Eventually(t, func() bool {
		return errors.Is(b.Check(ctx, &token.Claims{Subject: "dave", IssuedAt: time.Now().Add(-time.Minute)}), ErrRevoked)
	}, 2*time.Second, time.Millisecond)
}

func TestRedisFaults(t *testing.T) {
	ctx := context.Background()
	s := redistest.StartServer(t)
	clk := newFakeClock(time.Now())
	base := RedisConfig{Now: clk.Now, MaxTokenLifetime: 24 * time.Hour}
	closed := newTestRedis(t, s.Client(t), base)
	staleCfg := base
	staleCfg.MaxStaleness = time.Minute
	stale := newTestRedis(t, s.Client(t), staleCfg)
	strictCfg := base
	strictCfg.Strict = true
	strict := newTestRedis(t, s.Client(t), strictCfg)
	waitLoaded(t, closed)
	waitLoaded(t, stale)

	revoked := sidN(42)
	require.NoError(t, closed.RevokeSession(ctx, revoked, clk.Now().Add(time.Hour)))
	require.NoError(t, closed.RevokeSubject(ctx, "erin", clk.Now()))
	for _, r := range []*Redis{closed, stale} {
		require.Eventually(t, func() bool {
			return errors.Is(r.Check(ctx, &token.Claims{SessionID: revoked}), ErrRevoked)
		}, 5*time.Second, 5*time.Millisecond)
	}
	good := token.Claims{SessionID: sidN(43), Subject: "erin", IssuedAt: clk.Now().Add(time.Second)}
	bad := token.Claims{SessionID: revoked}

	// --- Redis dies.
	s.Kill()
	t.Run("default mirror fails closed once the loss is seen", func(t *testing.T) {
		require.Eventually(t, func() bool { return !closed.Health().Connected }, 5*time.Second, 5*time.Millisecond)
		assert.ErrorIs(t, closed.Check(ctx, &good), ErrUnavailable)
		assert.ErrorIs(t, closed.Health().Err, ErrUnavailable)
	})
	t.Run("stale mirror answers within MaxStaleness, then fails closed", func(t *testing.T) {
		require.Eventually(t, func() bool { return !stale.Health().Connected }, 5*time.Second, 5*time.Millisecond)
		assert.NoError(t, stale.Check(ctx, &good))
		assert.ErrorIs(t, stale.Check(ctx, &bad), ErrRevoked)
		clk.Advance(61 * time.Second)
		assert.ErrorIs(t, stale.Check(ctx, &good), ErrUnavailable)
		assert.ErrorIs(t, stale.Check(ctx, &bad), ErrUnavailable)
	})
	t.Run("strict fails closed", func(t *testing.T) {
		assert.ErrorIs(t, strict.Check(ctx, &good), ErrUnavailable)
	})
	t.Run("a revoke that cannot be written returns an error", func(t *testing.T) {
		assert.ErrorIs(t, closed.RevokeSession(ctx, sidN(44), clk.Now().Add(time.Hour)), ErrUnavailable)
		assert.ErrorIs(t, closed.RevokeSubject(ctx, "frank", clk.Now()), ErrUnavailable)
		_, err := strict.AdvanceRefresh(ctx, sidN(44), 0, clk.Now(), time.Second, clk.Now().Add(time.Hour))
		assert.ErrorIs(t, err, ErrUnavailable)
		assert.ErrorIs(t, closed.Check(ctx, &token.Claims{SessionID: sidN(44)}), ErrUnavailable, "not recorded locally either")
	})

	// --- Redis comes back empty (no persistence): the mirrors write back.
	s.Start()
	t.Run("restart empty: revocations restored", func(t *testing.T) {
		require.Eventually(t, func() bool { return closed.Health().Err == nil && stale.Health().Err == nil }, 10*time.Second, 10*time.Millisecond)
		require.Eventually(t, func() bool { return errors.Is(strict.Check(ctx, &bad), ErrRevoked) }, 10*time.Second, 10*time.Millisecond)
		assert.ErrorIs(t, strict.Check(ctx, &token.Claims{Subject: "erin", IssuedAt: clk.Now().Add(-time.Hour)}), ErrRevoked)
		assert.NoError(t, strict.Check(ctx, &good))
		// A process started now loads the restored list.
		fresh := newTestRedis(t, s.Client(t), base)
		waitLoaded(t, fresh)
		assert.ErrorIs(t, fresh.Check(ctx, &bad), ErrRevoked)
	})

	// --- FLUSHALL: same detection.
	t.Run("flush: revocations restored", func(t *testing.T) {
		require.NoError(t, closed.RevokeSession(ctx, sidN(45), clk.Now().Add(time.Hour)))
		s.Flush()
		require.Eventually(t, func() bool {
			return errors.Is(strict.Check(ctx, &token.Claims{SessionID: sidN(45)}), ErrRevoked) &&
				errors.Is(strict.Check(ctx, &bad), ErrRevoked)
		}, 10*time.Second, 10*time.Millisecond)
	})

	// --- A dropped connection: the follower resumes from its last ID.
	t.Run("reconnect resumes the stream", func(t *testing.T) {
		admin := s.Client(t)
		require.NoError(t, admin.ClientKillByFilter(ctx, "TYPE", "normal", "SKIPME", "yes").Err())
		require.NoError(t, strict.RevokeSession(ctx, sidN(46), clk.Now().Add(time.Hour)))
		require.Eventually(t, func() bool {
			return errors.Is(closed.Check(ctx, &token.Claims{SessionID: sidN(46)}), ErrRevoked)
		}, 10*time.Second, 5*time.Millisecond)
	})
}

func TestRedisTrimmedPast(t *testing.T) {
	ctx := context.Background()
	s := redistest.StartServer(t)
	rdb := s.Client(t)
	r := newTestRedis(t, rdb, RedisConfig{})
	for i := 0; i < 3; i++ {
		require.NoError(t, r.RevokeSession(ctx, sidN(uint64(i)), time.Now().Add(time.Hour)))
	}
	msgs, err := rdb.XRange(ctx, r.stream, "-", "+").Result()
	require.NoError(t, err)
	require.Len(t, msgs, 3)
	tests := []struct {
		name   string
		trimTo string
		last   string
		seen   int64
		want   bool
	}{
		{name: "last ID still there", last: msgs[1].ID, seen: 2},
		{name: "nothing read yet, stream intact", last: "0-0", seen: 0},
		{name: "trimmed up to the last read", trimTo: msgs[2].ID, last: msgs[1].ID, seen: 2},
		{name: "trimmed past", trimTo: msgs[2].ID, last: msgs[0].ID, seen: 1, want: true},
		{name: "never read, head trimmed", trimTo: msgs[2].ID, last: "0-0", seen: 0, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.trimTo != "" {
				require.NoError(t, rdb.XTrimMinID(ctx, r.stream, tc.trimTo).Err())
			}
			got, err := r.trimmedPast(ctx, tc.last, tc.seen)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestRedisCluster(t *testing.T) {
	ctx := context.Background()
	cl := redistest.StartCluster(t)
	a := newTestRedis(t, cl.Client(t), RedisConfig{})
	b := newTestRedis(t, cl.Client(t), RedisConfig{Strict: true})
	waitLoaded(t, a)
	sid := sidN(77)
	require.NoError(t, b.RevokeSession(ctx, sid, time.Now().Add(time.Hour)))
	require.NoError(t, b.RevokeSubject(ctx, "gina", time.Now()))
	assert.ErrorIs(t, b.Check(ctx, &token.Claims{SessionID: sid}), ErrRevoked)
	assert.ErrorIs(t, b.Check(ctx, &token.Claims{Subject: "gina", IssuedAt: time.Now().Add(-time.Minute)}), ErrRevoked)
	assert.NoError(t, b.Check(ctx, &token.Claims{SessionID: sidN(78), Subject: "gina", IssuedAt: time.Now().Add(time.Second)}))
	require.Eventually(t, func() bool {
		return errors.Is(a.Check(ctx, &token.Claims{SessionID: sid}), ErrRevoked)
	}, 5*time.Second, 5*time.Millisecond)
	testRefreshCounter(ctx, t, a)

	// Refresh counters spread over the nodes; the list sits in one slot.
	slots := map[*redistest.Server]bool{}
	for i := 0; i < 30; i++ {
		s := sidN(uint64(i))
		slots[cl.NodeFor(t, "sessiontoken:rv:r:"+string(s[:]))] = true
	}
	assert.Greater(t, len(slots), 1, "refresh counters on several nodes")
}

func TestRedisConcurrent(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(t)
	r := newTestRedis(t, rdb, RedisConfig{KeyPrefix: prefix})
	waitLoaded(t, r)
	var wg sync.WaitGroup
	var failures atomic.Int64
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := uint64(0); i < 200; i++ {
				sid := sidN(uint64(w)<<32 | i)
				if err := r.RevokeSession(ctx, sid, time.Now().Add(time.Hour)); err != nil {
					failures.Add(1)
				}
				if !errors.Is(r.Check(ctx, &token.Claims{SessionID: sid}), ErrRevoked) {
					failures.Add(1) // own writes are visible at once
				}
				if err := r.Check(ctx, &token.Claims{SessionID: sidN(1<<40 + i)}); err != nil {
					failures.Add(1)
				}
				_ = r.Health()
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, failures.Load())
	sessions, _ := r.list.len()
	assert.Equal(t, 8*200, sessions)
}

func TestRedisCloseStopsGoroutines(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	require.NoError(t, rdb.Ping(context.Background()).Err())
	before := runtime.NumGoroutine()
	r, err := NewRedis(rdb, RedisConfig{KeyPrefix: prefix, Logger: quietLogger})
	require.NoError(t, err)
	waitLoaded(t, r)
	require.NoError(t, r.Close())
	require.NoError(t, r.Close())
	// Polled here, not with Eventually, whose own goroutines would count.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "%s", goroutines())
}

func TestRedisMirrorCheckDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(t)
	r := newTestRedis(t, rdb, RedisConfig{KeyPrefix: prefix})
	waitLoaded(t, r)
	require.NoError(t, r.RevokeSession(ctx, sidN(1), time.Now().Add(time.Hour)))
	c := token.Claims{SessionID: sidN(1)}
	assert.Zero(t, testing.AllocsPerRun(200, func() { _ = r.Check(ctx, &c) }))
}

func goroutines() string {
	buf := make([]byte, 1<<16)
	return string(buf[:runtime.Stack(buf, true)])
}

// countHook counts the commands and pipelines sent with a tagged context.
type countHook struct{ n atomic.Int64 }

type countKey struct{}

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if ctx.Value(countKey{}) != nil {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if ctx.Value(countKey{}) != nil {
			h.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// TestRedisCheckRoundTrips: the mirror answers with no round trip, strict
// mode with exactly one for the session and the subject together.
func TestRedisCheckRoundTrips(t *testing.T) {
	s := redistest.StartServer(t)
	rdb := s.Client(t)
	hook := &countHook{}
	rdb.AddHook(hook)
	mirror := newTestRedis(t, rdb, RedisConfig{})
	strict := newTestRedis(t, rdb, RedisConfig{Strict: true})
	waitLoaded(t, mirror)
	ctx := context.WithValue(context.Background(), countKey{}, true)
	require.NoError(t, strict.RevokeSubject(context.Background(), "hank", time.Now()))
	_ = strict.Check(ctx, &token.Claims{}) // load the script once (EVALSHA may fall back to EVAL)
	tests := []struct {
		name   string
		store  *Redis
		claims token.Claims
		want   int64
		err    error
	}{
		{name: "mirror", store: mirror, claims: token.Claims{SessionID: sidN(1), Subject: "hank", IssuedAt: time.Now()}, want: 0},
		{name: "strict, session and subject", store: strict, claims: token.Claims{SessionID: sidN(1), Subject: "hank", IssuedAt: time.Now()}, want: 1},
		{name: "strict, revoked by subject", store: strict, claims: token.Claims{SessionID: sidN(1), Subject: "hank", IssuedAt: time.Now().Add(-time.Hour)}, want: 1, err: ErrRevoked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := hook.n.Load()
			err := tc.store.Check(ctx, &tc.claims)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tc.want, hook.n.Load()-before)
		})
	}
}

// FuzzApply feeds arbitrary stream events to the mirror: events come from
// Redis, which anyone with write access to it can fill, so a malformed one
// must be ignored, never crash the follower.
func FuzzApply(f *testing.F) {
	f.Add("s", "0123456789abcdef", "1700000000000", "", "")
	f.Add("u", "", "", "alice", "1700000000000")
	f.Add("b", "", "", "", "0123456789abcdef\x00\x00\x01\x8b\xcf\xe5h\x00")
	f.Add("s", "short", "x", "", "")
	l := newList(time.Hour)
	r := &Redis{list: l}
	f.Fuzz(func(t *testing.T, typ, id, until, sub, data string) {
		v := map[string]any{"t": typ, "i": id, "u": until, "s": sub, "c": until, "d": data}
		r.apply(v, 1_700_000_000_000)
		_ = l.check(&token.Claims{Subject: sub}, 1_700_000_000_000)
	})
}
