package demoapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken"
	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
)

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// start serves New(cfg) with fresh development keys and an in-memory
// store on cfg.Now (set to a test clock when nil).
func start(t *testing.T, cfg Config) (*httptest.Server, *testClock) {
	t.Helper()
	clk := &testClock{t: time.Now()}
	if cfg.Now == nil {
		cfg.Now = clk.Now
	}
	set, err := DevelopmentKeys()
	require.NoError(t, err)
	store, err := revocation.NewMemory(revocation.MemoryConfig{Now: cfg.Now})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	cfg.Keys, cfg.Revocations = set, store
	api, err := New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv, clk
}

// call sends a request and decodes the JSON answer (nil when empty).
func call(t *testing.T, srv *httptest.Server, method, path, bearer, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	if resp.ContentLength != 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	}
	return resp.StatusCode, m
}

func login(t *testing.T, srv *httptest.Server, user, password string) map[string]any {
	t.Helper()
	status, body := call(t, srv, "POST", "/login", "", `{"username":"`+user+`","password":"`+password+`"}`)
	require.Equal(t, http.StatusOK, status, body)
	return body
}

func TestNewRequires(t *testing.T) {
	set, err := DevelopmentKeys()
	require.NoError(t, err)
	store, err := revocation.NewMemory(revocation.MemoryConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "no keys", cfg: Config{Revocations: store}},
		{name: "no store", cfg: Config{Keys: set}},
		{name: "negative access TTL", cfg: Config{Keys: set, Revocations: store, AccessTTL: -time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			assert.Error(t, err)
		})
	}
}

// TestAccessTTL: the lifetime is configurable, is reported in expires_in
// on the Manager's clock, and the middleware refuses the token after it,
// telling the Hook why.
func TestAccessTTL(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		want float64 // expires_in
	}{
		{name: "default", want: DefaultAccessTTL.Seconds()},
		{name: "30 seconds", ttl: 30 * time.Second, want: 30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var reasons []string
			srv, clk := start(t, Config{AccessTTL: tc.ttl, Hook: middleware.HookFunc(func(ev middleware.Event) {
				if ev.Outcome == middleware.Rejected {
					mu.Lock()
					defer mu.Unlock()
					reasons = append(reasons, ev.Reason.String())
				}
			})})
			body := login(t, srv, "alice", "alice-demo-password")
			assert.Equal(t, tc.want, body["expires_in"])
			access := body["access_token"].(string)

			status, me := call(t, srv, "GET", "/me", access, "")
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, "Alice", me["name"])

			clk.Advance(time.Duration(tc.want)*time.Second + time.Second)
			status, _ = call(t, srv, "GET", "/me", access, "")
			assert.Equal(t, http.StatusUnauthorized, status)
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{"expired"}, reasons)
		})
	}
}

// TestRefreshGrace: a replaced refresh token presented a minute later is a
// retry under a one-hour grace window and theft under the default, which
// OnError reports.
func TestRefreshGrace(t *testing.T) {
	tests := []struct {
		name       string
		grace      time.Duration
		wantStatus int
		wantErr    error
	}{
		{name: "default grace: reuse", wantStatus: http.StatusBadRequest, wantErr: sessiontoken.ErrRefreshReused},
		{name: "one-hour grace: retry", grace: time.Hour, wantStatus: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var errs []error
			srv, clk := start(t, Config{RefreshGrace: tc.grace, OnError: func(r *http.Request, err error) {
				mu.Lock()
				defer mu.Unlock()
				assert.Equal(t, "/refresh", r.URL.Path)
				errs = append(errs, err)
			}})
			refresh := login(t, srv, "bob", "bob-demo-password")["refresh_token"].(string)
			status, _ := call(t, srv, "POST", "/refresh", "", `{"refresh_token":"`+refresh+`"}`)
			require.Equal(t, http.StatusOK, status)

			clk.Advance(time.Minute)
			status, body := call(t, srv, "POST", "/refresh", "", `{"refresh_token":"`+refresh+`"}`)
			assert.Equal(t, tc.wantStatus, status, body)
			mu.Lock()
			defer mu.Unlock()
			if tc.wantErr == nil {
				assert.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], tc.wantErr)
			assert.Equal(t, "invalid_grant", body["error"])
		})
	}
}

// TestUsers: Config.Users replaces the demo users.
func TestUsers(t *testing.T) {
	srv, _ := start(t, Config{Users: []User{{ID: "carol", Name: "Carol", Password: "carol-pw", Roles: []string{"user"}}}})
	status, body := call(t, srv, "POST", "/login", "", `{"username":"alice","password":"alice-demo-password"}`)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid_credentials", body["error"])
	access := login(t, srv, "carol", "carol-pw")["access_token"].(string)
	status, me := call(t, srv, "GET", "/me", access, "")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "carol", me["subject"])
}
