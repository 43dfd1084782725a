package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStatusCodes covers every answer of Require with its headers and body.
func TestStatusCodes(t *testing.T) {
	cases := []struct {
		name           string
		header         map[string][]string
		storeDown      bool
		storeOther     error
		wantStatus     int
		wantError      string // JSON body's error
		wantChallenge  string // "" means no WWW-Authenticate header
		wantRetryAfter string
	}{
		{name: "accepted", header: bearer("valid"), wantStatus: 200},
		{name: "no token", wantStatus: 401, wantError: "unauthorized", wantChallenge: `Bearer realm="files"`},
		{name: "malformed", header: bearer("a b"), wantStatus: 400, wantError: "invalid_request", wantChallenge: `Bearer realm="files", error="invalid_request"`},
		{name: "bad token", header: bearer("forged"), wantStatus: 401, wantError: "invalid_token", wantChallenge: `Bearer realm="files", error="invalid_token"`},
		{name: "expired", header: bearer("expired"), wantStatus: 401, wantError: "invalid_token", wantChallenge: `Bearer realm="files", error="invalid_token"`},
		{name: "revoked", header: bearer("revoked"), wantStatus: 401, wantError: "invalid_token", wantChallenge: `Bearer realm="files", error="invalid_token"`},
		{name: "store unavailable", header: bearer("valid"), storeDown: true, wantStatus: 503, wantError: "temporarily_unavailable", wantRetryAfter: "3"},
		{name: "store unavailable, revoked token", header: bearer("revoked"), storeDown: true, wantStatus: 503, wantError: "temporarily_unavailable", wantRetryAfter: "3"},
		{name: "store error outside the contract fails closed", header: bearer("valid"), storeOther: errors.New("boom"), wantStatus: 503, wantError: "temporarily_unavailable", wantRetryAfter: "3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mw, store := newTestMiddleware(t, Config{Realm: "files", RetryAfter: 2500 * time.Millisecond})
			store.unavailable = tc.storeDown
			store.other = tc.storeOther
			srv := serve(t, mw.Require(whoami))
			res := call(t, srv, "GET", "/", tc.header, "")
			require.Equal(t, tc.wantStatus, res.status)
			if tc.wantStatus == 200 {
				assert.Equal(t, "sub=alice", res.body)
				return
			}
			assert.Equal(t, "application/json", res.header.Get("Content-Type"))
			assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
			var body map[string]string
			require.NoError(t, json.Unmarshal([]byte(res.body), &body), res.body)
			assert.Equal(t, map[string]string{"error": tc.wantError}, body)
			if tc.wantChallenge == "" {
				assert.Empty(t, res.header.Values("WWW-Authenticate"))
			} else {
				assert.Equal(t, []string{tc.wantChallenge}, res.header.Values("WWW-Authenticate"))
			}
			assert.Equal(t, tc.wantRetryAfter, res.header.Get("Retry-After"))
		})
	}
}

func TestOptional(t *testing.T) {
	cases := []struct {
		name       string
		header     map[string][]string
		storeDown  bool
		wantStatus int
		wantBody   string
	}{
		{name: "no token goes on anonymous", wantStatus: 200, wantBody: "anonymous"},
		{name: "Basic scheme goes on anonymous", header: map[string][]string{"Authorization": {"Basic eDp5"}}, wantStatus: 200, wantBody: "anonymous"},
		{name: "valid token carries a session", header: bearer("valid"), wantStatus: 200, wantBody: "sub=alice"},
		{name: "bad token still rejected", header: bearer("forged"), wantStatus: 401},
		{name: "expired token still rejected", header: bearer("expired"), wantStatus: 401},
		{name: "revoked token still rejected", header: bearer("revoked"), wantStatus: 401},
		{name: "malformed header still rejected", header: bearer("a b"), wantStatus: 400},
		{name: "store down with a token", header: bearer("valid"), storeDown: true, wantStatus: 503},
		{name: "store down without a token", storeDown: true, wantStatus: 200, wantBody: "anonymous"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mw, store := newTestMiddleware(t, Config{})
			store.unavailable = tc.storeDown
			srv := serve(t, mw.Optional(whoami))
			res := call(t, srv, "GET", "/", tc.header, "")
			assert.Equal(t, tc.wantStatus, res.status)
			if tc.wantBody != "" {
				assert.Equal(t, tc.wantBody, res.body)
			}
		})
	}
}

func TestSkipRevocationCheck(t *testing.T) {
	mw, store := newTestMiddleware(t, Config{InsecureSkipRevocationCheck: true})
	srv := serve(t, mw.Require(whoami))
	res := call(t, srv, "GET", "/", bearer("revoked"), "")
	assert.Equal(t, 200, res.status, "without a store a revoked token is accepted, which is why it must be named")
	assert.Zero(t, store.calls)
}

// TestLogsNeverHoldToken: every rejection is logged with its cause, and
// neither the token nor the full session ID appears.
func TestLogsNeverHoldToken(t *testing.T) {
	var logs logBuffer
	mw, store := newTestMiddleware(t, Config{Logger: logs.logger()})
	srv := serve(t, mw.Require(whoami))

	secret := "forged.Zm9yZ2VkLXNlY3JldA"
	call(t, srv, "GET", "/path?q=1", bearer(secret), "")
	call(t, srv, "GET", "/", bearer(secret+"!"), "")
	call(t, srv, "GET", "/", bearer("revoked"), "")
	store.unavailable = true
	call(t, srv, "GET", "/", bearer("valid"), "")

	out := logs.String()
	assert.NotContains(t, out, "Zm9yZ2Vk")
	assert.NotContains(t, out, "revoked\"")
	assert.NotContains(t, out, sidRevoked.Base64())
	assert.NotContains(t, out, sidAlice.Base64())
	assert.NotContains(t, out, "q=1")
	assert.Contains(t, out, "reason=invalid_token")
	assert.Contains(t, out, "token: bad signature")
	assert.Contains(t, out, "reason=malformed_request")
	assert.Contains(t, out, "reason=revoked")
	assert.Contains(t, out, "session="+sidRevoked.String())
	assert.Contains(t, out, "level=ERROR")
	assert.Contains(t, out, "reason=store_unavailable")
	assert.Contains(t, out, "path=/path")
	assert.Equal(t, 4, strings.Count(out, "middleware: request rejected"))
}

// TestNestedVerifiesOnce: a guard inside Require of the same Middleware
// does not verify or check revocation again; one from another Middleware
// does.
func TestNestedVerifiesOnce(t *testing.T) {
	var counter Counter
	mw, store := newTestMiddleware(t, Config{Hook: &counter})
	srv := serve(t, mw.Require(mw.RequireRoles("user")(mw.Require(whoami))))
	res := call(t, srv, "GET", "/", bearer("valid"), "")
	require.Equal(t, 200, res.status)
	assert.Equal(t, 1, store.calls)
	assert.Equal(t, uint64(1), counter.Accepted())

	other, store2 := newTestMiddleware(t, Config{})
	srv2 := serve(t, mw.Require(other.Require(whoami)))
	res = call(t, srv2, "GET", "/", bearer("valid"), "")
	require.Equal(t, 200, res.status)
	assert.Equal(t, 2, store.calls)
	assert.Equal(t, 1, store2.calls)
}

func TestNilHandlerPanicsAtWrap(t *testing.T) {
	mw, _ := newTestMiddleware(t, Config{})
	assert.Panics(t, func() { mw.Require(nil) })
	assert.Panics(t, func() { mw.Optional(nil) })
	assert.Panics(t, func() { mw.RequireRoles("admin")(nil) })
}

// TestCanceledRequestNotLoggedAsOutage: a store error on a request whose
// client went away is still a 503, but logged at Debug, not Error.
func TestCanceledRequestNotLoggedAsOutage(t *testing.T) {
	var logs logBuffer
	mw, store := newTestMiddleware(t, Config{Logger: logs.logger()})
	store.other = context.Canceled
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer valid")
	rec := httptest.NewRecorder()
	mw.Require(whoami).ServeHTTP(rec, req)
	assert.Equal(t, 503, rec.Code)
	assert.Contains(t, logs.String(), "level=DEBUG")
	assert.NotContains(t, logs.String(), "level=ERROR")
}
