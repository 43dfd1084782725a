package revocation

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/internal/redistest"
	"github.com/sessiontoken/sessiontoken/token"
)

func TestNewRedisConfig(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	tests := []struct {
		name string
		rdb  redis.UniversalClient
		cfg  RedisConfig
	}{
		{name: "nil client", cfg: RedisConfig{}},
		{name: "brace in prefix", rdb: rdb, cfg: RedisConfig{KeyPrefix: "a}b"}},
		{name: "negative lifetime", rdb: rdb, cfg: RedisConfig{KeyPrefix: prefix, MaxTokenLifetime: -time.Hour}},
		{name: "negative staleness", rdb: rdb, cfg: RedisConfig{KeyPrefix: prefix, MaxStaleness: -1}},
		{name: "negative retention", rdb: rdb, cfg: RedisConfig{KeyPrefix: prefix, StreamRetention: -1}},
		{name: "lifetime under a minute", rdb: rdb, cfg: RedisConfig{KeyPrefix: prefix, MaxTokenLifetime: time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Logger = quietLogger
			r, err := NewRedis(tc.rdb, tc.cfg)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Nil(t, r)
		})
	}
}

func TestStreamIDLess(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{a: "0-0", b: "1-0", want: true},
		{a: "1-0", b: "0-0"},
		{a: "5-1", b: "5-2", want: true},
		{a: "5-2", b: "5-2"},
		{a: "9-9", b: "10-0", want: true}, // numeric, not lexical
		{a: "1700000000000-3", b: "1700000000001-0", want: true},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, streamIDLess(tc.a, tc.b), "%s < %s", tc.a, tc.b)
	}
}

// TestRedisWindows checks the window arithmetic the scripts rely on: an
// entry's window ends at or after its instant, at most one window later,
// and lies within the range a strict check and a full load read for as
// long as the entry is live.
func TestRedisWindows(t *testing.T) {
	r := &Redis{windowMs: (24 * time.Hour).Milliseconds() / 4, lifeMs: (24 * time.Hour).Milliseconds()}
	nowMs := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).UnixMilli()
	for _, ahead := range []time.Duration{time.Millisecond, time.Minute, 6 * time.Hour, 6*time.Hour + time.Millisecond, 24 * time.Hour, 24*time.Hour + time.Minute} {
		until := nowMs + ahead.Milliseconds()
		w := r.windowOf(until)
		end := w * r.windowMs
		assert.GreaterOrEqual(t, end, until, "%v: window ends before the entry", ahead)
		assert.Less(t, end-until, r.windowMs, "%v: more than one window late", ahead)
		for _, at := range []int64{nowMs, until - 1} {
			w0, w1 := r.liveWindows(at)
			assert.True(t, w >= w0 && w <= w1, "%v: window %d outside live range [%d, %d] at %d", ahead, w, w0, w1, at)
		}
	}
}

func TestRedisStrictBeforeContact(t *testing.T) {
	// A store whose Redis never answered fails closed in both modes, and
	// its Health says why.
	port, err := redistest.SparePort()
	require.NoError(t, err)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	for _, strict := range []bool{false, true} {
		r := newTestRedis(t, rdb, RedisConfig{Strict: strict})
		assert.ErrorIs(t, r.Check(ctx, &token.Claims{SessionID: sidN(1)}), ErrUnavailable, "strict=%v", strict)
		h := r.Health()
		assert.False(t, h.Loaded)
		assert.ErrorIs(t, h.Err, ErrUnavailable)
		assert.ErrorIs(t, r.RevokeSession(ctx, sidN(1), time.Now().Add(time.Hour)), ErrUnavailable)
	}
}

func TestRedisRevokePastAndHealth(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(t)
	r := newTestRedis(t, rdb, RedisConfig{KeyPrefix: prefix})
	waitLoaded(t, r)
	// An until already past is accepted and writes nothing.
	require.NoError(t, r.RevokeSession(ctx, sidN(1), time.Now().Add(-time.Second)))
	assert.Zero(t, rdb.Exists(ctx, r.stream).Val(), "no event for a past until")
	require.NoError(t, r.RevokeSession(ctx, sidN(2), time.Now().Add(time.Hour)))
	require.NoError(t, r.RevokeSubject(ctx, "ivy", time.Now()))
	h := r.Health()
	assert.True(t, h.Loaded)
	assert.True(t, h.Connected)
	assert.NoError(t, h.Err)
	assert.Equal(t, 1, h.Sessions)
	assert.Equal(t, 1, h.Subjects)
	assert.WithinDuration(t, time.Now(), h.LastContact, 10*time.Second)
	assert.Equal(t, int64(2), rdb.XLen(ctx, r.stream).Val(), "one event per revocation")
}

// TestRedisRestoreSubjects: subject cutoffs survive a flush too, through
// the mirror's write-back, and a later cutoff still wins afterwards.
func TestRedisRestoreSubjects(t *testing.T) {
	ctx := context.Background()
	s := redistest.StartServer(t)
	strict := newTestRedis(t, s.Client(t), RedisConfig{Strict: true})
	mirror := newTestRedis(t, s.Client(t), RedisConfig{})
	waitLoaded(t, mirror)
	cut := time.Now().Truncate(time.Millisecond)
	require.NoError(t, mirror.RevokeSubject(ctx, "jack", cut))
	s.Flush()
	old := token.Claims{Subject: "jack", IssuedAt: cut.Add(-time.Millisecond)}
	// Strict checks fail closed (ErrUnavailable) until the mirror has
	// written back, then report the restored cutoff.
	var acceptedDuringGap bool
	require.Eventually(t, func() bool {
		err := strict.Check(ctx, &old)
		if err == nil {
			acceptedDuringGap = true
		}
		return errors.Is(err, ErrRevoked)
	}, 10*time.Second, time.Millisecond, "cutoff restored")
	assert.False(t, acceptedDuringGap, "a revoked token was accepted while Redis was empty")
	assert.NoError(t, strict.Check(ctx, &token.Claims{Subject: "jack", IssuedAt: cut}))
}
