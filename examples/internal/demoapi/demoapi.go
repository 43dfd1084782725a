package demoapi

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/sessiontoken/sessiontoken"
	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
)

// Issuer is the issuer and audience of the API's tokens.
const Issuer = "sessiontoken-example-api"

// DefaultAccessTTL is the access-token lifetime when Config.AccessTTL is
// zero: the library's default, 15 minutes.
const DefaultAccessTTL = sessiontoken.DefaultAccessTTL

// Config configures New. Keys and Revocations are required; every other
// field has a default.
type Config struct {
	// Keys issue and verify both access and refresh tokens: they must
	// include a v4.local key that can issue.
	Keys keys.Provider

	// Revocations is the revocation list. /healthz reports its health when
	// it has a Health method (revocation.Redis does).
	Revocations revocation.Store

	// Sessions is the session registry behind GET /sessions and
	// DELETE /sessions/{id}. If nil, an in-memory registry (this process
	// only); sessiontoken.NewRedisRegistry shares it across instances.
	Sessions sessiontoken.Registry

	// Users are the accounts that can log in. If nil, DemoUsers().
	Users []User

	// AccessTTL is the access-token lifetime. If zero, DefaultAccessTTL.
	AccessTTL time.Duration

	// RefreshGrace is sessiontoken.Config.RefreshGrace: how long a replaced
	// refresh token is still accepted. If zero, the library's default (5
	// seconds).
	RefreshGrace time.Duration

	// Now is the clock of the Manager and of the expires_in fields. If
	// nil, time.Now. The Revocations store should share it.
	Now func() time.Time

	// Logger receives the server's records (rejected requests, reuse
	// detections, store failures). If nil, nothing is logged.
	Logger *slog.Logger

	// Hook, if not nil, observes every decision of the authentication
	// middleware (middleware.Config.Hook), such as why a token was
	// rejected, which the client is not told.
	Hook middleware.Hook

	// OnError, if not nil, is called with each error of the Manager that
	// the handler turns into an error response, such as why a refresh
	// failed. The errors never contain a token.
	OnError func(r *http.Request, err error)
}

// Server is the API: an http.Handler and the Manager behind it.
type Server struct {
	mgr     *sessiontoken.Manager
	handler http.Handler
	users   map[string]User
	log     *slog.Logger
	now     func() time.Time
	store   revocation.Store
	onError func(*http.Request, error)
}

// New builds the Manager and the routes described in the package
// documentation.
func New(cfg Config) (*Server, error) {
	if cfg.Keys == nil || cfg.Revocations == nil {
		return nil, errors.New("demoapi: Keys and Revocations are required")
	}
	if cfg.Users == nil {
		cfg.Users = DemoUsers()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sessions == nil {
		cfg.Sessions = sessiontoken.NewMemoryRegistry(cfg.Now)
	}
	if cfg.Logger == nil {
		// Without it the middleware would log through slog's default.
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.OnError == nil {
		cfg.OnError = func(*http.Request, error) {}
	}
	mgr, err := sessiontoken.New(sessiontoken.Config{
		Keys:         cfg.Keys,
		Revocations:  cfg.Revocations,
		Issuer:       Issuer,
		Audience:     []string{Issuer},
		AccessTTL:    cfg.AccessTTL,
		IdleTimeout:  7 * 24 * time.Hour,
		RefreshGrace: cfg.RefreshGrace,
		// AbsoluteTimeout keeps its default (90 days).
		Logger:     cfg.Logger,
		Now:        cfg.Now,
		Sessions:   cfg.Sessions,
		Middleware: middleware.Config{Realm: "example", Logger: cfg.Logger, Hook: cfg.Hook},
	})
	if err != nil {
		return nil, err
	}
	s := &Server{mgr: mgr, users: map[string]User{}, log: cfg.Logger, now: cfg.Now, store: cfg.Revocations, onError: cfg.OnError}
	for _, u := range cfg.Users {
		s.users[u.ID] = u
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
	mux.Handle("GET /sessions", mw.Require(http.HandlerFunc(s.sessions)))
	mux.Handle("DELETE /sessions/{id}", mw.Require(http.HandlerFunc(s.endSession)))
	// The public keys, for services that verify v4.public or JWT access
	// tokens themselves; with the default v4.local key it lists none,
	// because a symmetric key never leaves the service.
	mux.Handle("GET /.well-known/jwks.json", keys.JWKSHandler(cfg.Keys, keys.JWKSConfig{Now: cfg.Now}))
	s.handler = mux
	return s, nil
}

// ServeHTTP serves the API's routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Manager is the Manager behind the routes.
func (s *Server) Manager() *sessiontoken.Manager { return s.mgr }

// User is a demo account. A real service stores a password hash (argon2id,
// bcrypt, scrypt), never the password.
type User struct {
	ID, Name, Password string
	Roles              []string
	StepUp             []string // roles added by POST /reissue after re-entering the password
}

// DemoUsers are the accounts examples/api prints at start: alice (who can
// step up to admin) and bob.
func DemoUsers() []User {
	return []User{
		{ID: "alice", Name: "Alice", Password: "alice-demo-password", Roles: []string{"user"}, StepUp: []string{"admin"}},
		{ID: "bob", Name: "Bob", Password: "bob-demo-password", Roles: []string{"user"}},
	}
}

// DevelopmentKeys returns a set of one fresh v4.local key, never saved:
// every token dies with the process and no other process can verify it.
func DevelopmentKeys() (*keys.Set, error) {
	k, err := keys.Generate(keys.V4Local)
	if err != nil {
		return nil, err
	}
	return keys.NewSet(k)
}
