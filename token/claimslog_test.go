package token_test

import (
	"bytes"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/token"
)

// TestClaimsLogValueHidesSessionID: logging claims with either slog
// handler, as a value or a pointer, never writes the full session ID nor
// the application data, and keeps what an operator needs.
func TestClaimsLogValueHidesSessionID(t *testing.T) {
	sid, err := token.NewSessionID()
	require.NoError(t, err)
	c := token.Claims{
		Issuer: "https://api.example.com", Subject: "alice", Audience: []string{"mobile"},
		ExpiresAt: time.Date(2030, 1, 2, 9, 15, 0, 0, time.UTC), SessionID: sid,
		Roles: []string{"admin"}, Data: []byte(`{"secret":"s3cr3t-data"}`),
	}
	for _, tc := range []struct {
		name string
		h    func(*bytes.Buffer) slog.Handler
	}{
		{name: "json", h: func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
		{name: "text", h: func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(tc.h(&buf))
			log.Info("value", "claims", c)
			log.Info("pointer", "claims", &c)
			out := buf.String()
			assert.NotContains(t, out, sid.Base64())
			assert.NotContains(t, out, "s3cr3t-data")
			assert.Contains(t, out, sid.String())
			assert.Contains(t, out, "alice")
			assert.Contains(t, out, "admin")
		})
	}
}
