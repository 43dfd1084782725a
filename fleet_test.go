package sessiontoken

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/internal/redistest"
)

// TestFleet: two instances of a service (two Managers, each with its own
// Redis store and mirror, sharing keys and a key prefix) serve the same
// sessions: a logout on one is seen by the other, a refresh on one spends
// the token on both, and a reuse on one revokes the session on both.
func TestFleet(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	rdb, prefix := redistest.Client(t)
	ks := localSet(t)
	a := newManager(t, newRedisOn(t, rdb, prefix, clk.Now, false), clk, func(c *Config) { c.Keys = ks })
	b := newManager(t, newRedisOn(t, rdb, prefix, clk.Now, false), clk, func(c *Config) { c.Keys = ks })
	rejectedBy := func(m *Manager, raw string) func() bool {
		return func() bool {
			_, err := m.Verify(ctx, raw)
			return err != nil
		}
	}

	t.Run("logout propagates", func(t *testing.T) {
		p, err := a.Login(ctx, alice)
		require.NoError(t, err)
		c, err := b.Verify(ctx, p.AccessToken)
		require.NoError(t, err)
		require.NoError(t, b.Logout(ctx, c))
		// The other mirror follows the Redis stream: eventually, not at once.
		assert.Eventually(t, rejectedBy(a, p.AccessToken), 5*time.Second, 5*time.Millisecond)
		_, err = a.Verify(ctx, p.AccessToken)
		assert.ErrorIs(t, err, ErrRevoked)
		_, err = a.Refresh(ctx, p.RefreshToken)
		assert.ErrorIs(t, err, ErrRevoked)
	})

	t.Run("logout-all propagates", func(t *testing.T) {
		p, err := a.Login(ctx, Subject{ID: "carol"})
		require.NoError(t, err)
		clk.Advance(time.Second)
		require.NoError(t, b.LogoutAll(ctx, "carol"))
		assert.Eventually(t, rejectedBy(a, p.AccessToken), 5*time.Second, 5*time.Millisecond)
	})

	t.Run("reuse across instances", func(t *testing.T) {
		p0, err := a.Login(ctx, alice)
		require.NoError(t, err)
		clk.Advance(time.Second)
		p1, err := a.Refresh(ctx, p0.RefreshToken)
		require.NoError(t, err)
		clk.Advance(DefaultRefreshGrace + time.Second)
		_, err = b.Refresh(ctx, p0.RefreshToken)
		require.ErrorIs(t, err, ErrRefreshReused, "the counter lives in Redis, not in the instance")
		assert.Eventually(t, rejectedBy(a, p1.AccessToken), 5*time.Second, 5*time.Millisecond)
		_, err = a.Refresh(ctx, p1.RefreshToken)
		assert.ErrorIs(t, err, ErrRevoked)
	})
}
