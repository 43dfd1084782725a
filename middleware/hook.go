package middleware

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/sessiontoken/sessiontoken/token"
)

// Outcome is what the middleware did with a request.
type Outcome uint8

// The outcomes.
const (
	// Accepted: the token verified and is not revoked; the request went on
	// with a session in its context.
	Accepted Outcome = iota + 1
	// Anonymous: under [Middleware.Optional], the request carried no token
	// and went on without a session.
	Anonymous
	// Rejected: the middleware answered the request itself (400, 401, 403
	// or 503); Reason says why.
	Rejected
)

// String returns "accepted", "anonymous" or "rejected".
func (o Outcome) String() string {
	switch o {
	case Accepted:
		return "accepted"
	case Anonymous:
		return "anonymous"
	case Rejected:
		return "rejected"
	}
	return "unknown"
}

// Event describes one authentication decision. The middleware passes it to
// the [Hook] by value and keeps no reference to it; the pointers in it are
// valid only during the call.
type Event struct {
	Outcome Outcome
	Reason  Reason // ReasonNone unless Outcome is Rejected
	Status  int    // the status written when Rejected, else 0

	// StoreChecked reports whether the revocation store was consulted, and
	// StoreLatency how long its Check took (monotonic clock). A revocation
	// hit is Reason == ReasonRevoked.
	StoreChecked bool
	StoreLatency time.Duration

	// Err is the detailed cause of a rejection: one of this package's
	// sentinels, or the verifier's or store's error wrapped. It never
	// contains the token.
	Err error

	// Session holds the verified claims when the token verified (accepted,
	// revoked, insufficient scope), else nil. Treat it as read-only; it is
	// the value [SessionFrom] returns downstream.
	Session *token.Claims

	// Request is the request being decided. Do not read its body.
	Request *http.Request
}

// Hook observes authentication decisions, for metrics and audit. Observe
// runs synchronously on the request's goroutine, once per decision, so it
// must be fast and safe for concurrent use; it must not write to the
// response. [Counter] is a ready-made implementation.
type Hook interface {
	Observe(Event)
}

// HookFunc adapts a function to [Hook].
type HookFunc func(Event)

// Observe calls f(e).
func (f HookFunc) Observe(e Event) { f(e) }

// observe reports ev to the hook and, for rejections, to the logger.
func (m *Middleware) observe(r *http.Request, ev *Event) {
	if ev.Outcome == Rejected {
		m.logRejection(r, ev)
	}
	if m.hook != nil {
		m.hook.Observe(*ev)
	}
}

// Counter is a [Hook] that counts decisions with atomic counters: accepted,
// anonymous, rejected by reason, and revocation-store calls with their
// total latency. The zero value is ready to use; it is safe for concurrent
// use and never allocates. Export its figures to your metrics system by
// reading them periodically.
type Counter struct {
	accepted    atomic.Uint64
	anonymous   atomic.Uint64
	rejected    [numReasons]atomic.Uint64
	storeChecks atomic.Uint64
	storeNanos  atomic.Int64
}

var _ Hook = (*Counter)(nil)

// Observe counts e.
func (c *Counter) Observe(e Event) {
	switch e.Outcome {
	case Accepted:
		c.accepted.Add(1)
	case Anonymous:
		c.anonymous.Add(1)
	case Rejected:
		if e.Reason < numReasons {
			c.rejected[e.Reason].Add(1)
		}
	}
	if e.StoreChecked {
		c.storeChecks.Add(1)
		c.storeNanos.Add(int64(e.StoreLatency))
	}
}

// Accepted returns the number of requests that went on with a session.
func (c *Counter) Accepted() uint64 { return c.accepted.Load() }

// Anonymous returns the number of requests that went on without a token
// under Optional.
func (c *Counter) Anonymous() uint64 { return c.anonymous.Load() }

// Rejected returns the number of requests rejected for reason r.
func (c *Counter) Rejected(r Reason) uint64 {
	if r >= numReasons {
		return 0
	}
	return c.rejected[r].Load()
}

// RevocationHits returns the number of tokens refused because they were
// revoked: Rejected(ReasonRevoked).
func (c *Counter) RevocationHits() uint64 { return c.Rejected(ReasonRevoked) }

// StoreChecks returns how many times the revocation store was consulted
// and the total time those calls took; total/n is the mean latency.
func (c *Counter) StoreChecks() (n uint64, total time.Duration) {
	return c.storeChecks.Load(), time.Duration(c.storeNanos.Load())
}
