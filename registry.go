package sessiontoken

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/sessiontoken/sessiontoken/token"
)

// SessionInfo describes one active session in a [Registry]. It holds no
// token: listing sessions never hands out credentials.
type SessionInfo struct {
	SessionID   token.SessionID
	Subject     string
	Device      string    // Subject.Device at login: a label the application chose
	Created     time.Time // login
	LastRefresh time.Time // latest refresh; Created until the first one
	ExpiresAt   time.Time // when the session ends if not refreshed again
}

// Registry records the active sessions of each subject, so a user can see
// where they are logged in and end a session on a lost device, and so the
// number of sessions per subject can be limited. The Manager writes it only
// at login, refresh, logout, logout-all and reissue, never per request:
// the per-request check stays the revocation list's.
//
// The registry is bookkeeping, not the authority: revocation is. A session
// missing from the registry is still valid until revoked or expired, and a
// session the registry lists is not valid because it does. Implementations
// must be safe for concurrent use and forget entries after their ExpiresAt.
type Registry interface {
	// Add records a new session. When limit > 0 and the subject already
	// has limit or more unexpired sessions, it either refuses with an
	// error matching ErrTooManySessions (evictOldest false) or removes the
	// oldest by Created until there is room, returning their IDs (evictOldest
	// true). The check and the insertion are atomic.
	Add(ctx context.Context, s SessionInfo, limit int, evictOldest bool) (evicted []token.SessionID, err error)
	// Touch records a refresh: LastRefresh and ExpiresAt. A session the
	// registry does not hold (it was removed, or the registry lost it) is
	// recreated from s.
	Touch(ctx context.Context, s SessionInfo) error
	// Remove forgets one session of sub; removing an unknown one is not an
	// error.
	Remove(ctx context.Context, sub string, sid token.SessionID) error
	// RemoveAll forgets every session of sub.
	RemoveAll(ctx context.Context, sub string) error
	// List returns sub's unexpired sessions, oldest first.
	List(ctx context.Context, sub string) ([]SessionInfo, error)
}

// MemoryRegistry is a [Registry] for a single process. Expired sessions are
// dropped whenever their subject is written or listed, so memory follows
// the number of active sessions. It is safe for concurrent use.
type MemoryRegistry struct {
	now func() time.Time
	mu  sync.Mutex
	by  map[string]map[token.SessionID]SessionInfo
}

var _ Registry = (*MemoryRegistry)(nil)

// NewMemoryRegistry returns an empty registry using the clock now (nil:
// time.Now) to drop expired sessions.
func NewMemoryRegistry(now func() time.Time) *MemoryRegistry {
	if now == nil {
		now = time.Now
	}
	return &MemoryRegistry{now: now, by: map[string]map[token.SessionID]SessionInfo{}}
}

// subjectLocked returns sub's live sessions after dropping expired ones;
// create makes the map when it is missing.
func (r *MemoryRegistry) subjectLocked(sub string, create bool) map[token.SessionID]SessionInfo {
	m := r.by[sub]
	now := r.now()
	for id, s := range m {
		if !now.Before(s.ExpiresAt) {
			delete(m, id)
		}
	}
	if len(m) == 0 {
		delete(r.by, sub)
		m = nil
	}
	if m == nil && create {
		m = map[token.SessionID]SessionInfo{}
		r.by[sub] = m
	}
	return m
}

// Add implements [Registry].
func (r *MemoryRegistry) Add(_ context.Context, s SessionInfo, limit int, evictOldest bool) ([]token.SessionID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.subjectLocked(s.Subject, true)
	var evicted []token.SessionID
	if limit > 0 && len(m) >= limit {
		if !evictOldest {
			return nil, fmt.Errorf("%w: %d of %d", ErrTooManySessions, len(m), limit)
		}
		for _, old := range sortedSessions(m)[:len(m)-limit+1] {
			delete(m, old.SessionID)
			evicted = append(evicted, old.SessionID)
		}
	}
	m[s.SessionID] = s
	return evicted, nil
}

// Touch implements [Registry].
func (r *MemoryRegistry) Touch(_ context.Context, s SessionInfo) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.subjectLocked(s.Subject, true)
	if old, ok := m[s.SessionID]; ok {
		old.LastRefresh, old.ExpiresAt = s.LastRefresh, s.ExpiresAt
		s = old
	}
	m[s.SessionID] = s
	return nil
}

// Remove implements [Registry].
func (r *MemoryRegistry) Remove(_ context.Context, sub string, sid token.SessionID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m := r.subjectLocked(sub, false); m != nil {
		delete(m, sid)
		if len(m) == 0 {
			delete(r.by, sub)
		}
	}
	return nil
}

// RemoveAll implements [Registry].
func (r *MemoryRegistry) RemoveAll(_ context.Context, sub string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.by, sub)
	return nil
}

// List implements [Registry].
func (r *MemoryRegistry) List(_ context.Context, sub string) ([]SessionInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return sortedSessions(r.subjectLocked(sub, false)), nil
}

// sortedSessions returns the sessions oldest first (ties by ID, so the
// order is stable).
func sortedSessions(m map[token.SessionID]SessionInfo) []SessionInfo {
	out := make([]SessionInfo, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b SessionInfo) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return slices.Compare(a.SessionID[:], b.SessionID[:])
	})
	return out
}
