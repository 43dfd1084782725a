package middleware

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// Middleware authenticates requests with bearer tokens. Its methods
// Require, Optional, RequireRoles, RequireAnyRole and RequireScopes are
// method values that wrap handlers, for any router. It is safe for
// concurrent use.
type Middleware struct {
	verifier   Verifier
	store      RevocationChecker
	maxLen     int
	log        *slog.Logger
	hook       Hook
	now        func() time.Time
	retryAfter string

	chNoToken, chInvalidRequest, chInvalidToken string

	cookie *cookieMode // nil unless Config.CookieTransport
}

// Require returns a handler that lets a request through to next only with
// a valid, unrevoked token, its claims in the context ([SessionFrom]).
// Otherwise it answers: 401 without a token (no error code) or with an
// invalid, expired or revoked one (error="invalid_token"); 400 for a
// malformed Authorization header or cookie, several Authorization headers,
// or a token in both header and cookie (error="invalid_request"); 403 for
// a cross-origin unsafe request in cookie mode; 503 with Retry-After when
// the revocation store cannot answer (never 401: the token may be fine).
//
// The checks, in order: extraction (header, cookie, cross-origin rule),
// verification (the Verifier's own checks: size, format, key, signature,
// times, issuer, audience), revocation. If the request already carries a
// session verified by this same Middleware (a guard nested inside
// Require), next is called at once.
func (m *Middleware) Require(next http.Handler) http.Handler {
	mustHandler("Require", next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.serve(w, r, next, true)
	})
}

// Optional is like [Middleware.Require] except that a request without any
// token goes on to next without a session (SessionFrom reports false).
// A token that is present but bad is still refused exactly as Require
// refuses it: a client that sent credentials must learn they failed, and
// must never be silently served as anonymous.
func (m *Middleware) Optional(next http.Handler) http.Handler {
	mustHandler("Optional", next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.serve(w, r, next, false)
	})
}

// mustHandler panics when a nil handler is wrapped: at startup, like
// http.ServeMux.Handle, rather than on the first request.
func mustHandler(fn string, h http.Handler) {
	if h == nil {
		panic("middleware: " + fn + " called with a nil handler")
	}
}

// serve is the authentication path shared by Require, Optional and the
// guards. On an accepted request it allocates the session context and the
// request copy that carries it, plus what the verifier allocates.
func (m *Middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler, required bool) {
	ctx := r.Context()
	if sc := sessionOf(ctx); sc != nil && sc.owner == m {
		next.ServeHTTP(w, r)
		return
	}
	raw, reason, err := m.extract(r)
	if reason != ReasonNone {
		m.reject(w, r, reason, err, "", Event{})
		return
	}
	if raw == "" {
		if required {
			m.reject(w, r, ReasonNoToken, ErrNoToken, "", Event{})
			return
		}
		if m.hook != nil {
			m.hook.Observe(Event{Outcome: Anonymous, Request: r})
		}
		next.ServeHTTP(w, r)
		return
	}

	sc := &sessionContext{Context: ctx, owner: m}
	if err := m.verifier.VerifyTo(&sc.claims, raw); err != nil {
		reason := ReasonInvalidToken
		if errors.Is(err, token.ErrExpired) {
			reason = ReasonExpired
		}
		m.reject(w, r, reason, fmt.Errorf("middleware: verifying token: %w", err), "", Event{})
		return
	}

	ev := Event{Outcome: Accepted, Session: &sc.claims, Request: r}
	if m.store != nil {
		var start time.Time
		if m.hook != nil {
			start = time.Now()
		}
		err := m.store.Check(ctx, &sc.claims)
		if m.hook != nil {
			ev.StoreChecked = true
			ev.StoreLatency = time.Since(start)
		}
		if err != nil {
			reason := ReasonStoreUnavailable
			if isRevoked(err) {
				reason = ReasonRevoked
			}
			m.reject(w, r, reason, fmt.Errorf("middleware: checking revocation: %w", err), "", ev)
			return
		}
	}
	if m.hook != nil {
		m.hook.Observe(ev)
	}
	next.ServeHTTP(w, r.WithContext(sc))
}

// extract finds the request's bearer token: "" with ReasonNone when there
// is none, or a rejecting reason. A bearer Authorization header and the
// session cookie together are refused (400): RFC 6750 §3.1 names "more than
// one method for including an access token" as invalid_request, and picking
// one would let a stale cookie or a header silently decide whose session a
// request runs as. A non-Bearer Authorization header (Basic, …) is not a
// token and does not conflict with the cookie.
func (m *Middleware) extract(r *http.Request) (string, Reason, error) {
	raw, ok, err := bearerFromHeader(r.Header, m.maxLen)
	if err != nil {
		return "", ReasonMalformedRequest, err
	}
	if m.cookie == nil {
		return raw, ReasonNone, nil
	}
	craw, cok, err := m.cookie.read(r, m.maxLen)
	if err != nil {
		return "", ReasonMalformedRequest, err
	}
	switch {
	case ok && cok:
		return "", ReasonMultipleCredentials, ErrMultipleCredentials
	case ok:
		return raw, ReasonNone, nil
	case cok:
		// Only the cookie rides along on cross-site requests by itself, so
		// only a cookie-authenticated request needs the origin check.
		if err := m.cookie.checkOrigin(r); err != nil {
			return "", ReasonCrossOrigin, err
		}
		return craw, ReasonNone, nil
	}
	return "", ReasonNone, nil
}

// isRevoked reports whether a store error says "revoked". Anything else,
// ErrUnavailable or an error outside the Store contract, fails closed as
// unavailable.
func isRevoked(err error) bool { return errors.Is(err, revocation.ErrRevoked) }
