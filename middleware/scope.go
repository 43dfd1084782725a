package middleware

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/sessiontoken/sessiontoken/token"
)

// RequireRoles returns a guard that lets a request through only if its
// session holds every one of roles. It authenticates the request itself
// when it is not already inside Require or Optional of this Middleware
// (with the same answers as [Middleware.Require]), so a route can use it
// alone:
//
//	mux.Handle("DELETE /users/{id}", mw.RequireRoles("admin")(deleteUser))
//
// A session without a required role gets 403 with
// `WWW-Authenticate: Bearer realm="…", error="insufficient_scope",
// scope="…"` naming the required roles (RFC 6750 §3.1). The guard checks
// only the roles the token carries; it does not look them up anywhere.
//
// RequireRoles panics, when called, if roles is empty or a role is not an
// RFC 6749 scope token (printable ASCII without space, '"' or '\'): like
// http.ServeMux.Handle with a bad pattern, this is a programming error
// that shows at startup, never per request.
func (m *Middleware) RequireRoles(roles ...string) func(http.Handler) http.Handler {
	return m.guard("RequireRoles", roles, true, (*token.Claims).HasRole)
}

// RequireAnyRole is like [Middleware.RequireRoles] but is satisfied by any
// one of roles. The 403 challenge's scope attribute lists them all.
func (m *Middleware) RequireAnyRole(roles ...string) func(http.Handler) http.Handler {
	return m.guard("RequireAnyRole", roles, false, (*token.Claims).HasRole)
}

// RequireScopes is like [Middleware.RequireRoles] for the token's scopes:
// the session must hold every one of scopes, as OAuth scopes combine.
func (m *Middleware) RequireScopes(scopes ...string) func(http.Handler) http.Handler {
	return m.guard("RequireScopes", scopes, true, (*token.Claims).HasScope)
}

// guard builds one role or scope guard. The names and the challenge are
// copied and formatted once, here, so that the per-request check is a
// loop over short slices.
func (m *Middleware) guard(fn string, names []string, all bool, has func(*token.Claims, string) bool) func(http.Handler) http.Handler {
	if len(names) == 0 {
		panic("middleware: " + fn + " called without names")
	}
	for _, n := range names {
		if !isScopeToken(n) {
			panic(fmt.Sprintf("middleware: %s: %q is not a valid scope token", fn, n))
		}
	}
	need := append([]string(nil), names...)
	challenge := m.chNoToken + `, error="insufficient_scope", scope="` + strings.Join(need, " ") + `"`
	return func(next http.Handler) http.Handler {
		mustHandler(fn, next)
		check := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sc := sessionOf(r.Context())
			if sc == nil || !satisfies(&sc.claims, need, all, has) {
				var ev Event
				if sc != nil {
					ev.Session = &sc.claims
				}
				m.reject(w, r, ReasonInsufficientScope,
					fmt.Errorf("%w: %s(%s)", ErrInsufficientScope, fn, strings.Join(need, ", ")), challenge, ev)
				return
			}
			next.ServeHTTP(w, r)
		})
		return m.Require(check)
	}
}

func satisfies(c *token.Claims, need []string, all bool, has func(*token.Claims, string) bool) bool {
	for _, n := range need {
		if has(c, n) != all {
			// all: one missing fails; any: one present succeeds.
			return !all
		}
	}
	return all
}

// isScopeToken reports whether s is an RFC 6749 §3.3 scope-token:
// 1*( %x21 / %x23-5B / %x5D-7E ), safe inside the challenge's quotes.
func isScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
