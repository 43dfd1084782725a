package redissource

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiontoken/sessiontoken/keys"
)

// Source keeps a [keys.Ring] loaded with the key set stored in Redis, and
// (unless [Config.ReadOnly]) takes part in rotating it. See the package
// documentation for the layout, the schedule and the failure modes.
//
// A Source is safe for concurrent use. Close stops its goroutine.
type Source struct {
	cfg     Config
	seal    *sealer
	policy  policy
	docKey  string
	lockKey string
	ring    keys.Ring

	mu     sync.Mutex // serialises Refresh and Rotate; guards gen and behind
	gen    int64      // generation of the set in force; 0 before the first load
	behind bool       // Redis holds no set, or an older one, than the one in force
	lastOK time.Time  // when Redis last answered a refresh

	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

var _ keys.Source = (*Source)(nil)

// publishScript stores a new generation of the key set, only if the caller
// still holds the rotation lock (a rotator whose lock expired during a
// pause cannot publish over its successor) and the stored generation is
// the one it read (KEYS[1] the set, KEYS[2] the lock; ARGV: lock token,
// expected generation, document, MAC, new generation).
var publishScript = redis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
local g = redis.call('HGET', KEYS[1], 'gen')
if not g then g = '0' end
if g ~= ARGV[2] then return -2 end
redis.call('HSET', KEYS[1], 'doc', ARGV[3], 'mac', ARGV[4], 'gen', ARGV[5])
return 1
`)

// releaseScript deletes the lock only if it still holds the caller's
// token: a lock that expired and was taken by another instance is left
// alone.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// New checks cfg, loads the stored key set and starts the goroutine that
// follows it. When Redis holds no set yet, an instance that is not
// ReadOnly creates one (one instance at a time, under the rotation lock)
// with a first key that issues at once; the others wait for it, polling
// with a back-off up to PollInterval. New returns only once a set is in force, or fails
// when ctx ends first, when Redis fails, or when the stored set is refused
// (a wrong MasterKey is reported here, at startup). Give ctx a deadline.
func New(ctx context.Context, cfg Config) (*Source, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	seal, err := newSealer(cfg.MasterKey, cfg.Prefix)
	if err != nil {
		return nil, err
	}
	s := &Source{
		cfg:     cfg,
		seal:    seal,
		policy:  cfg.policy(),
		docKey:  cfg.Prefix + "{keyset}",
		lockKey: cfg.Prefix + "{keyset}:lock",
	}
	wait := 50 * time.Millisecond
	for {
		found, err := s.refresh(ctx)
		if err != nil {
			return nil, err
		}
		if found {
			break
		}
		if !cfg.ReadOnly {
			if _, err := s.Rotate(ctx); err != nil {
				return nil, err
			}
			if s.loaded() {
				break
			}
		}
		// Another instance is creating the set: poll quickly, backing
		// off to PollInterval.
		t := time.NewTimer(wait)
		wait = min(2*wait, cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: no key set in Redis yet: %v", ErrRedis, ctx.Err())
		case <-t.C:
		}
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go s.run(loopCtx)
	return s, nil
}

// Current returns the set in force, with one atomic load.
func (s *Source) Current() *keys.Set { return s.ring.Current() }

// Ring returns the ring the source stores into.
func (s *Source) Ring() *keys.Ring { return &s.ring }

// Close stops the background goroutine and waits for it. The set in force
// stays available through Current. It does not close the Redis client.
func (s *Source) Close() error {
	s.closeOnce.Do(s.cancel)
	<-s.done
	return nil
}

func (s *Source) loaded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen > 0
}

func (s *Source) run(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		opCtx, cancel := context.WithTimeout(ctx, opTimeout)
		if err := s.Refresh(opCtx); err != nil {
			s.report(err)
		}
		if !s.cfg.ReadOnly {
			if _, err := s.Rotate(opCtx); err != nil {
				s.report(err)
			}
		}
		cancel()
	}
}

func (s *Source) report(err error) {
	s.cfg.Logger.Error("redissource: key set maintenance failed; the set in force stays", slog.String("prefix", s.cfg.Prefix), slog.String("error", err.Error()))
	if s.cfg.OnError != nil {
		s.cfg.OnError(err)
	}
}

// Refresh loads the stored set now if its generation differs from the one
// in force: one HGET when nothing changed. A set that does not
// authenticate, is malformed or is older than the one in force is refused
// with [ErrDocument]; a Redis failure is [ErrRedis]. Either way the set in
// force stays.
func (s *Source) Refresh(ctx context.Context) error {
	_, err := s.refresh(ctx)
	return err
}

// refresh reports whether Redis holds a set.
func (s *Source) refresh(ctx context.Context) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.cfg.Client.HGet(ctx, s.docKey, "gen").Result()
	if err == nil || errors.Is(err, redis.Nil) {
		s.lastOK = s.cfg.Now()
	}
	if errors.Is(err, redis.Nil) {
		if s.gen > 0 && !s.behind {
			s.cfg.Logger.Warn("redissource: the stored key set is gone (Redis restarted empty?); keeping the set in force and restoring it at the next rotation check",
				slog.String("prefix", s.cfg.Prefix))
		}
		s.behind = s.gen > 0
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("%w: HGET: %v", ErrRedis, err)
	}
	if gen, err := strconv.ParseInt(g, 10, 64); err == nil && gen == s.gen {
		return true, nil
	}
	set, gen, found, err := s.read(ctx)
	if err != nil || !found {
		return found, err
	}
	s.behind = gen < s.gen
	if gen <= s.gen {
		if gen < s.gen {
			return true, fmt.Errorf("%w: generation %d is older than %d in force (restored from an old backup, or replayed)", ErrDocument, gen, s.gen)
		}
		return true, nil
	}
	s.install(set, gen, "reloaded")
	return true, nil
}

// read fetches and opens the stored set.
func (s *Source) read(ctx context.Context) (*keys.Set, int64, bool, error) {
	vals, err := s.cfg.Client.HMGet(ctx, s.docKey, "doc", "mac").Result()
	if err != nil {
		return nil, 0, false, fmt.Errorf("%w: HMGET: %v", ErrRedis, err)
	}
	doc, okDoc := vals[0].(string)
	mac, okMAC := vals[1].(string)
	if !okDoc && !okMAC && vals[0] == nil && vals[1] == nil {
		return nil, 0, false, nil
	}
	if !okDoc || !okMAC {
		return nil, 0, true, fmt.Errorf("%w: doc or mac field missing", ErrDocument)
	}
	set, gen, err := s.seal.open([]byte(doc), mac)
	if err != nil {
		return nil, 0, true, err
	}
	return set, gen, true, nil
}

// install makes set the set in force. Called with s.mu held.
func (s *Source) install(set *keys.Set, gen int64, what string) {
	if err := s.ring.Store(set); err != nil {
		// An empty set: keep the one in force (Ring refuses it).
		s.cfg.Logger.Error("redissource: refusing an empty key set", slog.Int64("gen", gen))
		return
	}
	s.gen = gen
	now := s.cfg.Now()
	attrs := []any{slog.String("prefix", s.cfg.Prefix), slog.Int64("gen", gen), slog.Int("keys", set.Len())}
	if p, err := set.PrimaryFor(now, s.cfg.Algorithm); err == nil {
		attrs = append(attrs, slog.String("primary", p.ID()))
		s.cfg.Logger.Info("redissource: key set "+what, attrs...)
	} else {
		s.cfg.Logger.Warn("redissource: key set "+what+" has no primary key now", attrs...)
	}
	if s.cfg.OnReload != nil {
		s.cfg.OnReload(set)
	}
}

// errDryRun stops plan before it generates a key, for a check that only
// asks whether a change is due.
var errDryRun = errors.New("dry run")

// Rotate runs one maintenance step now, as the background loop does every
// PollInterval: when the schedule calls for a change (a first key, a new
// pending key, new VerifyUntil instants for the keys it supersedes, expired
// keys to drop) or Redis lost the stored set, it takes the rotation lock,
// re-reads the set, applies the change and publishes it. It reports
// whether it published. It does nothing, and reports false, when nothing
// is due, when another instance holds the lock, or in a ReadOnly source.
func (s *Source) Rotate(ctx context.Context) (bool, error) {
	if s.cfg.ReadOnly {
		return false, nil
	}
	now := s.cfg.Now()
	s.mu.Lock()
	own, ownGen, behind := s.ring.Current(), s.gen, s.behind
	s.mu.Unlock()
	if ownGen > 0 && !behind {
		dry := func(keys.Algorithm) (*keys.Key, error) { return nil, errDryRun }
		if _, changed, err := plan(own.Keys(), now, s.policy, dry); err == nil && !changed {
			return false, nil // nothing due: no lock, no round trip
		}
	}

	token, err := lockToken()
	if err != nil {
		return false, err
	}
	ok, err := s.cfg.Client.SetNX(ctx, s.lockKey, token, lockTTL).Result()
	if err != nil {
		return false, fmt.Errorf("%w: SET NX: %v", ErrRedis, err)
	}
	if !ok {
		return false, nil // another instance is rotating
	}
	defer s.release(token)

	s.mu.Lock()
	defer s.mu.Unlock()
	stored, storedGen, found, err := s.read(ctx)
	if err != nil {
		return false, err
	}
	var base []*keys.Key
	restore := false
	switch {
	case found && storedGen >= s.gen:
		base = stored.Keys()
	case s.gen > 0:
		// Redis lost the set, or holds an older one: publish ours again
		// rather than start over, which would void every token.
		base, restore = s.ring.Current().Keys(), true
	}
	next, changed, err := plan(base, now, s.policy, keys.Generate)
	if err != nil {
		return false, fmt.Errorf("redissource: generating a key: %w", err)
	}
	if !changed && !restore {
		if found && storedGen > s.gen {
			s.install(stored, storedGen, "reloaded")
		}
		return false, nil
	}
	if err := s.publish(ctx, token, next, storedGen, found); err != nil {
		return false, err
	}
	what := "rotated"
	switch {
	case restore:
		what = "restored to Redis"
	case len(base) == 0:
		what = "created"
	}
	s.cfg.Logger.Info("redissource: key set "+what, slog.String("prefix", s.cfg.Prefix), slog.Int64("gen", s.gen))
	return true, nil
}

// release deletes the lock if it still holds token. It uses a fresh
// context: the caller's may have ended, and a lock left behind delays the
// next rotation by lockTTL.
func (s *Source) release(token string) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := releaseScript.Run(ctx, s.cfg.Client, []string{s.lockKey}, token).Err(); err != nil {
		s.cfg.Logger.Warn("redissource: releasing the rotation lock failed; it expires by itself", slog.String("error", err.Error()))
	}
}

// publish seals next as the generation after both the stored one and the
// one in force, stores it if this instance still holds the lock and the
// stored generation is still storedGen (0 when found is false), and makes
// it the set in force. Called with s.mu held.
func (s *Source) publish(ctx context.Context, token string, next []*keys.Key, storedGen int64, found bool) error {
	set, err := keys.NewSet(next...)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrDocument, err)
	}
	gen := max(storedGen, s.gen) + 1
	doc, mac, err := s.seal.seal(next, gen)
	if err != nil {
		return err
	}
	expect := "0"
	if found {
		expect = strconv.FormatInt(storedGen, 10)
	}
	res, err := publishScript.Run(ctx, s.cfg.Client, []string{s.docKey, s.lockKey}, token, expect, doc, mac, gen).Int64()
	if err != nil {
		return fmt.Errorf("%w: publishing: %v", ErrRedis, err)
	}
	switch res {
	case -1:
		return fmt.Errorf("%w: the rotation lock expired before publishing; nothing was written", ErrRedis)
	case -2:
		return fmt.Errorf("%w: the stored set changed meanwhile; nothing was written", ErrRedis)
	}
	s.behind = false
	s.install(set, gen, "published")
	return nil
}

func lockToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("redissource: reading randomness: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Check reports what needs an operator's attention, for a health endpoint:
// the findings of [keys.Set.Check] on the set in force (a primary key older
// than RotationPeriod + PropagationDelay means rotation is late, for
// example because every instance is ReadOnly), an [ErrRedis] when Redis
// has not answered for three poll intervals (the set in force is getting
// stale), and an [ErrDocument] when Redis holds no set or an older one
// than this instance (it is restored at the next rotation check). Nil
// means healthy.
func (s *Source) Check() error {
	now := s.cfg.Now()
	errs := []error{s.Current().Check(now, keys.HealthConfig{RotationPeriod: s.cfg.RotationPeriod + s.cfg.PropagationDelay})}
	s.mu.Lock()
	behind, lastOK := s.behind, s.lastOK
	s.mu.Unlock()
	if since := now.Sub(lastOK); since > 3*s.cfg.PollInterval {
		errs = append(errs, fmt.Errorf("%w: no answer from Redis for %v; the set in force may be stale", ErrRedis, since.Round(time.Second)))
	}
	if behind {
		errs = append(errs, fmt.Errorf("%w: Redis holds no key set, or an older one than this instance", ErrDocument))
	}
	return errors.Join(errs...)
}

// ErrNotFound reports a key ID that the stored set does not hold.
var ErrNotFound = errors.New("redissource: no such key in the stored set")

// Retire removes the key with the given ID from the stored set at once, for
// a key that is compromised: every token it issued stops verifying on each
// instance as soon as that instance loads the set (within PollInterval),
// so its users must log in again. If it was the primary key and no other
// key can issue now, a new key is published that issues at once; instances
// that have not loaded it yet reject its tokens until they do, so expect a
// PollInterval of errors. Retire takes the rotation lock, waiting for it up
// to ctx's deadline. It fails with [ErrNotFound] for an unknown ID, and
// with [ErrConfig] on a ReadOnly source.
func (s *Source) Retire(ctx context.Context, kid string) error {
	if s.cfg.ReadOnly {
		return fmt.Errorf("%w: a ReadOnly source cannot retire a key", ErrConfig)
	}
	token, err := lockToken()
	if err != nil {
		return err
	}
	for {
		ok, err := s.cfg.Client.SetNX(ctx, s.lockKey, token, lockTTL).Result()
		if err != nil {
			return fmt.Errorf("%w: SET NX: %v", ErrRedis, err)
		}
		if ok {
			break
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: waiting for the rotation lock: %v", ErrRedis, ctx.Err())
		case <-t.C:
		}
	}
	defer s.release(token)

	s.mu.Lock()
	defer s.mu.Unlock()
	stored, storedGen, found, err := s.read(ctx)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: %s (Redis holds no set)", ErrNotFound, kid)
	}
	now := s.cfg.Now()
	var next []*keys.Key
	for _, k := range stored.Keys() {
		if k.ID() != kid {
			next = append(next, k)
		}
	}
	if len(next) == stored.Len() {
		return fmt.Errorf("%w: %s", ErrNotFound, kid)
	}
	needPrimary := true
	if set, err := keys.NewSet(next...); err == nil {
		_, err := set.PrimaryFor(now, s.cfg.Algorithm)
		needPrimary = err != nil
	}
	if needPrimary {
		k, err := keys.Generate(s.cfg.Algorithm)
		if err != nil {
			return fmt.Errorf("redissource: generating a key: %w", err)
		}
		next = append(next, k.WithValidity(now, time.Time{}))
	}
	if err := s.publish(ctx, token, next, storedGen, true); err != nil {
		return err
	}
	s.cfg.Logger.Warn("redissource: key retired at once; its tokens no longer verify", slog.String("kid", kid))
	return nil
}
