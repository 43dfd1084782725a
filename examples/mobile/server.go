package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/sessiontoken/sessiontoken/examples/internal/demoapi"
	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
)

// The in-process server is examples/api's handler (examples/internal/demoapi)
// with short lifetimes, a simulated clock and an in-memory store, so that
// the demo can show expiry without waiting.

// serverConfig configures newServer.
type serverConfig struct {
	Now       func() time.Time // the clock of the Manager and the store
	AccessTTL time.Duration
	Grace     time.Duration // sessiontoken.Config.RefreshGrace
	// Notes, if not nil, receives what the server knows and the client is
	// not told: why a token was rejected, why a refresh failed. Never a
	// token.
	Notes func(string)
}

// newServer returns the handler and a function that releases its store.
func newServer(cfg serverConfig) (http.Handler, func(), error) {
	set, err := demoapi.DevelopmentKeys()
	if err != nil {
		return nil, nil, err
	}
	store, err := revocation.NewMemory(revocation.MemoryConfig{Now: cfg.Now})
	if err != nil {
		return nil, nil, err
	}
	note := cfg.Notes
	if note == nil {
		note = func(string) {}
	}
	api, err := demoapi.New(demoapi.Config{
		Keys: set, Revocations: store, Now: cfg.Now,
		AccessTTL: cfg.AccessTTL, RefreshGrace: cfg.Grace,
		Hook: middleware.HookFunc(func(ev middleware.Event) {
			if ev.Outcome == middleware.Rejected {
				note("rejected the access token: " + ev.Reason.String())
			}
		}),
		OnError: func(r *http.Request, err error) {
			note(fmt.Sprintf("%s %s failed: %v", r.Method, r.URL.Path, err)) // our errors never contain the token
		},
	})
	if err != nil {
		_ = store.Close()
		return nil, nil, err
	}
	return api, func() { _ = store.Close() }, nil
}
