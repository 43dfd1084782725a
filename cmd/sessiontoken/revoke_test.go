package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/internal/redistest"
	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// testRedis returns the address of the test's Redis and a key prefix for
// it, and deletes the revocation list's keys (which are hash-tagged,
// "{prefix}…", so the helper's own cleanup of "prefix…" misses them) when
// the test ends.
func testRedis(t *testing.T) (addr, prefix string, rdb redis.UniversalClient) {
	t.Helper()
	rdb, prefix = redistest.Client(t)
	c, ok := rdb.(*redis.Client)
	require.True(t, ok, "redistest.Client returned %T", rdb)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		it := c.Scan(ctx, 0, globEscape("{"+prefix+"}")+"*", 500).Iterator()
		for it.Next(ctx) {
			c.Del(ctx, it.Val())
		}
	})
	return c.Options().Addr, prefix, rdb
}

// checker opens the list as a service would, to check what the CLI wrote.
func checker(t *testing.T, rdb redis.UniversalClient, prefix string) *revocation.Redis {
	t.Helper()
	r, err := revocation.NewRedis(rdb, revocation.RedisConfig{
		KeyPrefix: prefix, PollInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, r.Close()) })
	require.Eventually(t, func() bool { return r.Health().Err == nil }, 10*time.Second, 10*time.Millisecond)
	return r
}

func TestRevokeAgainstRedis(t *testing.T) {
	addr, prefix, rdb := testRedis(t)
	now := time.Now() // Redis expires keys on its own clock
	rf := []string{"--redis", addr, "--prefix", prefix}

	// The operator's path: inspect a token to find its session, revoke it.
	file := filepath.Join(t.TempDir(), "keys.json")
	mustRun(t, now, "keys", "init", file)
	codec := newCodec(t, file, now)
	raw, err := codec.Issue(token.Claims{Subject: "user-42"})
	require.NoError(t, err)
	r := mustRun(t, now, "token", "inspect", "--keys", file, "--json", raw)
	var in inspection
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &in))
	sid := in.Verification.Claims.SessionID
	require.NotEmpty(t, sid)

	r = mustRun(t, now, append([]string{"revoke", "session", sid, "--json"}, rf...)...)
	var out revoked
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	assert.Equal(t, revoked{Kind: "session", ID: sid, Until: formatTime(now.Add(revocation.DefaultMaxTokenLifetime)), Storage: prefix}, out)

	cl, err := codec.Verify(raw)
	require.NoError(t, err)
	store := checker(t, rdb, prefix)
	assert.ErrorIs(t, store.Check(context.Background(), cl), revocation.ErrRevoked, "the session is revoked")
	other, err := codec.Issue(token.Claims{Subject: "user-7"})
	require.NoError(t, err)
	otherCl, err := codec.Verify(other)
	require.NoError(t, err)
	assert.NoError(t, store.Check(context.Background(), otherCl), "other sessions are not")

	// Subject: tokens issued before the cutoff are void, later ones not.
	// (A token issued at the cutoff's very millisecond is not affected, so
	// the cutoff comes a moment after the token.)
	later := now.Add(time.Second)
	r = mustRun(t, later, append([]string{"revoke", "subject", "user-7"}, rf...)...)
	assert.Contains(t, r.stdout, `revoked tokens of subject "user-7" issued before `+formatTime(later.Truncate(time.Millisecond)))
	require.Eventually(t, func() bool {
		return store.Check(context.Background(), otherCl) != nil
	}, 5*time.Second, 10*time.Millisecond, "the services' mirror sees the cutoff")
	assert.ErrorIs(t, store.Check(context.Background(), otherCl), revocation.ErrRevoked)
	fresh := *otherCl
	fresh.SessionID, err = token.NewSessionID()
	require.NoError(t, err)
	fresh.IssuedAt = later
	assert.NoError(t, store.Check(context.Background(), &fresh), "a login after the cutoff is valid")

	// Stats see both entries, the keys and the stream.
	r = mustRun(t, now, append([]string{"revocation", "stats", "--json"}, rf...)...)
	var st stats
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st))
	assert.Equal(t, prefix, st.Prefix)
	assert.Equal(t, 1, st.Sessions)
	assert.Equal(t, 1, st.Subjects)
	assert.Greater(t, st.Keys, 1)
	if st.Memory != nil { // miniredis has no MEMORY USAGE
		assert.Greater(t, *st.Memory, int64(0))
	}
	require.NotNil(t, st.Stream)
	assert.Equal(t, int64(2), st.Stream.Length)
	assert.True(t, strings.HasPrefix(st.Stream.Key, "{"+prefix+"}"), st.Stream.Key)
	if rdb.Info(context.Background(), "server").Err() == nil { // a real Redis: miniredis's XINFO STREAM has no last-entry
		assert.NotEmpty(t, st.Stream.LastEvent)
	}

	r = mustRun(t, now, append([]string{"revocation", "stats"}, rf...)...)
	assert.Contains(t, r.stdout, "revoked sessions: 1\n")
	assert.Contains(t, r.stdout, "subject cutoffs:  1\n")
	assert.Contains(t, r.stdout, "event stream:     2 events")
}

func TestRevokeAddressing(t *testing.T) {
	addr, prefix, _ := testRedis(t)
	now := time.Now()
	sid, err := token.NewSessionID()
	require.NoError(t, err)

	// REDIS_ADDR stands in for --redis.
	r := runAt(t, now, "", map[string]string{"REDIS_ADDR": addr}, "revoke", "session", sid.Base64(), "--prefix", prefix, "--until", "+1h")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "revoked session "+sid.Base64()+" until "+formatTime(now.Add(time.Hour))+" (in 1h)")

	// A redis:// URL.
	r = runAt(t, now, "", nil, "revoke", "subject", "u", "--redis", "redis://"+addr+"/0", "--prefix", prefix)
	require.Equal(t, exitOK, r.code, r.stderr)

	// The list fixes its MaxTokenLifetime: another one is a usage error.
	r = runAt(t, now, "", nil, "revoke", "subject", "u", "--redis", addr, "--prefix", prefix, "--max-token-lifetime", "30d")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--max-token-lifetime")

	// A session cannot be revoked beyond the lifetime.
	r = runAt(t, now, "", nil, "revoke", "session", sid.Base64(), "--redis", addr, "--prefix", prefix, "--until", "+100d")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "revocation: invalid request")

	// An unreachable server: exit 3, the address named.
	r = runAt(t, now, "", nil, "revocation", "stats", "--redis", "127.0.0.1:1", "--timeout", "2s")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "cannot reach Redis at 127.0.0.1:1")
	r = runAt(t, now, "", nil, "revocation", "stats", "--redis", "redis://user:hunter2@127.0.0.1:1", "--timeout", "2s")
	assert.Equal(t, exitError, r.code)
	assert.NotContains(t, r.stderr, "hunter2")
}

func newCodec(t *testing.T, file string, now time.Time) *token.Codec {
	t.Helper()
	s := loadFileT(t, file)
	c, err := token.New(token.Config{Keys: s, Now: func() time.Time { return now }})
	require.NoError(t, err)
	return c
}

// TestRevokeLeavesNoGoroutines checks that the Redis commands close the
// store's mirror and the client they open.
func TestRevokeLeavesNoGoroutines(t *testing.T) {
	addr, prefix, _ := testRedis(t)
	before := runtime.NumGoroutine()
	sid, err := token.NewSessionID()
	require.NoError(t, err)
	now := time.Now()
	mustRun(t, now, "revoke", "session", sid.Base64(), "--redis", addr, "--prefix", prefix, "--until", "+1h")
	mustRun(t, now, "revoke", "subject", "u", "--redis", addr, "--prefix", prefix)
	mustRun(t, now, "revocation", "stats", "--redis", addr, "--prefix", prefix)
	// Polled by hand: assert.Eventually runs its own goroutines.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines left running by the commands")
}

// TestRevokeOnCluster runs the commands against a real three-master Redis
// Cluster: a single node address with --redis-cluster, and the node list.
func TestRevokeOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	cl := redistest.StartCluster(t)
	addrs := cl.Addrs()
	now := time.Now()
	sid, err := token.NewSessionID()
	require.NoError(t, err)

	mustRun(t, now, "revoke", "session", sid.Base64(), "--redis", addrs[0], "--redis-cluster", "--until", "+1h")
	mustRun(t, now, "revoke", "subject", "user-1", "--redis", strings.Join(addrs, ","))

	r := mustRun(t, now, "revocation", "stats", "--redis", addrs[1], "--redis-cluster", "--json")
	var st stats
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st))
	assert.Equal(t, 1, st.Sessions)
	assert.Equal(t, 1, st.Subjects)
	require.NotNil(t, st.Stream, "the stream is found on whichever master holds the hash tag")
	assert.Equal(t, int64(2), st.Stream.Length)
	require.NotNil(t, st.Memory)
	assert.Greater(t, *st.Memory, int64(0))

	// Without --redis-cluster a single node answers MOVED for keys of
	// other slots: the command fails rather than writing half a revocation.
	tag := "{sessiontoken:rv:}"
	owner := cl.NodeFor(t, tag).Addr()
	for _, a := range addrs {
		if a == owner {
			continue
		}
		r = runAt(t, now, "", nil, "revoke", "subject", "user-2", "--redis", a, "--timeout", "3s")
		assert.NotEqual(t, exitOK, r.code, "a non-owner node in standalone mode must not report success")
		break
	}
}
