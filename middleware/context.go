package middleware

import (
	"context"

	"github.com/sessiontoken/sessiontoken/token"
)

// contextKey is the type of the one key under which the session is stored.
// A pointer to an unexported type cannot collide with another package's
// key, and no other package can store a fake session under it.
type contextKey struct{ name string }

var sessionKey = &contextKey{"session"}

// sessionContext is the request context of an accepted request. It holds
// the verified claims inline, so storing them in the context and decoding
// them cost one allocation instead of two (a Claims plus a
// context.WithValue node), and remembers which Middleware verified them so
// that a nested guard of the same Middleware does not verify twice.
//
// Cancellation, deadlines and every other value come from the embedded
// parent; context.WithCancel and friends recognise the parent's cancel
// context through Value, so deriving from this context starts no goroutine.
type sessionContext struct {
	context.Context
	owner  *Middleware
	claims token.Claims
}

// Value returns the session context itself for the session key and asks
// the parent for every other key.
func (c *sessionContext) Value(key any) any {
	if key == any(sessionKey) {
		return c
	}
	return c.Context.Value(key)
}

// String names the context for debugging, as the context package's own
// types do.
func (c *sessionContext) String() string { return "middleware.sessionContext" }

// sessionOf returns the session context in ctx, or nil.
func sessionOf(ctx context.Context) *sessionContext {
	sc, _ := ctx.Value(sessionKey).(*sessionContext)
	return sc
}

// SessionFrom returns the verified claims of the request whose context is
// ctx, and true, when the request went through [Middleware.Require],
// [Middleware.Optional] with a token, or a role or scope guard. It returns
// nil and false otherwise: for example under Optional without a token.
//
// The claims belong to the request; treat them as read-only. Copy them
// (and their slices) before keeping them past the request.
func SessionFrom(ctx context.Context) (*token.Claims, bool) {
	sc := sessionOf(ctx)
	if sc == nil {
		return nil, false
	}
	return &sc.claims, true
}
