package token

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
)

// testKeys returns the fixed v4.local and v4.public keys of
// testdata/example-keys.json.
func testKeys(t testing.TB) (local, public *keys.Key) {
	t.Helper()
	raw, err := os.ReadFile("testdata/example-keys.json")
	require.NoError(t, err)
	var f struct {
		Local string `json:"v4.local"`
		Seed  string `json:"v4.public-seed"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	lb, err := hex.DecodeString(f.Local)
	require.NoError(t, err)
	sb, err := hex.DecodeString(f.Seed)
	require.NoError(t, err)
	local, err = keys.NewV4Local(lb)
	require.NoError(t, err)
	public, err = keys.NewV4Public(ed25519.NewKeyFromSeed(sb))
	require.NoError(t, err)
	return local, public
}

// fixedNow is the clock of every test: 2026-03-01 12:00:00.123 UTC.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 123e6, time.UTC)

func fixedClock() time.Time { return fixedNow }

// fixtureClaims are the claims of MEASUREMENTS.md: sid, sub, iss, aud,
// iat, nbf, exp and two roles (about 230 bytes of PASETO JSON).
func fixtureClaims() Claims {
	return Claims{
		Issuer:    "https://api.example.com",
		Subject:   "user-4f1c2a9e-7b3d-4e8a-9c21-5d6f0a1b2c3d",
		Audience:  []string{"mobile"},
		IssuedAt:  fixedNow,
		NotBefore: fixedNow,
		ExpiresAt: fixedNow.Add(15 * time.Minute),
		SessionID: SessionID{0x5a, 0x1e, 0x77, 0x03, 0xc4, 0x9b, 0x21, 0xe0, 0x6f, 0x88, 0x14, 0xd2, 0x3a, 0xbc, 0x45, 0x90},
		Roles:     []string{"admin", "editor"},
	}
}

// newTestCodec returns a codec of format f over a set of both test keys,
// with the fixed clock and the given tweaks applied to its Config.
func newTestCodec(t testing.TB, f Format, tweak func(*Config)) *Codec {
	t.Helper()
	local, public := testKeys(t)
	set, err := keys.NewSet(local, public)
	require.NoError(t, err)
	cfg := Config{Keys: set, Format: f, Issuer: "https://api.example.com", Audience: []string{"mobile"}, Now: fixedClock}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	return c
}
