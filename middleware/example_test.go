package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// newStore returns the in-process revocation list; a fleet uses the Redis
// store instead.
func newStore() *revocation.Memory {
	store, err := revocation.NewMemory(revocation.MemoryConfig{})
	if err != nil {
		panic(err)
	}
	return store
}

func Example() {
	// A fixed key and clock keep the example reproducible; a service loads
	// its key set and uses the real clock.
	key, _ := keys.NewV4Local([]byte("an example key, 32 bytes long!!!"))
	set, _ := keys.NewSet(key)
	now := func() time.Time { return time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC) }
	codec, _ := token.New(token.Config{Keys: set, Issuer: "https://api.example.com", Now: now})

	store := newStore()
	defer store.Close()
	mw, err := middleware.New(middleware.Config{Verifier: codec, Revocations: store})
	if err != nil {
		panic(err)
	}
	me := mw.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, _ := middleware.SessionFrom(r.Context())
		fmt.Fprintf(w, "hello %s", sess.Subject)
	}))

	// Without a token.
	rec := httptest.NewRecorder()
	me.ServeHTTP(rec, httptest.NewRequest("GET", "/me", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())

	// With a token, as issued at login.
	tok, err := codec.Issue(token.Claims{Subject: "alice"})
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest("GET", "/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec = httptest.NewRecorder()
	me.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())

	// Output:
	// 401 Bearer realm="api" {"error":"unauthorized"}
	// 200 hello alice
}

func ExampleMiddleware_RequireRoles() {
	key, _ := keys.NewV4Local([]byte("an example key, 32 bytes long!!!"))
	set, _ := keys.NewSet(key)
	codec, _ := token.New(token.Config{Keys: set})
	store := newStore()
	defer store.Close()
	mw, _ := middleware.New(middleware.Config{Verifier: codec, Revocations: store})

	mux := http.NewServeMux()
	mux.Handle("DELETE /users/{id}", mw.RequireRoles("admin")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})))

	for _, roles := range [][]string{{"user"}, {"user", "admin"}} {
		tok, _ := codec.Issue(token.Claims{Subject: "alice", Roles: roles})
		req := httptest.NewRequest("DELETE", "/users/42", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(roles, rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	// Output:
	// [user] 403 Bearer realm="api", error="insufficient_scope", scope="admin"
	// [user admin] 204
}

func ExampleMiddleware_SetCookie() {
	key, _ := keys.NewV4Local([]byte("an example key, 32 bytes long!!!"))
	set, _ := keys.NewSet(key)
	now := func() time.Time { return time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC) }
	codec, _ := token.New(token.Config{Keys: set, Now: now})
	store := newStore()
	defer store.Close()
	mw, _ := middleware.New(middleware.Config{
		Verifier: codec, Revocations: store,
		CookieTransport: true, Now: now,
	})

	// In the login handler, after checking the password:
	tok, _ := codec.Issue(token.Claims{Subject: "alice"})
	claims, _ := codec.Verify(tok)
	rec := httptest.NewRecorder()
	if err := mw.SetCookie(rec, tok, claims.ExpiresAt); err != nil {
		panic(err)
	}
	c := rec.Result().Cookies()[0]
	fmt.Println(c.Name, c.MaxAge, c.Secure, c.HttpOnly, c.SameSite == http.SameSiteLaxMode, c.Path)
	// Output:
	// __Host-session 900 true true true /
}
