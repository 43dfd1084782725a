package middleware

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// Errors the middleware reports to its [Hook] and logger (never to the
// client, which only sees an RFC 6750 error code). Test for them with
// [errors.Is]. Token and revocation failures carry the verifier's or the
// store's error instead (token.ErrExpired, revocation.ErrRevoked, …),
// wrapped.
var (
	// ErrNoToken: the request carries no bearer token (no Authorization
	// header, a scheme other than Bearer, and no session cookie).
	ErrNoToken = errors.New("middleware: no token")
	// ErrMalformedRequest: the Authorization header or the session cookie is
	// not a well-formed bearer credential (RFC 6750 §2.1), is too long, or
	// appears more than once.
	ErrMalformedRequest = errors.New("middleware: malformed credentials")
	// ErrMultipleCredentials: the request carries both an Authorization
	// bearer token and the session cookie (RFC 6750 §3.1: "uses more than
	// one method for including an access token").
	ErrMultipleCredentials = errors.New("middleware: token in both header and cookie")
	// ErrCrossOrigin: an unsafe (state-changing) request authenticated by
	// the session cookie came from another origin.
	ErrCrossOrigin = errors.New("middleware: cross-origin request with session cookie")
	// ErrInsufficientScope: the session lacks a role or scope the route
	// requires.
	ErrInsufficientScope = errors.New("middleware: insufficient scope")
	// ErrCookieDisabled: SetCookie or ClearCookie was called on a
	// Middleware whose Config does not enable the cookie transport.
	ErrCookieDisabled = errors.New("middleware: cookie transport not enabled")
)

// Reason says why a request was rejected, or that it was not. It is what a
// [Hook] counts by; its String form is a stable lower-case name.
type Reason uint8

// The reasons, with the status each one answers.
const (
	ReasonNone                Reason = iota // accepted, or anonymous under Optional
	ReasonNoToken                           // 401, no error code
	ReasonMalformedRequest                  // 400 invalid_request
	ReasonMultipleCredentials               // 400 invalid_request
	ReasonInvalidToken                      // 401 invalid_token: bad format, key, signature, issuer, audience, nbf
	ReasonExpired                           // 401 invalid_token
	ReasonRevoked                           // 401 invalid_token
	ReasonStoreUnavailable                  // 503 with Retry-After
	ReasonInsufficientScope                 // 403 insufficient_scope
	ReasonCrossOrigin                       // 403
	numReasons
)

var reasonNames = [numReasons]string{
	ReasonNone:                "none",
	ReasonNoToken:             "no_token",
	ReasonMalformedRequest:    "malformed_request",
	ReasonMultipleCredentials: "multiple_credentials",
	ReasonInvalidToken:        "invalid_token",
	ReasonExpired:             "expired",
	ReasonRevoked:             "revoked",
	ReasonStoreUnavailable:    "store_unavailable",
	ReasonInsufficientScope:   "insufficient_scope",
	ReasonCrossOrigin:         "cross_origin",
}

// String returns the reason's name, for example "revoked".
func (r Reason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// response is what a client sees for one reason: the status, the RFC 6750
// error code (empty for "no token") and the JSON body's code.
type response struct {
	status int
	code   string // error="…" in WWW-Authenticate; empty: no error attribute
	body   string // the whole JSON body
	level  slog.Level
}

// responses maps each rejecting reason to its answer. The JSON bodies are
// constants so that a rejection formats nothing from the request: the
// detail goes to the logger and the hook only.
var responses = [numReasons]response{
	ReasonNoToken:             {http.StatusUnauthorized, "", `{"error":"unauthorized"}`, slog.LevelDebug},
	ReasonMalformedRequest:    {http.StatusBadRequest, "invalid_request", `{"error":"invalid_request"}`, slog.LevelDebug},
	ReasonMultipleCredentials: {http.StatusBadRequest, "invalid_request", `{"error":"invalid_request"}`, slog.LevelDebug},
	ReasonInvalidToken:        {http.StatusUnauthorized, "invalid_token", `{"error":"invalid_token"}`, slog.LevelInfo},
	ReasonExpired:             {http.StatusUnauthorized, "invalid_token", `{"error":"invalid_token"}`, slog.LevelDebug},
	ReasonRevoked:             {http.StatusUnauthorized, "invalid_token", `{"error":"invalid_token"}`, slog.LevelInfo},
	ReasonStoreUnavailable:    {http.StatusServiceUnavailable, "", `{"error":"temporarily_unavailable"}`, slog.LevelError},
	ReasonInsufficientScope:   {http.StatusForbidden, "insufficient_scope", `{"error":"insufficient_scope"}`, slog.LevelInfo},
	ReasonCrossOrigin:         {http.StatusForbidden, "", `{"error":"cross_origin_request"}`, slog.LevelInfo},
}

// Status returns the HTTP status the middleware answers for reason r, or
// 0 for ReasonNone.
func (r Reason) Status() int {
	if r < numReasons {
		return responses[r].status
	}
	return 0
}

// writeError answers a rejected request. challenge is the complete
// WWW-Authenticate value, or empty for responses that are not an
// authentication challenge (503, the cross-origin 403).
func (m *Middleware) writeError(w http.ResponseWriter, reason Reason, challenge string) {
	resp := responses[reason]
	h := w.Header()
	if challenge != "" {
		h.Set("WWW-Authenticate", challenge)
	}
	if reason == ReasonStoreUnavailable {
		h.Set("Retry-After", m.retryAfter)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(resp.status)
	_, _ = io.WriteString(w, resp.body)
}

// challengeFor returns the WWW-Authenticate value for reason, built at New
// from the realm; scope challenges are built per guard.
func (m *Middleware) challengeFor(reason Reason) string {
	switch responses[reason].code {
	case "":
		if reason == ReasonNoToken {
			return m.chNoToken
		}
		return ""
	case "invalid_request":
		return m.chInvalidRequest
	case "invalid_token":
		return m.chInvalidToken
	}
	return ""
}

// reject logs, reports and answers one rejected request. err is the
// detailed cause: it goes to the logger and the hook, never to the client,
// and must not contain the token (ours never do; see [Verifier]).
func (m *Middleware) reject(w http.ResponseWriter, r *http.Request, reason Reason, err error, challenge string, ev Event) {
	ev.Outcome = Rejected
	ev.Reason = reason
	ev.Status = responses[reason].status
	ev.Err = err
	ev.Request = r
	m.observe(r, &ev)
	if challenge == "" {
		challenge = m.challengeFor(reason)
	}
	m.writeError(w, reason, challenge)
}

// logRejection writes one record for a rejected request: its reason,
// status, method, path (never the query, which may carry secrets in other
// people's APIs) and the cause. Session IDs appear only in their shortened
// form (token.SessionID's LogValue).
func (m *Middleware) logRejection(r *http.Request, ev *Event) {
	level := responses[ev.Reason].level
	ctx := r.Context()
	if ev.Reason == ReasonStoreUnavailable && ctx.Err() != nil {
		// The client went away while the store was asked (a Redis call
		// fails with the request's context): not an outage.
		level = slog.LevelDebug
	}
	if !m.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("reason", ev.Reason.String()),
		slog.Int("status", ev.Status),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
	}
	if ev.Err != nil {
		attrs = append(attrs, slog.String("error", ev.Err.Error()))
	}
	if ev.Session != nil && !ev.Session.SessionID.IsZero() {
		attrs = append(attrs, slog.Any("session", ev.Session.SessionID))
	}
	if ev.StoreChecked {
		attrs = append(attrs, slog.Duration("store_latency", ev.StoreLatency))
	}
	m.log.LogAttrs(ctx, level, "middleware: request rejected", attrs...)
}
