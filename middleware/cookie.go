package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// cookieMode holds the cookie transport's settings, fixed at New.
//
// Security model. A browser attaches the cookie to every request to our
// origin, including ones a hostile page triggers (CSRF). Three layers stop
// that: SameSite (Lax by default: no cookie on cross-site subrequests and
// POSTs), the "__Host-" name (no sibling subdomain can set or shadow it),
// and an origin check on every unsafe request the cookie authenticates,
// using net/http's CrossOriginProtection: Sec-Fetch-Site must be
// "same-origin" or "none" (so "same-site" from a sibling subdomain is
// refused too), and without it the Origin header's host must be the
// request's Host or a trusted origin. Requests with neither header are not
// from a browser that could be tricked and are allowed.
//
// What it does not check: safe methods (GET, HEAD, OPTIONS) are never
// refused, so they must not change state; and a request authenticated by
// the Authorization header is not checked, because no page can make a
// browser add that header cross-origin without a CORS preflight.
type cookieMode struct {
	name     string
	sameSite http.SameSite
	insecure bool
	cop      *http.CrossOriginProtection
}

func newCookieMode(cfg *Config) (*cookieMode, error) {
	cm := &cookieMode{name: cfg.CookieName, insecure: cfg.InsecureCookie}
	switch cfg.CookieSameSite {
	case 0, http.SameSiteDefaultMode, http.SameSiteLaxMode:
		cm.sameSite = http.SameSiteLaxMode
	case http.SameSiteStrictMode:
		cm.sameSite = http.SameSiteStrictMode
	default:
		return nil, errors.New("middleware: Config.CookieSameSite must be Lax or Strict")
	}
	if cm.name == "" {
		cm.name = DefaultCookieName
		if cm.insecure {
			cm.name = DefaultInsecureCookieName
		}
	}
	if !isCookieName(cm.name) {
		return nil, fmt.Errorf("middleware: Config.CookieName %q is not a valid cookie name", cm.name)
	}
	hostPrefixed := strings.HasPrefix(cm.name, "__Host-")
	switch {
	case !cm.insecure && !hostPrefixed:
		return nil, fmt.Errorf("middleware: Config.CookieName %q must start with \"__Host-\" (or set InsecureCookie for development)", cm.name)
	case cm.insecure && (hostPrefixed || strings.HasPrefix(cm.name, "__Secure-")):
		return nil, fmt.Errorf("middleware: Config.CookieName %q needs the Secure attribute, which InsecureCookie drops", cm.name)
	}
	cm.cop = http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := cm.cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("middleware: Config.TrustedOrigins: %v", err)
		}
	}
	return cm, nil
}

// isCookieName reports whether s is an RFC 6265 cookie-name (an RFC 9110
// token).
func isCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// read returns the session cookie's token. A cookie that appears twice is
// refused (400): with "__Host-" a second one should be impossible, and
// without it, it is the sign of a cookie planted by another subdomain. The
// value must be a b64token within max bytes, like a header token. Note
// that net/http's parser silently drops a cookie whose value holds bytes a
// cookie may not contain (space, comma, quote…); such a cookie counts as
// absent.
func (cm *cookieMode) read(r *http.Request, max int) (string, bool, error) {
	if len(r.Header["Cookie"]) == 0 {
		return "", false, nil
	}
	cs := r.CookiesNamed(cm.name)
	switch len(cs) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", false, fmt.Errorf("%w: %d session cookies", ErrMalformedRequest, len(cs))
	}
	if err := checkB64Token(cs[0].Value, max); err != nil {
		return "", false, fmt.Errorf("in session cookie: %w", err)
	}
	return cs[0].Value, true, nil
}

// checkOrigin refuses an unsafe cross-origin request (see cookieMode).
func (cm *cookieMode) checkOrigin(r *http.Request) error {
	if err := cm.cop.Check(r); err != nil {
		return fmt.Errorf("%w: %v", ErrCrossOrigin, err)
	}
	return nil
}

// SetCookie writes the session cookie carrying raw, typically right after
// login or refresh. The cookie is HttpOnly (no script can read it), Secure
// (unless InsecureCookie), Path=/, without Domain, SameSite Lax or Strict,
// and expires at expires: pass the token's ExpiresAt so that the browser
// drops it when it stops verifying. A zero expires writes a session cookie,
// dropped when the browser closes.
//
// It also sets "Cache-Control: no-store" unless the response already has a
// Cache-Control header, so that no shared cache stores a response carrying
// a session. Call it before writing the status or body.
//
// It fails with ErrCookieDisabled unless Config.CookieTransport is set,
// with ErrMalformedRequest if raw is not a b64token within MaxTokenLength,
// and if expires is not in the future.
func (m *Middleware) SetCookie(w http.ResponseWriter, raw string, expires time.Time) error {
	if m.cookie == nil {
		return ErrCookieDisabled
	}
	if err := checkB64Token(raw, m.maxLen); err != nil {
		return fmt.Errorf("middleware: SetCookie: %w", err)
	}
	c := m.cookie.template()
	c.Value = raw
	if !expires.IsZero() {
		ttl := expires.Sub(m.now())
		if ttl <= 0 {
			return errors.New("middleware: SetCookie: expires is not in the future")
		}
		c.Expires = expires.UTC()
		c.MaxAge = int((ttl + time.Second - 1) / time.Second)
	}
	setNoStore(w)
	http.SetCookie(w, c)
	return nil
}

// ClearCookie tells the browser to delete the session cookie (logout). It
// writes the same name, Path and attributes with an empty value, Max-Age=0
// and an expiry in the past, which is what makes browsers replace and drop
// it. Like SetCookie it sets "Cache-Control: no-store" if absent and fails
// with ErrCookieDisabled unless the cookie transport is enabled. It does
// not revoke the token: revoke the session in the store as well.
func (m *Middleware) ClearCookie(w http.ResponseWriter) error {
	if m.cookie == nil {
		return ErrCookieDisabled
	}
	c := m.cookie.template()
	c.MaxAge = -1 // written as Max-Age=0
	c.Expires = time.Unix(1, 0).UTC()
	setNoStore(w)
	http.SetCookie(w, c)
	return nil
}

func (cm *cookieMode) template() *http.Cookie {
	return &http.Cookie{
		Name:     cm.name,
		Path:     "/",
		Secure:   !cm.insecure,
		HttpOnly: true,
		SameSite: cm.sameSite,
	}
}

func setNoStore(w http.ResponseWriter) {
	if h := w.Header(); h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
}
