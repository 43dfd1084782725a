// Command api is a small JSON API that logs users in with sessiontoken:
// login, a protected route, refresh with rotation and reuse detection,
// logout, logout everywhere, a privilege change (step-up) and a health
// check. It runs on a fresh machine with only Go:
//
//	go run ./examples/api
//
// With no configuration it keeps revocations in memory and generates a
// development key at start (tokens die with the process). Environment:
//
//	ADDR        listen address (default 127.0.0.1:8080)
//	KEYS_FILE   a key-set file (keys.WatchFile: reloaded when it changes)
//	            instead of a development key
//	REDIS_ADDR  host:port of a Redis server for the revocation list, shared
//	            by every instance (default: in memory, this process only)
//	REDIS_PREFIX  key prefix in Redis (default: the library's)
//
// README.md in this directory walks through it with curl.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/sessiontoken/sessiontoken"
	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

// run starts the server and blocks until ctx is done, then shuts down
// gracefully: in-flight requests get shutdownGrace to finish. ready, when
// not nil, is called with the address once the server listens.
func run(ctx context.Context, getenv func(string) string, stderr io.Writer, ready func(addr string)) error {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	addr := getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}

	ring, closeKeys, err := loadKeys(getenv("KEYS_FILE"), log)
	if err != nil {
		return err
	}
	defer closeKeys()
	store, closeStore, err := openStore(ctx, storeConfig{RedisAddr: getenv("REDIS_ADDR"), RedisPrefix: getenv("REDIS_PREFIX")}, log)
	if err != nil {
		return err
	}
	defer closeStore()

	mgr, err := newManager(ring, store, log, nil)
	if err != nil {
		return err
	}
	users := demoUsers()
	fmt.Fprintln(stderr, "Demo users (development only):")
	for _, u := range users {
		fmt.Fprintf(stderr, "  %-6s password %q  roles %v  step-up roles %v\n", u.id, u.password, u.roles, u.stepUp)
	}

	srv := &http.Server{
		Handler:           newHandler(mgr, store, users, log, time.Now),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", "http://"+ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

const shutdownGrace = 10 * time.Second

// loadKeys returns the keys and a function that releases them: the
// key-set file at path, reloaded when it changes (a rotated mounted
// secret), or a fresh development key when path is empty.
func loadKeys(path string, log *slog.Logger) (keys.Provider, func(), error) {
	if path != "" {
		src, err := keys.WatchFile(path, keys.FileSourceConfig{
			// Access and refresh tokens are both v4.local here: a file
			// without a v4.local key that can issue is refused.
			UsableConfig: keys.UsableConfig{PrimaryFor: []keys.Algorithm{keys.V4Local}},
			Logger:       log,
		})
		if err != nil {
			return nil, nil, err
		}
		log.Info("keys loaded; the file is watched for changes", "file", path, "keys", src.Current().Len())
		return src, func() { _ = src.Close() }, nil
	}
	k, err := keys.Generate(keys.V4Local)
	if err != nil {
		return nil, nil, err
	}
	set, err := keys.NewSet(k)
	if err != nil {
		return nil, nil, err
	}
	log.Warn("!!! DEVELOPMENT KEY: generated at start and never saved; every token dies with this process and no other instance can verify it. Set KEYS_FILE for anything real. !!!", "kid", k.ID())
	return set, func() {}, nil
}

// newManager is the Manager both main and the tests use. now may be nil.
func newManager(ring keys.Provider, store revocation.Store, log *slog.Logger, now func() time.Time) (*sessiontoken.Manager, error) {
	return sessiontoken.New(sessiontoken.Config{
		Keys:        ring,
		Revocations: store,
		Issuer:      "sessiontoken-example-api",
		Audience:    []string{"sessiontoken-example-api"},
		AccessTTL:   15 * time.Minute,
		IdleTimeout: 7 * 24 * time.Hour,
		// AbsoluteTimeout keeps its default (90 days); RefreshGrace its
		// 5 seconds.
		Logger:     log,
		Now:        now,
		Middleware: middleware.Config{Realm: "example", Logger: log},
	})
}

// user is a demo account. A real service stores a password hash (argon2id,
// bcrypt, scrypt), never the password.
type user struct {
	id, name, password string
	roles              []string
	stepUp             []string // roles added by POST /reissue after re-entering the password
}

func demoUsers() []user {
	return []user{
		{id: "alice", name: "Alice", password: "alice-demo-password", roles: []string{"user"}, stepUp: []string{"admin"}},
		{id: "bob", name: "Bob", password: "bob-demo-password", roles: []string{"user"}},
	}
}

// server holds the handlers' dependencies.
type server struct {
	mgr   *sessiontoken.Manager
	users map[string]user
	log   *slog.Logger
	now   func() time.Time // the Manager's clock, for expires_in
	store revocation.Store // for /healthz
}

// newHandler returns the API's routes. main serves it; the tests serve it
// through httptest.NewServer. store is the Manager's revocation store and
// now the clock the Manager was given.
func newHandler(mgr *sessiontoken.Manager, store revocation.Store, users []user, log *slog.Logger, now func() time.Time) http.Handler {
	s := &server{mgr: mgr, users: map[string]user{}, log: log, now: now, store: store}
	for _, u := range users {
		s.users[u.id] = u
	}
	mw := mgr.Middleware()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /refresh", s.refresh)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /me", mw.Require(http.HandlerFunc(s.me)))
	mux.Handle("GET /admin", mw.RequireRoles("admin")(http.HandlerFunc(s.admin)))
	mux.Handle("POST /logout", mw.Require(http.HandlerFunc(s.logout)))
	mux.Handle("POST /logout-all", mw.Require(http.HandlerFunc(s.logoutAll)))
	mux.Handle("POST /reissue", mw.Require(http.HandlerFunc(s.reissue)))
	return mux
}

// tokenResponse is the body of a successful /login, /refresh or /reissue,
// in the shape of an OAuth 2.0 token response (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
}

func (s *server) writePair(w http.ResponseWriter, p sessiontoken.Pair) {
	now := s.now()
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken:      p.AccessToken,
		TokenType:        "Bearer",
		ExpiresIn:        int64(p.AccessExpiresAt.Sub(now).Round(time.Second) / time.Second),
		RefreshToken:     p.RefreshToken,
		RefreshExpiresIn: int64(p.RefreshExpiresAt.Sub(now).Round(time.Second) / time.Second),
	})
}

// login checks a demo password and starts a session.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	u, ok := s.checkPassword(req.Username, req.Password)
	if !ok {
		writeError(w, http.StatusUnauthorized, "invalid_credentials", "wrong username or password")
		return
	}
	p, err := s.mgr.Login(r.Context(), s.subject(u, nil))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writePair(w, p)
}

// checkPassword compares in constant time, and does the same work for an
// unknown user, so the response time tells nothing about which usernames
// exist.
func (s *server) checkPassword(username, password string) (user, bool) {
	u, known := s.users[username]
	stored := "no such user: compare against something anyway"
	if known {
		stored = u.password
	}
	a, b := sha256.Sum256([]byte(password)), sha256.Sum256([]byte(stored))
	match := subtle.ConstantTimeCompare(a[:], b[:]) == 1
	return u, known && match
}

func (s *server) subject(u user, extra []string) sessiontoken.Subject {
	data, _ := json.Marshal(map[string]string{"name": u.name})
	return sessiontoken.Subject{ID: u.id, Roles: append(slices.Clone(u.roles), extra...), Scopes: []string{"profile"}, Data: data}
}

// refresh exchanges a refresh token for a new pair.
func (s *server) refresh(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	p, err := s.mgr.Refresh(r.Context(), req.RefreshToken)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writePair(w, p)
}

// me shows the verified session.
func (s *server) me(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	var data struct {
		Name string `json:"name"`
	}
	_ = c.DecodeData(&data)
	writeJSON(w, http.StatusOK, map[string]any{
		"subject":    c.Subject,
		"name":       data.Name,
		"roles":      c.Roles,
		"scopes":     c.Scopes,
		"session":    c.SessionID.String(), // shortened: never echo full IDs into logs or pages
		"expires_at": c.ExpiresAt,
	})
}

func (s *server) admin(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{"message": "hello, admin " + c.Subject})
}

// logout ends this session.
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	if err := s.mgr.Logout(r.Context(), c); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// logoutAll ends every session of the user, on every device.
func (s *server) logoutAll(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	if err := s.mgr.LogoutAll(r.Context(), c.Subject); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// reissue is a privilege change: after re-entering the password
// (step-up authentication) the user gets a new session with their step-up
// roles, and the old session, with the old roles, is revoked.
func (s *server) reissue(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	var req struct {
		Password string `json:"password"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	u, ok := s.checkPassword(c.Subject, req.Password)
	if !ok {
		writeError(w, http.StatusUnauthorized, "invalid_credentials", "wrong password")
		return
	}
	p, err := s.mgr.Reissue(r.Context(), c, s.subject(u, u.stepUp))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writePair(w, p)
}

// healthz answers 200 when the server can authenticate requests: with
// Redis, once the revocation mirror is loaded and current; 503 otherwise,
// so a load balancer sends traffic elsewhere.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	if hr, ok := s.store.(healthReporter); ok {
		if err := hr.Health().Err; err != nil {
			s.log.Warn("unhealthy: revocation store", "error", err)
			w.Header().Set("Retry-After", "5")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// fail maps the Manager's errors to responses. The detail goes to the log;
// the client gets a code it can act on.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, sessiontoken.ErrUnavailable):
		s.log.Error("revocation store unavailable", "path", r.URL.Path, "error", err)
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again shortly")
	case errors.Is(err, sessiontoken.ErrRefreshReused):
		s.log.Warn("refresh token reuse: session revoked", "error", err)
		writeError(w, http.StatusBadRequest, "invalid_grant", "refresh token reused; the session was revoked, log in again")
	case errors.Is(err, sessiontoken.ErrSessionExpired):
		writeError(w, http.StatusBadRequest, "invalid_grant", "session expired, log in again")
	case errors.Is(err, sessiontoken.ErrRevoked):
		writeError(w, http.StatusBadRequest, "invalid_grant", "session revoked, log in again")
	case errors.Is(err, sessiontoken.ErrInvalidToken):
		s.log.Info("invalid refresh token", "error", err)
		writeError(w, http.StatusBadRequest, "invalid_grant", "invalid refresh token")
	default:
		s.log.Error("request failed", "path", r.URL.Path, "error", err)
		writeError(w, http.StatusInternalServerError, "server_error", "internal error")
	}
}

// maxBody bounds request bodies: they hold a username and password or one
// token.
const maxBody = 8 << 10

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "body must be a small JSON object with the documented fields")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store") // tokens must not be cached (RFC 6749 §5.1)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}
