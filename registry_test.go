package sessiontoken

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/internal/redistest"
	"github.com/sessiontoken/sessiontoken/token"
)

func sid(b byte) token.SessionID { return token.SessionID{b} }

// registries lists the registries the tests run against.
func registries() []struct {
	name string
	new  func(t *testing.T, now func() time.Time) Registry
} {
	return []struct {
		name string
		new  func(t *testing.T, now func() time.Time) Registry
	}{
		{name: "memory", new: func(t *testing.T, now func() time.Time) Registry { return NewMemoryRegistry(now) }},
		{name: "redis", new: func(t *testing.T, now func() time.Time) Registry {
			rdb, prefix := redistest.Client(t)
			r, err := NewRedisRegistry(rdb, RedisRegistryConfig{KeyPrefix: prefix, Now: now})
			require.NoError(t, err)
			return r
		}},
	}
}

func TestRegistry(t *testing.T) {
	for _, rc := range registries() {
		t.Run(rc.name, func(t *testing.T) {
			clk := newClock()
			testRegistry(t, rc.new(t, clk.Now), clk)
		})
	}
}

func testRegistry(t *testing.T, r Registry, clk *clock) {
	ctx := context.Background()
	t0 := msTime(clk.Now())
	add := func(id byte, created time.Duration, limit int, evict bool) ([]token.SessionID, error) {
		return r.Add(ctx, SessionInfo{SessionID: sid(id), Subject: "alice", Created: t0.Add(created), ExpiresAt: t0.Add(time.Hour)}, limit, evict)
	}
	ids := func() []token.SessionID {
		list, err := r.List(ctx, "alice")
		require.NoError(t, err)
		var out []token.SessionID
		for _, s := range list {
			out = append(out, s.SessionID)
		}
		return out
	}

	_, err := add(2, 2*time.Second, 0, false)
	require.NoError(t, err)
	_, err = add(1, time.Second, 0, false)
	require.NoError(t, err)
	_, err = add(3, 3*time.Second, 0, false)
	require.NoError(t, err)
	assert.Equal(t, []token.SessionID{sid(1), sid(2), sid(3)}, ids(), "oldest first")

	_, err = add(4, 4*time.Second, 3, false)
	assert.ErrorIs(t, err, ErrTooManySessions)
	assert.Len(t, ids(), 3, "a refused Add changes nothing")

	evicted, err := add(4, 4*time.Second, 2, true)
	require.NoError(t, err)
	assert.Equal(t, []token.SessionID{sid(1), sid(2)}, evicted, "evicts the oldest until there is room")
	assert.Equal(t, []token.SessionID{sid(3), sid(4)}, ids())

	require.NoError(t, r.Touch(ctx, SessionInfo{SessionID: sid(3), Subject: "alice", LastRefresh: t0.Add(time.Minute), ExpiresAt: t0.Add(3 * time.Hour)}))
	list, err := r.List(ctx, "alice")
	require.NoError(t, err)
	assert.Equal(t, t0.Add(3*time.Second), list[0].Created, "Touch keeps Created")
	assert.Equal(t, t0.Add(time.Minute), list[0].LastRefresh)

	require.NoError(t, r.Touch(ctx, SessionInfo{SessionID: sid(9), Subject: "alice", Created: t0.Add(9 * time.Second), ExpiresAt: t0.Add(time.Hour)}))
	assert.Equal(t, []token.SessionID{sid(3), sid(4), sid(9)}, ids(), "Touch recreates a missing session")

	require.NoError(t, r.Remove(ctx, "alice", sid(4)))
	require.NoError(t, r.Remove(ctx, "alice", sid(42)), "removing an unknown session is fine")
	require.NoError(t, r.Remove(ctx, "nobody", sid(4)))
	assert.Equal(t, []token.SessionID{sid(3), sid(9)}, ids())

	clk.Advance(time.Hour)
	assert.Equal(t, []token.SessionID{sid(3)}, ids(), "expired sessions are dropped")
	clk.Advance(2 * time.Hour)
	assert.Empty(t, ids())
	if mr, ok := r.(*MemoryRegistry); ok {
		assert.Empty(t, mr.by, "nothing is kept for a subject without sessions")
	}

	_, err = add(5, 0, 1, false)
	require.NoError(t, err)
	require.NoError(t, r.RemoveAll(ctx, "alice"))
	assert.Empty(t, ids())
}

func newRegistryManager(t *testing.T, clk *clock, newReg func(*testing.T, func() time.Time) Registry, edit func(*Config)) (*Manager, Registry) {
	t.Helper()
	reg := newReg(t, clk.Now)
	m := newManager(t, backends()[0].new(t, clk.Now), clk, func(c *Config) {
		c.Sessions = reg
		if edit != nil {
			edit(c)
		}
	})
	return m, reg
}

func TestManagerSessions(t *testing.T) {
	for _, rc := range registries() {
		t.Run(rc.name, func(t *testing.T) { testManagerSessions(t, rc.new) })
	}
}

func testManagerSessions(t *testing.T, newReg func(*testing.T, func() time.Time) Registry) {
	ctx := context.Background()
	clk := newClock()
	m, _ := newRegistryManager(t, clk, newReg, nil)
	start := msTime(clk.Now())

	phoneSubject := alice
	phoneSubject.Device = "phone"
	phone, err := m.Login(ctx, phoneSubject)
	require.NoError(t, err)
	clk.Advance(time.Minute)
	laptopSubject := alice
	laptopSubject.Device = "laptop"
	laptop, err := m.Login(ctx, laptopSubject)
	require.NoError(t, err)
	clk.Advance(time.Second)
	tablet, err := m.Login(ctx, alice)
	require.NoError(t, err)

	clk.Advance(time.Minute)
	phone, err = m.Refresh(ctx, phone.RefreshToken)
	require.NoError(t, err)

	list, err := m.Sessions(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, list, 3)
	assert.Equal(t, phone.SessionID, list[0].SessionID)
	assert.Equal(t, "phone", list[0].Device)
	assert.Equal(t, start, list[0].Created)
	assert.Equal(t, start.Add(2*time.Minute+time.Second), list[0].LastRefresh)
	assert.Equal(t, phone.RefreshExpiresAt, list[0].ExpiresAt)
	assert.Equal(t, "laptop", list[1].Device)

	// End the laptop's session from the phone.
	require.NoError(t, m.EndSession(ctx, "alice", laptop.SessionID))
	_, err = m.Verify(ctx, laptop.AccessToken)
	assert.ErrorIs(t, err, ErrRevoked)
	_, err = m.Refresh(ctx, laptop.RefreshToken)
	assert.ErrorIs(t, err, ErrRevoked)
	assert.ErrorIs(t, m.EndSession(ctx, "alice", laptop.SessionID), ErrNoSuchSession, "already ended")

	bob, err := m.Login(ctx, Subject{ID: "bob"})
	require.NoError(t, err)
	assert.ErrorIs(t, m.EndSession(ctx, "alice", bob.SessionID), ErrNoSuchSession, "cannot end someone else's session")
	_, err = m.Verify(ctx, bob.AccessToken)
	assert.NoError(t, err)

	// Log out the other devices, keep this one.
	pc, err := m.Verify(ctx, phone.AccessToken)
	require.NoError(t, err)
	require.NoError(t, m.EndOtherSessions(ctx, pc))
	_, err = m.Verify(ctx, tablet.AccessToken)
	assert.ErrorIs(t, err, ErrRevoked)
	_, err = m.Verify(ctx, phone.AccessToken)
	assert.NoError(t, err)
	list, err = m.Sessions(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, list, 1)

	// Reissue replaces the entry; Logout removes it.
	np, err := m.Reissue(ctx, pc, Subject{Roles: []string{"admin"}, Device: "phone"})
	require.NoError(t, err)
	list, err = m.Sessions(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, np.SessionID, list[0].SessionID)
	nc, err := m.Verify(ctx, np.AccessToken)
	require.NoError(t, err)
	require.NoError(t, m.Logout(ctx, nc))
	list, err = m.Sessions(ctx, "alice")
	require.NoError(t, err)
	assert.Empty(t, list)

	// LogoutAll clears the subject.
	_, err = m.Login(ctx, alice)
	require.NoError(t, err)
	require.NoError(t, m.LogoutAll(ctx, "alice"))
	list, err = m.Sessions(ctx, "alice")
	require.NoError(t, err)
	assert.Empty(t, list)
}

func TestSessionLimit(t *testing.T) {
	for _, rc := range registries() {
		t.Run(rc.name, func(t *testing.T) { testSessionLimit(t, rc.new) })
	}
}

func testSessionLimit(t *testing.T, newReg func(*testing.T, func() time.Time) Registry) {
	ctx := context.Background()
	t.Run("refuse", func(t *testing.T) {
		clk := newClock()
		m, _ := newRegistryManager(t, clk, newReg, func(c *Config) { c.MaxSessions = 2 })
		for range 2 {
			_, err := m.Login(ctx, alice)
			require.NoError(t, err)
		}
		p, err := m.Login(ctx, alice)
		assert.ErrorIs(t, err, ErrTooManySessions)
		assert.Equal(t, Pair{}, p)
		_, err = m.Login(ctx, Subject{ID: "bob"})
		assert.NoError(t, err, "the limit is per subject")
	})
	t.Run("evict oldest", func(t *testing.T) {
		clk := newClock()
		m, _ := newRegistryManager(t, clk, newReg, func(c *Config) { c.MaxSessions, c.EvictOldestSession = 2, true })
		var pairs []Pair
		for range 3 {
			p, err := m.Login(ctx, alice)
			require.NoError(t, err)
			pairs = append(pairs, p)
			clk.Advance(time.Second)
		}
		_, err := m.Verify(ctx, pairs[0].AccessToken)
		assert.ErrorIs(t, err, ErrRevoked, "the oldest session was evicted")
		_, err = m.Refresh(ctx, pairs[0].RefreshToken)
		assert.ErrorIs(t, err, ErrRevoked)
		for _, p := range pairs[1:] {
			_, err := m.Verify(ctx, p.AccessToken)
			assert.NoError(t, err)
		}
	})
}

func TestRegistryConfig(t *testing.T) {
	clk := newClock()
	st := newMemory(t, clk.Now)
	_, err := New(Config{Keys: localSet(t), Revocations: st, MaxSessions: 3})
	assert.ErrorContains(t, err, "need Config.Sessions")
	_, err = New(Config{Keys: localSet(t), Revocations: st, Sessions: NewMemoryRegistry(nil), MaxSessions: -1})
	assert.ErrorContains(t, err, "negative")

	m := newManager(t, st, clk, nil)
	_, err = m.Sessions(context.Background(), "alice")
	assert.ErrorIs(t, err, ErrNoRegistry)
	assert.ErrorIs(t, m.EndSession(context.Background(), "alice", sid(1)), ErrNoRegistry)
}

// TestSessionLimitConcurrent: the limit holds when logins race, because the
// registry checks and inserts atomically.
func TestSessionLimitConcurrent(t *testing.T) {
	for _, rc := range registries() {
		t.Run(rc.name, func(t *testing.T) {
			ctx := context.Background()
			clk := newClock()
			m, reg := newRegistryManager(t, clk, rc.new, func(c *Config) { c.MaxSessions = 3 })
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok, refused := 0, 0
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := m.Login(ctx, alice)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ok++
					case errors.Is(err, ErrTooManySessions):
						refused++
					default:
						t.Errorf("unexpected error: %v", err)
					}
				}()
			}
			wg.Wait()
			assert.Equal(t, 3, ok)
			assert.Equal(t, 17, refused)
			list, err := reg.List(ctx, "alice")
			require.NoError(t, err)
			assert.Len(t, list, 3)
		})
	}
}
