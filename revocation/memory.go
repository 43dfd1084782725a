package revocation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sessiontoken/sessiontoken/token"
)

// DefaultMaxTokenLifetime is the longest token lifetime assumed when a
// config leaves MaxTokenLifetime zero: the absolute session timeout of the
// default lifecycle. Too long only costs memory; too short would refuse
// revocations (see [ErrInvalid]).
const DefaultMaxTokenLifetime = 90 * 24 * time.Hour

// MemoryConfig configures [NewMemory]. The zero value is ready to use.
type MemoryConfig struct {
	// MaxTokenLifetime is the longest lifetime of any token checked against
	// the store, refresh tokens included. Subject cutoffs are kept this
	// long, and a session cannot be revoked until an instant further ahead.
	// If zero, DefaultMaxTokenLifetime.
	MaxTokenLifetime time.Duration

	// Now is the clock. If nil, time.Now.
	Now func() time.Time

	// PruneInterval is how often the background goroutine drops expired
	// entries. If zero, one minute. Expired entries never change an answer:
	// pruning only gives their memory back.
	PruneInterval time.Duration
}

// Memory is the in-process revocation list: the default for a service that
// runs as one process. Revocations are lost when the process exits (the
// tokens it issued then remain valid until they expire), so a fleet, or a
// service that must keep logouts across restarts, uses [Redis].
//
// A revoked session costs about 18–23 bytes (see the package docs); Check
// is a lock-shared lookup that does not allocate. Memory is safe for
// concurrent use. Close stops its pruning goroutine.
type Memory struct {
	cfg  MemoryConfig
	list *list

	refreshMu sync.Mutex
	refresh   map[token.SessionID]refreshState

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

type refreshState struct {
	gen     uint64
	atMs    int64 // last advance
	untilMs int64 // entry expiry
}

var (
	_ Store          = (*Memory)(nil)
	_ RefreshCounter = (*Memory)(nil)
)

// NewMemory returns a Memory and starts its pruning goroutine.
func NewMemory(cfg MemoryConfig) (*Memory, error) {
	if cfg.MaxTokenLifetime < 0 || cfg.PruneInterval < 0 {
		return nil, fmt.Errorf("%w: negative duration in MemoryConfig", ErrInvalid)
	}
	if cfg.MaxTokenLifetime == 0 {
		cfg.MaxTokenLifetime = DefaultMaxTokenLifetime
	}
	if cfg.MaxTokenLifetime < time.Second {
		return nil, fmt.Errorf("%w: MaxTokenLifetime %v is shorter than a second", ErrInvalid, cfg.MaxTokenLifetime)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PruneInterval == 0 {
		cfg.PruneInterval = time.Minute
	}
	m := &Memory{
		cfg:     cfg,
		list:    newList(cfg.MaxTokenLifetime),
		refresh: make(map[token.SessionID]refreshState),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go m.pruneLoop()
	return m, nil
}

func (m *Memory) pruneLoop() {
	defer close(m.done)
	t := time.NewTicker(m.cfg.PruneInterval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.Prune()
		}
	}
}

// Prune drops expired entries now. The background goroutine calls it every
// PruneInterval; tests with a fake clock call it directly.
func (m *Memory) Prune() {
	nowMs := m.cfg.Now().UnixMilli()
	m.list.prune(nowMs)
	m.refreshMu.Lock()
	for sid, st := range m.refresh {
		if st.untilMs <= nowMs {
			delete(m.refresh, sid)
		}
	}
	m.refreshMu.Unlock()
}

// Close stops the pruning goroutine and waits for it. The store keeps
// answering afterwards; it only stops giving memory back. Close is
// idempotent.
// MaxTokenLifetime returns the longest token lifetime the store was
// configured for: how long it keeps subject cutoffs, and the furthest
// ahead a session can be revoked. A session manager checks it against its
// refresh-token lifetime.
func (m *Memory) MaxTokenLifetime() time.Duration { return m.cfg.MaxTokenLifetime }

func (m *Memory) Close() error {
	m.closeOnce.Do(func() { close(m.stop) })
	<-m.done
	return nil
}

// RevokeSession implements [Store]. An until already past is a no-op; an
// until further ahead than MaxTokenLifetime (plus a minute of skew) is
// refused with [ErrInvalid].
func (m *Memory) RevokeSession(ctx context.Context, sid token.SessionID, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("revocation: revoke session: %w", err)
	}
	if sid.IsZero() {
		return fmt.Errorf("%w: zero session ID", ErrInvalid)
	}
	nowMs, untilMs := m.cfg.Now().UnixMilli(), until.UnixMilli()
	if err := m.list.checkUntil(untilMs, nowMs); err != nil {
		return err
	}
	m.list.addSession(sid, untilMs, nowMs)
	return nil
}

// RevokeSubject implements [Store]. The cutoff is truncated to the
// millisecond, like iat, and kept for MaxTokenLifetime after it; a cutoff
// more than a minute in the future is refused with [ErrInvalid].
func (m *Memory) RevokeSubject(ctx context.Context, sub string, issuedBefore time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("revocation: revoke subject: %w", err)
	}
	if sub == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalid)
	}
	nowMs, cutMs := m.cfg.Now().UnixMilli(), issuedBefore.UnixMilli()
	if err := m.list.checkCutoff(cutMs, nowMs); err != nil {
		return err
	}
	m.list.addSubject(sub, cutMs, nowMs)
	return nil
}

// Check implements [Store]: nil or an error matching [ErrRevoked]. It
// checks the session ID (when not zero) and the subject's cutoff against
// IssuedAt; it does not check expiry, signature or anything else the
// verifier already did. It never returns [ErrUnavailable] and does not
// allocate.
func (m *Memory) Check(_ context.Context, c *token.Claims) error {
	return m.list.check(c, m.cfg.Now().UnixMilli())
}

// AdvanceRefresh implements [RefreshCounter].
func (m *Memory) AdvanceRefresh(ctx context.Context, sid token.SessionID, presented uint64, now time.Time, grace time.Duration, until time.Time) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	nowMs := now.UnixMilli()
	m.refreshMu.Lock()
	defer m.refreshMu.Unlock()
	st, ok := m.refresh[sid]
	if ok && st.untilMs <= nowMs {
		ok = false // expired, not yet pruned
	}
	var cur uint64
	if ok {
		cur = st.gen
	}
	next, err := advance(cur, st.atMs, presented, nowMs, grace.Milliseconds())
	if err != nil {
		return 0, err
	}
	if next != cur {
		m.refresh[sid] = refreshState{gen: next, atMs: nowMs, untilMs: until.UnixMilli()}
	}
	return next, nil
}

// errReused is pre-built: reuse is an attack signal, not a hot path, but
// there is nothing to add to it.
var errReused = errors.New("revocation: refresh token generation is older than the session's")

// advance is the RefreshCounter decision shared by the stores (the Redis
// script mirrors it line by line).
func advance(cur uint64, atMs int64, presented uint64, nowMs, graceMs int64) (uint64, error) {
	switch {
	case presented == cur:
		return cur + 1, nil
	case presented > cur:
		return presented + 1, nil
	case cur > 0 && presented == cur-1 && nowMs-atMs <= graceMs:
		return cur, nil
	default:
		return 0, fmt.Errorf("%w: %v", ErrRefreshReused, errReused)
	}
}

// Len returns the number of revoked sessions and subject cutoffs held,
// including expired entries not yet pruned.
func (m *Memory) Len() (sessions, subjects int) { return m.list.len() }
