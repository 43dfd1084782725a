package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestServer serves newRouter, the handler main serves, through a real
// HTTP server.
func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	mgr, closeMgr, err := newManager(slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(closeMgr)
	srv := httptest.NewServer(newRouter(mgr, demoUsers()))
	t.Cleanup(srv.Close)
	return srv
}

// call sends one request and returns the status, the WWW-Authenticate
// header and the decoded JSON body (nil when empty).
func call(t *testing.T, srv *httptest.Server, method, path, bearer, body string) (int, string, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, rd)
	require.NoError(t, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &m), "body %q", raw)
	}
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), m
}

func login(t *testing.T, srv *httptest.Server, name string) (access, refresh string) {
	t.Helper()
	status, _, body := call(t, srv, "POST", "/login", "", `{"username":"`+name+`","password":"`+name+`-demo-password"}`)
	require.Equal(t, http.StatusOK, status, body)
	return body["access_token"].(string), body["refresh_token"].(string)
}

func TestRoutes(t *testing.T) {
	srv := newTestServer(t)
	alice, _ := login(t, srv, "alice") // roles user, admin
	bob, _ := login(t, srv, "bob")     // role user

	tests := []struct {
		name, method, path, bearer string
		wantStatus                 int
		wantChallenge              string // substring of WWW-Authenticate; "" for none
		wantBody                   map[string]any
	}{
		{name: "group route without token", method: "GET", path: "/me", wantStatus: 401, wantChallenge: `Bearer realm=`},
		{name: "group route with garbage", method: "GET", path: "/me", bearer: "v4.local.AAAA", wantStatus: 401, wantChallenge: `error="invalid_token"`},
		{name: "group route with token", method: "GET", path: "/me", bearer: bob, wantStatus: 200,
			wantBody: map[string]any{"subject": "bob", "roles": []any{"user"}}},
		{name: "admin route without token", method: "DELETE", path: "/users/42", wantStatus: 401, wantChallenge: `Bearer realm=`},
		{name: "admin route without role", method: "DELETE", path: "/users/42", bearer: bob, wantStatus: 403,
			wantChallenge: `error="insufficient_scope", scope="admin"`},
		{name: "admin route with role", method: "DELETE", path: "/users/42", bearer: alice, wantStatus: 200,
			wantBody: map[string]any{"deleted": "42", "by": "alice"}},
		{name: "public route needs no token", method: "POST", path: "/refresh", wantStatus: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, challenge, body := call(t, srv, tc.method, tc.path, tc.bearer, "")
			assert.Equal(t, tc.wantStatus, status)
			if tc.wantChallenge == "" {
				assert.Empty(t, challenge)
			} else {
				assert.Contains(t, challenge, tc.wantChallenge)
			}
			if tc.wantBody != nil {
				assert.Equal(t, tc.wantBody, body)
			}
		})
	}
}

// TestLifecycle: wrong password, refresh, logout through the chi routes.
func TestLifecycle(t *testing.T) {
	srv := newTestServer(t)
	status, _, _ := call(t, srv, "POST", "/login", "", `{"username":"alice","password":"wrong"}`)
	assert.Equal(t, http.StatusUnauthorized, status)

	access, refresh := login(t, srv, "alice")
	status, _, body := call(t, srv, "POST", "/refresh", "", `{"refresh_token":"`+refresh+`"}`)
	require.Equal(t, http.StatusOK, status, body)
	access2 := body["access_token"].(string)
	assert.NotEqual(t, refresh, body["refresh_token"], "the refresh token rotates")

	status, _, _ = call(t, srv, "POST", "/logout", access2, "")
	require.Equal(t, http.StatusNoContent, status)
	for _, tok := range []string{access, access2} {
		status, challenge, _ := call(t, srv, "GET", "/me", tok, "")
		assert.Equal(t, http.StatusUnauthorized, status, "every token of the session is revoked")
		assert.Contains(t, challenge, `error="invalid_token"`)
	}
	status, _, body = call(t, srv, "POST", "/refresh", "", `{"refresh_token":"`+body["refresh_token"].(string)+`"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_grant", body["error"])
}
