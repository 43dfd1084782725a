package keys

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultJWKSMaxAge is the Cache-Control max-age of [JWKSHandler] when
// [JWKSConfig.MaxAge] is zero.
const DefaultJWKSMaxAge = 5 * time.Minute

// JWKS returns the public key set document of s at now, as
// /.well-known/jwks.json publishes it:
//
//	{"keys": [<JWK>, …], "paserk": [{"kid": "k4.pid.…", "paserk": "k4.public.…"}, …]}
//
// "keys" holds the public JWK of every EdDSA and ES256 key that still
// verifies at now (pending keys included, so that verifiers fetch a new key
// before any token uses it), with kid, alg and use "sig" ([Key.PublicJWK]).
// "paserk" holds the v4.public keys the same way, each as its k4.public
// PASERK with its k4.pid key ID; it is absent when there are none. A JWK
// Set reader ignores members it does not know (RFC 7517 §5), and PASETO
// keys are not put in "keys" on purpose: a JWT library must never take a
// PASETO key for an EdDSA key.
//
// Symmetric keys (v4.local, HS256) and expired keys are never included,
// and no private member (d, k) or secret PASERK can appear: the document is
// built from public halves only. The output is deterministic, in set order.
func (s *Set) JWKS(now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"keys":[`)
	n := 0
	for _, k := range s.keys {
		if (k.alg != EdDSA && k.alg != ES256) || !k.VerifiesAt(now) {
			continue
		}
		j, err := k.PublicJWK()
		if err != nil {
			return nil, fmt.Errorf("keys: JWKS: key %s: %w", k.id, err)
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(j)
		n++
	}
	buf.WriteByte(']')
	n = 0
	for _, k := range s.keys {
		if k.alg != V4Public || !k.VerifiesAt(now) {
			continue
		}
		p, err := k.PublicPASERK()
		if err != nil {
			return nil, fmt.Errorf("keys: JWKS: key %s: %w", k.id, err)
		}
		entry, err := json.Marshal(struct {
			Kid    string `json:"kid"`
			PASERK string `json:"paserk"`
		}{k.id, p})
		if err != nil {
			return nil, fmt.Errorf("keys: JWKS: %v", err)
		}
		if n == 0 {
			buf.WriteString(`,"paserk":[`)
		} else {
			buf.WriteByte(',')
		}
		buf.Write(entry)
		n++
	}
	if n > 0 {
		buf.WriteByte(']')
	}
	buf.WriteString("}\n")
	return buf.Bytes(), nil
}

// JWKSConfig configures [JWKSHandler].
type JWKSConfig struct {
	// MaxAge is the Cache-Control max-age of the response. If zero,
	// [DefaultJWKSMaxAge]; if negative, responses are sent with
	// "no-cache". Keep it well below the time a new key is published
	// before it issues (the propagation delay), or verifiers that cache
	// the document may see a token before they see its key.
	MaxAge time.Duration

	// Now is the clock that decides which keys still verify. If nil,
	// time.Now.
	Now func() time.Time
}

// JWKSHandler returns an http.Handler that serves the public keys of the
// set p provides ([Set.JWKS]) for GET and HEAD, with Cache-Control
// "public, max-age=…", a strong ETag (answering If-None-Match with 304 Not
// Modified) and Content-Type application/json. Other methods get 405.
//
// The document is rendered once per key set and cached until the set
// changes or one of its keys expires, so serving it costs one atomic load
// and a write. It is safe for concurrent use.
func JWKSHandler(p Provider, cfg JWKSConfig) http.Handler {
	h := &jwksHandler{p: p, now: cfg.Now}
	if h.now == nil {
		h.now = time.Now
	}
	switch {
	case cfg.MaxAge < 0:
		h.cacheControl = "no-cache"
	case cfg.MaxAge == 0:
		h.cacheControl = "public, max-age=" + strconv.Itoa(int(DefaultJWKSMaxAge/time.Second))
	default:
		h.cacheControl = "public, max-age=" + strconv.FormatInt(int64(cfg.MaxAge/time.Second), 10)
	}
	return h
}

type jwksHandler struct {
	p            Provider
	now          func() time.Time
	cacheControl string
	cache        atomic.Pointer[jwksDoc]
}

// jwksDoc is the rendered document of one set, valid until the first of
// its keys expires after the rendering.
type jwksDoc struct {
	set   *Set
	from  time.Time // rendered at
	until time.Time // zero: no key expires later
	body  []byte
	etag  string
}

func (h *jwksHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	d, err := h.doc(h.now())
	if err != nil {
		// Unreachable with keys made by this package; the cause names a
		// key ID, never material, but stays out of the response anyway.
		http.Error(w, "key set unavailable", http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Cache-Control", h.cacheControl)
	hdr.Set("ETag", d.etag)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if etagMatch(r.Header.Get("If-None-Match"), d.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(d.body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(d.body)
}

// doc returns the cached document when it is still the one for now.
func (h *jwksHandler) doc(now time.Time) (*jwksDoc, error) {
	set := h.p.Current()
	if d := h.cache.Load(); d != nil && d.set == set && !now.Before(d.from) && (d.until.IsZero() || now.Before(d.until)) {
		return d, nil
	}
	body, err := set.JWKS(now)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	d := &jwksDoc{set: set, from: now, body: body, etag: `"` + b64(sum[:16]) + `"`}
	for _, k := range set.keys {
		if !k.verifyUntil.IsZero() && now.Before(k.verifyUntil) && (d.until.IsZero() || k.verifyUntil.Before(d.until)) {
			d.until = k.verifyUntil
		}
	}
	h.cache.Store(d)
	return d, nil
}

// etagMatch implements the If-None-Match comparison (RFC 9110 §13.1.2):
// "*" or any listed tag equal to etag, weak tags compared weakly.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
