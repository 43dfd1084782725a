package middleware

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var cookieNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func cookieConfig() Config {
	return Config{CookieTransport: true, Now: func() time.Time { return cookieNow }}
}

func TestSetCookieAttributes(t *testing.T) {
	cases := []struct {
		name       string
		cfg        func(*Config)
		expires    time.Time
		wantHeader string
	}{
		{name: "default", expires: cookieNow.Add(15 * time.Minute),
			wantHeader: "__Host-session=valid; Path=/; Expires=Wed, 02 Jan 2030 03:19:05 GMT; Max-Age=900; HttpOnly; Secure; SameSite=Lax"},
		{name: "strict", cfg: func(c *Config) { c.CookieSameSite = http.SameSiteStrictMode }, expires: cookieNow.Add(time.Second),
			wantHeader: "__Host-session=valid; Path=/; Expires=Wed, 02 Jan 2030 03:04:06 GMT; Max-Age=1; HttpOnly; Secure; SameSite=Strict"},
		{name: "Max-Age rounds up", expires: cookieNow.Add(1500 * time.Millisecond),
			wantHeader: "__Host-session=valid; Path=/; Expires=Wed, 02 Jan 2030 03:04:06 GMT; Max-Age=2; HttpOnly; Secure; SameSite=Lax"},
		{name: "session cookie", wantHeader: "__Host-session=valid; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{name: "custom __Host- name", cfg: func(c *Config) { c.CookieName = "__Host-app" },
			wantHeader: "__Host-app=valid; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{name: "insecure development cookie", cfg: func(c *Config) { c.InsecureCookie = true },
			wantHeader: "session=valid; Path=/; HttpOnly; SameSite=Lax"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cookieConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			mw, _ := newTestMiddleware(t, cfg)
			rec := httptest.NewRecorder()
			require.NoError(t, mw.SetCookie(rec, "valid", tc.expires))
			assert.Equal(t, []string{tc.wantHeader}, rec.Header().Values("Set-Cookie"))
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		})
	}
}

func TestSetCookieKeepsCacheControl(t *testing.T) {
	mw, _ := newTestMiddleware(t, cookieConfig())
	rec := httptest.NewRecorder()
	rec.Header().Set("Cache-Control", "private, no-store")
	require.NoError(t, mw.SetCookie(rec, "valid", time.Time{}))
	assert.Equal(t, "private, no-store", rec.Header().Get("Cache-Control"))
}

func TestClearCookie(t *testing.T) {
	mw, _ := newTestMiddleware(t, cookieConfig())
	rec := httptest.NewRecorder()
	require.NoError(t, mw.ClearCookie(rec))
	assert.Equal(t, []string{"__Host-session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax"},
		rec.Header().Values("Set-Cookie"))
}

func TestSetCookieErrors(t *testing.T) {
	off, _ := newTestMiddleware(t, Config{})
	rec := httptest.NewRecorder()
	assert.ErrorIs(t, off.SetCookie(rec, "valid", time.Time{}), ErrCookieDisabled)
	assert.ErrorIs(t, off.ClearCookie(rec), ErrCookieDisabled)

	mw, _ := newTestMiddleware(t, cookieConfig())
	assert.ErrorIs(t, mw.SetCookie(rec, "a;b", time.Time{}), ErrMalformedRequest)
	assert.ErrorIs(t, mw.SetCookie(rec, "", time.Time{}), ErrMalformedRequest)
	assert.ErrorIs(t, mw.SetCookie(rec, strings.Repeat("a", DefaultMaxTokenLength+1), time.Time{}), ErrMalformedRequest)
	err := mw.SetCookie(rec, "valid", cookieNow)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not in the future")
	assert.Empty(t, rec.Header().Values("Set-Cookie"), "nothing written on error")
}

func cookieHeader(v string) map[string][]string {
	return map[string][]string{"Cookie": {v}}
}

func TestCookieTransport(t *testing.T) {
	cases := []struct {
		name       string
		cookieOff  bool
		header     map[string][]string
		wantStatus int
		wantBody   string
	}{
		{name: "cookie accepted", header: cookieHeader("__Host-session=valid"), wantStatus: 200, wantBody: "sub=alice"},
		{name: "among other cookies", header: cookieHeader("a=1; __Host-session=valid; b=2"), wantStatus: 200, wantBody: "sub=alice"},
		{name: "cookie ignored when the transport is off", cookieOff: true, header: cookieHeader("__Host-session=valid"), wantStatus: 401},
		{name: "other name ignored", header: cookieHeader("session=valid"), wantStatus: 401},
		{name: "expired token in cookie", header: cookieHeader("__Host-session=expired"), wantStatus: 401},
		{name: "revoked token in cookie", header: cookieHeader("__Host-session=revoked"), wantStatus: 401},
		{name: "two session cookies", header: cookieHeader("__Host-session=valid; __Host-session=admin"), wantStatus: 400},
		{name: "two Cookie headers each with the session", header: map[string][]string{"Cookie": {"__Host-session=valid", "__Host-session=valid"}}, wantStatus: 400},
		{name: "non-b64token cookie value", header: cookieHeader("__Host-session=val!d"), wantStatus: 400},
		{name: "empty cookie value", header: cookieHeader("__Host-session="), wantStatus: 400},
		{name: "header and cookie both present", header: map[string][]string{"Authorization": {"Bearer valid"}, "Cookie": {"__Host-session=valid"}}, wantStatus: 400},
		{name: "header and cookie with different tokens", header: map[string][]string{"Authorization": {"Bearer admin"}, "Cookie": {"__Host-session=valid"}}, wantStatus: 400},
		{name: "Basic header does not conflict with cookie", header: map[string][]string{"Authorization": {"Basic eDp5"}, "Cookie": {"__Host-session=valid"}}, wantStatus: 200, wantBody: "sub=alice"},
		{name: "header alone in cookie mode", header: bearer("admin"), wantStatus: 200, wantBody: "sub=root"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cookieConfig()
			if tc.cookieOff {
				cfg = Config{}
			}
			mw, _ := newTestMiddleware(t, cfg)
			srv := serve(t, mw.Require(whoami))
			res := call(t, srv, "GET", "/", tc.header, "")
			assert.Equal(t, tc.wantStatus, res.status)
			if tc.wantBody != "" {
				assert.Equal(t, tc.wantBody, res.body)
			}
			if tc.wantStatus == 400 {
				assert.Equal(t, `Bearer realm="api", error="invalid_request"`, res.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestCrossOriginCookieRequests: unsafe requests authenticated by the
// cookie must come from our own origin or a trusted one.
func TestCrossOriginCookieRequests(t *testing.T) {
	mw, store := newTestMiddleware(t, Config{CookieTransport: true, TrustedOrigins: []string{"https://app.example.com"}})
	srv := serve(t, mw.Require(whoami))
	self := srv.URL // http://127.0.0.1:port, the Host the server sees

	cases := []struct {
		name       string
		method     string
		fetchSite  string
		origin     string
		useHeader  bool
		wantStatus int
	}{
		{name: "POST same-origin", method: "POST", fetchSite: "same-origin", origin: self, wantStatus: 200},
		{name: "POST user-initiated (none)", method: "POST", fetchSite: "none", wantStatus: 200},
		{name: "POST cross-site", method: "POST", fetchSite: "cross-site", origin: "https://evil.example", wantStatus: 403},
		{name: "POST same-site sibling subdomain", method: "POST", fetchSite: "same-site", origin: "https://other.example.com", wantStatus: 403},
		{name: "PUT cross-site", method: "PUT", fetchSite: "cross-site", wantStatus: 403},
		{name: "PATCH cross-site", method: "PATCH", fetchSite: "cross-site", wantStatus: 403},
		{name: "DELETE cross-site", method: "DELETE", fetchSite: "cross-site", wantStatus: 403},
		{name: "POST Origin mismatch without Sec-Fetch-Site", method: "POST", origin: "https://evil.example", wantStatus: 403},
		{name: "POST Origin null", method: "POST", origin: "null", wantStatus: 403},
		{name: "POST Origin matching Host", method: "POST", origin: self, wantStatus: 200},
		{name: "POST without browser headers (not a browser)", method: "POST", wantStatus: 200},
		{name: "POST from trusted origin", method: "POST", fetchSite: "cross-site", origin: "https://app.example.com", wantStatus: 200},
		{name: "GET cross-site is safe", method: "GET", fetchSite: "cross-site", origin: "https://evil.example", wantStatus: 200},
		{name: "HEAD cross-site is safe", method: "HEAD", fetchSite: "cross-site", wantStatus: 200},
		{name: "POST cross-site with bearer header, no cookie", method: "POST", fetchSite: "cross-site", origin: "https://evil.example", useHeader: true, wantStatus: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := store.calls
			h := map[string][]string{}
			if tc.useHeader {
				h["Authorization"] = []string{"Bearer valid"}
			} else {
				h["Cookie"] = []string{"__Host-session=valid"}
			}
			if tc.fetchSite != "" {
				h["Sec-Fetch-Site"] = []string{tc.fetchSite}
			}
			if tc.origin != "" {
				h["Origin"] = []string{tc.origin}
			}
			res := call(t, srv, tc.method, "/", h, "")
			assert.Equal(t, tc.wantStatus, res.status)
			if tc.wantStatus == 403 {
				assert.JSONEq(t, `{"error":"cross_origin_request"}`, res.body)
				assert.Empty(t, res.header.Values("WWW-Authenticate"))
				assert.Equal(t, before, store.calls, "refused before any verification")
			}
		})
	}
}

// TestBrowserFlow: a real TLS server and a cookie jar: login sets the
// cookie, it authenticates, logout clears it.
func TestBrowserFlow(t *testing.T) {
	mw, _ := newTestMiddleware(t, Config{CookieTransport: true})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := mw.SetCookie(w, "valid", time.Now().Add(time.Hour)); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.Handle("POST /logout", mw.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := mw.ClearCookie(w); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})))
	mux.Handle("GET /me", mw.Require(whoami))
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := srv.Client()
	client.Jar = jar
	do := func(method, path string) (int, string) {
		req, err := http.NewRequest(method, srv.URL+path, nil)
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}

	status, _ := do("GET", "/me")
	assert.Equal(t, 401, status)
	status, _ = do("POST", "/login")
	require.Equal(t, 200, status)
	status, body := do("GET", "/me")
	assert.Equal(t, 200, status)
	assert.Equal(t, "sub=alice", body)
	status, _ = do("POST", "/logout")
	require.Equal(t, 200, status)
	status, _ = do("GET", "/me")
	assert.Equal(t, 401, status, "the jar dropped the cleared cookie")
}
