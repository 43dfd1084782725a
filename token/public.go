package token

import (
	"errors"
	"fmt"
	"time"

	"github.com/sessiontoken/sessiontoken/internal/paseto"
	"github.com/sessiontoken/sessiontoken/keys"
)

// PASETO v4.public: claims in clear, signed with Ed25519 over
// PAE(header, message, footer, implicit assertion), the key named in the
// footer {"kid":"k4.pid.…"}, times as RFC 3339 strings.

// issuePublic signs cl with the prepared primary key pk.
func (c *Codec) issuePublic(pk *pasetoKey, cl *Claims) (string, error) {
	if pk.priv == nil {
		return "", errors.New("token: issuing: primary v4.public key is verify-only")
	}
	bp := getBuffer()
	payload := appendClaims((*bp)[:0], cl, rfc3339Times)
	full := paseto.Sign(payload, pk.priv, payload, pk.footer, c.cfg.ImplicitAssertion)
	tok := string(full[len(payload):])
	putBuffer(bp, full)
	return tok, nil
}

// verifyPublic checks raw (already bounded in size) and decodes its claims
// into dst: header, footer and key, signature, then the claims grammar.
// It returns the key that verified. The claim rules are the caller's.
func (c *Codec) verifyPublic(dst *Claims, raw string, now time.Time, arena []string) (*keys.Key, error) {
	body, footerEnc, err := paseto.Split(raw, paseto.PublicHeader)
	if err != nil {
		return nil, fmt.Errorf("%w: not a v4.public token", ErrMalformed)
	}
	pk, footer, err := c.verifyingKey(footerEnc, now)
	if err != nil {
		return nil, err
	}
	bp := getBuffer()
	m, out, err := paseto.Verify((*bp)[:0], pk.pub, body, footer, c.cfg.ImplicitAssertion)
	if err != nil {
		putBuffer(bp, out)
		return nil, pasetoError(err)
	}
	err = parseClaimsArena(dst, m, rfc3339Times, arena, c.interns)
	putBuffer(bp, out)
	return pk.key, err
}
