package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/sessiontoken/sessiontoken/token"
)

// Verifier checks a raw token and writes its claims into dst. It must
// overwrite dst whole, return an error for any token it does not accept,
// be safe for concurrent use, and never put the token itself in its
// errors: they are logged. [*token.Codec] is a Verifier.
type Verifier interface {
	VerifyTo(dst *token.Claims, raw string) error
}

// RevocationChecker reports whether verified claims were revoked: nil, an
// error matching revocation.ErrRevoked, or one matching
// revocation.ErrUnavailable when it cannot know. A revocation.Store is a
// RevocationChecker. Any error that matches neither is treated as
// "unavailable": the middleware fails closed with 503.
type RevocationChecker interface {
	Check(ctx context.Context, c *token.Claims) error
}

// Defaults applied by [New] to zero Config fields.
const (
	DefaultRealm          = "api"
	DefaultMaxTokenLength = 4096
	DefaultRetryAfter     = 5 * time.Second
	DefaultCookieName     = "__Host-session"
	// DefaultInsecureCookieName is the default name when InsecureCookie is
	// set: browsers refuse a "__Host-" cookie that is not Secure.
	DefaultInsecureCookieName = "session"
)

// Config configures a [Middleware]. Its zero value, plus a Verifier and a
// Revocations store, is the secure default: bearer tokens in the
// Authorization header only, every token checked against the revocation
// list, failures closed. [New] copies the Config; later changes to it have
// no effect.
type Config struct {
	// Verifier verifies tokens. Required; usually the *token.Codec the
	// tokens were issued with.
	Verifier Verifier

	// Revocations is consulted for every token that verifies. Required,
	// unless InsecureSkipRevocationCheck is set: a nil store is a
	// configuration mistake that would silently accept revoked tokens, so
	// New refuses it. A revocation.Store is a RevocationChecker.
	Revocations RevocationChecker

	// InsecureSkipRevocationCheck accepts every token that verifies until
	// it expires, ignoring logouts. Set it only when tokens are so
	// short-lived that revocation does not matter to you; Revocations must
	// then be nil.
	InsecureSkipRevocationCheck bool

	// Realm is the realm of the WWW-Authenticate challenge. If empty,
	// DefaultRealm ("api"). Printable ASCII without '"' or '\'.
	Realm string

	// MaxTokenLength bounds a bearer token in bytes, in the header or the
	// cookie. Longer ones are refused with 400 before any verification.
	// If zero, DefaultMaxTokenLength (4096, the token package's default).
	MaxTokenLength int

	// CookieTransport also accepts the token from a cookie, for browser
	// clients, and lets SetCookie and ClearCookie write it. If false (the
	// default) cookies are never read. In cookie mode, unsafe requests
	// (any method but GET, HEAD and OPTIONS) authenticated by the cookie
	// are refused with 403 when they come from another origin (see
	// cookie.go and TrustedOrigins).
	CookieTransport bool

	// CookieName is the cookie's name. If empty, DefaultCookieName
	// ("__Host-session"). Unless InsecureCookie is set it must start with
	// "__Host-", which makes browsers insist on Secure, Path=/ and no
	// Domain, so that no sibling subdomain can plant or shadow it.
	CookieName string

	// CookieSameSite is the SameSite attribute written with the cookie:
	// http.SameSiteLaxMode (the default when zero or SameSiteDefaultMode) or
	// http.SameSiteStrictMode. SameSite=None is refused.
	CookieSameSite http.SameSite

	// InsecureCookie writes the cookie without the Secure attribute and
	// allows names without the "__Host-" prefix (default "session"), for
	// development over plain http://localhost. Never set it in production:
	// the session would travel in clear text.
	InsecureCookie bool

	// TrustedOrigins lists other origins ("https://app.example.com", scheme,
	// host and optional port) allowed to send unsafe cookie-authenticated
	// requests, for a front end served from another origin. Same-origin
	// requests are always allowed.
	TrustedOrigins []string

	// RetryAfter is sent in the Retry-After header, in whole seconds
	// rounded up, when the revocation store is unavailable (503). If zero,
	// DefaultRetryAfter (5 s).
	RetryAfter time.Duration

	// Logger receives one record per rejected request: reason, status,
	// method, path and the detailed cause, never the token or a full
	// session ID. Levels: Debug for a missing, malformed or expired token;
	// Info for an invalid or revoked token, a cross-origin request or a
	// missing role; Error for an unavailable store (Debug when the client
	// had already gone away). If nil, slog.Default().
	Logger *slog.Logger

	// Hook, if not nil, observes every decision (see [Counter]).
	Hook Hook

	// Now returns the current time, used for the cookie's Max-Age. If nil,
	// time.Now.
	Now func() time.Time
}

// New checks cfg and returns a Middleware.
func New(cfg Config) (*Middleware, error) {
	if cfg.Verifier == nil {
		return nil, errors.New("middleware: Config.Verifier is required")
	}
	if cfg.Revocations == nil && !cfg.InsecureSkipRevocationCheck {
		return nil, errors.New("middleware: Config.Revocations is required (set InsecureSkipRevocationCheck to accept revoked tokens until they expire)")
	}
	if cfg.Revocations != nil && cfg.InsecureSkipRevocationCheck {
		return nil, errors.New("middleware: Config.Revocations and InsecureSkipRevocationCheck are both set")
	}
	if cfg.MaxTokenLength < 0 || cfg.RetryAfter < 0 {
		return nil, errors.New("middleware: Config.MaxTokenLength and RetryAfter must not be negative")
	}
	if cfg.Realm == "" {
		cfg.Realm = DefaultRealm
	}
	if !isQuotable(cfg.Realm) {
		return nil, fmt.Errorf("middleware: Config.Realm %q must be printable ASCII without '\"' or '\\'", cfg.Realm)
	}
	if cfg.MaxTokenLength == 0 {
		cfg.MaxTokenLength = DefaultMaxTokenLength
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	secs := (cfg.RetryAfter + time.Second - 1) / time.Second
	m := &Middleware{
		verifier:   cfg.Verifier,
		store:      cfg.Revocations,
		maxLen:     cfg.MaxTokenLength,
		log:        cfg.Logger,
		hook:       cfg.Hook,
		now:        cfg.Now,
		retryAfter: strconv.FormatInt(int64(secs), 10),
	}
	m.chNoToken = `Bearer realm="` + cfg.Realm + `"`
	m.chInvalidRequest = m.chNoToken + `, error="invalid_request"`
	m.chInvalidToken = m.chNoToken + `, error="invalid_token"`
	if cfg.CookieTransport {
		cm, err := newCookieMode(&cfg)
		if err != nil {
			return nil, err
		}
		m.cookie = cm
	} else if cfg.CookieName != "" || cfg.CookieSameSite != 0 || cfg.InsecureCookie || len(cfg.TrustedOrigins) > 0 {
		return nil, errors.New("middleware: cookie settings given but Config.CookieTransport is false")
	}
	return m, nil
}

// isQuotable reports whether s can go inside an HTTP quoted-string without
// escaping.
func isQuotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
