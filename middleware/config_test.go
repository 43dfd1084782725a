package middleware

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// The codec satisfies the verifier interface; a revocation.Store the
// checker interface.
var (
	_ Verifier          = (*token.Codec)(nil)
	_ RevocationChecker = revocation.Store(nil)
)

func TestNewConfig(t *testing.T) {
	store := &fakeStore{}
	cases := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "minimal", cfg: Config{Verifier: fakeVerifier{}, Revocations: store}},
		{name: "no verifier", cfg: Config{Revocations: store}, wantErr: "Verifier is required"},
		{name: "nil store refused", cfg: Config{Verifier: fakeVerifier{}}, wantErr: "Revocations is required"},
		{name: "named opt-out", cfg: Config{Verifier: fakeVerifier{}, InsecureSkipRevocationCheck: true}},
		{name: "store and opt-out", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, InsecureSkipRevocationCheck: true}, wantErr: "both set"},
		{name: "negative length", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, MaxTokenLength: -1}, wantErr: "negative"},
		{name: "negative retry", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, RetryAfter: -time.Second}, wantErr: "negative"},
		{name: "realm with quote", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, Realm: `a"b`}, wantErr: "Realm"},
		{name: "realm with newline", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, Realm: "a\nb"}, wantErr: "Realm"},
		{name: "cookie setting without cookie mode", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, InsecureCookie: true}, wantErr: "CookieTransport is false"},
		{name: "cookie without __Host-", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, CookieTransport: true, CookieName: "sess"}, wantErr: "__Host-"},
		{name: "insecure cookie with __Host-", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, CookieTransport: true, InsecureCookie: true, CookieName: "__Host-x"}, wantErr: "Secure"},
		{name: "insecure cookie default name", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, CookieTransport: true, InsecureCookie: true}},
		{name: "SameSite None", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, CookieTransport: true, CookieSameSite: http.SameSiteNoneMode}, wantErr: "Lax or Strict"},
		{name: "bad cookie name", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, CookieTransport: true, CookieName: "__Host-a b"}, wantErr: "not a valid cookie name"},
		{name: "bad trusted origin", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, CookieTransport: true, TrustedOrigins: []string{"example.com/path"}}, wantErr: "TrustedOrigins"},
		{name: "trusted origin", cfg: Config{Verifier: fakeVerifier{}, Revocations: store, CookieTransport: true, TrustedOrigins: []string{"https://app.example.com"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mw, err := New(tc.cfg)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Nil(t, mw)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, mw)
		})
	}
}
