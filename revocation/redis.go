package revocation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiontoken/sessiontoken/token"
)

// RedisConfig configures [NewRedis]. The zero value is the safe default:
// mirror checks, fail closed as soon as Redis is lost.
type RedisConfig struct {
	// KeyPrefix starts every key. If empty, "sessiontoken:rv:". The list's
	// keys are wrapped in a hash tag ("{sessiontoken:rv:}…") so that every
	// script touches one Cluster slot; it must not contain '{' or '}'.
	KeyPrefix string

	// MaxTokenLifetime is the longest lifetime of any token checked against
	// the store, refresh tokens included (see [MemoryConfig]). Every process
	// sharing a KeyPrefix must use the same value: it fixes the key layout,
	// and NewRedis refuses a value that differs from the one in Redis.
	// If zero, DefaultMaxTokenLifetime.
	MaxTokenLifetime time.Duration

	// Now is the clock for expiries and staleness. If nil, time.Now.
	Now func() time.Time

	// Strict makes Check ask Redis on every call (one round trip for the
	// session and the subject cutoff together) instead of the local mirror.
	// Check then fails closed with ErrUnavailable whenever Redis does not
	// answer. The mirror still runs: it restores Redis after a data loss.
	Strict bool

	// MaxStaleness is how long the mirror keeps answering after it lost
	// Redis, counted from its last successful read of the event stream.
	// Revocations made elsewhere during that time are not seen: this is the
	// window a revoked token may still be accepted. If zero, Check fails
	// closed with ErrUnavailable as soon as the loss is detected.
	MaxStaleness time.Duration

	// PollInterval is how long one blocking read of the event stream waits
	// and how often the epoch marker is checked. It bounds how late a loss
	// of Redis is noticed on an idle stream. If zero, one second.
	PollInterval time.Duration

	// StreamRetention is how long revocation events stay in the stream. A
	// mirror that was cut off longer than this reloads the whole list
	// instead of replaying. If zero, MaxTokenLifetime. Every event costs
	// ~40 bytes of Redis memory on top of the list, so a fleet that can
	// afford a full reload after a long outage may set an hour.
	StreamRetention time.Duration

	// Logger receives state changes (Redis lost, reloaded, restored). If
	// nil, slog.Default(). Session IDs and subjects are never logged.
	Logger *slog.Logger
}

// Redis is a revocation list in Redis, shared by every process of a fleet,
// with a local mirror in each process so that Check costs no round trip.
//
// Writes go to Redis first, in one atomic script per revocation that also
// appends an event to a Redis Stream; a write Redis did not acknowledge
// returns an error matching [ErrUnavailable] and is not recorded locally.
// Each process's mirror loads the whole list at start and then follows the
// stream; after a disconnect it resumes from the last event it saw, or
// reloads the list when the stream was trimmed past it.
//
// Faults: with the default config, Check fails closed with ErrUnavailable
// as soon as the mirror has lost Redis, or until it has loaded once;
// MaxStaleness trades that for a bounded window in which revocations made
// elsewhere are missed. A Redis that restarted empty or was flushed is
// detected by its epoch marker: every mirror writes back what it holds,
// and strict checks fail closed until that is done, so a revoked token is
// never accepted because Redis forgot it.
//
// Redis is safe for concurrent use. Close stops its background goroutine.
type Redis struct {
	rdb      redis.UniversalClient
	cfg      RedisConfig
	tag      string // "{prefix}"
	stream   string
	epochKey string
	windowMs int64
	target   int
	lifeMs   int64

	list       *list  // the mirror
	loadedID   string // stream position of the last full load; follower-owned after start
	loadedSeen int64  // the stream's entries-added counter at loadedID

	// Follower state, read by Check without locks.
	loaded   atomic.Bool
	healthy  atomic.Bool
	lastOKMs atomic.Int64 // cfg.Now of the start of the last good read
	epoch    atomic.Pointer[string]

	errMu   sync.Mutex
	lastErr error

	resync chan struct{} // nudges the follower to check the epoch now
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	cancel context.CancelFunc
}

var (
	_ Store          = (*Redis)(nil)
	_ RefreshCounter = (*Redis)(nil)
)

const (
	defaultKeyPrefix = "sessiontoken:rv:"
	// loadBatch is how many buckets a full load asks for per round trip.
	loadBatch = 256
	// restoreBatch is how many entries a write-back sends per round trip.
	restoreBatch = 500
)

// NewRedis returns a Redis store on rdb and starts its mirror. It reads the
// server's hash-max-listpack-* limits to size buckets, registers or checks
// the epoch marker, and waits up to five seconds for the mirror's first
// full load (~5 s per million entries on a small machine). When Redis is
// unreachable or the load takes longer, NewRedis still succeeds: the
// mirror carries on in the background, Check fails closed until it has
// loaded, and [Redis.Health] says why. It fails only on a bad config or a
// list in Redis made with another MaxTokenLifetime.
func NewRedis(rdb redis.UniversalClient, cfg RedisConfig) (*Redis, error) {
	if rdb == nil {
		return nil, fmt.Errorf("%w: nil Redis client", ErrInvalid)
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = defaultKeyPrefix
	}
	if strings.ContainsAny(cfg.KeyPrefix, "{}") {
		return nil, fmt.Errorf("%w: KeyPrefix must not contain '{' or '}'", ErrInvalid)
	}
	if cfg.MaxTokenLifetime < 0 || cfg.MaxStaleness < 0 || cfg.PollInterval < 0 || cfg.StreamRetention < 0 {
		return nil, fmt.Errorf("%w: negative duration in RedisConfig", ErrInvalid)
	}
	if cfg.MaxTokenLifetime == 0 {
		cfg.MaxTokenLifetime = DefaultMaxTokenLifetime
	}
	if cfg.MaxTokenLifetime < time.Minute {
		return nil, fmt.Errorf("%w: MaxTokenLifetime %v is shorter than a minute", ErrInvalid, cfg.MaxTokenLifetime)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.StreamRetention == 0 {
		cfg.StreamRetention = cfg.MaxTokenLifetime
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	tag := "{" + cfg.KeyPrefix + "}"
	r := &Redis{
		rdb:      rdb,
		cfg:      cfg,
		tag:      tag,
		stream:   tag + "x",
		epochKey: tag + "e",
		// Four windows per lifetime: a strict check reads ~6 windows, and
		// an entry outlives its instant by at most a quarter lifetime.
		windowMs: (cfg.MaxTokenLifetime.Milliseconds() + 3) / 4,
		target:   170,
		lifeMs:   cfg.MaxTokenLifetime.Milliseconds(),
		list:     newList(cfg.MaxTokenLifetime),
		resync:   make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	r.setErr(fmt.Errorf("%w: mirror not loaded yet", ErrUnavailable))
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	firstTry := make(chan error, 1)
	go r.follow(ctx, firstTry)
	// Wait for the first load, but not forever: a large list or a slow
	// Redis must not hold up the caller's start. The follower carries on.
	select {
	case err := <-firstTry:
		if errors.Is(err, ErrInvalid) {
			_ = r.Close()
			return nil, err
		}
	case <-time.After(startWait):
	}
	return r, nil
}

// startWait is how long NewRedis waits for the mirror's first load.
const startWait = 5 * time.Second

// start sizes buckets, registers the epoch and loads the mirror.
func (r *Redis) start(ctx context.Context) error {
	r.sizeBuckets(ctx)
	if _, err := r.syncEpoch(ctx); err != nil {
		return err
	}
	return r.fullLoad(ctx)
}

// sizeBuckets picks the bucket fill from hash-max-listpack-entries. The
// linear hashing keeps buckets between half and twice the target (the
// average is the target), so a third of the limit stays listpack-encoded
// with room for random variance: 170 IDs on average under the default 512.
func (r *Redis) sizeBuckets(ctx context.Context) {
	vals, err := r.rdb.ConfigGet(ctx, "hash-max-listpack-*").Result()
	if err != nil {
		r.cfg.Logger.Warn("revocation: cannot read hash-max-listpack-* (CONFIG disabled?); assuming Redis defaults", "err", err)
		return
	}
	if n, err := strconv.Atoi(vals["hash-max-listpack-entries"]); err == nil {
		r.target = min(max(n/3, 8), 170)
	}
	if v, err := strconv.Atoi(vals["hash-max-listpack-value"]); err == nil && v < 16 {
		r.cfg.Logger.Warn("revocation: hash-max-listpack-value is below 16 bytes: revoked sessions will be stored as hashtables (~5× the memory)", "value", v)
	}
}

// syncEpoch compares the epoch marker in Redis with the one this mirror
// knows. A missing or different marker means Redis lost its data (restart
// without persistence, flush, failover to an empty replica): the mirror
// first writes back everything it holds, then adopts the marker, creating
// a fresh one when none is there. The first call registers or adopts the
// marker. It reports whether a known epoch changed.
func (r *Redis) syncEpoch(ctx context.Context) (bool, error) {
	known := r.epoch.Load()
	cur, err := r.rdb.Get(ctx, r.epochKey).Result()
	missing := errors.Is(err, redis.Nil)
	if err != nil && !missing {
		return false, fmt.Errorf("%w: reading epoch: %v", ErrUnavailable, err)
	}
	if known != nil && (missing || cur != *known) {
		r.cfg.Logger.Warn("revocation: Redis lost the revocation list (epoch marker gone or replaced); writing back the mirror")
		if err := r.restore(ctx); err != nil {
			return false, err
		}
	}
	if missing {
		if err := r.rdb.SetNX(ctx, r.epochKey, newEpoch(r.lifeMs), 0).Err(); err != nil {
			return false, fmt.Errorf("%w: registering epoch: %v", ErrUnavailable, err)
		}
		if cur, err = r.rdb.Get(ctx, r.epochKey).Result(); err != nil {
			return false, fmt.Errorf("%w: reading epoch: %v", ErrUnavailable, err)
		}
	}
	if _, life, ok := strings.Cut(cur, ":"); !ok || life != strconv.FormatInt(r.lifeMs, 10) {
		return false, fmt.Errorf("%w: Redis list under %q was made with another MaxTokenLifetime (epoch %q)", ErrInvalid, r.cfg.KeyPrefix, cur)
	}
	r.epoch.Store(&cur)
	return known != nil && cur != *known, nil
}

// newEpoch returns a fresh marker: random, with the lifetime that fixes the
// layout.
func newEpoch(lifeMs int64) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + ":" + strconv.FormatInt(lifeMs, 10)
}

// windowOf is the expiry window holding an entry that expires at ms.
func (r *Redis) windowOf(ms int64) int64 { return -floorDiv(-ms, r.windowMs) }

// liveWindows is the range of windows that can hold live entries.
func (r *Redis) liveWindows(nowMs int64) (int64, int64) {
	return floorDiv(nowMs, r.windowMs) + 1, r.windowOf(nowMs+r.lifeMs+maxFutureSkew.Milliseconds()) + 1
}

func (r *Redis) minID(nowMs int64) string {
	return strconv.FormatInt(nowMs-r.cfg.StreamRetention.Milliseconds(), 10) + "-0"
}

// RevokeSession implements [Store]: one atomic script adds the raw ID to
// its bucket and appends the event to the stream. On success the local
// mirror has it too. An until beyond MaxTokenLifetime is refused with
// [ErrInvalid]; a failed write returns an error matching [ErrUnavailable].
func (r *Redis) RevokeSession(ctx context.Context, sid token.SessionID, until time.Time) error {
	if sid.IsZero() {
		return fmt.Errorf("%w: zero session ID", ErrInvalid)
	}
	nowMs, untilMs := r.cfg.Now().UnixMilli(), until.UnixMilli()
	if err := r.list.checkUntil(untilMs, nowMs); err != nil {
		return err
	}
	if untilMs <= nowMs {
		return nil // its tokens have expired
	}
	if err := r.writeSession(ctx, r.rdb, sid, untilMs, nowMs, true); err != nil {
		return err
	}
	r.list.addSession(sid, untilMs, nowMs)
	return nil
}

func (r *Redis) writeSession(ctx context.Context, c redis.Scripter, sid token.SessionID, untilMs, nowMs int64, emit bool) error {
	w := r.windowOf(untilMs)
	res, err := scriptRevokeSession.Run(ctx, c, []string{r.stream, r.epochKey},
		r.tag, w, w*r.windowMs, string(sid[:]), untilMs, r.target, r.minID(nowMs), emitFlag(emit)).Result()
	return r.afterWrite(res, err, "revoke session")
}

// afterWrite turns a script result into our error and nudges the follower
// when the epoch it returned is not ours (Redis lost its data).
func (r *Redis) afterWrite(res any, err error, what string) error {
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
	}
	if e, _ := res.(string); r.epoch.Load() == nil || e != *r.epoch.Load() {
		select {
		case r.resync <- struct{}{}:
		default:
		}
	}
	return nil
}

func emitFlag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// RevokeSubject implements [Store]. The cutoff is kept in Redis for
// MaxTokenLifetime; a later cutoff always wins. Errors as RevokeSession.
func (r *Redis) RevokeSubject(ctx context.Context, sub string, issuedBefore time.Time) error {
	if sub == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalid)
	}
	nowMs, cutMs := r.cfg.Now().UnixMilli(), issuedBefore.UnixMilli()
	if err := r.list.checkCutoff(cutMs, nowMs); err != nil {
		return err
	}
	if err := r.writeSubject(ctx, r.rdb, sub, cutMs, nowMs, true); err != nil {
		return err
	}
	r.list.addSubject(sub, cutMs, nowMs)
	return nil
}

func (r *Redis) writeSubject(ctx context.Context, c redis.Scripter, sub string, cutMs, nowMs int64, emit bool) error {
	w := r.windowOf(cutMs + r.lifeMs)
	res, err := scriptRevokeSubject.Run(ctx, c, []string{r.stream, r.epochKey},
		r.tag, w, w*r.windowMs, sub, cutMs, r.minID(nowMs), emitFlag(emit)).Result()
	return r.afterWrite(res, err, "revoke subject")
}

// Pre-built so the mirror path of Check does not allocate.
var (
	errNotLoaded = fmt.Errorf("%w: revocation mirror not loaded", ErrUnavailable)
	errStale     = fmt.Errorf("%w: revocation mirror lost Redis beyond MaxStaleness", ErrUnavailable)
	errRestoring = fmt.Errorf("%w: Redis lost its data; mirrors are restoring it", ErrUnavailable)
)

// Check implements [Store]. By default it answers from the local mirror
// (no round trip, no allocation) while the mirror is current, or within
// MaxStaleness of its last contact with Redis; otherwise ErrUnavailable.
// With Strict it runs one script in Redis that looks up the session and
// the subject's cutoff together; any failure is ErrUnavailable.
func (r *Redis) Check(ctx context.Context, c *token.Claims) error {
	if r.cfg.Strict {
		return r.strictCheck(ctx, c)
	}
	if !r.loaded.Load() {
		return errNotLoaded
	}
	nowMs := r.cfg.Now().UnixMilli()
	if !r.current(nowMs) {
		return errStale
	}
	return r.list.check(c, nowMs)
}

// current reports whether the mirror may answer: connected and heard from
// recently, or within MaxStaleness of the last contact.
func (r *Redis) current(nowMs int64) bool {
	age := time.Duration(nowMs-r.lastOKMs.Load()) * time.Millisecond
	if r.healthy.Load() && age <= r.cfg.PollInterval+5*time.Second+r.cfg.MaxStaleness {
		return true // the follower's read in flight may last PollInterval plus network timeouts
	}
	return r.cfg.MaxStaleness > 0 && age <= r.cfg.MaxStaleness
}

func (r *Redis) strictCheck(ctx context.Context, c *token.Claims) error {
	var id string
	if !c.SessionID.IsZero() {
		id = string(c.SessionID[:])
	}
	nowMs := r.cfg.Now().UnixMilli()
	w0, w1 := r.liveWindows(nowMs)
	code, err := scriptStrictCheck.Run(ctx, r.rdb, []string{r.epochKey},
		r.tag, r.epochString(), id, c.Subject, c.IssuedAt.UnixMilli(), w0, w1).Int()
	switch {
	case err != nil:
		return fmt.Errorf("%w: strict check: %v", ErrUnavailable, err)
	case code == 1:
		return errSessionRevoked
	case code == 2:
		return errSubjectRevoked
	case code == 3:
		select {
		case r.resync <- struct{}{}:
		default:
		}
		return errRestoring
	}
	return nil
}

// AdvanceRefresh implements [RefreshCounter] with one atomic script on a
// per-session key (not hash-tagged: counters spread over a Cluster).
func (r *Redis) AdvanceRefresh(ctx context.Context, sid token.SessionID, presented uint64, now time.Time, grace time.Duration, until time.Time) (uint64, error) {
	if presented >= 1<<52 {
		return 0, fmt.Errorf("%w: refresh generation %d out of range", ErrUnavailable, presented)
	}
	key := r.cfg.KeyPrefix + "r:" + string(sid[:])
	n, err := scriptAdvanceRefresh.Run(ctx, r.rdb, []string{key},
		presented, now.UnixMilli(), grace.Milliseconds(), until.UnixMilli()).Int64()
	if err != nil {
		return 0, fmt.Errorf("%w: advance refresh: %v", ErrUnavailable, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("%w: %v", ErrRefreshReused, errReused)
	}
	return uint64(n), nil
}

// Health is a snapshot of the mirror's state, from [Redis.Health].
type Health struct {
	// Loaded: the mirror has loaded the list at least once.
	Loaded bool
	// Connected: the mirror's last call to Redis succeeded.
	Connected bool
	// LastContact is when the mirror last read the stream successfully.
	LastContact time.Time
	// Sessions and Subjects count the entries the mirror holds.
	Sessions, Subjects int
	// Err is nil when Check can answer, else why not (matches
	// ErrUnavailable).
	Err error
}

// Health reports the mirror's state without contacting Redis.
func (r *Redis) Health() Health {
	h := Health{
		Loaded:      r.loaded.Load(),
		Connected:   r.healthy.Load(),
		LastContact: time.UnixMilli(r.lastOKMs.Load()),
	}
	h.Sessions, h.Subjects = r.list.len()
	switch {
	case !h.Loaded:
		h.Err = errors.Join(errNotLoaded, r.getErr())
	case !r.current(r.cfg.Now().UnixMilli()):
		h.Err = errors.Join(errStale, r.getErr())
	}
	return h
}

// Close stops the mirror's goroutine and waits for it. It does not close
// the Redis client, which belongs to the caller. Close is idempotent.
// MaxTokenLifetime returns the longest token lifetime the store was
// configured for (see [Memory.MaxTokenLifetime]).
func (r *Redis) MaxTokenLifetime() time.Duration { return r.cfg.MaxTokenLifetime }

func (r *Redis) Close() error {
	r.once.Do(func() {
		close(r.stop)
		r.cancel()
	})
	<-r.done
	return nil
}

// epochString is the known epoch, or "" before the first contact (which
// no marker equals, so a strict check fails closed until then).
func (r *Redis) epochString() string {
	if e := r.epoch.Load(); e != nil {
		return *e
	}
	return ""
}

func (r *Redis) setErr(err error) {
	r.errMu.Lock()
	r.lastErr = err
	r.errMu.Unlock()
}

func (r *Redis) getErr() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return r.lastErr
}

func (r *Redis) markErr(err error) {
	if r.healthy.Swap(false) {
		r.cfg.Logger.Warn("revocation: lost Redis", "err", err)
	}
	r.setErr(err)
}

func (r *Redis) markOK(startMs int64) {
	r.lastOKMs.Store(startMs)
	if !r.healthy.Swap(true) {
		r.cfg.Logger.Info("revocation: Redis mirror current")
	}
}
