package middleware

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/token"
)

func TestGuards(t *testing.T) {
	var counter Counter
	mw, _ := newTestMiddleware(t, Config{Hook: &counter})
	mux := http.NewServeMux()
	mux.Handle("/admin", mw.RequireRoles("admin")(whoami))
	mux.Handle("/admin-and-user", mw.RequireRoles("admin", "user")(whoami))
	mux.Handle("/any", mw.RequireAnyRole("admin", "auditor")(whoami))
	mux.Handle("/write", mw.RequireScopes("read", "write")(whoami))
	mux.Handle("/optional-then-admin", mw.Optional(mw.RequireRoles("admin")(whoami)))
	srv := serve(t, mux)

	cases := []struct {
		name          string
		path          string
		header        map[string][]string
		wantStatus    int
		wantChallenge string
	}{
		{name: "role present", path: "/admin", header: bearer("admin"), wantStatus: 200},
		{name: "role missing", path: "/admin", header: bearer("valid"), wantStatus: 403,
			wantChallenge: `Bearer realm="api", error="insufficient_scope", scope="admin"`},
		{name: "all roles present", path: "/admin-and-user", header: bearer("admin"), wantStatus: 200},
		{name: "one of all roles missing", path: "/admin-and-user", header: bearer("valid"), wantStatus: 403,
			wantChallenge: `Bearer realm="api", error="insufficient_scope", scope="admin user"`},
		{name: "any role present", path: "/any", header: bearer("admin"), wantStatus: 200},
		{name: "no role of any", path: "/any", header: bearer("valid"), wantStatus: 403,
			wantChallenge: `Bearer realm="api", error="insufficient_scope", scope="admin auditor"`},
		{name: "all scopes present", path: "/write", header: bearer("admin"), wantStatus: 200},
		{name: "scope missing", path: "/write", header: bearer("valid"), wantStatus: 403,
			wantChallenge: `Bearer realm="api", error="insufficient_scope", scope="read write"`},
		{name: "guard alone authenticates: no token", path: "/admin", wantStatus: 401, wantChallenge: `Bearer realm="api"`},
		{name: "guard alone authenticates: bad token", path: "/admin", header: bearer("forged"), wantStatus: 401,
			wantChallenge: `Bearer realm="api", error="invalid_token"`},
		{name: "guard alone authenticates: revoked", path: "/write", header: bearer("revoked"), wantStatus: 401,
			wantChallenge: `Bearer realm="api", error="invalid_token"`},
		{name: "optional without token then guard", path: "/optional-then-admin", wantStatus: 401, wantChallenge: `Bearer realm="api"`},
		{name: "optional with token then guard", path: "/optional-then-admin", header: bearer("admin"), wantStatus: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := call(t, srv, "GET", tc.path, tc.header, "")
			assert.Equal(t, tc.wantStatus, res.status)
			if tc.wantStatus == 200 {
				assert.Contains(t, res.body, "sub=")
				return
			}
			assert.Equal(t, []string{tc.wantChallenge}, res.header.Values("WWW-Authenticate"))
			if tc.wantStatus == 403 {
				assert.JSONEq(t, `{"error":"insufficient_scope"}`, res.body)
			}
		})
	}
	assert.Equal(t, uint64(4), counter.Rejected(ReasonInsufficientScope))
}

func TestGuardPanicsOnBadNames(t *testing.T) {
	mw, _ := newTestMiddleware(t, Config{})
	for name, f := range map[string]func(){
		"no roles":        func() { mw.RequireRoles() },
		"empty role":      func() { mw.RequireRoles("") },
		"role w/ space":   func() { mw.RequireAnyRole("a b") },
		"scope w/ quote":  func() { mw.RequireScopes(`a"`) },
		"scope w/ bslash": func() { mw.RequireScopes(`a\`) },
		"non-ASCII":       func() { mw.RequireScopes("é") },
	} {
		assert.Panics(t, f, name)
	}
	require.NotPanics(t, func() { mw.RequireScopes("files:read", "https://api.example.com/x") })
}

func TestSatisfies(t *testing.T) {
	c := &token.Claims{Roles: []string{"a", "b"}}
	has := func(need []string, all bool) bool { return satisfies(c, need, all, (*token.Claims).HasRole) }
	assert.True(t, has([]string{"a"}, true))
	assert.True(t, has([]string{"a", "b"}, true))
	assert.False(t, has([]string{"a", "c"}, true))
	assert.False(t, has([]string{"c"}, true))
	assert.True(t, has([]string{"c", "b"}, false))
	assert.True(t, has([]string{"a"}, false))
	assert.False(t, has([]string{"c", "d"}, false))
}
