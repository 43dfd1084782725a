package token

// This file keeps the first encoding/json implementation of the claims
// codec as the reference the reflection-free one is tested against
// (FuzzParseClaimsDifferential).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// refClaimsWire is the JSON shape of Claims.
type refClaimsWire struct {
	Iss   string          `json:"iss,omitempty"`
	Sub   string          `json:"sub,omitempty"`
	Aud   json.RawMessage `json:"aud,omitempty"`
	Exp   json.RawMessage `json:"exp,omitempty"`
	Nbf   json.RawMessage `json:"nbf,omitempty"`
	Iat   json.RawMessage `json:"iat,omitempty"`
	Jti   string          `json:"jti,omitempty"`
	Sid   string          `json:"sid,omitempty"`
	Roles []string        `json:"roles,omitempty"`
	Scope string          `json:"scope,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// appendClaims appends the JSON encoding of c to dst.
func refAppendClaims(dst []byte, c *Claims, te timeEncoding) []byte {
	w := refClaimsWire{Iss: c.Issuer, Sub: c.Subject, Jti: c.ID, Roles: c.Roles, Scope: strings.Join(c.Scopes, " "), Data: c.Data}
	if !c.SessionID.IsZero() {
		w.Sid = c.SessionID.Base64()
	}
	switch len(c.Audience) {
	case 0:
	case 1:
		w.Aud, _ = json.Marshal(c.Audience[0])
	default:
		w.Aud, _ = json.Marshal(c.Audience)
	}
	w.Exp = refEncodeTime(c.ExpiresAt, te)
	w.Nbf = refEncodeTime(c.NotBefore, te)
	w.Iat = refEncodeTime(c.IssuedAt, te)
	b, _ := json.Marshal(w)
	return append(dst, b...)
}

func refEncodeTime(t time.Time, te timeEncoding) json.RawMessage {
	if t.IsZero() {
		return nil
	}
	if te == numericDates {
		ms := t.UnixMilli()
		if ms%1000 == 0 {
			return json.RawMessage(fmt.Sprintf("%d", ms/1000))
		}
		return json.RawMessage(fmt.Sprintf("%d.%03d", ms/1000, ms%1000))
	}
	return json.RawMessage(`"` + t.UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"`)
}

// parseClaims decodes a claims payload into dst. It accepts only a JSON
// object in valid UTF-8 with no duplicate member names (at any depth) and
// nothing after it. Every error wraps ErrMalformed.
func refParseClaims(dst *Claims, data []byte, te timeEncoding) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: claims are not valid UTF-8", ErrMalformed)
	}
	if err := refCheckNoDuplicates(data); err != nil {
		return fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	var w refClaimsWire
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	*dst = Claims{Issuer: w.Iss, Subject: w.Sub, ID: w.Jti, Roles: w.Roles}
	if w.Scope != "" {
		dst.Scopes = strings.Fields(w.Scope)
	}
	if len(w.Data) > 0 {
		dst.Data = append(json.RawMessage(nil), w.Data...)
	}
	if w.Sid != "" {
		sid, err := ParseSessionID(w.Sid)
		if err != nil {
			return fmt.Errorf("%w: sid", err)
		}
		dst.SessionID = sid
	}
	if len(w.Aud) > 0 {
		var one string
		if err := json.Unmarshal(w.Aud, &one); err == nil {
			dst.Audience = []string{one}
		} else if err := json.Unmarshal(w.Aud, &dst.Audience); err != nil {
			return fmt.Errorf("%w: aud is neither a string nor an array of strings", ErrMalformed)
		}
	}
	var err error
	if dst.ExpiresAt, err = refDecodeTime(w.Exp, te, "exp"); err != nil {
		return err
	}
	if dst.NotBefore, err = refDecodeTime(w.Nbf, te, "nbf"); err != nil {
		return err
	}
	if dst.IssuedAt, err = refDecodeTime(w.Iat, te, "iat"); err != nil {
		return err
	}
	return nil
}

func refDecodeTime(raw json.RawMessage, te timeEncoding, name string) (time.Time, error) {
	if len(raw) == 0 {
		return time.Time{}, nil
	}
	if te == numericDates {
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil || math.IsNaN(f) || f < 0 || f > 1<<40 {
			return time.Time{}, fmt.Errorf("%w: %s is not a NumericDate", ErrMalformed, name)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC(), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, fmt.Errorf("%w: %s is not an RFC 3339 string", ErrMalformed, name)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s is not an RFC 3339 string", ErrMalformed, name)
	}
	return t, nil
}

// checkNoDuplicates walks data and fails on a duplicate member name in any
// object, on a top level that is not an object, and on trailing data.
func refCheckNoDuplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("not a JSON object")
	}
	if err := refWalkObject(dec); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the object")
	}
	return nil
}

func refWalkObject(dec *json.Decoder) error {
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		if seen[name] {
			return fmt.Errorf("duplicate member %q", name)
		}
		seen[name] = true
		if err := refWalkValue(dec); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return err
}

func refWalkValue(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return refWalkObject(dec)
	case json.Delim('['):
		for dec.More() {
			if err := refWalkValue(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	}
	return nil
}
