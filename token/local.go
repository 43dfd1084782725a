package token

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/sessiontoken/sessiontoken/internal/paseto"
	"github.com/sessiontoken/sessiontoken/keys"
)

// PASETO v4.local: claims encrypted with XChaCha20 and authenticated with
// keyed BLAKE2b (internal/paseto), the key named in the footer
// {"kid":"k4.lid.…"}, times as RFC 3339 strings.

// issueLocal seals cl with the prepared primary key pk.
func (c *Codec) issueLocal(pk *pasetoKey, cl *Claims) (string, error) {
	var nonce [paseto.NonceSize]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", fmt.Errorf("token: issuing: reading randomness: %w", err)
	}
	bp := getBuffer()
	payload := appendClaims((*bp)[:0], cl, rfc3339Times)
	// The token is appended after the plaintext in the same buffer.
	full := pk.local.Seal(payload, &nonce, payload, pk.footer, c.cfg.ImplicitAssertion)
	tok := string(full[len(payload):])
	putBuffer(bp, full)
	return tok, nil
}

// verifyLocal checks raw (already bounded in size) and decodes its claims
// into dst, with arena as room for the claims' string slices: header,
// footer and key, MAC (constant time) then decryption, then the claims
// grammar. It returns the key that verified. The claim rules are the
// caller's.
func (c *Codec) verifyLocal(dst *Claims, raw string, now time.Time, arena []string) (*keys.Key, error) {
	body, footerEnc, err := paseto.Split(raw, paseto.LocalHeader)
	if err != nil {
		return nil, fmt.Errorf("%w: not a v4.local token", ErrMalformed)
	}
	pk, footer, err := c.verifyingKey(footerEnc, now)
	if err != nil {
		return nil, err
	}
	bp := getBuffer()
	m, out, err := pk.local.Open((*bp)[:0], body, footer, c.cfg.ImplicitAssertion)
	if err != nil {
		putBuffer(bp, out)
		return nil, pasetoError(err)
	}
	err = parseClaimsArena(dst, m, rfc3339Times, arena, c.interns)
	putBuffer(bp, out)
	return pk.key, err
}
