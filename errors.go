package sessiontoken

import (
	"errors"
	"fmt"

	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// Errors returned by the [Manager]. Test for them with [errors.Is]. Each
// one also matches the sentinel of the lower package it refines, so code
// written against token or revocation errors keeps working: an error
// matching ErrRevoked also matches [revocation.ErrRevoked], one matching
// ErrInvalidToken also matches [token.ErrInvalid] and carries the specific
// token reason ([token.ErrExpired], [token.ErrBadSignature], …).
var (
	// ErrInvalidToken: the access or refresh token failed verification
	// (malformed, bad signature, wrong kind of token, expired, wrong issuer
	// or audience). An access token presented as a refresh token, or the
	// reverse, fails here with token.ErrBadSignature (PASETO) or
	// token.ErrMalformed (a JWT access token), because the two kinds are
	// bound to different implicit assertions.
	ErrInvalidToken error = &wrapErr{"sessiontoken: invalid token", token.ErrInvalid}

	// ErrRevoked: the session was logged out or reissued, or every token of
	// its subject was revoked (LogoutAll).
	ErrRevoked error = &wrapErr{"sessiontoken: session revoked", revocation.ErrRevoked}

	// ErrRefreshReused: a refresh token that had already been exchanged was
	// presented again after the grace window. The whole session has been
	// revoked: the legitimate client and whoever copied its token are both
	// logged out and must log in again.
	ErrRefreshReused error = &wrapErr{"sessiontoken: refresh token reused; session revoked", revocation.ErrRefreshReused}

	// ErrSessionExpired: the session reached its absolute timeout, or its
	// refresh token its idle timeout (then the error also matches
	// token.ErrExpired). The user must log in again.
	ErrSessionExpired = errors.New("sessiontoken: session expired")

	// ErrUnavailable: the revocation store could not answer or could not
	// record a write. Nothing was issued; callers should answer 503 and let
	// the client retry, never treat it as "not revoked".
	ErrUnavailable error = &wrapErr{"sessiontoken: revocation store unavailable", revocation.ErrUnavailable}

	// ErrInvalidSubject: the Subject given to Login or Reissue is not
	// acceptable (empty ID, Data that is not JSON, tokens too large, or a
	// Reissue for another subject than the session's).
	ErrInvalidSubject = errors.New("sessiontoken: invalid subject")

	// ErrTooManySessions: Login was refused because the subject already
	// has Config.MaxSessions active sessions and Config.EvictOldestSession
	// is false.
	ErrTooManySessions = errors.New("sessiontoken: too many active sessions")

	// ErrNoRegistry: a session registry call (Sessions, EndSession,
	// EndOtherSessions) on a Manager without Config.Sessions.
	ErrNoRegistry = errors.New("sessiontoken: no session registry configured")

	// ErrNoSuchSession: EndSession was given a session the registry does
	// not list for that subject (expired, ended, or someone else's).
	ErrNoSuchSession = errors.New("sessiontoken: no such session")
)

// wrapErr is a sentinel of this package that also matches the sentinel of
// the package below it.
type wrapErr struct {
	msg  string
	also error
}

func (e *wrapErr) Error() string { return e.msg }

func (e *wrapErr) Is(target error) bool { return target == e.also }

// storeErr turns an error from the revocation store into one of ours,
// failing closed: anything that is not a clear "revoked" or "reused" is
// reported as unavailable. The store's error is kept in the chain (it
// belongs to this module, and carries the detail an operator needs).
func storeErr(op string, err error) error {
	switch {
	case errors.Is(err, revocation.ErrRevoked):
		return fmt.Errorf("%w: %s: %w", ErrRevoked, op, err)
	case errors.Is(err, revocation.ErrRefreshReused):
		return fmt.Errorf("%w: %s: %w", ErrRefreshReused, op, err)
	case errors.Is(err, revocation.ErrUnavailable):
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
	case errors.Is(err, revocation.ErrInvalid):
		// A configuration mismatch (for example a store whose
		// MaxTokenLifetime is shorter than IdleTimeout), not an outage:
		// say so, and keep the store's sentinel for errors.Is.
		return fmt.Errorf("sessiontoken: %s: the revocation store refused the request (is its MaxTokenLifetime at least IdleTimeout + Leeway?): %w", op, err)
	}
	// Not one of the documented errors: still fail closed, but do not let
	// an unknown error type through as is.
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, op, err)
}

// tokenErr turns a verification error from a token codec into one of ours.
func tokenErr(kind string, err error) error {
	if errors.Is(err, token.ErrInvalid) {
		return fmt.Errorf("%w: %s token: %w", ErrInvalidToken, kind, err)
	}
	return fmt.Errorf("%w: %s token: %v", ErrInvalidToken, kind, err)
}
