package keys

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the zero fields of [KeyUsageConfig].
const (
	DefaultNearEnd   = 24 * time.Hour
	DefaultWarnEvery = 10 * time.Minute
)

// KeyUsageConfig configures a [KeyUsage]. The zero value warns about keys
// within [DefaultNearEnd] of their end, at most once per key every
// [DefaultWarnEvery], to slog.Default().
type KeyUsageConfig struct {
	// NearEnd is how close to its VerifyUntil a key must be for a token it
	// verifies to raise a warning. If zero, DefaultNearEnd.
	NearEnd time.Duration

	// WarnEvery bounds the warnings to one per key per period, so a busy
	// server does not log every request. If zero, DefaultWarnEvery.
	WarnEvery time.Duration

	// Logger receives the warnings. If nil, slog.Default().
	Logger *slog.Logger

	// OnNearEnd, if set, is called with each warning's key, the instant of
	// the verification and the number of tokens the key has verified. It
	// is called on the verifying goroutine and must not block.
	OnNearEnd func(k *Key, now time.Time, count uint64)
}

// KeyUsage counts the tokens each key verified, and warns when tokens
// still arrive under a key close to its VerifyUntil: the sessions they
// carry will fail when the key expires, which is the moment to check that
// clients refresh and that the key's window matches the longest token
// lifetime.
//
// A token codec calls [KeyUsage.Verified] after each successful
// verification; an operator reads [KeyUsage.Counts] (from a metrics
// exporter, a debug endpoint) to see when an old key has stopped being
// used, which is when it can be retired early. Counting is lock-free and
// does not allocate once a key has been seen.
//
// A KeyUsage is safe for concurrent use. The zero value is ready to use
// with the defaults of [KeyUsageConfig].
type KeyUsage struct {
	cfg KeyUsageConfig

	mu       sync.Mutex // serialises adding a key
	counters atomic.Pointer[map[string]*usageCounter]
}

type usageCounter struct {
	n        atomic.Uint64
	lastWarn atomic.Int64 // UnixNano of the last warning, 0 if none
}

// NewKeyUsage returns a KeyUsage with the given configuration. Negative
// durations are treated as zero.
func NewKeyUsage(cfg KeyUsageConfig) *KeyUsage {
	return &KeyUsage{cfg: cfg}
}

// Verified records that k verified a token at now. It warns (see
// [KeyUsage]) when now is within NearEnd of k's VerifyUntil.
func (u *KeyUsage) Verified(k *Key, now time.Time) {
	c := u.counter(k.ID())
	n := c.n.Add(1)
	if k.verifyUntil.IsZero() || now.Before(k.verifyUntil.Add(-u.nearEnd())) {
		return
	}
	last := c.lastWarn.Load()
	if last != 0 && now.UnixNano()-last < int64(u.warnEvery()) {
		return
	}
	if !c.lastWarn.CompareAndSwap(last, now.UnixNano()) {
		return // another goroutine warns for this key now
	}
	log := u.cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Warn("keys: tokens still arrive under a key near the end of its window; their sessions fail when it expires",
		slog.String("kid", k.ID()), slog.Time("verify_until", k.verifyUntil), slog.Duration("left", k.verifyUntil.Sub(now)), slog.Uint64("verified", n))
	if u.cfg.OnNearEnd != nil {
		u.cfg.OnNearEnd(k, now, n)
	}
}

func (u *KeyUsage) nearEnd() time.Duration {
	if u.cfg.NearEnd > 0 {
		return u.cfg.NearEnd
	}
	return DefaultNearEnd
}

func (u *KeyUsage) warnEvery() time.Duration {
	if u.cfg.WarnEvery > 0 {
		return u.cfg.WarnEvery
	}
	return DefaultWarnEvery
}

// counter returns the counter of id, adding it (copy on write) the first
// time: readers never lock.
func (u *KeyUsage) counter(id string) *usageCounter {
	if m := u.counters.Load(); m != nil {
		if c, ok := (*m)[id]; ok {
			return c
		}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	old := u.counters.Load()
	if old != nil {
		if c, ok := (*old)[id]; ok {
			return c
		}
	}
	next := make(map[string]*usageCounter, 1+lenOf(old))
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	c := new(usageCounter)
	next[id] = c
	u.counters.Store(&next)
	return c
}

func lenOf(m *map[string]*usageCounter) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

// Count returns the number of tokens the key with the given ID verified.
func (u *KeyUsage) Count(id string) uint64 {
	if m := u.counters.Load(); m != nil {
		if c, ok := (*m)[id]; ok {
			return c.n.Load()
		}
	}
	return 0
}

// Counts returns the number of tokens each key verified, by key ID. The
// map is a copy. Keys that verified nothing are absent.
func (u *KeyUsage) Counts() map[string]uint64 {
	out := map[string]uint64{}
	if m := u.counters.Load(); m != nil {
		for id, c := range *m {
			out[id] = c.n.Load()
		}
	}
	return out
}
