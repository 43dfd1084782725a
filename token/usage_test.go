package token_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/token"
)

// TestKeyUsageCountsVerifiedTokens: with Config.KeyUsage set, every token
// that passes every check is counted under the key that verified it, and
// a rejected token is not counted.
func TestKeyUsageCountsVerifiedTokens(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format token.Format
		alg    keys.Algorithm
	}{
		{name: "v4.local", format: token.V4Local, alg: keys.V4Local},
		{name: "v4.public", format: token.V4Public, alg: keys.V4Public},
		{name: "JWT EdDSA", format: token.JWT, alg: keys.EdDSA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			old, err := keys.Generate(tc.alg)
			require.NoError(t, err)
			cur, err := keys.Generate(tc.alg)
			require.NoError(t, err)
			oldSet, err := keys.NewSet(old)
			require.NoError(t, err)
			set, err := keys.NewSet(old, cur.WithValidity(now.Add(-time.Minute), time.Time{}))
			require.NoError(t, err)

			usage := keys.NewKeyUsage(keys.KeyUsageConfig{})
			issuerOld, err := token.New(token.Config{Keys: oldSet, Format: tc.format, Now: clock})
			require.NoError(t, err)
			c, err := token.New(token.Config{Keys: set, Format: tc.format, Now: clock, KeyUsage: usage})
			require.NoError(t, err)

			underOld, err := issuerOld.Issue(token.Claims{Subject: "alice"})
			require.NoError(t, err)
			underCur, err := c.Issue(token.Claims{Subject: "bob"})
			require.NoError(t, err)
			for range 3 {
				_, err = c.Verify(underCur)
				require.NoError(t, err)
			}
			_, err = c.Verify(underOld)
			require.NoError(t, err)

			now = now.Add(time.Hour) // both tokens have expired
			_, err = c.Verify(underCur)
			require.ErrorIs(t, err, token.ErrExpired)

			assert.Equal(t, uint64(3), usage.Count(cur.ID()))
			assert.Equal(t, uint64(1), usage.Count(old.ID()))
		})
	}
}
