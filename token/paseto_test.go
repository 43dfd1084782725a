package token

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	for _, f := range []Format{V4Local, V4Public} {
		t.Run(f.String(), func(t *testing.T) {
			c := newTestCodec(t, f, nil)
			want := fixtureClaims()
			want.Scopes = []string{"read", "write"}
			want.ID = "jti-1"
			want.Data = []byte(`{"tenant":"acme","n":[1,2]}`)
			tok, err := c.Issue(want)
			require.NoError(t, err)
			t.Log(len(tok), tok)
			got, err := c.Verify(tok)
			require.NoError(t, err)
			assert.Equal(t, want.Issuer, got.Issuer)
			assert.Equal(t, want.Subject, got.Subject)
			assert.Equal(t, want.Audience, got.Audience)
			assert.Equal(t, want.Roles, got.Roles)
			assert.Equal(t, want.Scopes, got.Scopes)
			assert.Equal(t, want.ID, got.ID)
			assert.Equal(t, want.SessionID, got.SessionID)
			assert.JSONEq(t, string(want.Data), string(got.Data))
			assert.True(t, want.ExpiresAt.Equal(got.ExpiresAt))
			assert.True(t, want.IssuedAt.Equal(got.IssuedAt))
			assert.True(t, want.NotBefore.Equal(got.NotBefore))
		})
	}
}
