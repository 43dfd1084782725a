package middleware

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type otherKey struct{}

func TestSessionFrom(t *testing.T) {
	_, ok := SessionFrom(context.Background())
	assert.False(t, ok)

	// A value stored under an equal-looking key by someone else is not a
	// session: only our unexported pointer counts.
	fake := context.WithValue(context.Background(), &contextKey{"session"}, "x")
	c, ok := SessionFrom(fake)
	assert.False(t, ok)
	assert.Nil(t, c)

	parent, cancel := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "kept"))
	sc := &sessionContext{Context: parent}
	sc.claims.Subject = "alice"
	got, ok := SessionFrom(sc)
	require.True(t, ok)
	assert.Equal(t, "alice", got.Subject)
	assert.Same(t, &sc.claims, got)
	assert.Equal(t, "kept", sc.Value(otherKey{}), "other values come from the parent")

	// Derived contexts still see the session and the parent's cancellation,
	// without a propagation goroutine.
	before := runtime.NumGoroutine()
	child, cancelChild := context.WithTimeout(sc, time.Hour)
	defer cancelChild()
	assert.Equal(t, before, runtime.NumGoroutine())
	got, ok = SessionFrom(child)
	require.True(t, ok)
	assert.Equal(t, "alice", got.Subject)
	cancel()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("cancellation did not propagate")
	}
	assert.ErrorIs(t, child.Err(), context.Canceled)
}

// TestSessionVisibleThroughServer: the handler behind Require sees the
// session and the server's own context values (the request is not
// detached from its connection).
func TestSessionVisibleThroughServer(t *testing.T) {
	mw, _ := newTestMiddleware(t, Config{})
	srv := serve(t, mw.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := SessionFrom(r.Context())
		if !ok || c.Subject != "alice" || c.SessionID != sidAlice || r.Context().Value(http.ServerContextKey) == nil {
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(204)
	})))
	assert.Equal(t, 204, call(t, srv, "GET", "/", bearer("valid"), "").status)
}
