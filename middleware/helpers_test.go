package middleware

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// Fake parts for the middleware's own logic. Tests with real tokens live in
// realtoken_test.go.

var (
	sidAlice   = token.SessionID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	sidRevoked = token.SessionID{0xee, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
)

// fakeVerifier accepts a few fixed token strings. It never allocates on
// success, so allocation tests measure the middleware's own share.
type fakeVerifier struct{}

var (
	rolesUser  = []string{"user"}
	rolesAdmin = []string{"user", "admin"}
	scopesRead = []string{"read"}
	scopesRW   = []string{"read", "write"}
)

func (fakeVerifier) VerifyTo(dst *token.Claims, raw string) error {
	*dst = token.Claims{}
	switch raw {
	case "valid", "v4.local.valid-token_1~+/==":
		*dst = token.Claims{Subject: "alice", SessionID: sidAlice, Roles: rolesUser, Scopes: scopesRead}
	case "admin":
		*dst = token.Claims{Subject: "root", SessionID: sidAlice, Roles: rolesAdmin, Scopes: scopesRW}
	case "revoked":
		*dst = token.Claims{Subject: "mallory", SessionID: sidRevoked}
	case "expired":
		return token.ErrExpired
	default:
		return fmt.Errorf("%w: fake verifier refuses it", token.ErrBadSignature)
	}
	return nil
}

// fakeStore revokes sidRevoked and can be switched to "unavailable".
type fakeStore struct {
	mu          sync.Mutex
	unavailable bool
	other       error // returned instead, when set
	calls       int
}

func (s *fakeStore) Check(_ context.Context, c *token.Claims) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	switch {
	case s.other != nil:
		return s.other
	case s.unavailable:
		return fmt.Errorf("%w: fake outage", revocation.ErrUnavailable)
	case c.SessionID == sidRevoked:
		return fmt.Errorf("%w: session %v", revocation.ErrRevoked, c.SessionID)
	}
	return nil
}

// logBuffer collects log output at every level.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newTestMiddleware returns a Middleware on the fakes, with cfg's other
// fields kept.
func newTestMiddleware(t testing.TB, cfg Config) (*Middleware, *fakeStore) {
	t.Helper()
	store := &fakeStore{}
	if cfg.Verifier == nil {
		cfg.Verifier = fakeVerifier{}
	}
	if cfg.Revocations == nil && !cfg.InsecureSkipRevocationCheck {
		cfg.Revocations = store
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	mw, err := New(cfg)
	require.NoError(t, err)
	return mw, store
}

// whoami answers 200 with "sub=<subject>" or "anonymous".
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if c, ok := SessionFrom(r.Context()); ok {
		_, _ = io.WriteString(w, "sub="+c.Subject)
		return
	}
	_, _ = io.WriteString(w, "anonymous")
})

// serve starts a real server for h and closes it at the end of the test.
func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type result struct {
	status int
	header http.Header
	body   string
}

// call sends one request to srv. header values are set verbatim (several
// values become several header lines; non-canonical names stay as given).
func call(t testing.TB, srv *httptest.Server, method, target string, header map[string][]string, body string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+target, rd)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := srv.Client().Do(req.WithContext(ctx))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return result{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func bearer(tok string) map[string][]string {
	return map[string][]string{"Authorization": {"Bearer " + tok}}
}
