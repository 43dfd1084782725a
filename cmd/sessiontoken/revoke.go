package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// redisFlags are the flags of every command that talks to Redis.
type redisFlags struct {
	addr     string
	cluster  bool
	master   string
	prefix   string
	lifetime durationFlag
	timeout  durationFlag
}

func (r *redisFlags) register(fs *flagSet) {
	fs.StringVar(&r.addr, "redis", "", "Redis `ADDR` (host:port, comma-separated nodes, or a redis:// or rediss:// URL); default $REDIS_ADDR")
	fs.BoolVar(&r.cluster, "redis-cluster", false, "the address is a Redis Cluster node (a single address is otherwise taken as a standalone server)")
	fs.StringVar(&r.master, "redis-master", "", "Sentinel master `NAME`: the addresses are Sentinels")
	fs.StringVar(&r.prefix, "prefix", "", "key `PREFIX` of the revocation list, as in the services' RedisConfig.KeyPrefix (default \"sessiontoken:rv:\")")
	r.lifetime = durationFlag{d: revocation.DefaultMaxTokenLifetime}
	fs.Var(&r.lifetime, "max-token-lifetime", "the services' RedisConfig.MaxTokenLifetime, a `DURATION` (must match the list in Redis)")
	r.timeout = durationFlag{d: 10 * time.Second}
	fs.Var(&r.timeout, "timeout", "give up on Redis after this `DURATION`")
}

// open connects to Redis and opens the revocation list. Credentials come
// from the URL or from REDIS_USERNAME and REDIS_PASSWORD, never from a
// flag, which other users could read in the process list. The caller
// closes both returned values.
func (c *cli) openRevocation(ctx context.Context, path string, rf *redisFlags) (redis.UniversalClient, *revocation.Redis, error) {
	addr := rf.addr
	if addr == "" {
		addr = c.getenv("REDIS_ADDR")
	}
	if addr == "" {
		return nil, nil, usagef(path, "no Redis address: give --redis or set REDIS_ADDR")
	}
	var rdb redis.UniversalClient
	if strings.Contains(addr, "://") {
		if rf.cluster || rf.master != "" {
			return nil, nil, usagef(path, "--redis-cluster and --redis-master take host:port addresses, not a URL")
		}
		opt, err := redis.ParseURL(addr)
		if err != nil {
			// The URL may hold a password: do not echo it.
			return nil, nil, usagef(path, "invalid --redis URL")
		}
		rdb = redis.NewClient(opt)
	} else {
		rdb = redis.NewUniversalClient(&redis.UniversalOptions{
			Addrs:         strings.Split(addr, ","),
			IsClusterMode: rf.cluster,
			MasterName:    rf.master,
			Username:      c.getenv("REDIS_USERNAME"),
			Password:      c.getenv("REDIS_PASSWORD"),
		})
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, nil, fmt.Errorf("%w: cannot reach Redis at %s: %v", revocation.ErrUnavailable, redactAddr(addr), err)
	}
	store, err := revocation.NewRedis(rdb, revocation.RedisConfig{
		KeyPrefix:        rf.prefix,
		MaxTokenLifetime: rf.lifetime.d,
		Now:              c.now,
		// Close waits for the mirror's blocking stream read, which lasts
		// up to PollInterval: a short one lets the command exit promptly.
		PollInterval: 50 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		rdb.Close()
		if errors.Is(err, revocation.ErrInvalid) {
			return nil, nil, usagef(path, "%v (check --prefix and --max-token-lifetime)", err)
		}
		return nil, nil, err
	}
	return rdb, store, nil
}

// quietRedis silences go-redis's own logger, which prints every failed
// dial to stderr; the command reports the failure once, with context. The
// logger is process-wide state, so only main (and TestMain) set it.
func quietRedis() { redis.SetLogger(discardLogger{}) }

type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

// redactAddr drops the user information of a URL for messages.
func redactAddr(addr string) string {
	if i := strings.Index(addr, "://"); i >= 0 {
		if at := strings.LastIndexByte(addr, '@'); at > i {
			return addr[:i+3] + "…@" + addr[at+1:]
		}
	}
	return addr
}

// revoked is the output of the revoke commands.
type revoked struct {
	Kind    string `json:"kind"` // "session" or "subject"
	ID      string `json:"id"`   // the session ID or the subject
	Until   string `json:"until,omitempty"`
	Before  string `json:"issued_before,omitempty"`
	Storage string `json:"storage"` // the Redis key prefix
}

func (c *cli) revokeSession(args []string) error {
	fs := c.flags("revoke session", "SID",
		"Revoke every token of one session (the sid claim, 22 characters of\n"+
			"base64url; token inspect --keys shows it) until --until, by default\n"+
			"now + --max-token-lifetime so that every token of the session is covered.\n"+
			"The services see it within their mirror's delay (about a second).")
	var rf redisFlags
	rf.register(fs)
	var until instantFlag
	fs.Var(&until, "until", "keep the revocation until `WHEN` (the latest expiry of the session's tokens): +DURATION or RFC 3339")
	pos, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	sid, err := token.ParseSessionID(pos[0])
	if err != nil {
		return usagef(fs.path, "invalid session ID: want the 22-character base64url sid claim")
	}
	now := c.now()
	end := until.value(now, now.Add(rf.lifetime.d))
	if !end.After(now) {
		return usagef(fs.path, "--until is not in the future: tokens of the session have expired already")
	}
	ctx, cancel := context.WithTimeout(context.Background(), rf.timeout.d)
	defer cancel()
	rdb, store, err := c.openRevocation(ctx, fs.path, &rf)
	if err != nil {
		return err
	}
	defer rdb.Close()
	defer store.Close()
	if err := store.RevokeSession(ctx, sid, end); err != nil {
		if errors.Is(err, revocation.ErrInvalid) {
			return usagef(fs.path, "%v", err)
		}
		return err
	}
	out := revoked{Kind: "session", ID: sid.Base64(), Until: formatTime(end), Storage: prefixOf(rf)}
	if fs.json {
		return c.writeJSON(out)
	}
	fmt.Fprintf(c.stdout, "revoked session %s until %s (%s)\n", out.ID, out.Until, relative(end, now))
	return nil
}

func (c *cli) revokeSubject(args []string) error {
	fs := c.flags("revoke subject", "SUB",
		"Revoke every token of a subject (the sub claim) issued before --before, by\n"+
			"default now: log out everywhere, after a password or privilege change.\n"+
			"Tokens issued at or after the cutoff (a new login) are not affected. The\n"+
			"cutoff is kept for --max-token-lifetime; a later cutoff always wins.")
	var rf redisFlags
	rf.register(fs)
	var before instantFlag
	fs.Var(&before, "before", "revoke tokens issued before `WHEN`: now, -DURATION or RFC 3339")
	pos, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	sub := pos[0]
	if sub == "" {
		return usagef(fs.path, "empty subject")
	}
	now := c.now()
	cut := before.value(now, now)
	ctx, cancel := context.WithTimeout(context.Background(), rf.timeout.d)
	defer cancel()
	rdb, store, err := c.openRevocation(ctx, fs.path, &rf)
	if err != nil {
		return err
	}
	defer rdb.Close()
	defer store.Close()
	if err := store.RevokeSubject(ctx, sub, cut); err != nil {
		if errors.Is(err, revocation.ErrInvalid) {
			return usagef(fs.path, "%v", err)
		}
		return err
	}
	out := revoked{Kind: "subject", ID: sub, Before: formatTime(cut.Truncate(time.Millisecond)), Storage: prefixOf(rf)}
	if fs.json {
		return c.writeJSON(out)
	}
	fmt.Fprintf(c.stdout, "revoked tokens of subject %q issued before %s\n", sub, out.Before)
	return nil
}

func prefixOf(rf redisFlags) string {
	if rf.prefix == "" {
		return "sessiontoken:rv:"
	}
	return rf.prefix
}

// stats is the output of "revocation stats".
type stats struct {
	Prefix   string `json:"prefix"`
	Sessions int    `json:"sessions"` // revoked sessions held (expired ones may linger until pruned)
	Subjects int    `json:"subjects"` // subject cutoffs held
	LoadMs   int64  `json:"load_ms"`  // how long loading the whole list took: what a service start costs
	Keys     int    `json:"keys"`     // Redis keys under the prefix
	// Memory is the sum of MEMORY USAGE over those keys; nil when the
	// server does not support the command.
	Memory *int64       `json:"memory_bytes,omitempty"`
	Stream *streamStats `json:"stream,omitempty"`
}

type streamStats struct {
	Key          string `json:"key"`
	Length       int64  `json:"length"`
	MemoryBytes  int64  `json:"memory_bytes"`
	FirstEvent   string `json:"first_event,omitempty"`
	LastEvent    string `json:"last_event,omitempty"`
	LastEventAge string `json:"last_event_age,omitempty"`
}

func (c *cli) revocationStats(args []string) error {
	fs := c.flags("revocation stats", "",
		"Show the revocation list in Redis: revoked sessions and subject cutoffs (as a\n"+
			"service's mirror loads them, and how long that load took), the Redis keys\n"+
			"and memory under the prefix (MEMORY USAGE, sampled), and the event stream's\n"+
			"length and newest event. Read-only, apart from registering the list's epoch\n"+
			"marker if there is none. Scans the prefix with SCAN, which does not block Redis.")
	var rf redisFlags
	rf.register(fs)
	if _, err := c.parse(fs, args, 0, 0); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), rf.timeout.d)
	defer cancel()
	start := time.Now()
	rdb, store, err := c.openRevocation(ctx, fs.path, &rf)
	if err != nil {
		return err
	}
	defer rdb.Close()
	defer store.Close()
	// NewRedis loads the mirror before it returns when Redis answers; wait
	// for a late load only as long as the timeout allows.
	h := store.Health()
	for !h.Loaded && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
		h = store.Health()
	}
	if !h.Loaded {
		return fmt.Errorf("%w: the revocation list did not load within %v: %v", revocation.ErrUnavailable, rf.timeout.d, h.Err)
	}
	st := stats{Prefix: prefixOf(rf), Sessions: h.Sessions, Subjects: h.Subjects, LoadMs: time.Since(start).Milliseconds(), Memory: new(int64)}
	if err := scanPrefix(ctx, rdb, "{"+st.Prefix+"}", &st, c.now()); err != nil {
		return fmt.Errorf("%w: scanning %s: %v", revocation.ErrUnavailable, st.Prefix, err)
	}
	if fs.json {
		return c.writeJSON(st)
	}
	fmt.Fprintf(c.stdout, "prefix:           %s\n", st.Prefix)
	fmt.Fprintf(c.stdout, "revoked sessions: %d\n", st.Sessions)
	fmt.Fprintf(c.stdout, "subject cutoffs:  %d\n", st.Subjects)
	fmt.Fprintf(c.stdout, "load time:        %dms\n", st.LoadMs)
	fmt.Fprintf(c.stdout, "redis keys:       %d\n", st.Keys)
	if st.Memory != nil {
		fmt.Fprintf(c.stdout, "redis memory:     %s\n", bytesString(*st.Memory))
	} else {
		fmt.Fprintf(c.stdout, "redis memory:     unknown (MEMORY USAGE not supported)\n")
	}
	if s := st.Stream; s != nil {
		fmt.Fprintf(c.stdout, "event stream:     %d events, %s\n", s.Length, bytesString(s.MemoryBytes))
		if s.LastEvent != "" {
			fmt.Fprintf(c.stdout, "newest event:     %s (%s)\n", s.LastEvent, s.LastEventAge)
		}
	}
	return nil
}

// scanPrefix counts the keys under the hash-tagged prefix tag and their
// memory, and describes the event stream (the one key of type stream).
// Every key of the list carries the tag, so on a Cluster they all live on
// one master; each master is scanned all the same, which costs little.
func scanPrefix(ctx context.Context, rdb redis.UniversalClient, tag string, st *stats, now time.Time) error {
	var mu sync.Mutex
	scan := func(ctx context.Context, c redis.Cmdable) error {
		it := c.Scan(ctx, 0, globEscape(tag)+"*", 500).Iterator()
		for it.Next(ctx) {
			key := it.Val()
			typ, err := c.Type(ctx, key).Result()
			if err != nil {
				return err
			}
			if typ == "none" {
				continue // expired since SCAN returned it
			}
			mem, err := c.MemoryUsage(ctx, key).Result()
			memKnown := err == nil
			if err != nil && !errors.Is(err, redis.Nil) && !isUnknownCommand(err) {
				return err
			}
			var ss *streamStats
			if typ == "stream" {
				ss, err = describeStream(ctx, c, key, mem, now)
				if err != nil {
					return err
				}
			}
			mu.Lock()
			st.Keys++
			if !memKnown {
				st.Memory = nil
			} else if st.Memory != nil {
				*st.Memory += mem
			}
			if ss != nil {
				st.Stream = ss
			}
			mu.Unlock()
		}
		return it.Err()
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	}
	return scan(ctx, rdb)
}

func describeStream(ctx context.Context, c redis.Cmdable, key string, mem int64, now time.Time) (*streamStats, error) {
	info, err := c.XInfoStream(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	ss := &streamStats{Key: key, Length: info.Length, MemoryBytes: mem}
	if t, ok := streamIDTime(info.FirstEntry.ID); ok {
		ss.FirstEvent = formatTime(t)
	}
	if t, ok := streamIDTime(info.LastEntry.ID); ok {
		ss.LastEvent = formatTime(t)
		ss.LastEventAge = relative(t, now)
	}
	return ss, nil
}

// isUnknownCommand reports a server that lacks a command (miniredis has no
// MEMORY USAGE).
func isUnknownCommand(err error) bool {
	return strings.Contains(strings.ToLower(err.Error()), "unknown command")
}

// streamIDTime returns the instant of a stream entry ID "ms-seq".
func streamIDTime(id string) (time.Time, bool) {
	ms, _, ok := strings.Cut(id, "-")
	if !ok {
		return time.Time{}, false
	}
	var n int64
	if _, err := fmt.Sscan(ms, &n); err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(n), true
}

// globEscape escapes the characters SCAN MATCH treats as pattern syntax.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func bytesString(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB (%d bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%d bytes", n)
}
