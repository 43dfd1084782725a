package middleware

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// TestHookEvents: one event per decision, with the reason, status, cause
// and store latency.
func TestHookEvents(t *testing.T) {
	var (
		mu     sync.Mutex
		events []Event
	)
	hook := HookFunc(func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		e.Request = nil // not valid after the call
		e.Session = nil
		events = append(events, e)
	})
	mw, store := newTestMiddleware(t, Config{Hook: hook})
	srv := serve(t, mw.Optional(whoami))

	cases := []struct {
		name        string
		header      map[string][]string
		storeDown   bool
		wantOutcome Outcome
		wantReason  Reason
		wantStatus  int
		wantErr     error
		wantStore   bool
	}{
		{name: "accepted", header: bearer("valid"), wantOutcome: Accepted, wantStore: true},
		{name: "anonymous", wantOutcome: Anonymous},
		{name: "malformed", header: bearer("a b"), wantOutcome: Rejected, wantReason: ReasonMalformedRequest, wantStatus: 400, wantErr: ErrMalformedRequest},
		{name: "invalid", header: bearer("forged"), wantOutcome: Rejected, wantReason: ReasonInvalidToken, wantStatus: 401, wantErr: token.ErrBadSignature},
		{name: "expired", header: bearer("expired"), wantOutcome: Rejected, wantReason: ReasonExpired, wantStatus: 401, wantErr: token.ErrExpired},
		{name: "revoked", header: bearer("revoked"), wantOutcome: Rejected, wantReason: ReasonRevoked, wantStatus: 401, wantErr: revocation.ErrRevoked, wantStore: true},
		{name: "unavailable", header: bearer("valid"), storeDown: true, wantOutcome: Rejected, wantReason: ReasonStoreUnavailable, wantStatus: 503, wantErr: revocation.ErrUnavailable, wantStore: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store.unavailable = tc.storeDown
			mu.Lock()
			events = nil
			mu.Unlock()
			call(t, srv, "GET", "/", tc.header, "")
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, events, 1)
			e := events[0]
			assert.Equal(t, tc.wantOutcome, e.Outcome)
			assert.Equal(t, tc.wantReason, e.Reason)
			assert.Equal(t, tc.wantStatus, e.Status)
			assert.Equal(t, tc.wantStore, e.StoreChecked)
			if tc.wantErr != nil {
				assert.ErrorIs(t, e.Err, tc.wantErr)
			} else {
				assert.NoError(t, e.Err)
			}
		})
	}
}

func TestCounter(t *testing.T) {
	var c Counter
	mw, store := newTestMiddleware(t, Config{Hook: &c})
	srv := serve(t, mw.Require(whoami))
	for _, tok := range []string{"valid", "valid", "admin", "revoked", "expired", "forged", "a b"} {
		call(t, srv, "GET", "/", bearer(tok), "")
	}
	call(t, srv, "GET", "/", nil, "")
	store.unavailable = true
	call(t, srv, "GET", "/", bearer("valid"), "")

	assert.Equal(t, uint64(3), c.Accepted())
	assert.Equal(t, uint64(0), c.Anonymous())
	assert.Equal(t, uint64(1), c.RevocationHits())
	assert.Equal(t, uint64(1), c.Rejected(ReasonExpired))
	assert.Equal(t, uint64(1), c.Rejected(ReasonInvalidToken))
	assert.Equal(t, uint64(1), c.Rejected(ReasonMalformedRequest))
	assert.Equal(t, uint64(1), c.Rejected(ReasonNoToken))
	assert.Equal(t, uint64(1), c.Rejected(ReasonStoreUnavailable))
	assert.Equal(t, uint64(0), c.Rejected(numReasons+3))
	n, total := c.StoreChecks()
	assert.Equal(t, uint64(5), n, "3 accepted + 1 revoked + 1 unavailable")
	assert.GreaterOrEqual(t, total, time.Duration(0))
}

func TestCounterConcurrent(t *testing.T) {
	var c Counter
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				c.Observe(Event{Outcome: Accepted, StoreChecked: true, StoreLatency: time.Microsecond})
				c.Observe(Event{Outcome: Rejected, Reason: ReasonRevoked, Err: errors.New("x")})
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, uint64(8000), c.Accepted())
	assert.Equal(t, uint64(8000), c.RevocationHits())
	n, total := c.StoreChecks()
	assert.Equal(t, uint64(8000), n)
	assert.Equal(t, 8000*time.Microsecond, total)
}

func TestReasonAndOutcomeNames(t *testing.T) {
	seen := map[string]bool{}
	for r := ReasonNone; r < numReasons; r++ {
		name := r.String()
		assert.NotEqual(t, "unknown", name)
		assert.False(t, seen[name], "duplicate name %s", name)
		seen[name] = true
		if r != ReasonNone {
			assert.NotZero(t, r.Status(), name)
		}
	}
	assert.Equal(t, "unknown", numReasons.String())
	assert.Equal(t, 503, ReasonStoreUnavailable.Status())
	assert.Equal(t, "accepted", Accepted.String())
	assert.Equal(t, "anonymous", Anonymous.String())
	assert.Equal(t, "rejected", Rejected.String())
	assert.Equal(t, "unknown", Outcome(0).String())
}
