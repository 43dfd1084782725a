package sessiontoken

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// clock is a settable test clock; it never moves by itself.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	// Today (Redis stream IDs and TTLs follow the server's clock, so the
	// fake one must start near it), mid-millisecond on purpose: truncation
	// bugs show up.
	return &clock{t: time.Now().UTC().Truncate(time.Second).Add(678_901_234)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixedLocalKey returns a v4.local key with fixed material (0x00…0x1f).
func fixedLocalKey(t testing.TB) *keys.Key {
	t.Helper()
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(i)
	}
	k, err := keys.NewV4Local(b)
	require.NoError(t, err)
	return k
}

func localSet(t testing.TB) *keys.Set {
	t.Helper()
	s, err := keys.NewSet(fixedLocalKey(t))
	require.NoError(t, err)
	return s
}

// store is what the Manager needs from a revocation store.
type store interface {
	revocation.Store
	revocation.RefreshCounter
}

// backend names a real revocation store for the table of end-to-end tests.
type backend struct {
	name string
	new  func(t *testing.T, now func() time.Time) store
}

// newManager returns a Manager on a fixed clock over st, with cfg's
// non-zero fields overriding the test defaults.
func newManager(t testing.TB, st store, clk *clock, edit func(*Config)) *Manager {
	t.Helper()
	cfg := Config{
		Keys: localSet(t), Revocations: st,
		Issuer: "https://api.example.test", Audience: []string{"app"},
		Now:    clk.Now,
		Logger: slog.New(slog.DiscardHandler),
	}
	if edit != nil {
		edit(&cfg)
	}
	m, err := New(cfg)
	require.NoError(t, err)
	return m
}

// faultStore wraps a store and fails every call with err while err is set.
type faultStore struct {
	store
	mu  sync.Mutex
	err error
}

func (f *faultStore) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *faultStore) failure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *faultStore) RevokeSession(ctx context.Context, sid token.SessionID, until time.Time) error {
	if err := f.failure(); err != nil {
		return err
	}
	return f.store.RevokeSession(ctx, sid, until)
}

func (f *faultStore) RevokeSubject(ctx context.Context, sub string, before time.Time) error {
	if err := f.failure(); err != nil {
		return err
	}
	return f.store.RevokeSubject(ctx, sub, before)
}

func (f *faultStore) Check(ctx context.Context, c *token.Claims) error {
	if err := f.failure(); err != nil {
		return err
	}
	return f.store.Check(ctx, c)
}

func (f *faultStore) AdvanceRefresh(ctx context.Context, sid token.SessionID, presented uint64, now time.Time, grace time.Duration, until time.Time) (uint64, error) {
	if err := f.failure(); err != nil {
		return 0, err
	}
	return f.store.AdvanceRefresh(ctx, sid, presented, now, grace, until)
}

// storeOnly hides the RefreshCounter of a store.
type storeOnly struct{ revocation.Store }
