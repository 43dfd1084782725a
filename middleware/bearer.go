package middleware

import (
	"fmt"
	"net/http"
)

// bearerFromHeader extracts the token of an "Authorization: Bearer"
// header, following RFC 6750 §2.1:
//
//	credentials = "Bearer" 1*SP b64token
//	b64token    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//
// It returns ("", false, nil) when the request has no Authorization header
// or one with another scheme (Basic, Negotiate, …): those are "no bearer
// token", answered 401 without an error code (RFC 6750 §3). It returns an
// error matching ErrMalformedRequest (400 invalid_request) when:
//
//   - there are several Authorization headers (which one would count is
//     exactly the ambiguity an attacker exploits between proxies);
//   - the header is empty, or the Bearer scheme has no token;
//   - the token is longer than max (checked before the characters are
//     scanned; the server's header limit bounds the rest);
//   - the token holds any character outside b64token, including a second
//     space-separated token, a comma, a tab or "=" before the end.
//
// The scheme is matched case-insensitively (RFC 9110 §11.1). Go's server
// already strips leading and trailing whitespace from header values.
// bearerFromHeader never reads the query string or the body: a token in
// "?access_token=" or a form field (RFC 6750 §2.2, §2.3) is ignored, since
// URLs end up in logs, histories and Referer headers.
//
// It does not check that the token is well formed for any token format;
// the verifier does.
func bearerFromHeader(h http.Header, max int) (raw string, ok bool, err error) {
	vals := h["Authorization"]
	switch len(vals) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", false, fmt.Errorf("%w: %d Authorization headers", ErrMalformedRequest, len(vals))
	}
	v := vals[0]
	if v == "" {
		return "", false, fmt.Errorf("%w: empty Authorization header", ErrMalformedRequest)
	}
	i := 0
	for i < len(v) && v[i] != ' ' {
		i++
	}
	if !isBearer(v[:i]) {
		return "", false, nil
	}
	for i < len(v) && v[i] == ' ' {
		i++
	}
	raw = v[i:]
	if err := checkB64Token(raw, max); err != nil {
		return "", false, err
	}
	return raw, true, nil
}

// isBearer reports whether scheme is "Bearer" in any case, without
// allocating.
func isBearer(scheme string) bool {
	const want = "bearer"
	if len(scheme) != len(want) {
		return false
	}
	for i := 0; i < len(want); i++ {
		if scheme[i]|0x20 != want[i] {
			return false
		}
	}
	return true
}

// checkB64Token reports whether raw is a non-empty RFC 6750 b64token of at
// most max bytes. The length is checked first so that an oversized value
// costs nothing more.
func checkB64Token(raw string, max int) error {
	if raw == "" {
		return fmt.Errorf("%w: empty bearer token", ErrMalformedRequest)
	}
	if len(raw) > max {
		return fmt.Errorf("%w: token of %d bytes, limit %d", ErrMalformedRequest, len(raw), max)
	}
	// Trailing padding first, then one pass over the rest that ORs the
	// byte classes with four independent accumulators and no early exit:
	// the common case is a valid token, and a 400-byte token is most of
	// the middleware's own work.
	end := len(raw)
	for end > 0 && raw[end-1] == '=' {
		end--
	}
	if end == 0 {
		return fmt.Errorf("%w: bearer token is only padding", ErrMalformedRequest)
	}
	body := raw[:end]
	var c0, c1, c2, c3 byte
	i := 0
	for ; i+4 <= len(body); i += 4 {
		q := body[i : i+4]
		c0 |= b64Class[q[0]]
		c1 |= b64Class[q[1]]
		c2 |= b64Class[q[2]]
		c3 |= b64Class[q[3]]
	}
	for ; i < len(body); i++ {
		c0 |= b64Class[body[i]]
	}
	if c0|c1|c2|c3 != 0 {
		// Say what was wrong, never which bytes: the message is logged.
		return fmt.Errorf("%w: character not allowed in a bearer token", ErrMalformedRequest)
	}
	return nil
}

// isB64TokenChar reports whether c may appear in a b64token before its
// padding.
func isB64TokenChar(c byte) bool { return b64Class[c] == 0 }

// b64Class classifies bytes for checkB64Token: 0 for the b64token
// characters (A–Z a–z 0–9 - . _ ~ + /), 1 for the padding "=", 2 for
// anything else. A constant table, built once.
var b64Class = func() (t [256]byte) {
	for i := range t {
		t[i] = 2
	}
	for _, r := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/" {
		t[r] = 0
	}
	t['='] = 1
	return t
}()
