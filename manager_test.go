package sessiontoken

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

var alice = Subject{ID: "alice", Roles: []string{"user"}, Scopes: []string{"read"}, Data: json.RawMessage(`{"name":"Alice"}`)}

// forEachBackend runs f against every real revocation store.
func forEachBackend(t *testing.T, f func(t *testing.T, st store, clk *clock)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			clk := newClock()
			f(t, b.new(t, clk.Now), clk)
		})
	}
}

func TestNewConfig(t *testing.T) {
	clk := newClock()
	st := newMemory(t, clk.Now)
	pub, err := keys.Generate(keys.V4Public)
	require.NoError(t, err)
	pubOnly, err := keys.NewSet(pub)
	require.NoError(t, err)

	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "no keys", cfg: Config{Revocations: st}, wantErr: "Keys is required"},
		{name: "no store", cfg: Config{Keys: localSet(t)}, wantErr: "Revocations is required"},
		{name: "store without refresh counter", cfg: Config{Keys: localSet(t), Revocations: storeOnly{st}}, wantErr: "RefreshCounter"},
		{name: "negative access TTL", cfg: Config{Keys: localSet(t), Revocations: st, AccessTTL: -time.Second}, wantErr: "negative"},
		{name: "negative grace", cfg: Config{Keys: localSet(t), Revocations: st, RefreshGrace: -time.Second}, wantErr: "negative"},
		{name: "negative leeway", cfg: Config{Keys: localSet(t), Revocations: st, Leeway: -time.Second}, wantErr: "negative"},
		{name: "absolute shorter than access", cfg: Config{Keys: localSet(t), Revocations: st, AccessTTL: time.Hour, AbsoluteTimeout: time.Minute}, wantErr: "shorter than AccessTTL"},
		{name: "no key of the access format", cfg: Config{Keys: localSet(t), Revocations: st, Format: token.V4Public}, wantErr: "no v4.public key"},
		{name: "no v4.local key for refresh tokens", cfg: Config{Keys: pubOnly, Revocations: st, Format: token.V4Public}, wantErr: "no v4.local key for refresh tokens"},
		{name: "v4.public access with separate refresh keys", cfg: Config{Keys: pubOnly, RefreshKeys: localSet(t), Revocations: st, Format: token.V4Public}},
		{name: "zero durations take defaults", cfg: Config{Keys: localSet(t), Revocations: st}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := New(tc.cfg)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Nil(t, m)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, m)
		})
	}
}

func TestDefaults(t *testing.T) {
	clk := newClock()
	m := newManager(t, newMemory(t, clk.Now), clk, nil)
	p, err := m.Login(context.Background(), alice)
	require.NoError(t, err)
	now := msTime(clk.Now())
	assert.Equal(t, now.Add(DefaultAccessTTL), p.AccessExpiresAt)
	assert.Equal(t, now.Add(DefaultIdleTimeout), p.RefreshExpiresAt)
}

func TestConfigIsCopied(t *testing.T) {
	clk := newClock()
	aud := []string{"app"}
	cfg := Config{Keys: localSet(t), Revocations: newMemory(t, clk.Now), Audience: aud, Now: clk.Now}
	m, err := New(cfg)
	require.NoError(t, err)
	aud[0] = "changed"
	cfg.AccessTTL = time.Second
	p, err := m.Login(context.Background(), alice)
	require.NoError(t, err)
	c, err := m.Verify(context.Background(), p.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, []string{"app"}, c.Audience)
	assert.Equal(t, msTime(clk.Now()).Add(DefaultAccessTTL), c.ExpiresAt)
}

// TestLifecycle: login → verify → refresh → verify → logout → rejected.
func TestLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store, clk *clock) {
		ctx := context.Background()
		m := newManager(t, st, clk, nil)

		p1, err := m.Login(ctx, alice)
		require.NoError(t, err)
		c, err := m.Verify(ctx, p1.AccessToken)
		require.NoError(t, err)
		assert.Equal(t, "alice", c.Subject)
		assert.Equal(t, p1.SessionID, c.SessionID)
		assert.Equal(t, []string{"user"}, c.Roles)
		assert.Equal(t, []string{"read"}, c.Scopes)
		assert.JSONEq(t, `{"name":"Alice"}`, string(c.Data))
		assert.Equal(t, "https://api.example.test", c.Issuer)

		clk.Advance(10 * time.Minute)
		p2, err := m.Refresh(ctx, p1.RefreshToken)
		require.NoError(t, err)
		assert.Equal(t, p1.SessionID, p2.SessionID, "refresh keeps the session")
		assert.NotEqual(t, p1.RefreshToken, p2.RefreshToken, "refresh rotates the refresh token")
		c2, err := m.Verify(ctx, p2.AccessToken)
		require.NoError(t, err)
		assert.Equal(t, c.Roles, c2.Roles)
		assert.JSONEq(t, `{"name":"Alice"}`, string(c2.Data))
		assert.True(t, c2.IssuedAt.After(c.IssuedAt))

		require.NoError(t, m.Logout(ctx, c2))
		for name, raw := range map[string]string{"first access": p1.AccessToken, "second access": p2.AccessToken} {
			_, err := m.Verify(ctx, raw)
			assert.ErrorIs(t, err, ErrRevoked, name)
			assert.ErrorIs(t, err, revocation.ErrRevoked, name)
		}
		_, err = m.Refresh(ctx, p2.RefreshToken)
		assert.ErrorIs(t, err, ErrRevoked, "a logged-out session cannot refresh")
	})
}

func TestLoginAlwaysFreshSession(t *testing.T) {
	clk := newClock()
	m := newManager(t, newMemory(t, clk.Now), clk, nil)
	seen := map[token.SessionID]bool{}
	for range 20 {
		p, err := m.Login(context.Background(), alice)
		require.NoError(t, err)
		assert.False(t, p.SessionID.IsZero())
		assert.False(t, seen[p.SessionID], "session ID repeated")
		seen[p.SessionID] = true
	}
}

func TestLoginRejectsBadSubject(t *testing.T) {
	clk := newClock()
	m := newManager(t, newMemory(t, clk.Now), clk, nil)
	big := make([]string, 400)
	for i := range big {
		big[i] = fmt.Sprintf("role-%04d", i)
	}
	tests := []struct {
		name string
		s    Subject
	}{
		{name: "empty ID", s: Subject{Roles: []string{"admin"}}},
		{name: "data not JSON", s: Subject{ID: "a", Data: json.RawMessage(`{`)}},
		{name: "tokens too large", s: Subject{ID: "a", Roles: big}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := m.Login(context.Background(), tc.s)
			assert.ErrorIs(t, err, ErrInvalidSubject)
			assert.Equal(t, Pair{}, p)
		})
	}
}

func TestLoginCopiesSubject(t *testing.T) {
	clk := newClock()
	m := newManager(t, newMemory(t, clk.Now), clk, nil)
	s := Subject{ID: "alice", Roles: []string{"user"}}
	p, err := m.Login(context.Background(), s)
	require.NoError(t, err)
	s.Roles[0] = "admin"
	clk.Advance(time.Minute)
	p2, err := m.Refresh(context.Background(), p.RefreshToken)
	require.NoError(t, err)
	c, err := m.Verify(context.Background(), p2.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, []string{"user"}, c.Roles)
}

// TestLogoutAll: every device of the subject is logged out, other
// subjects are not, and a login right after (same instant) works.
func TestLogoutAll(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store, clk *clock) {
		ctx := context.Background()
		m := newManager(t, st, clk, nil)
		phone, err := m.Login(ctx, alice)
		require.NoError(t, err)
		clk.Advance(5 * time.Minute)
		laptop, err := m.Login(ctx, alice)
		require.NoError(t, err)
		bob, err := m.Login(ctx, Subject{ID: "bob"})
		require.NoError(t, err)
		clk.Advance(time.Minute)
		laptop, err = m.Refresh(ctx, laptop.RefreshToken)
		require.NoError(t, err)

		// Same fixed instant: the login after LogoutAll shares the
		// millisecond of the cutoff computation.
		require.NoError(t, m.LogoutAll(ctx, "alice"))
		after, err := m.Login(ctx, alice)
		require.NoError(t, err)

		for name, p := range map[string]Pair{"phone": phone, "laptop": laptop} {
			_, err := m.Verify(ctx, p.AccessToken)
			assert.ErrorIs(t, err, ErrRevoked, name)
			_, err = m.Refresh(ctx, p.RefreshToken)
			assert.ErrorIs(t, err, ErrRevoked, name)
		}
		_, err = m.Verify(ctx, bob.AccessToken)
		assert.NoError(t, err, "another subject is not affected")
		_, err = m.Verify(ctx, after.AccessToken)
		assert.NoError(t, err, "a login after LogoutAll is valid, even in the same millisecond")
		_, err = m.Refresh(ctx, after.RefreshToken)
		assert.NoError(t, err)
	})
}

// TestLogoutAllSameMillisecond runs the boundary on the real clock many
// times: a token issued before LogoutAll never survives it, one issued
// after it always does.
func TestLogoutAllSameMillisecond(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, newMemory(t, time.Now), newClock(), func(c *Config) { c.Now = time.Now })
	for i := range 200 {
		before, err := m.Login(ctx, alice)
		require.NoError(t, err)
		require.NoError(t, m.LogoutAll(ctx, "alice"))
		after, err := m.Login(ctx, alice)
		require.NoError(t, err)
		_, err = m.Verify(ctx, before.AccessToken)
		require.ErrorIs(t, err, ErrRevoked, "round %d: token issued before LogoutAll survived", i)
		_, err = m.Verify(ctx, after.AccessToken)
		require.NoError(t, err, "round %d: token issued after LogoutAll rejected", i)
	}
}

func TestLogoutAllTwiceInOneMillisecond(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	m := newManager(t, newMemory(t, clk.Now), clk, nil)
	require.NoError(t, m.LogoutAll(ctx, "alice"))
	between, err := m.Login(ctx, alice)
	require.NoError(t, err)
	require.NoError(t, m.LogoutAll(ctx, "alice"))
	after, err := m.Login(ctx, alice)
	require.NoError(t, err)
	_, err = m.Verify(ctx, between.AccessToken)
	assert.ErrorIs(t, err, ErrRevoked, "the second LogoutAll must void the token issued between the two")
	_, err = m.Verify(ctx, after.AccessToken)
	assert.NoError(t, err)
}

// TestReissue: a privilege change moves to a new session with the new
// claims; the old session is dead.
func TestReissue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store, clk *clock) {
		ctx := context.Background()
		m := newManager(t, st, clk, func(c *Config) { c.AbsoluteTimeout = 24 * time.Hour })
		old, err := m.Login(ctx, alice)
		require.NoError(t, err)
		oc, err := m.Verify(ctx, old.AccessToken)
		require.NoError(t, err)

		clk.Advance(5 * time.Minute)
		promoted := Subject{Roles: []string{"user", "admin"}, Data: json.RawMessage(`{"name":"Alice"}`)}
		p, err := m.Reissue(ctx, oc, promoted)
		require.NoError(t, err)
		assert.NotEqual(t, old.SessionID, p.SessionID)

		c, err := m.Verify(ctx, p.AccessToken)
		require.NoError(t, err)
		assert.Equal(t, "alice", c.Subject)
		assert.True(t, c.HasRole("admin"))
		assert.Equal(t, oc.NotBefore, c.NotBefore, "the new session keeps the start")
		assert.Equal(t, oc.NotBefore.Add(24*time.Hour), p.RefreshExpiresAt, "the new session keeps the absolute deadline")

		_, err = m.Verify(ctx, old.AccessToken)
		assert.ErrorIs(t, err, ErrRevoked)
		_, err = m.Refresh(ctx, old.RefreshToken)
		assert.ErrorIs(t, err, ErrRevoked)
		_, err = m.Reissue(ctx, oc, promoted)
		assert.ErrorIs(t, err, ErrRevoked, "a revoked session cannot be reissued")

		_, err = m.Reissue(ctx, c, Subject{ID: "mallory", Roles: []string{"admin"}})
		assert.ErrorIs(t, err, ErrInvalidSubject)
		_, err = m.Verify(ctx, p.AccessToken)
		assert.NoError(t, err, "a refused Reissue leaves the session alone")
	})
}

// TestRefreshReuse: a spent refresh token presented after the grace
// window revokes the whole session.
func TestRefreshReuse(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store, clk *clock) {
		ctx := context.Background()
		var logs bytes.Buffer
		m := newManager(t, st, clk, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
		p0, err := m.Login(ctx, alice)
		require.NoError(t, err)
		clk.Advance(time.Minute)
		p1, err := m.Refresh(ctx, p0.RefreshToken)
		require.NoError(t, err)

		clk.Advance(DefaultRefreshGrace + time.Millisecond)
		_, err = m.Refresh(ctx, p0.RefreshToken)
		require.ErrorIs(t, err, ErrRefreshReused)
		assert.ErrorIs(t, err, revocation.ErrRefreshReused)

		_, err = m.Refresh(ctx, p1.RefreshToken)
		assert.ErrorIs(t, err, ErrRevoked, "the current refresh token dies with the session")
		_, err = m.Verify(ctx, p1.AccessToken)
		assert.ErrorIs(t, err, ErrRevoked)
		_, err = m.Verify(ctx, p0.AccessToken)
		assert.ErrorIs(t, err, ErrRevoked)

		assert.Contains(t, logs.String(), "reuse detected")
		assert.NotContains(t, logs.String(), p0.SessionID.Base64(), "full session IDs are never logged")
		assert.NotContains(t, logs.String(), p0.RefreshToken)
	})
}

// TestRefreshReuseOlderGeneration: a token two generations old is reuse
// even inside the grace window.
func TestRefreshReuseOlderGeneration(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store, clk *clock) {
		ctx := context.Background()
		m := newManager(t, st, clk, nil)
		p0, err := m.Login(ctx, alice)
		require.NoError(t, err)
		p1, err := m.Refresh(ctx, p0.RefreshToken)
		require.NoError(t, err)
		_, err = m.Refresh(ctx, p1.RefreshToken)
		require.NoError(t, err)
		_, err = m.Refresh(ctx, p0.RefreshToken)
		assert.ErrorIs(t, err, ErrRefreshReused)
	})
}

// TestConcurrentRefreshInsideGrace: two refreshes of the same token at
// once (a retry on a flaky network) both succeed, and both new refresh
// tokens keep working.
func TestConcurrentRefreshInsideGrace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store, clk *clock) {
		ctx := context.Background()
		m := newManager(t, st, clk, nil)
		p0, err := m.Login(ctx, alice)
		require.NoError(t, err)
		clk.Advance(time.Minute)

		var wg sync.WaitGroup
		pairs := make([]Pair, 2)
		errs := make([]error, 2)
		for i := range pairs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pairs[i], errs[i] = m.Refresh(ctx, p0.RefreshToken)
			}()
		}
		wg.Wait()
		for i := range pairs {
			require.NoError(t, errs[i], "refresh %d", i)
			_, err := m.Verify(ctx, pairs[i].AccessToken)
			assert.NoError(t, err)
		}

		clk.Advance(time.Second) // still inside the grace window of the first refresh
		a, err := m.Refresh(ctx, pairs[0].RefreshToken)
		require.NoError(t, err)
		_, err = m.Refresh(ctx, pairs[1].RefreshToken)
		require.NoError(t, err, "the sibling token is one generation old and inside the grace window")
		_, err = m.Verify(ctx, a.AccessToken)
		assert.NoError(t, err)
	})
}

// TestAbsoluteTimeout: a session refreshed diligently still ends at
// start + AbsoluteTimeout, and no token outlives it.
func TestAbsoluteTimeout(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store, clk *clock) {
		ctx := context.Background()
		m := newManager(t, st, clk, func(c *Config) {
			c.AccessTTL, c.IdleTimeout, c.AbsoluteTimeout = 15*time.Minute, time.Hour, 3*time.Hour
		})
		p, err := m.Login(ctx, alice)
		require.NoError(t, err)
		end := msTime(clk.Now()).Add(3 * time.Hour)
		refreshes := 0
		for {
			clk.Advance(14 * time.Minute)
			next, err := m.Refresh(ctx, p.RefreshToken)
			if err != nil {
				require.ErrorIs(t, err, ErrSessionExpired)
				assert.False(t, clk.Now().Before(end), "ended early at %v", clk.Now())
				break
			}
			refreshes++
			require.Less(t, refreshes, 100, "session never ended")
			assert.False(t, next.AccessExpiresAt.After(end), "access token outlives the session")
			assert.False(t, next.RefreshExpiresAt.After(end), "refresh token outlives the session")
			c, err := m.Verify(ctx, next.AccessToken)
			require.NoError(t, err)
			assert.Equal(t, end, c.NotBefore.Add(3*time.Hour))
			p = next
		}
		assert.Equal(t, 12, refreshes) // 12 × 14 min = 168 min < 180 min; the 13th is at 182 min
	})
}

// TestIdleTimeout: a session not refreshed for IdleTimeout ends.
func TestIdleTimeout(t *testing.T) {
	clk := newClock()
	m := newManager(t, newMemory(t, clk.Now), clk, func(c *Config) { c.IdleTimeout = time.Hour })
	p, err := m.Login(context.Background(), alice)
	require.NoError(t, err)
	clk.Advance(time.Hour)
	_, err = m.Refresh(context.Background(), p.RefreshToken)
	assert.ErrorIs(t, err, ErrSessionExpired)
	assert.ErrorIs(t, err, ErrInvalidToken)
	assert.ErrorIs(t, err, token.ErrExpired)
}

// TestTokenKinds: an access token is never accepted as a refresh token,
// nor the reverse, in every access format.
func TestTokenKinds(t *testing.T) {
	local := fixedLocalKey(t)
	pub, err := keys.Generate(keys.V4Public)
	require.NoError(t, err)
	mixed, err := keys.NewSet(pub, local) // one file, two formats
	require.NoError(t, err)
	hs, err := keys.Generate(keys.HS256)
	require.NoError(t, err)
	jwtAndLocal, err := keys.NewSet(local, hs)
	require.NoError(t, err)
	jwtOnly, err := keys.NewSet(hs)
	require.NoError(t, err)

	tests := []struct {
		name        string
		format      token.Format
		keys        keys.Provider
		refreshKeys keys.Provider
		prefix      string
	}{
		{name: "v4.local access", format: token.V4Local, keys: localSet(t), prefix: "v4.local."},
		{name: "v4.public access, mixed key set", format: token.V4Public, keys: mixed, prefix: "v4.public."},
		{name: "JWT access, mixed key set", format: token.JWT, keys: jwtAndLocal, prefix: "eyJ"},
		{name: "JWT access, separate refresh keys", format: token.JWT, keys: jwtOnly, refreshKeys: localSet(t), prefix: "eyJ"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clk := newClock()
			m := newManager(t, newMemory(t, clk.Now), clk, func(c *Config) { c.Keys, c.RefreshKeys, c.Format = tc.keys, tc.refreshKeys, tc.format })
			p, err := m.Login(ctx, alice)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(p.AccessToken, tc.prefix), p.AccessToken)
			assert.True(t, strings.HasPrefix(p.RefreshToken, "v4.local."), "refresh tokens are always v4.local")

			_, err = m.Refresh(ctx, p.AccessToken)
			assert.ErrorIs(t, err, ErrInvalidToken, "access token accepted as refresh token")
			assert.ErrorIs(t, err, token.ErrInvalid)
			_, err = m.Verify(ctx, p.RefreshToken)
			assert.ErrorIs(t, err, ErrInvalidToken, "refresh token accepted as access token")

			_, err = m.Verify(ctx, p.AccessToken)
			assert.NoError(t, err)
			_, err = m.Refresh(ctx, p.RefreshToken)
			assert.NoError(t, err)
		})
	}
}

func TestStoreUnavailable(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	fs := &faultStore{store: newMemory(t, clk.Now)}
	m := newManager(t, fs, clk, nil)
	p, err := m.Login(ctx, alice)
	require.NoError(t, err)
	c, err := m.Verify(ctx, p.AccessToken)
	require.NoError(t, err)

	tests := []struct {
		name  string
		cause error
	}{
		{name: "documented unavailable", cause: fmt.Errorf("%w: redis down", revocation.ErrUnavailable)},
		{name: "undocumented error fails closed", cause: errors.New("boom")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs.fail(tc.cause)
			defer fs.fail(nil)
			_, err := m.Verify(ctx, p.AccessToken)
			assert.ErrorIs(t, err, ErrUnavailable)
			assert.ErrorIs(t, err, revocation.ErrUnavailable)
			_, err = m.Refresh(ctx, p.RefreshToken)
			assert.ErrorIs(t, err, ErrUnavailable)
			assert.ErrorIs(t, m.Logout(ctx, c), ErrUnavailable)
			assert.ErrorIs(t, m.LogoutAll(ctx, "alice"), ErrUnavailable)
			np, err := m.Reissue(ctx, c, alice)
			assert.ErrorIs(t, err, ErrUnavailable)
			assert.Equal(t, Pair{}, np, "nothing is issued when the old session cannot be revoked")
		})
	}
	_, err = m.Verify(ctx, p.AccessToken)
	assert.NoError(t, err, "the session survives store outages")
}

func TestLogoutBadClaims(t *testing.T) {
	clk := newClock()
	m := newManager(t, newMemory(t, clk.Now), clk, nil)
	assert.ErrorIs(t, m.Logout(context.Background(), nil), ErrInvalidToken)
	assert.ErrorIs(t, m.Logout(context.Background(), &token.Claims{Subject: "alice"}), ErrInvalidToken)
	_, err := m.Reissue(context.Background(), nil, alice)
	assert.ErrorIs(t, err, ErrInvalidToken)
	assert.ErrorIs(t, m.LogoutAll(context.Background(), ""), ErrInvalidSubject)
}

func TestVerifyRejects(t *testing.T) {
	clk := newClock()
	m := newManager(t, newMemory(t, clk.Now), clk, nil)
	p, err := m.Login(context.Background(), alice)
	require.NoError(t, err)
	other := newManager(t, newMemory(t, clk.Now), clk, func(c *Config) { c.Issuer = "https://other.example.test" })

	tests := []struct {
		name  string
		m     *Manager
		raw   string
		want  error
		after time.Duration
	}{
		{name: "empty", m: m, raw: "", want: token.ErrMalformed},
		{name: "garbage", m: m, raw: "v4.local.AAAA", want: token.ErrInvalid},
		{name: "expired", m: m, raw: p.AccessToken, want: token.ErrExpired, after: DefaultAccessTTL},
		{name: "wrong issuer", m: other, raw: p.AccessToken, want: token.ErrIssuer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk.Advance(tc.after)
			defer clk.Advance(-tc.after)
			c, err := tc.m.Verify(context.Background(), tc.raw)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, ErrInvalidToken)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestPairRedacted(t *testing.T) {
	clk := newClock()
	m := newManager(t, newMemory(t, clk.Now), clk, nil)
	p, err := m.Login(context.Background(), alice)
	require.NoError(t, err)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("pair", "pair", p)
	for _, s := range []string{fmt.Sprintf("%v", p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p), fmt.Sprint(p), logs.String()} {
		assert.NotContains(t, s, p.AccessToken)
		assert.NotContains(t, s, p.RefreshToken)
		assert.NotContains(t, s, p.SessionID.Base64())
		assert.Contains(t, s, "sid:")
	}
}

// TestKeysFollowRing: the Manager reads the key provider on every call, so
// a reloaded key set takes effect at once, for both kinds of token.
func TestKeysFollowRing(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	a, err := keys.Generate(keys.V4Local)
	require.NoError(t, err)
	b, err := keys.Generate(keys.V4Local)
	require.NoError(t, err)
	pub, err := keys.Generate(keys.V4Public)
	require.NoError(t, err)
	setA, err := keys.NewSet(a, pub)
	require.NoError(t, err)
	setB, err := keys.NewSet(pub, b)
	require.NoError(t, err)
	ring, err := keys.NewRing(setA)
	require.NoError(t, err)
	m := newManager(t, newMemory(t, clk.Now), clk, func(c *Config) { c.Keys = ring })

	before, err := m.Login(ctx, alice)
	require.NoError(t, err)
	require.NoError(t, ring.Store(setB))
	_, err = m.Verify(ctx, before.AccessToken)
	assert.ErrorIs(t, err, token.ErrUnknownKey, "key a left the set")
	_, err = m.Refresh(ctx, before.RefreshToken)
	assert.ErrorIs(t, err, token.ErrUnknownKey)

	after, err := m.Login(ctx, alice)
	require.NoError(t, err, "key b issues")
	_, err = m.Verify(ctx, after.AccessToken)
	assert.NoError(t, err)
	_, err = m.Refresh(ctx, after.RefreshToken)
	assert.NoError(t, err)
}

// TestStoreLifetimeTooShort: a store that keeps entries for less than the
// refresh token lifetime would forget a LogoutAll while the refresh tokens
// it voids still live. New refuses a store that reports its lifetime; a
// store that does not is caught at the first logout, whose error says why
// and is not mistaken for an outage.
func TestStoreLifetimeTooShort(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	st, err := revocation.NewMemory(revocation.MemoryConfig{Now: clk.Now, MaxTokenLifetime: time.Hour})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })

	_, err = New(Config{Keys: localSet(t), Revocations: st, Now: clk.Now}) // IdleTimeout 30 days
	require.Error(t, err)
	assert.Contains(t, err.Error(), "IdleTimeout")
	_, err = New(Config{Keys: localSet(t), Revocations: st, Now: clk.Now, IdleTimeout: 50 * time.Minute, Leeway: 10 * time.Minute})
	require.NoError(t, err, "a store that keeps entries exactly IdleTimeout + Leeway is enough")

	hidden := struct { // the same store, unable to report its lifetime
		revocation.Store
		revocation.RefreshCounter
	}{st, st}
	m := newManager(t, hidden, clk, nil)
	p, err := m.Login(ctx, alice)
	require.NoError(t, err)
	c, err := m.Verify(ctx, p.AccessToken)
	require.NoError(t, err)
	err = m.Logout(ctx, c)
	require.ErrorIs(t, err, revocation.ErrInvalid)
	assert.NotErrorIs(t, err, ErrUnavailable)
	assert.Contains(t, err.Error(), "MaxTokenLifetime")
}

// TestAbsoluteTimeoutWithLeeway: a leeway lets a refresh token verify a
// little after its exp, but never past the session's absolute deadline.
func TestAbsoluteTimeoutWithLeeway(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	m := newManager(t, newMemory(t, clk.Now), clk, func(c *Config) {
		c.IdleTimeout, c.AbsoluteTimeout, c.Leeway = 2*time.Hour, time.Hour, 5*time.Minute
	})
	p, err := m.Login(ctx, alice)
	require.NoError(t, err)
	clk.Advance(time.Hour + time.Minute) // past the end, inside the leeway
	_, err = m.Refresh(ctx, p.RefreshToken)
	assert.ErrorIs(t, err, ErrSessionExpired)
	assert.NotErrorIs(t, err, token.ErrExpired, "caught by the absolute deadline, not by exp")
}
