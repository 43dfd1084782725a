// Command chi shows sessiontoken behind the go-chi/chi router: the
// Manager's middleware is a plain func(http.Handler) http.Handler, so it
// plugs into r.Use for a whole route group and into r.With for one route.
//
//	cd examples/chi && go run .
//
// It lives in its own Go module (this directory's go.mod) so that the
// library's go.mod never depends on chi. Environment: ADDR, the listen
// address (default 127.0.0.1:8081). The key is a development key generated
// at start and revocations are kept in memory: see examples/api for key
// files, Redis and the whole lifecycle.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/sessiontoken/sessiontoken"
	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Getenv("ADDR"), log); err != nil {
		fmt.Fprintln(os.Stderr, "chi:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr string, log *slog.Logger) error {
	if addr == "" {
		addr = "127.0.0.1:8081"
	}
	mgr, closeMgr, err := newManager(log)
	if err != nil {
		return err
	}
	defer closeMgr()
	srv := &http.Server{
		Addr:              addr,
		Handler:           newRouter(mgr, demoUsers()),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
	}
	log.Warn("development key generated at start: tokens die with this process")
	log.Info("listening", "addr", "http://"+addr)
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// newManager returns a Manager on a fresh development key and an in-memory
// revocation list, and a function that releases the list.
func newManager(log *slog.Logger) (*sessiontoken.Manager, func(), error) {
	k, err := keys.Generate(keys.V4Local)
	if err != nil {
		return nil, nil, err
	}
	set, err := keys.NewSet(k)
	if err != nil {
		return nil, nil, err
	}
	store, err := revocation.NewMemory(revocation.MemoryConfig{})
	if err != nil {
		return nil, nil, err
	}
	mgr, err := sessiontoken.New(sessiontoken.Config{
		Keys:        set,
		Revocations: store,
		Issuer:      "sessiontoken-example-chi",
		Audience:    []string{"sessiontoken-example-chi"},
		Logger:      log,
	})
	if err != nil {
		_ = store.Close()
		return nil, nil, err
	}
	return mgr, func() { _ = store.Close() }, nil
}

// user is a demo account; a real service keeps a password hash.
type user struct {
	password string
	roles    []string
}

func demoUsers() map[string]user {
	return map[string]user{
		"alice": {password: "alice-demo-password", roles: []string{"user", "admin"}},
		"bob":   {password: "bob-demo-password", roles: []string{"user"}},
	}
}

// newRouter returns the routes:
//
//	POST   /login        public: {"username","password"} → token pair
//	POST   /refresh      public: {"refresh_token"} → token pair
//	GET    /me           any session   (group with r.Use(mw.Require))
//	POST   /logout       any session
//	DELETE /users/{id}   role "admin"  (r.With(mw.RequireRoles("admin")))
func newRouter(mgr *sessiontoken.Manager, users map[string]user) http.Handler {
	mw := mgr.Middleware()
	r := chi.NewRouter()
	r.Post("/login", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Username, Password string }
		if !readJSON(w, r, &req) {
			return
		}
		u, ok := users[req.Username]
		a, b := sha256.Sum256([]byte(req.Password)), sha256.Sum256([]byte(u.password))
		if !ok || subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_credentials"})
			return
		}
		p, err := mgr.Login(r.Context(), sessiontoken.Subject{ID: req.Username, Roles: u.roles})
		writePair(w, p, err)
	})
	r.Post("/refresh", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			RefreshToken string `json:"refresh_token"`
		}
		if !readJSON(w, r, &req) {
			return
		}
		p, err := mgr.Refresh(r.Context(), req.RefreshToken)
		writePair(w, p, err)
	})

	// Every route in this group needs a valid, unrevoked access token.
	// Require answers 401 with a WWW-Authenticate challenge otherwise, so
	// the handlers below can rely on SessionFrom.
	r.Group(func(r chi.Router) {
		r.Use(mw.Require)
		r.Get("/me", func(w http.ResponseWriter, r *http.Request) {
			c, _ := middleware.SessionFrom(r.Context())
			writeJSON(w, http.StatusOK, map[string]any{"subject": c.Subject, "roles": c.Roles})
		})
		r.Post("/logout", func(w http.ResponseWriter, r *http.Request) {
			c, _ := middleware.SessionFrom(r.Context())
			if err := mgr.Logout(r.Context(), c); err != nil {
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable"})
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
		// A role guard on one route: 403 insufficient_scope without
		// "admin". Inside the group it reuses the session Require put in
		// the context instead of verifying the token again.
		r.With(mw.RequireRoles("admin")).Delete("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
			c, _ := middleware.SessionFrom(r.Context())
			writeJSON(w, http.StatusOK, map[string]string{"deleted": chi.URLParam(r, "id"), "by": c.Subject})
		})
	})
	return r
}

// writePair answers a login or refresh. Every Manager error but
// ErrUnavailable means "log in again"; the detail stays on the server.
func writePair(w http.ResponseWriter, p sessiontoken.Pair, err error) {
	switch {
	case errors.Is(err, sessiontoken.ErrUnavailable):
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable"})
	case err != nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token":  p.AccessToken,
			"token_type":    "Bearer",
			"expires_in":    int64(time.Until(p.AccessExpiresAt).Round(time.Second) / time.Second),
			"refresh_token": p.RefreshToken,
		})
	}
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
