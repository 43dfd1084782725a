package sessiontoken

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
)

// newHTTPServer serves a small API through the Manager's middleware on a
// real net/http server.
func newHTTPServer(t *testing.T, m *Manager) *httptest.Server {
	t.Helper()
	mw := m.Middleware()
	mux := http.NewServeMux()
	mux.Handle("GET /me", mw.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := middleware.SessionFrom(r.Context())
		if !ok {
			http.Error(w, "no session", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%s %s", c.Subject, c.SessionID.Base64())
	})))
	mux.Handle("GET /admin", mw.RequireRoles("admin")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "admin")
	})))
	mux.Handle("POST /logout", mw.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := middleware.SessionFrom(r.Context())
		if err := m.Logout(r.Context(), c); err != nil {
			http.Error(w, "logout failed", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	mux.Handle("POST /logout-all", mw.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := middleware.SessionFrom(r.Context())
		if err := m.LogoutAll(r.Context(), c.Subject); err != nil {
			http.Error(w, "logout failed", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// call makes a request with an optional bearer token and returns the
// status, the WWW-Authenticate header and the body.
func call(t *testing.T, srv *httptest.Server, method, path, bearer string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, nil)
	require.NoError(t, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(b)
}

// TestHTTPLifecycle: login → call → refresh → call → logout → 401,
// through a real server.
func TestHTTPLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store, clk *clock) {
		ctx := context.Background()
		m := newManager(t, st, clk, nil)
		srv := newHTTPServer(t, m)

		p, err := m.Login(ctx, alice)
		require.NoError(t, err)
		status, _, body := call(t, srv, "GET", "/me", p.AccessToken)
		require.Equal(t, http.StatusOK, status, body)
		assert.Equal(t, "alice "+p.SessionID.Base64(), body)

		status, _, _ = call(t, srv, "GET", "/me", "")
		assert.Equal(t, http.StatusUnauthorized, status, "no token")

		clk.Advance(DefaultAccessTTL + time.Second)
		status, challenge, _ := call(t, srv, "GET", "/me", p.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, status, "expired access token")
		assert.Contains(t, challenge, `error="invalid_token"`)

		p2, err := m.Refresh(ctx, p.RefreshToken)
		require.NoError(t, err)
		status, _, body = call(t, srv, "GET", "/me", p2.AccessToken)
		require.Equal(t, http.StatusOK, status, body)
		assert.Equal(t, "alice "+p.SessionID.Base64(), body, "same session after refresh")

		status, _, _ = call(t, srv, "GET", "/me", p2.RefreshToken)
		assert.Equal(t, http.StatusUnauthorized, status, "a refresh token is not an access token")

		status, _, _ = call(t, srv, "POST", "/logout", p2.AccessToken)
		require.Equal(t, http.StatusNoContent, status)
		status, challenge, _ = call(t, srv, "GET", "/me", p2.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, status, "logged out")
		assert.Contains(t, challenge, `error="invalid_token"`)
		_, err = m.Refresh(ctx, p2.RefreshToken)
		assert.ErrorIs(t, err, ErrRevoked)
	})
}

// TestHTTPLogoutAll: logout everywhere from one device kills the others.
func TestHTTPLogoutAll(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store, clk *clock) {
		ctx := context.Background()
		m := newManager(t, st, clk, nil)
		srv := newHTTPServer(t, m)
		devices := make([]Pair, 3)
		for i := range devices {
			var err error
			devices[i], err = m.Login(ctx, alice)
			require.NoError(t, err)
			clk.Advance(time.Second)
		}
		bob, err := m.Login(ctx, Subject{ID: "bob"})
		require.NoError(t, err)

		status, _, _ := call(t, srv, "POST", "/logout-all", devices[1].AccessToken)
		require.Equal(t, http.StatusNoContent, status)
		for i, d := range devices {
			status, _, _ := call(t, srv, "GET", "/me", d.AccessToken)
			assert.Equal(t, http.StatusUnauthorized, status, "device %d", i)
			_, err := m.Refresh(ctx, d.RefreshToken)
			assert.ErrorIs(t, err, ErrRevoked, "device %d", i)
		}
		status, _, _ = call(t, srv, "GET", "/me", bob.AccessToken)
		assert.Equal(t, http.StatusOK, status)

		again, err := m.Login(ctx, alice) // same instant as the logout-all
		require.NoError(t, err)
		status, _, _ = call(t, srv, "GET", "/me", again.AccessToken)
		assert.Equal(t, http.StatusOK, status)
	})
}

// TestHTTPReissue: after a privilege change the new token passes the role
// guard and the old one is refused everywhere.
func TestHTTPReissue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store, clk *clock) {
		ctx := context.Background()
		m := newManager(t, st, clk, nil)
		srv := newHTTPServer(t, m)
		p, err := m.Login(ctx, alice)
		require.NoError(t, err)
		status, challenge, _ := call(t, srv, "GET", "/admin", p.AccessToken)
		assert.Equal(t, http.StatusForbidden, status)
		assert.Contains(t, challenge, `error="insufficient_scope"`)

		c, err := m.Verify(ctx, p.AccessToken)
		require.NoError(t, err)
		np, err := m.Reissue(ctx, c, Subject{Roles: []string{"user", "admin"}})
		require.NoError(t, err)
		status, _, _ = call(t, srv, "GET", "/admin", np.AccessToken)
		assert.Equal(t, http.StatusOK, status)
		status, _, _ = call(t, srv, "GET", "/me", p.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, status, "the old session is revoked")
	})
}

// TestHTTPRefreshReuse: reuse after the grace window logs out the device
// that still holds the current tokens.
func TestHTTPRefreshReuse(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store, clk *clock) {
		ctx := context.Background()
		m := newManager(t, st, clk, nil)
		srv := newHTTPServer(t, m)
		p0, err := m.Login(ctx, alice)
		require.NoError(t, err)
		p1, err := m.Refresh(ctx, p0.RefreshToken)
		require.NoError(t, err)
		clk.Advance(time.Minute)
		_, err = m.Refresh(ctx, p0.RefreshToken) // the thief, or a stale copy
		require.ErrorIs(t, err, ErrRefreshReused)
		status, _, _ := call(t, srv, "GET", "/me", p1.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, status)
	})
}

// TestHTTPStoreUnavailable: a store that cannot answer gives 503, never
// 401 and never a pass.
func TestHTTPStoreUnavailable(t *testing.T) {
	clk := newClock()
	fs := &faultStore{store: newMemory(t, clk.Now)}
	m := newManager(t, fs, clk, nil)
	srv := newHTTPServer(t, m)
	p, err := m.Login(context.Background(), alice)
	require.NoError(t, err)
	fs.fail(fmt.Errorf("%w: down", revocation.ErrUnavailable))
	req, err := http.NewRequest("GET", srv.URL+"/me", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+p.AccessToken)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.NotContains(t, fmt.Sprint(body), p.SessionID.Base64())
}

func TestMiddlewareConfig(t *testing.T) {
	clk := newClock()
	st := newMemory(t, clk.Now)
	_, err := New(Config{Keys: localSet(t), Revocations: st, Middleware: middleware.Config{Revocations: st}})
	assert.ErrorContains(t, err, "set by the Manager")
	_, err = New(Config{Keys: localSet(t), Revocations: st, Middleware: middleware.Config{Realm: `bad"realm`}})
	assert.ErrorContains(t, err, "Realm")

	m, err := New(Config{Keys: localSet(t), Revocations: st, Now: clk.Now, Middleware: middleware.Config{Realm: "example"}})
	require.NoError(t, err)
	assert.Same(t, m.Middleware(), m.Middleware())
	srv := newHTTPServer(t, m)
	_, challenge, _ := call(t, srv, "GET", "/me", "")
	assert.True(t, strings.HasPrefix(challenge, `Bearer realm="example"`), challenge)
}
