package revocation

import (
	"context"
	"errors"
	"time"

	"github.com/sessiontoken/sessiontoken/token"
)

// Errors returned by stores. Test for them with [errors.Is].
var (
	// ErrRevoked: the token's session was revoked, or its subject's tokens
	// issued before its iat were.
	ErrRevoked = errors.New("revocation: revoked")
	// ErrUnavailable: the store cannot answer (Redis unreachable, mirror
	// staler than allowed). Callers must fail closed: the middleware answers
	// 503, never 401 and never "not revoked".
	ErrUnavailable = errors.New("revocation: store unavailable")
	// ErrRefreshReused: a refresh token older than the session's current one
	// was presented outside the grace window (see [RefreshCounter]).
	ErrRefreshReused = errors.New("revocation: refresh token reused")
	// ErrInvalid: the request cannot be stored as asked, for example a
	// session revoked until an instant beyond the store's MaxTokenLifetime
	// (shortening it silently would let a later-expiring token through).
	ErrInvalid = errors.New("revocation: invalid request")
)

// Store is a revocation list. Implementations must be safe for concurrent
// use. A write that returns nil is durable in the sense the implementation
// documents; a write that cannot be made returns an error, never nil.
type Store interface {
	// RevokeSession revokes every token that carries sid until the instant
	// until, which should be the latest expiry of any token of that session.
	// After until the entry may be forgotten: the tokens it blocks have
	// expired anyway.
	RevokeSession(ctx context.Context, sid token.SessionID, until time.Time) error

	// RevokeSubject revokes every token of subject sub whose iat is strictly
	// before issuedBefore (millisecond precision): logout everywhere,
	// password change, privilege change. A token issued at or after the
	// cutoff is not affected. The cutoff is kept for the store's longest
	// token lifetime. A later, earlier cutoff never replaces a later one.
	RevokeSubject(ctx context.Context, sub string, issuedBefore time.Time) error

	// Check reports whether verified claims are still good: nil, an error
	// matching ErrRevoked, or one matching ErrUnavailable. It never reports
	// "not revoked" when it cannot know.
	Check(ctx context.Context, c *token.Claims) error
}

// RefreshCounter tracks one small counter per session for refresh-token
// rotation with reuse detection. Every refresh token carries the generation
// it was issued at; the store remembers the current generation of each
// session and when it last advanced.
type RefreshCounter interface {
	// AdvanceRefresh is called when a refresh token of generation presented
	// is exchanged at instant now. Atomically, with cur the session's current
	// generation (0 when the store holds none):
	//
	//   - presented == cur: the counter becomes cur+1 (advanced at now), and
	//     AdvanceRefresh returns cur+1, the generation of the new token.
	//   - presented == cur-1 and now is within grace of the last advance: a
	//     concurrent refresh from the same device; nothing changes and it
	//     returns cur.
	//   - presented < cur otherwise: reuse of an old token; it returns an
	//     error matching ErrRefreshReused and the caller revokes the session.
	//   - presented > cur: the store lost its state (for example a Redis
	//     restart); the counter becomes presented+1 and that is returned.
	//
	// The entry expires at until (the end of the session). Errors other than
	// ErrRefreshReused match ErrUnavailable.
	AdvanceRefresh(ctx context.Context, sid token.SessionID, presented uint64, now time.Time, grace time.Duration, until time.Time) (uint64, error)
}
