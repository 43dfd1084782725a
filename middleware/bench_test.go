package middleware

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/token"
)

// Benchmarks of one request through the middleware next to the same bare
// handler, both via ServeHTTP on a recorder:
//
//	go test -run '^$' -bench . -benchmem -benchtime 1s ./middleware/
//
// The middleware's own allocation budget is enforced by TestAllocs below.

// okHandler writes a short body, like a small JSON API answer.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, `{"ok":true}`)
})

// nopStore answers "not revoked" without locking or allocating: the
// middleware's share, not a store's.
type nopStore struct{}

func (nopStore) Check(context.Context, *token.Claims) error { return nil }

// discardWriter is a ResponseWriter that keeps nothing and allocates
// nothing, for allocation counts.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// WriteString keeps io.WriteString from converting to []byte, which would
// allocate in the handler, not in the middleware.
func (d *discardWriter) WriteString(s string) (int, error) { return len(s), nil }

func benchServe(b *testing.B, h http.Handler, req *http.Request) {
	rec := httptest.NewRecorder()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec.Body.Reset()
		h.ServeHTTP(rec, req)
	}
	b.StopTimer()
	if rec.Code != 200 || rec.Body.String() != `{"ok":true}` {
		b.Fatalf("status %d body %q", rec.Code, rec.Body.String())
	}
}

func BenchmarkBareHandler(b *testing.B) {
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer valid")
	benchServe(b, okHandler, req)
}

// BenchmarkRequireFakeVerifier: the middleware's own cost (extraction,
// context, hook) with a verifier and store that do nothing.
func BenchmarkRequireFakeVerifier(b *testing.B) {
	var c Counter
	mw, err := New(Config{Verifier: fakeVerifier{}, Revocations: nopStore{}, Hook: &c})
	require.NoError(b, err)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer valid")
	benchServe(b, mw.Require(okHandler), req)
}

// BenchmarkRequireRealToken: a real v4.local verify plus the check against
// the real in-memory revocation list, through Require.
func BenchmarkRequireRealToken(b *testing.B) {
	now := realNow
	codec := newCodec(b, &now)
	tok := issue(b, codec, token.Claims{Subject: "alice", Roles: []string{"user", "admin"}})
	mw, err := New(Config{Verifier: codec, Revocations: newMemory(b, &now)})
	require.NoError(b, err)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	benchServe(b, mw.Require(okHandler), req)
}

// BenchmarkVerifyOnly: the codec alone, for the ratio to the above.
func BenchmarkVerifyOnly(b *testing.B) {
	now := realNow
	codec := newCodec(b, &now)
	tok := issue(b, codec, token.Claims{Subject: "alice", Roles: []string{"user", "admin"}})
	var cl token.Claims
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := codec.VerifyTo(&cl, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAllocs enforces the allocation budget of an accepted request. The
// middleware's own share is two allocations: the session context that
// holds the claims, and the request copy that carries it (r.WithContext;
// a handler may not modify the request it was given). Extraction, the
// hook and the revocation call add none.
func TestAllocs(t *testing.T) {
	skipUnderRace(t)
	var c Counter
	mw, err := New(Config{Verifier: fakeVerifier{}, Revocations: nopStore{}, Hook: &c})
	require.NoError(t, err)
	h := mw.Require(okHandler)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer valid")
	w := &discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, req) })
	assert.LessOrEqual(t, allocs, 2.0)
	assert.Equal(t, uint64(201), c.Accepted(), "every run was accepted")

	// A guard nested inside Require adds nothing.
	g := mw.Require(mw.RequireRoles("user")(okHandler))
	allocs = testing.AllocsPerRun(200, func() { g.ServeHTTP(w, req) })
	assert.LessOrEqual(t, allocs, 2.0)

	// Optional without a token allocates nothing.
	o := mw.Optional(okHandler)
	anon := httptest.NewRequest("GET", "/", nil)
	allocs = testing.AllocsPerRun(200, func() { o.ServeHTTP(w, anon) })
	assert.Zero(t, allocs)
}

// TestAllocsRealToken: with a real v4.local token and the real in-memory
// revocation list, the whole request stays within the middleware's two
// allocations plus the verifier's own, which is measured here in the same
// run rather than assumed (the Memory check allocates nothing).
func TestAllocsRealToken(t *testing.T) {
	skipUnderRace(t)
	now := realNow
	codec := newCodec(t, &now)
	tok := issue(t, codec, token.Claims{Subject: "alice", Roles: []string{"user", "admin"}})
	var cl token.Claims
	verify := testing.AllocsPerRun(100, func() {
		if err := codec.VerifyTo(&cl, tok); err != nil {
			panic(err)
		}
	})
	mw, err := New(Config{Verifier: codec, Revocations: newMemory(t, &now)})
	require.NoError(t, err)
	h := mw.Require(okHandler)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	w := &discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, req) })
	t.Logf("verify alone: %.0f allocs; through Require: %.0f", verify, allocs)
	assert.LessOrEqual(t, allocs, verify+2)
}

func skipUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are only meaningful without -race")
	}
}
