package middleware

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBearerOverHTTP sends every header edge case through a real server
// and checks the status, the challenge and that only a good token reaches
// the handler.
func TestBearerOverHTTP(t *testing.T) {
	mw, _ := newTestMiddleware(t, Config{MaxTokenLength: 64})
	srv := serve(t, mw.Require(whoami))

	const (
		noError      = `Bearer realm="api"`
		invalidReq   = `Bearer realm="api", error="invalid_request"`
		invalidToken = `Bearer realm="api", error="invalid_token"`
	)
	cases := []struct {
		name          string
		target        string
		header        map[string][]string
		body          string
		wantStatus    int
		wantChallenge string
		wantBody      string
	}{
		{name: "valid token", header: bearer("valid"), wantStatus: 200, wantBody: "sub=alice"},
		{name: "all b64token characters and padding", header: bearer("v4.local.valid-token_1~+/=="), wantStatus: 200, wantBody: "sub=alice"},
		{name: "lowercase scheme", header: map[string][]string{"Authorization": {"bearer valid"}}, wantStatus: 200, wantBody: "sub=alice"},
		{name: "mixed-case scheme", header: map[string][]string{"Authorization": {"BeArEr valid"}}, wantStatus: 200, wantBody: "sub=alice"},
		{name: "lowercase header name", header: map[string][]string{"authorization": {"Bearer valid"}}, wantStatus: 200, wantBody: "sub=alice"},
		{name: "several spaces after scheme (RFC 6750 1*SP)", header: map[string][]string{"Authorization": {"Bearer   valid"}}, wantStatus: 200, wantBody: "sub=alice"},
		{name: "trailing spaces stripped by the server", header: map[string][]string{"Authorization": {"Bearer valid   "}}, wantStatus: 200, wantBody: "sub=alice"},
		{name: "two tokens", header: map[string][]string{"Authorization": {"Bearer valid valid"}}, wantStatus: 400, wantChallenge: invalidReq},
		{name: "two bearer credentials comma-separated", header: map[string][]string{"Authorization": {"Bearer valid, Bearer admin"}}, wantStatus: 400, wantChallenge: invalidReq},
		{name: "tab instead of space", header: map[string][]string{"Authorization": {"Bearer\tvalid"}}, wantStatus: 401, wantChallenge: noError},
		{name: "tab inside token", header: map[string][]string{"Authorization": {"Bearer va\tlid"}}, wantStatus: 400, wantChallenge: invalidReq},
		{name: "empty token", header: map[string][]string{"Authorization": {"Bearer "}}, wantStatus: 400, wantChallenge: invalidReq},
		{name: "scheme only", header: map[string][]string{"Authorization": {"Bearer"}}, wantStatus: 400, wantChallenge: invalidReq},
		{name: "empty header", header: map[string][]string{"Authorization": {""}}, wantStatus: 400, wantChallenge: invalidReq},
		{name: "non-b64token character", header: bearer("val!d"), wantStatus: 400, wantChallenge: invalidReq},
		{name: "quoted token", header: bearer(`"valid"`), wantStatus: 400, wantChallenge: invalidReq},
		{name: "padding in the middle", header: bearer("va=lid"), wantStatus: 400, wantChallenge: invalidReq},
		{name: "only padding", header: bearer("=="), wantStatus: 400, wantChallenge: invalidReq},
		{name: "non-ASCII", header: bearer("välid"), wantStatus: 400, wantChallenge: invalidReq},
		{name: "too long", header: bearer(strings.Repeat("a", 65)), wantStatus: 400, wantChallenge: invalidReq},
		{name: "at the length limit but unknown", header: bearer(strings.Repeat("a", 64)), wantStatus: 401, wantChallenge: invalidToken},
		{name: "two Authorization headers", header: map[string][]string{"Authorization": {"Bearer valid", "Bearer valid"}}, wantStatus: 400, wantChallenge: invalidReq},
		{name: "Bearer and Basic headers", header: map[string][]string{"Authorization": {"Basic dXNlcjpwdw==", "Bearer valid"}}, wantStatus: 400, wantChallenge: invalidReq},
		{name: "Basic scheme", header: map[string][]string{"Authorization": {"Basic dXNlcjpwdw=="}}, wantStatus: 401, wantChallenge: noError},
		{name: "scheme prefix only", header: map[string][]string{"Authorization": {"Bearerx valid"}}, wantStatus: 401, wantChallenge: noError},
		{name: "no header", wantStatus: 401, wantChallenge: noError},
		{name: "query-string token ignored", target: "/?access_token=valid", wantStatus: 401, wantChallenge: noError},
		{name: "form-body token ignored", header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}},
			body: url.Values{"access_token": {"valid"}}.Encode(), wantStatus: 401, wantChallenge: noError},
		{name: "bad token", header: bearer("forged"), wantStatus: 401, wantChallenge: invalidToken},
		{name: "expired token", header: bearer("expired"), wantStatus: 401, wantChallenge: invalidToken},
		{name: "revoked token", header: bearer("revoked"), wantStatus: 401, wantChallenge: invalidToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := http.MethodGet
			if tc.body != "" {
				method = http.MethodPost
			}
			target := tc.target
			if target == "" {
				target = "/"
			}
			res := call(t, srv, method, target, tc.header, tc.body)
			assert.Equal(t, tc.wantStatus, res.status)
			if tc.wantStatus == 200 {
				assert.Equal(t, tc.wantBody, res.body)
				assert.Empty(t, res.header.Values("WWW-Authenticate"))
				return
			}
			assert.Equal(t, []string{tc.wantChallenge}, res.header.Values("WWW-Authenticate"))
			assert.NotContains(t, res.body, "sub=", "the handler must not run")
		})
	}
}

func TestBearerFromHeader(t *testing.T) {
	cases := []struct {
		name    string
		values  []string
		want    string
		wantOK  bool
		wantErr bool
	}{
		{name: "absent"},
		{name: "bearer", values: []string{"Bearer abc"}, want: "abc", wantOK: true},
		{name: "upper case", values: []string{"BEARER abc"}, want: "abc", wantOK: true},
		{name: "several spaces", values: []string{"Bearer    abc"}, want: "abc", wantOK: true},
		{name: "padding", values: []string{"Bearer ab=="}, want: "ab==", wantOK: true},
		{name: "trailing space (not stripped here)", values: []string{"Bearer abc "}, wantErr: true},
		{name: "leading space", values: []string{" Bearer abc"}},
		{name: "other scheme", values: []string{"Digest abc"}},
		{name: "bearer-like scheme", values: []string{"Bearea abc"}},
		{name: "empty", values: []string{""}, wantErr: true},
		{name: "no token", values: []string{"bearer"}, wantErr: true},
		{name: "spaces only", values: []string{"Bearer    "}, wantErr: true},
		{name: "two tokens", values: []string{"Bearer a b"}, wantErr: true},
		{name: "two headers", values: []string{"Bearer a", "Bearer a"}, wantErr: true},
		{name: "NUL", values: []string{"Bearer a\x00"}, wantErr: true},
		{name: "too long", values: []string{"Bearer " + strings.Repeat("a", 17)}, wantErr: true},
		{name: "at limit", values: []string{"Bearer " + strings.Repeat("a", 16)}, want: strings.Repeat("a", 16), wantOK: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.values != nil {
				h["Authorization"] = tc.values
			}
			raw, ok, err := bearerFromHeader(h, 16)
			if tc.wantErr {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrMalformedRequest)
				assert.False(t, ok)
				assert.Empty(t, raw)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.want, raw)
		})
	}
}

// TestMalformedErrorsHideToken: the detail of a malformed-request error
// (which is logged) names a position, never the token's bytes.
func TestMalformedErrorsHideToken(t *testing.T) {
	secret := "s3cr3tPart"
	h := http.Header{"Authorization": {"Bearer " + secret + "!tail"}}
	_, _, err := bearerFromHeader(h, 100)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	assert.NotContains(t, err.Error(), "tail")
}

func TestBearerFromHeaderAllocs(t *testing.T) {
	skipUnderRace(t)
	h := http.Header{"Authorization": {"Bearer v4.local.abcdefghijklmnop"}}
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok, err := bearerFromHeader(h, 4096); !ok || err != nil {
			panic("not accepted")
		}
	})
	assert.Zero(t, allocs)
}

// FuzzBearerFromHeader: never panics; every error is ErrMalformedRequest;
// an accepted token is a suffix of the header, within the bound, made of
// b64token characters, and re-parses to itself.
func FuzzBearerFromHeader(f *testing.F) {
	for _, s := range []string{
		"Bearer abc", "bearer v4.local.xyz", "Bearer a==", "Bearer", "Bearer ", "Basic xyz",
		"Bearer a b", "Bearer =", "Bearer a=b", "BEARER  x.y_z~+/", "", "Bearer \x00", "Bearer é",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		const max = 64
		raw, ok, err := bearerFromHeader(http.Header{"Authorization": {v}}, max)
		if err != nil {
			if !errors.Is(err, ErrMalformedRequest) || ok || raw != "" {
				t.Fatalf("bad error result for %q: %q %v %v", v, raw, ok, err)
			}
			return
		}
		if !ok {
			if raw != "" {
				t.Fatalf("raw %q without ok", raw)
			}
			return
		}
		if raw == "" || len(raw) > max || !strings.HasSuffix(v, raw) || !strings.EqualFold(v[:6], "bearer") {
			t.Fatalf("accepted %q from %q", raw, v)
		}
		for i := 0; i < len(raw); i++ {
			if !isB64TokenChar(raw[i]) && raw[i] != '=' {
				t.Fatalf("accepted byte %q in %q", raw[i], raw)
			}
		}
		if body := strings.TrimRight(raw, "="); body == "" || strings.Contains(body, "=") {
			t.Fatalf("accepted padding outside the end in %q", raw)
		}
		again, ok2, err2 := bearerFromHeader(http.Header{"Authorization": {"Bearer " + raw}}, max)
		if err2 != nil || !ok2 || again != raw {
			t.Fatalf("re-parse of %q gave %q %v %v", raw, again, ok2, err2)
		}
	})
}

func TestB64TokenChars(t *testing.T) {
	const want = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"
	for c := 0; c < 256; c++ {
		assert.Equal(t, strings.IndexByte(want, byte(c)) >= 0, isB64TokenChar(byte(c)), "byte %#x", c)
	}
}

func BenchmarkBearerFromHeader(b *testing.B) {
	h := http.Header{"Authorization": {"Bearer v4.local." + strings.Repeat("Ab0_-", 84)}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, ok, err := bearerFromHeader(h, 4096); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
