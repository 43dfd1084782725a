package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis/go-redis/v9"

	"github.com/sessiontoken/sessiontoken/examples/internal/demoapi"
	"github.com/sessiontoken/sessiontoken/internal/redistest"
	"github.com/sessiontoken/sessiontoken/keys"
)

// client runs the README's curl commands against a test server.
type client struct {
	t   *testing.T
	srv *httptest.Server
	ua  string // User-Agent; empty: Go's default
}

// do sends a request with an optional bearer token and JSON body and
// returns the status and the decoded JSON body (nil for an empty one).
func (c client) do(method, path, bearer, body string) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.srv.URL+path, rd)
	require.NoError(c.t, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	resp, err := c.srv.Client().Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return resp.StatusCode, nil
	}
	var m map[string]any
	require.NoError(c.t, json.Unmarshal(raw, &m), "body %q", raw)
	return resp.StatusCode, m
}

func (c client) login(user, password string) (access, refresh string) {
	c.t.Helper()
	status, body := c.do("POST", "/login", "", `{"username":"`+user+`","password":"`+password+`"}`)
	require.Equal(c.t, http.StatusOK, status, body)
	assert.Equal(c.t, "Bearer", body["token_type"])
	assert.EqualValues(c.t, 900, body["expires_in"])
	return body["access_token"].(string), body["refresh_token"].(string)
}

// loginAs logs in from a device that sends User-Agent ua.
func (c client) loginAs(ua, user, password string) (access, refresh string) {
	c.t.Helper()
	c.ua = ua
	return c.login(user, password)
}

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

// newTestServer serves demoapi's handler, as main does, with a fresh
// key and the store sc describes, on the given clock (nil: the real one).
// It returns once /healthz says the server can authenticate requests.
func newTestServer(t *testing.T, sc storeConfig, now func() time.Time) client {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ring, closeKeys, err := loadKeys("", log)
	require.NoError(t, err)
	t.Cleanup(closeKeys)
	sc.Now = now
	be, err := openStore(context.Background(), sc, log)
	require.NoError(t, err)
	t.Cleanup(be.Close)
	api, err := demoapi.New(demoapi.Config{Keys: ring, Revocations: be.Store, Sessions: be.Sessions, Logger: log, Now: now})
	require.NoError(t, err)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c := client{t: t, srv: srv}
	require.Eventually(t, func() bool {
		status, _ := c.do("GET", "/healthz", "", "")
		return status == http.StatusOK
	}, 10*time.Second, 10*time.Millisecond, "server never became healthy")
	return c
}

// stores are the two configurations the walkthrough runs against: the
// default (in memory) and REDIS_ADDR (a real Redis from redistest).
func stores(t *testing.T) map[string]func(t *testing.T) storeConfig {
	return map[string]func(t *testing.T) storeConfig{
		"memory": func(t *testing.T) storeConfig { return storeConfig{} },
		"redis": func(t *testing.T) storeConfig {
			rdb, prefix := redistest.Client(t)
			rc, ok := rdb.(*redis.Client)
			require.True(t, ok, "redistest client is %T", rdb)
			return storeConfig{RedisAddr: rc.Options().Addr, RedisPrefix: prefix}
		},
	}
}

// TestWalkthrough is README.md, step by step, with revocations in memory
// and in Redis.
func TestWalkthrough(t *testing.T) {
	for name, sc := range stores(t) {
		t.Run(name, func(t *testing.T) { walkthrough(t, newTestServer(t, sc(t), nil)) })
	}
}

func walkthrough(t *testing.T, c client) {

	// 1. health
	status, body := c.do("GET", "/healthz", "", "")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok", body["status"])

	// 2. log in; a wrong password is refused
	status, body = c.do("POST", "/login", "", `{"username":"alice","password":"wrong"}`)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid_credentials", body["error"])
	status, _ = c.do("POST", "/login", "", `{"username":"nobody","password":"alice-demo-password"}`)
	assert.Equal(t, http.StatusUnauthorized, status)
	access, refresh := c.login("alice", "alice-demo-password")

	// 3. call a protected route; without a token it is 401
	status, body = c.do("GET", "/me", access, "")
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "alice", body["subject"])
	assert.Equal(t, "Alice", body["name"])
	assert.Equal(t, []any{"user"}, body["roles"])
	status, _ = c.do("GET", "/me", "", "")
	assert.Equal(t, http.StatusUnauthorized, status)
	status, body = c.do("GET", "/admin", access, "")
	assert.Equal(t, http.StatusForbidden, status, "alice is not an admin yet")
	assert.Equal(t, "insufficient_scope", body["error"])

	// 4. refresh: new pair, same session, the refresh token rotates
	status, body = c.do("POST", "/refresh", "", `{"refresh_token":"`+refresh+`"}`)
	require.Equal(t, http.StatusOK, status, body)
	access2, refresh2 := body["access_token"].(string), body["refresh_token"].(string)
	assert.NotEqual(t, refresh, refresh2)
	_, me2 := c.do("GET", "/me", access2, "")
	_, me1 := c.do("GET", "/me", access, "")
	assert.Equal(t, me1["session"], me2["session"])
	status, _ = c.do("POST", "/refresh", "", `{"refresh_token":"`+access2+`"}`)
	assert.Equal(t, http.StatusBadRequest, status, "an access token is not a refresh token")

	// 5. step up: re-enter the password, get admin in a new session
	status, _ = c.do("POST", "/reissue", access2, `{"password":"wrong"}`)
	assert.Equal(t, http.StatusUnauthorized, status)
	status, body = c.do("POST", "/reissue", access2, `{"password":"alice-demo-password"}`)
	require.Equal(t, http.StatusOK, status, body)
	admin, adminRefresh := body["access_token"].(string), body["refresh_token"].(string)
	status, _ = c.do("GET", "/admin", admin, "")
	assert.Equal(t, http.StatusOK, status)
	status, _ = c.do("GET", "/me", access2, "")
	assert.Equal(t, http.StatusUnauthorized, status, "the old session is revoked")
	status, body = c.do("POST", "/refresh", "", `{"refresh_token":"`+refresh2+`"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_grant", body["error"])

	// 6. log out
	status, _ = c.do("POST", "/logout", admin, "")
	require.Equal(t, http.StatusNoContent, status)
	status, _ = c.do("GET", "/me", admin, "")
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = c.do("POST", "/refresh", "", `{"refresh_token":"`+adminRefresh+`"}`)
	assert.Equal(t, http.StatusBadRequest, status)

	// 7. log out everywhere: two devices, one call
	phone, _ := c.login("bob", "bob-demo-password")
	laptop, laptopRefresh := c.login("bob", "bob-demo-password")
	status, _ = c.do("POST", "/logout-all", phone, "")
	require.Equal(t, http.StatusNoContent, status)
	for _, tok := range []string{phone, laptop} {
		status, _ = c.do("GET", "/me", tok, "")
		assert.Equal(t, http.StatusUnauthorized, status)
	}
	status, _ = c.do("POST", "/refresh", "", `{"refresh_token":"`+laptopRefresh+`"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	again, _ := c.login("bob", "bob-demo-password")
	status, _ = c.do("GET", "/me", again, "")
	assert.Equal(t, http.StatusOK, status, "a login after logout-all works at once")

	// 8. your devices: list the sessions, end the tablet's
	phone, _ = c.loginAs("phone", "bob", "bob-demo-password")
	tablet, _ := c.loginAs("tablet", "bob", "bob-demo-password")
	status, body = c.do("GET", "/sessions", phone, "")
	require.Equal(t, http.StatusOK, status)
	devices := map[string]map[string]any{}
	for _, s := range body["sessions"].([]any) {
		m := s.(map[string]any)
		if d, _ := m["device"].(string); d != "" {
			devices[d] = m
		}
	}
	require.Contains(t, devices, "phone")
	require.Contains(t, devices, "tablet")
	assert.Equal(t, true, devices["phone"]["current"])
	assert.Equal(t, false, devices["tablet"]["current"])
	status, _ = c.do("DELETE", "/sessions/"+devices["tablet"]["id"].(string), phone, "")
	require.Equal(t, http.StatusNoContent, status)
	status, _ = c.do("GET", "/me", tablet, "")
	assert.Equal(t, http.StatusUnauthorized, status, "an ended session's token stops working")
	status, _ = c.do("GET", "/me", phone, "")
	assert.Equal(t, http.StatusOK, status)
	status, _ = c.do("DELETE", "/sessions/"+devices["tablet"]["id"].(string), phone, "")
	assert.Equal(t, http.StatusNotFound, status, "an ended session is no longer listed")

	// 9. public keys: the development key is symmetric, so none
	status, body = c.do("GET", "/.well-known/jwks.json", "", "")
	require.Equal(t, http.StatusOK, status)
	assert.Empty(t, body["keys"])
}

// TestRefreshReuse is the README's theft scenario, on a test clock.
func TestRefreshReuse(t *testing.T) {
	clk := &testClock{t: time.Now()}
	c := newTestServer(t, storeConfig{}, clk.Now)
	access, refresh := c.login("alice", "alice-demo-password")
	status, body := c.do("POST", "/refresh", "", `{"refresh_token":"`+refresh+`"}`)
	require.Equal(t, http.StatusOK, status)
	newAccess := body["access_token"].(string)

	status, _ = c.do("POST", "/refresh", "", `{"refresh_token":"`+refresh+`"}`)
	assert.Equal(t, http.StatusOK, status, "a retry inside the grace window succeeds")

	clk.Advance(time.Minute)
	status, body = c.do("POST", "/refresh", "", `{"refresh_token":"`+refresh+`"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body["error_description"], "reused")
	for _, tok := range []string{access, newAccess} {
		status, _ = c.do("GET", "/me", tok, "")
		assert.Equal(t, http.StatusUnauthorized, status, "the whole session is revoked")
	}
}

func TestBadRequests(t *testing.T) {
	c := newTestServer(t, storeConfig{}, nil)
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{name: "login not JSON", method: "POST", path: "/login", body: `username=alice`, want: http.StatusBadRequest},
		{name: "login unknown field", method: "POST", path: "/login", body: `{"username":"alice","password":"x","admin":true}`, want: http.StatusBadRequest},
		{name: "login body too large", method: "POST", path: "/login", body: `{"username":"` + strings.Repeat("a", 10<<10) + `"}`, want: http.StatusBadRequest},
		{name: "refresh garbage", method: "POST", path: "/refresh", body: `{"refresh_token":"v4.local.AAAA"}`, want: http.StatusBadRequest},
		{name: "login with GET", method: "GET", path: "/login", want: http.StatusMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _ := c.do(tc.method, tc.path, "", tc.body)
			assert.Equal(t, tc.want, status)
		})
	}
}

// startRun starts run with env and returns its address, its stderr and a
// function that stops it the way SIGINT does (the context is cancelled)
// and returns run's result.
func startRun(t *testing.T, env map[string]string) (addr string, stderr func() string, stop func() error) {
	t.Helper()
	var buf bytes.Buffer
	var mu sync.Mutex
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, func(k string) string { return env[k] }, &lockedWriter{w: &buf, mu: &mu}, func(a string) { addrc <- a })
	}()
	select {
	case addr = <-addrc:
	case err := <-done:
		cancel()
		t.Fatalf("run returned early: %v", err)
	}
	stderr = func() string {
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
	return addr, stderr, func() error { cancel(); return <-done }
}

// TestRun starts the real server from an environment, calls it, and stops
// it gracefully.
func TestRun(t *testing.T) {
	addr, stderr, stop := startRun(t, map[string]string{"ADDR": "127.0.0.1:0"})
	resp, err := http.Get("http://" + addr + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	require.NoError(t, stop(), "graceful shutdown")
	out := stderr()
	assert.Contains(t, out, "DEVELOPMENT KEY")
	assert.Contains(t, out, "alice-demo-password")
	assert.Contains(t, out, "shutting down")
}

// TestRunAccessTTL: ACCESS_TTL sets the access-token lifetime; a value
// that is not a positive duration stops run before it listens.
func TestRunAccessTTL(t *testing.T) {
	addr, _, stop := startRun(t, map[string]string{"ADDR": "127.0.0.1:0", "ACCESS_TTL": "30s"})
	defer func() { require.NoError(t, stop()) }()
	resp, err := http.Post("http://"+addr+"/login", "application/json", strings.NewReader(`{"username":"alice","password":"alice-demo-password"}`))
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.EqualValues(t, 30, body["expires_in"])

	for _, bad := range []string{"30", "-1m", "0s", "soon"} {
		t.Run(bad, func(t *testing.T) {
			err := run(context.Background(), func(k string) string {
				return map[string]string{"ADDR": "127.0.0.1:0", "ACCESS_TTL": bad}[k]
			}, io.Discard, func(string) { t.Error("run listened with a bad ACCESS_TTL") })
			require.Error(t, err)
			assert.Contains(t, err.Error(), "ACCESS_TTL")
		})
	}
}

// TestRunRedisDown: with REDIS_ADDR pointing nowhere the server starts,
// says so, and fails closed: /healthz answers 503, and so does a login,
// which cannot be recorded in the session registry (protected routes answer
// 503 to a valid token whose revocation cannot be checked: see the root
// package's and the middleware's outage tests).
func TestRunRedisDown(t *testing.T) {
	addr, stderr, stop := startRun(t, map[string]string{"ADDR": "127.0.0.1:0", "REDIS_ADDR": "127.0.0.1:1", "REDIS_PREFIX": redistest.Prefix(t)})
	defer func() { require.NoError(t, stop()) }()
	get := func(path, bearer string) int {
		req, err := http.NewRequest("GET", "http://"+addr+path, nil)
		require.NoError(t, err)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusServiceUnavailable, get("/healthz", ""))
	resp, err := http.Post("http://"+addr+"/login", "application/json", strings.NewReader(`{"username":"alice","password":"alice-demo-password"}`))
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "a login the registry cannot record is refused")
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	assert.Equal(t, "temporarily_unavailable", body["error"])
	assert.Equal(t, http.StatusUnauthorized, get("/me", ""))
	assert.Contains(t, stderr(), "Redis unreachable at start")
}

// TestKeysFile: KEYS_FILE is loaded, and a rewritten file (a rotation)
// replaces the keys without a restart.
func TestKeysFile(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	newSet := func() (*keys.Key, *keys.Set) {
		k, err := keys.Generate(keys.V4Local)
		require.NoError(t, err)
		set, err := keys.NewSet(k)
		require.NoError(t, err)
		return k, set
	}
	path := t.TempDir() + "/keys.json"
	k1, set1 := newSet()
	require.NoError(t, keys.SaveFile(path, set1))

	p, closeKeys, err := loadKeys(path, log)
	require.NoError(t, err)
	t.Cleanup(closeKeys)
	primary, err := p.Current().Primary(time.Now())
	require.NoError(t, err)
	assert.Equal(t, k1.ID(), primary.ID())

	k2, set2 := newSet()
	require.NoError(t, keys.SaveFile(path, set2))
	src, ok := p.(*keys.FileSource)
	require.True(t, ok, "KEYS_FILE gives a %T", p)
	require.NoError(t, src.Reload()) // what the watcher does on its next poll
	primary, err = p.Current().Primary(time.Now())
	require.NoError(t, err)
	assert.Equal(t, k2.ID(), primary.ID())

	_, _, err = loadKeys(t.TempDir()+"/missing.json", log)
	assert.Error(t, err)
	pub, err := keys.Generate(keys.V4Public)
	require.NoError(t, err)
	pubSet, err := keys.NewSet(pub)
	require.NoError(t, err)
	require.NoError(t, keys.SaveFile(path, pubSet))
	_, _, err = loadKeys(path, log)
	assert.Error(t, err, "a file without a v4.local key is refused")
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
