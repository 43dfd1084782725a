package sessiontoken_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/sessiontoken/sessiontoken"
	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
)

// The lifecycle of one session: login, verify, refresh, logout. A fixed key
// and a fixed clock make the output stable; a service loads its keys with
// keys.LoadFile and keeps the real clock.
func ExampleManager() {
	ctx := context.Background()
	key, _ := keys.NewV4Local([]byte("an example key, 32 bytes long!!!"))
	set, _ := keys.NewSet(key)
	now := time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store, _ := revocation.NewMemory(revocation.MemoryConfig{Now: clock})
	defer store.Close()

	mgr, err := sessiontoken.New(sessiontoken.Config{
		Keys: set, Revocations: store,
		Issuer: "https://api.example.com", Audience: []string{"mobile"},
		Now: clock,
	})
	if err != nil {
		panic(err)
	}

	// POST /login, after checking the password.
	pair, _ := mgr.Login(ctx, sessiontoken.Subject{ID: "alice", Roles: []string{"user"}})
	fmt.Println("access token until: ", pair.AccessExpiresAt)
	fmt.Println("refresh token until:", pair.RefreshExpiresAt)

	// Every request (mgr.Middleware() does this for net/http).
	claims, err := mgr.Verify(ctx, pair.AccessToken)
	fmt.Println("verified:", claims.Subject, claims.Roles, err)

	// POST /refresh, ten minutes later: same session, new tokens.
	now = now.Add(10 * time.Minute)
	next, _ := mgr.Refresh(ctx, pair.RefreshToken)
	fmt.Println("same session:", next.SessionID == pair.SessionID)

	// POST /logout: every token of the session stops working.
	_ = mgr.Logout(ctx, claims)
	_, err = mgr.Verify(ctx, next.AccessToken)
	fmt.Println("after logout:", errors.Is(err, sessiontoken.ErrRevoked))
	_, err = mgr.Refresh(ctx, next.RefreshToken)
	fmt.Println("refresh after logout:", errors.Is(err, sessiontoken.ErrRevoked))

	// Output:
	// access token until:  2030-01-02 09:15:00 +0000 UTC
	// refresh token until: 2030-02-01 09:00:00 +0000 UTC
	// verified: alice [user] <nil>
	// same session: true
	// after logout: true
	// refresh after logout: true
}

// Protecting routes: the Manager's middleware verifies the bearer token,
// checks revocation and puts the claims in the request context.
func ExampleManager_Middleware() {
	ctx := context.Background()
	key, _ := keys.NewV4Local([]byte("an example key, 32 bytes long!!!"))
	set, _ := keys.NewSet(key)
	store, _ := revocation.NewMemory(revocation.MemoryConfig{})
	defer store.Close()
	mgr, err := sessiontoken.New(sessiontoken.Config{Keys: set, Revocations: store})
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	mux.Handle("GET /me", mgr.Middleware().Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.SessionFrom(r.Context())
		fmt.Fprintf(w, "hello %s", claims.Subject)
	})))
	mux.Handle("GET /admin", mgr.Middleware().RequireRoles("admin")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "admin area")
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path, token string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Printf("GET %s: %d %s\n", path, resp.StatusCode, strings.TrimSpace(string(body)))
	}

	pair, _ := mgr.Login(ctx, sessiontoken.Subject{ID: "alice", Roles: []string{"user"}})
	get("/me", pair.AccessToken)
	get("/me", "")
	get("/admin", pair.AccessToken)
	claims, _ := mgr.Verify(ctx, pair.AccessToken)
	_ = mgr.Logout(ctx, claims)
	get("/me", pair.AccessToken)

	// Output:
	// GET /me: 200 hello alice
	// GET /me: 401 {"error":"unauthorized"}
	// GET /admin: 403 {"error":"insufficient_scope"}
	// GET /me: 401 {"error":"invalid_token"}
}
