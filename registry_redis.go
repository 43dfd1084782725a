package sessiontoken

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiontoken/sessiontoken/token"
)

// RedisRegistryConfig configures [NewRedisRegistry]. The zero value is
// ready to use.
type RedisRegistryConfig struct {
	// KeyPrefix starts every key. If empty, "sessiontoken:reg:". Each
	// subject has one hash, KeyPrefix + subject, so every operation touches
	// one key (and one Cluster slot).
	KeyPrefix string
	// Now is the clock that decides which sessions have expired. If nil,
	// time.Now. Keys also get a Redis expiry at their latest session's end.
	Now func() time.Time
}

// RedisRegistry is a [Registry] in Redis, shared by every instance of a
// service: one hash per subject, field = the raw 16-byte session ID, value
// = "created:lastRefresh:expires:device" (Unix milliseconds). Add is one
// atomic script (limit check, eviction and insertion together); expired
// sessions are dropped by Add and skipped by List, and each hash expires in
// Redis with its latest session. It is safe for concurrent use.
//
// Errors are Redis's, wrapped: the Manager reports them as [ErrUnavailable]
// at login and logs them elsewhere.
type RedisRegistry struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

var _ Registry = (*RedisRegistry)(nil)

// NewRedisRegistry returns a registry on rdb, which stays the caller's.
func NewRedisRegistry(rdb redis.UniversalClient, cfg RedisRegistryConfig) (*RedisRegistry, error) {
	if rdb == nil {
		return nil, errors.New("sessiontoken: NewRedisRegistry: nil Redis client")
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = "sessiontoken:reg:"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &RedisRegistry{rdb: rdb, prefix: cfg.KeyPrefix, now: cfg.Now}, nil
}

func (r *RedisRegistry) key(sub string) string { return r.prefix + sub }

// encodeSession is the hash value of s. A zero LastRefresh is Created.
func encodeSession(s SessionInfo) string {
	if s.LastRefresh.IsZero() {
		s.LastRefresh = s.Created
	}
	return strconv.FormatInt(s.Created.UnixMilli(), 10) + ":" +
		strconv.FormatInt(s.LastRefresh.UnixMilli(), 10) + ":" +
		strconv.FormatInt(s.ExpiresAt.UnixMilli(), 10) + ":" + s.Device
}

// decodeSession parses a hash value; ok is false for a value this code
// did not write.
func decodeSession(sub, field, value string) (SessionInfo, bool) {
	parts := strings.SplitN(value, ":", 4)
	if len(field) != len(token.SessionID{}) || len(parts) != 4 {
		return SessionInfo{}, false
	}
	var ms [3]int64
	for i := range ms {
		v, err := strconv.ParseInt(parts[i], 10, 64)
		if err != nil {
			return SessionInfo{}, false
		}
		ms[i] = v
	}
	s := SessionInfo{Subject: sub, Device: parts[3],
		Created: time.UnixMilli(ms[0]).UTC(), LastRefresh: time.UnixMilli(ms[1]).UTC(), ExpiresAt: time.UnixMilli(ms[2]).UTC()}
	copy(s.SessionID[:], field)
	return s, true
}

// scriptAdd: KEYS[1] the subject's hash; ARGV now, sid, value, expires,
// limit, evict ("1"). Returns {"ok", evicted sids…} or {"full"}.
var scriptAdd = redis.NewScript(`
local now = tonumber(ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local live = {}
local maxexp = tonumber(ARGV[4])
for i = 1, #all, 2 do
  local c, l, e = string.match(all[i+1], '^(-?%d+):(-?%d+):(-?%d+):')
  e = tonumber(e)
  if e == nil or e <= now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    table.insert(live, {all[i], tonumber(c)})
    if e > maxexp then maxexp = e end
  end
end
local out = {'ok'}
local limit = tonumber(ARGV[5])
if limit > 0 and #live >= limit then
  if ARGV[6] ~= '1' then return {'full'} end
  table.sort(live, function(a, b)
    if a[2] ~= b[2] then return a[2] < b[2] end
    return a[1] < b[1]
  end)
  for i = 1, #live - limit + 1 do
    redis.call('HDEL', KEYS[1], live[i][1])
    table.insert(out, live[i][1])
  end
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], maxexp)
return out
`)

// scriptTouch: KEYS[1] the subject's hash; ARGV sid, value (used when the
// session is missing), lastRefresh, expires. Keeps created and device of
// an existing entry and never shortens the hash's expiry.
var scriptTouch = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], ARGV[1])
local nv = ARGV[2]
if v then
  local c, l, e, dev = string.match(v, '^(-?%d+):(-?%d+):(-?%d+):(.*)$')
  if c then nv = c .. ':' .. ARGV[3] .. ':' .. ARGV[4] .. ':' .. dev end
end
redis.call('HSET', KEYS[1], ARGV[1], nv)
local exp = tonumber(ARGV[4])
local pttl = redis.call('PTTL', KEYS[1])
local t = redis.call('TIME')
local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if pttl < 0 or nowms + pttl < exp then redis.call('PEXPIREAT', KEYS[1], exp) end
return 1
`)

// Add implements [Registry] with one atomic script.
func (r *RedisRegistry) Add(ctx context.Context, s SessionInfo, limit int, evictOldest bool) ([]token.SessionID, error) {
	evict := "0"
	if evictOldest {
		evict = "1"
	}
	res, err := scriptAdd.Run(ctx, r.rdb, []string{r.key(s.Subject)},
		r.now().UnixMilli(), string(s.SessionID[:]), encodeSession(s), s.ExpiresAt.UnixMilli(), limit, evict).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("sessiontoken: registry add: %w", err)
	}
	if len(res) == 0 || res[0] == "full" {
		return nil, fmt.Errorf("%w: limit %d", ErrTooManySessions, limit)
	}
	var evicted []token.SessionID
	for _, f := range res[1:] {
		var id token.SessionID
		if len(f) == len(id) {
			copy(id[:], f)
			evicted = append(evicted, id)
		}
	}
	return evicted, nil
}

// Touch implements [Registry].
func (r *RedisRegistry) Touch(ctx context.Context, s SessionInfo) error {
	err := scriptTouch.Run(ctx, r.rdb, []string{r.key(s.Subject)},
		string(s.SessionID[:]), encodeSession(s), s.LastRefresh.UnixMilli(), s.ExpiresAt.UnixMilli()).Err()
	if err != nil {
		return fmt.Errorf("sessiontoken: registry touch: %w", err)
	}
	return nil
}

// Remove implements [Registry].
func (r *RedisRegistry) Remove(ctx context.Context, sub string, sid token.SessionID) error {
	if err := r.rdb.HDel(ctx, r.key(sub), string(sid[:])).Err(); err != nil {
		return fmt.Errorf("sessiontoken: registry remove: %w", err)
	}
	return nil
}

// RemoveAll implements [Registry].
func (r *RedisRegistry) RemoveAll(ctx context.Context, sub string) error {
	if err := r.rdb.Del(ctx, r.key(sub)).Err(); err != nil {
		return fmt.Errorf("sessiontoken: registry remove all: %w", err)
	}
	return nil
}

// List implements [Registry]. Expired sessions are skipped (Add deletes
// them).
func (r *RedisRegistry) List(ctx context.Context, sub string) ([]SessionInfo, error) {
	all, err := r.rdb.HGetAll(ctx, r.key(sub)).Result()
	if err != nil {
		return nil, fmt.Errorf("sessiontoken: registry list: %w", err)
	}
	now := r.now()
	live := make(map[token.SessionID]SessionInfo, len(all))
	for f, v := range all {
		if s, ok := decodeSession(sub, f, v); ok && now.Before(s.ExpiresAt) {
			live[s.SessionID] = s
		}
	}
	return sortedSessions(live), nil
}
