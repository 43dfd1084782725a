package token

import (
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sessiontoken/sessiontoken/internal/paseto"
	"github.com/sessiontoken/sessiontoken/keys"
)

// PASETO key handling shared by v4.local and v4.public: per-key prepared
// state, the footer that names the key, and pooled buffers.

// maxFooterSize bounds the encoded footer of a token we look at. Our
// footer, {"kid":"k4.lid.<44 chars>"}, encodes to 82 characters; anything
// much larger is refused before it is decoded.
const maxFooterSize = 256

// pasetoKey is a key with everything the PASETO paths need prepared once.
type pasetoKey struct {
	key       *keys.Key
	footer    []byte // {"kid":"…"}
	footerEnc string // its base64url form, as it appears in tokens
	local     *paseto.LocalKey
	pub       ed25519.PublicKey
	priv      ed25519.PrivateKey // nil for a verify-only key
}

// pasetoKeys is the prepared form of one key set, for one format. It is
// immutable once built; a Codec keeps the latest behind an atomic pointer.
type pasetoKeys struct {
	set      *keys.Set
	byFooter map[string]*pasetoKey // encoded canonical footer → key
	byKey    map[*keys.Key]*pasetoKey
	ordered  []*pasetoKey // keys of the format, in set order
}

// pasetoKeysFor returns the prepared keys of set, building them when the
// set is not the one prepared last. Keys already prepared for the previous
// set are reused by pointer, so a key-set reload prepares only new keys.
// Two goroutines racing on a new set both build it; either result is
// correct and the last store wins.
func (c *Codec) pasetoKeysFor(set *keys.Set) *pasetoKeys {
	old := c.prep.Load()
	if old != nil && old.set == set {
		return old
	}
	ks := set.Keys()
	p := &pasetoKeys{set: set, byFooter: make(map[string]*pasetoKey, len(ks)), byKey: make(map[*keys.Key]*pasetoKey, len(ks))}
	for _, k := range ks {
		if !c.cfg.Format.Accepts(k.Algorithm()) {
			continue
		}
		pk := (*pasetoKey)(nil)
		if old != nil {
			pk = old.byKey[k]
		}
		if pk == nil {
			var err error
			if pk, err = preparePASETOKey(k); err != nil {
				continue // cannot happen for a key keys accepted; never verifies
			}
		}
		p.byFooter[pk.footerEnc] = pk
		p.byKey[k] = pk
		p.ordered = append(p.ordered, pk)
	}
	c.prep.Store(p)
	return p
}

func preparePASETOKey(k *keys.Key) (*pasetoKey, error) {
	pk := &pasetoKey{key: k}
	pk.footer = append(append([]byte(`{"kid":"`), k.ID()...), `"}`...)
	pk.footerEnc = string(paseto.AppendEncode(nil, pk.footer))
	switch k.Algorithm() {
	case keys.V4Local:
		secret, err := k.ExportSecret()
		if err != nil {
			return nil, err
		}
		pk.local, err = paseto.NewLocalKey(secret)
		clear(secret)
		if err != nil {
			return nil, err
		}
	case keys.V4Public:
		pub, ok := k.PublicKey().(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("token: key %s has no Ed25519 public key", k.ID())
		}
		pk.pub = pub
		if k.CanIssue() {
			priv, err := k.ExportPrivateKey()
			if err != nil {
				return nil, err
			}
			pk.priv, _ = priv.(ed25519.PrivateKey)
		}
	default:
		return nil, fmt.Errorf("token: key %s is not a PASETO key", k.ID())
	}
	return pk, nil
}

// issuingKey returns the prepared primary key at now among the keys of
// the codec's format ([keys.Set.PrimaryFor]: can issue, window contains
// now, latest IssueFrom).
func (c *Codec) issuingKey(now time.Time) (*pasetoKey, error) {
	set := c.cfg.Keys.Current()
	k, err := set.PrimaryFor(now, c.cfg.Format.algorithms()...)
	if err != nil {
		return nil, fmt.Errorf("token: issuing %v: %w", c.cfg.Format, err)
	}
	pk := c.pasetoKeysFor(set).byKey[k]
	if pk == nil { // cannot happen: the prepared keys are built from the same set
		return nil, fmt.Errorf("token: issuing: key %s was not prepared", k.ID())
	}
	return pk, nil
}

// verifyingKey finds the key an encoded footer names and returns it with
// the decoded footer the MAC or signature covers. A footer that is
// byte-for-byte the one we write takes a map lookup; any other is decoded
// and parsed strictly (see parseFooter). The key must be of the codec's
// format (its kid prefix says so: k4.lid for v4.local, k4.pid for
// v4.public) and inside its verification window.
func (c *Codec) verifyingKey(footerEnc string, now time.Time) (*pasetoKey, []byte, error) {
	if footerEnc == "" {
		return nil, nil, fmt.Errorf("%w: no footer: a kid is required", ErrMalformed)
	}
	p := c.pasetoKeysFor(c.cfg.Keys.Current())
	if pk := p.byFooter[footerEnc]; pk != nil {
		if !pk.key.VerifiesAt(now) {
			return nil, nil, fmt.Errorf("%w: key %s no longer verifies", ErrUnknownKey, pk.key.ID())
		}
		return pk, pk.footer, nil
	}
	if len(footerEnc) > maxFooterSize {
		return nil, nil, fmt.Errorf("%w: footer of %d bytes, limit %d", ErrMalformed, len(footerEnc), maxFooterSize)
	}
	f, ok := paseto.AppendDecode(nil, footerEnc)
	if !ok {
		return nil, nil, fmt.Errorf("%w: footer is not canonical base64url", ErrMalformed)
	}
	kid, err := parseFooter(f)
	if err != nil {
		return nil, nil, err
	}
	prefix := "k4.lid."
	if c.cfg.Format == V4Public {
		prefix = "k4.pid."
	}
	if !strings.HasPrefix(kid, prefix) {
		return nil, nil, fmt.Errorf("%w: kid %.16q… is not a %v key ID", ErrUnknownKey, kid, c.cfg.Format)
	}
	k, err := p.set.Lookup(kid)
	if err != nil || !k.VerifiesAt(now) {
		return nil, nil, fmt.Errorf("%w: kid %.16q… not in the key set or no longer verifies", ErrUnknownKey, kid)
	}
	pk := p.byKey[k]
	if pk == nil { // in the set, but of another format
		return nil, nil, fmt.Errorf("%w: kid %.16q… is not a %v key", ErrUnknownKey, kid, c.cfg.Format)
	}
	return pk, f, nil
}

// parseFooter accepts a footer that is exactly one JSON object with a
// single member "kid" whose value is a string (whitespace allowed, nothing
// else), and returns the kid. PASETO footers may carry other claims; ours
// never do, so anything else is refused rather than ignored.
func parseFooter(f []byte) (string, error) {
	if !utf8.Valid(f) {
		return "", fmt.Errorf("%w: footer is not valid UTF-8", ErrMalformed)
	}
	s := scanner{data: f}
	s.skipWS()
	if s.i >= len(f) || f[s.i] != '{' {
		return "", fmt.Errorf("%w: footer is not a JSON object", ErrMalformed)
	}
	if err := s.object(1); err != nil {
		return "", fmt.Errorf("%w: footer: %v", ErrMalformed, err)
	}
	s.skipWS()
	if s.i != len(f) {
		return "", fmt.Errorf("%w: footer: %v", ErrMalformed, errTrailing)
	}
	// The object is valid JSON; now require exactly {"kid": "…"}.
	s.i = 0
	s.skipWS()
	s.i++ // '{'
	s.skipWS()
	if f[s.i] != '"' {
		return "", fmt.Errorf("%w: footer has no kid", ErrMalformed)
	}
	name, _ := s.str()
	s.skipWS()
	s.i++ // ':'
	s.skipWS()
	if s.nameString(name) != "kid" || f[s.i] != '"' {
		return "", fmt.Errorf("%w: footer must be {\"kid\":\"…\"}", ErrMalformed)
	}
	val, _ := s.str()
	s.skipWS()
	if f[s.i] != '}' {
		return "", fmt.Errorf("%w: footer must hold only a kid", ErrMalformed)
	}
	return s.nameString(val), nil
}

// pasetoBuffers pools the byte buffers of the PASETO paths. A buffer that
// held a plaintext is cleared before it is put back (see putBuffer).
var pasetoBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func getBuffer() *[]byte { return pasetoBuffers.Get().(*[]byte) }

// putBuffer clears b up to its capacity's used part and pools it; huge
// buffers are dropped so one large token does not pin memory.
func putBuffer(bp *[]byte, used []byte) {
	clear(used)
	if cap(used) > 64<<10 {
		return
	}
	*bp = used[:0]
	pasetoBuffers.Put(bp)
}

// pasetoError maps an internal/paseto error to our sentinels.
func pasetoError(err error) error {
	if err == paseto.ErrAuth {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}
