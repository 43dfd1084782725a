package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jwksDocument is the JWKS document as a client reads it.
type jwksDocument struct {
	Keys []map[string]string `json:"keys"`
	// PASETO v4.public keys.
	PASERK []map[string]string `json:"paserk"`
}

// manualClock is a settable clock safe for a server goroutine.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// secretEncodings returns every encoding of k's secret material this test
// looks for in a published document.
func secretEncodings(t *testing.T, k *Key) []string {
	t.Helper()
	var raw [][]byte
	if b, err := k.ExportSecret(); err == nil {
		raw = append(raw, b)
	}
	if p, err := k.ExportPrivateKey(); err == nil {
		switch p := p.(type) {
		case ed25519.PrivateKey:
			raw = append(raw, p, p.Seed())
		case *ecdsa.PrivateKey:
			d, err := p.Bytes()
			require.NoError(t, err)
			raw = append(raw, d)
		}
	}
	require.NotEmpty(t, raw, "%v has no secret to look for", k)
	var out []string
	for _, b := range raw {
		out = append(out, string(b), base64.RawURLEncoding.EncodeToString(b), base64.URLEncoding.EncodeToString(b),
			base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b), hex.EncodeToString(b))
	}
	if p, err := k.SecretPASERK(); err == nil {
		out = append(out, p, strings.TrimPrefix(strings.TrimPrefix(p, "k4.local."), "k4.secret."))
	}
	return out
}

// TestJWKSNoSecrets runs a key of every algorithm, able to issue, through
// the handler and checks that no secret appears in any encoding, that the
// symmetric keys are not listed at all, and that each public key is
// listed exactly once with its kid.
func TestJWKSNoSecrets(t *testing.T) {
	var ks []*Key
	for _, alg := range allAlgorithms {
		ks = append(ks, mustGenerate(t, alg), mustGenerate(t, alg))
	}
	set := mustSet(t, ks...)
	srv := httptest.NewServer(JWKSHandler(set, JWKSConfig{Now: func() time.Time { return fileClock }}))
	defer srv.Close()
	resp, body := get(t, srv.URL, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	for _, k := range ks {
		for _, enc := range secretEncodings(t, k) {
			require.NotContains(t, string(body), enc, "secret of %v published", k)
		}
	}
	var doc jwksDocument
	require.NoError(t, json.Unmarshal(body, &doc))
	published := map[string]int{}
	for _, j := range doc.Keys {
		assert.NotContains(t, j, "d")
		assert.NotContains(t, j, "k")
		assert.Equal(t, "sig", j["use"])
		published[j["kid"]]++
	}
	for _, p := range doc.PASERK {
		assert.True(t, strings.HasPrefix(p["paserk"], "k4.public."))
		assert.True(t, strings.HasPrefix(p["kid"], "k4.pid."))
		published[p["kid"]]++
	}
	for _, k := range ks {
		want := 1
		if k.Purpose() == Local {
			want = 0
		}
		assert.Equal(t, want, published[k.ID()], "%v", k)
	}
	assert.Len(t, published, 6)
}

func TestJWKSDocument(t *testing.T) {
	now := fileClock
	ed, err := NewEdDSA(ed25519.NewKeyFromSeed(rawURL(t, rfc8037D)))
	require.NoError(t, err)
	pasetoPub, err := ParsePASERK(testSecretPASERK)
	require.NoError(t, err)
	expired := mustGenerate(t, ES256).WithValidity(time.Time{}, now)
	pending := mustPublic(t, mustGenerate(t, ES256)).WithValidity(now.Add(time.Hour), time.Time{})

	body, err := mustSet(t, ed, pasetoPub, expired, pending, mustGenerate(t, V4Local)).JWKS(now)
	require.NoError(t, err)
	var doc jwksDocument
	require.NoError(t, json.Unmarshal(body, &doc))
	require.Len(t, doc.Keys, 2, "the expired key is not published; the pending one is")
	assert.Equal(t, map[string]string{"kty": "OKP", "crv": "Ed25519", "x": rfc8037X, "kid": rfc8037Thumbprint, "alg": "EdDSA", "use": "sig"}, doc.Keys[0])
	assert.Equal(t, pending.ID(), doc.Keys[1]["kid"])
	assert.Equal(t, []map[string]string{{"kid": "k4.pid.mCv5F34c3ALB7hzKEOQUsEBpj3CTArhbJzGyeeCCKWn1", "paserk": testPublicPASERK2}}, doc.PASERK)

	// No public key: an empty list, and no paserk member.
	body, err = mustSet(t, mustGenerate(t, HS256)).JWKS(now)
	require.NoError(t, err)
	assert.Equal(t, "{\"keys\":[]}\n", string(body))
}

// testPublicPASERK2 is the public half of testSecretPASERK.
const testPublicPASERK2 = "k4.public.HOVqSMgv-ZFioUvFRGEmdOXWH7kxfmXUBVeA_by03DU"

func TestJWKSHandlerHTTP(t *testing.T) {
	clock := &manualClock{t: fileClock}
	a := mustGenerate(t, EdDSA).WithValidity(time.Time{}, fileClock.Add(time.Hour))
	b := mustGenerate(t, ES256)
	ring, err := NewRing(mustSet(t, a))
	require.NoError(t, err)
	srv := httptest.NewServer(JWKSHandler(ring, JWKSConfig{Now: clock.Now, MaxAge: 90 * time.Second}))
	defer srv.Close()

	resp, body := get(t, srv.URL, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "public, max-age=90", resp.Header.Get("Cache-Control"))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	etag := resp.Header.Get("ETag")
	require.Regexp(t, `^"[A-Za-z0-9_-]{22}"$`, etag)
	assert.Contains(t, string(body), a.ID())

	tests := []struct {
		name       string
		header     string
		wantStatus int
	}{
		{name: "same tag", header: etag, wantStatus: http.StatusNotModified},
		{name: "weak same tag", header: "W/" + etag, wantStatus: http.StatusNotModified},
		{name: "in a list", header: `"other", ` + etag, wantStatus: http.StatusNotModified},
		{name: "star", header: "*", wantStatus: http.StatusNotModified},
		{name: "other tag", header: `"other"`, wantStatus: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, srv.URL, map[string]string{"If-None-Match": tc.header})
			assert.Equal(t, tc.wantStatus, resp.StatusCode)
			if tc.wantStatus == http.StatusNotModified {
				assert.Empty(t, body)
				assert.Equal(t, etag, resp.Header.Get("ETag"))
			}
		})
	}

	// A new set is served at once, with a new tag.
	require.NoError(t, ring.Store(mustSet(t, a, b)))
	resp, body = get(t, srv.URL, map[string]string{"If-None-Match": etag})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), b.ID())
	etag2 := resp.Header.Get("ETag")
	assert.NotEqual(t, etag, etag2)

	// When a key expires, the cached document is rendered again without it.
	clock.Set(fileClock.Add(time.Hour))
	resp, body = get(t, srv.URL, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotContains(t, string(body), a.ID())
	assert.NotEqual(t, etag2, resp.Header.Get("ETag"))

	// HEAD: headers only. POST: 405.
	head, err := http.Head(srv.URL)
	require.NoError(t, err)
	head.Body.Close()
	assert.Equal(t, http.StatusOK, head.StatusCode)
	post, err := http.Post(srv.URL, "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	post.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, post.StatusCode)
	assert.Equal(t, "GET, HEAD", post.Header.Get("Allow"))

	// Cache-Control variants.
	for _, tc := range []struct {
		maxAge time.Duration
		want   string
	}{{0, "public, max-age=300"}, {-1, "no-cache"}, {time.Hour, "public, max-age=3600"}} {
		rec := httptest.NewRecorder()
		JWKSHandler(ring, JWKSConfig{MaxAge: tc.maxAge}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
		assert.Equal(t, tc.want, rec.Header().Get("Cache-Control"))
	}
}

func BenchmarkJWKSHandler(b *testing.B) {
	set := mustSet(b, mustGenerate(b, EdDSA), mustGenerate(b, ES256), mustGenerate(b, V4Public))
	h := JWKSHandler(set, JWKSConfig{})
	req := httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
