package middleware

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorResponses: every rejecting reason answers valid JSON with the
// RFC 6750 code, the security headers, and a challenge only where RFC 6750
// asks for one.
func TestErrorResponses(t *testing.T) {
	mw, _ := newTestMiddleware(t, Config{Realm: "r"})
	cases := []struct {
		reason        Reason
		wantStatus    int
		wantCode      string
		wantChallenge string
	}{
		{ReasonNoToken, 401, "unauthorized", `Bearer realm="r"`},
		{ReasonMalformedRequest, 400, "invalid_request", `Bearer realm="r", error="invalid_request"`},
		{ReasonMultipleCredentials, 400, "invalid_request", `Bearer realm="r", error="invalid_request"`},
		{ReasonInvalidToken, 401, "invalid_token", `Bearer realm="r", error="invalid_token"`},
		{ReasonExpired, 401, "invalid_token", `Bearer realm="r", error="invalid_token"`},
		{ReasonRevoked, 401, "invalid_token", `Bearer realm="r", error="invalid_token"`},
		{ReasonStoreUnavailable, 503, "temporarily_unavailable", ""},
		{ReasonCrossOrigin, 403, "cross_origin_request", ""},
	}
	require.Len(t, cases, int(numReasons)-2, "every reason but none and insufficient_scope (scope_test.go) is listed")
	for _, tc := range cases {
		t.Run(tc.reason.String(), func(t *testing.T) {
			rec := httptest.NewRecorder()
			mw.writeError(rec, tc.reason, mw.challengeFor(tc.reason))
			assert.Equal(t, tc.wantStatus, rec.Code)
			var body map[string]string
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			assert.Equal(t, map[string]string{"error": tc.wantCode}, body)
			assert.Equal(t, tc.wantChallenge, rec.Header().Get("WWW-Authenticate"))
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			if tc.reason == ReasonStoreUnavailable {
				assert.Equal(t, "5", rec.Header().Get("Retry-After"))
			} else {
				assert.Empty(t, rec.Header().Get("Retry-After"))
			}
		})
	}
}
