package jws

import (
	"bytes"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits on the protected header. A header of ours is about 90 bytes; the
// bounds leave room for other issuers' headers (an embedded jwk, an x5c
// chain of a few certificates would not fit, and is never used anyway).
const (
	// MaxHeaderLen bounds the encoded header segment, in characters.
	MaxHeaderLen = 2048
	// maxKIDLen bounds the kid value, in bytes.
	maxKIDLen = 256
	// maxMembers bounds the members of any one JSON object in the header.
	maxMembers = 32
	// maxDepth bounds the nesting of objects and arrays in the header.
	maxDepth = 8
)

// Header is the protected header of a token, after the checks.
type Header struct {
	// Alg is the algorithm the header names. It is one of ours; any other
	// value, "none" included, fails parsing. It is only a claim of the
	// token: [Key.Verify] refuses it unless it is the key's algorithm.
	Alg Algorithm
	// KID is the key ID, required and non-empty.
	KID string
}

// parseHeader reads the decoded protected header b into h. It accepts only
// a JSON object in valid UTF-8 with no duplicate member names at any depth
// and nothing but whitespace after it, whose alg is one of ours and kid a
// non-empty string; typ, when present, must be "JWT" or "at+jwt" (either
// case, as media types are case-insensitive). A crit member is refused,
// since we understand no extension, and so is b64 (RFC 7797 unencoded
// payloads, which only make sense with crit). jku, jwk, x5u, x5c and any
// other member are read as JSON and otherwise ignored: keys come from the
// key set, never from the token.
func parseHeader(b []byte, h *Header) error {
	*h = Header{}
	p := parser{b: b}
	p.ws()
	if !p.eat('{') {
		return malformed("header is not a JSON object")
	}
	var (
		names            [maxMembers][]byte
		n                int
		haveAlg, haveKID bool
		alg, kid         []byte
	)
	p.ws()
	if !p.eat('}') {
		for {
			p.ws()
			name, err := p.str()
			if err != nil {
				return err
			}
			if n == maxMembers {
				return malformed("header has too many members")
			}
			for _, seen := range names[:n] {
				if bytes.Equal(seen, name) {
					return malformed(fmt.Sprintf("duplicate header member %q", string(name)))
				}
			}
			names[n] = name
			n++
			p.ws()
			if !p.eat(':') {
				return malformed("header: expected ':'")
			}
			p.ws()
			switch string(name) { // no allocation: the conversion is only compared
			case "alg", "kid", "typ":
				v, err := p.str()
				if err != nil {
					return malformed(fmt.Sprintf("header member %s is not a string", string(name)))
				}
				switch name[0] {
				case 'a':
					alg, haveAlg = v, true
				case 'k':
					kid, haveKID = v, true
				default:
					if !bytes.EqualFold(v, []byte("JWT")) && !bytes.EqualFold(v, []byte("at+jwt")) {
						return malformed(fmt.Sprintf("header typ %q is neither JWT nor at+jwt", string(v)))
					}
				}
			case "crit":
				return unsupported("header has crit: no extension is understood")
			case "b64":
				return unsupported("header has b64: unencoded payloads are not accepted")
			default:
				if err := p.value(1); err != nil {
					return err
				}
			}
			p.ws()
			if p.eat('}') {
				break
			}
			if !p.eat(',') {
				return malformed("header: expected ',' or '}'")
			}
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return malformed("trailing data after the header object")
	}
	if !haveAlg {
		return malformed("header has no alg")
	}
	a, ok := algorithmByName(alg)
	if !ok {
		return unsupported(fmt.Sprintf("alg %q is not accepted", string(alg)))
	}
	if !haveKID || len(kid) == 0 {
		return malformed("header has no kid")
	}
	if len(kid) > maxKIDLen {
		return malformed("header kid is too long")
	}
	h.Alg, h.KID = a, string(kid)
	return nil
}

// parser is a strict RFC 8259 reader over a small, bounded input.
type parser struct {
	b []byte
	i int
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string and returns its value. Without escapes the value is a
// subslice of the input; with them, a fresh unescaped copy. It refuses
// control characters, invalid escapes, unpaired surrogates and invalid
// UTF-8.
func (p *parser) str() ([]byte, error) {
	if !p.eat('"') {
		return nil, malformed("header: expected a string")
	}
	start, escaped := p.i, false
	for {
		if p.i >= len(p.b) {
			return nil, malformed("header: unterminated string")
		}
		c := p.b[p.i]
		switch {
		case c == '"':
			raw := p.b[start:p.i]
			p.i++
			if !utf8.Valid(raw) {
				return nil, malformed("header is not valid UTF-8")
			}
			if !escaped {
				return raw, nil
			}
			return unescape(raw)
		case c == '\\':
			escaped = true
			p.i += 2 // the escape is checked by unescape; skip the escaped byte
		case c < 0x20:
			return nil, malformed("header: control character in a string")
		default:
			p.i++
		}
	}
}

// unescape decodes the escapes of a string body already known to end
// before its closing quote.
func unescape(raw []byte) ([]byte, error) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(raw) {
			return nil, malformed("header: bad escape")
		}
		e := raw[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(raw, i)
			if !ok {
				return nil, malformed("header: bad \\u escape")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2, ok = hex4(raw, i+2)
				}
				dec := utf16.DecodeRune(r, r2)
				if !ok || dec == utf8.RuneError {
					return nil, malformed("header: unpaired surrogate")
				}
				r = dec
				i += 6
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, malformed("header: bad escape")
		}
	}
	return out, nil
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// value reads and checks any JSON value at nesting depth d.
func (p *parser) value(d int) error {
	if d > maxDepth {
		return malformed("header nested too deeply")
	}
	if p.i >= len(p.b) {
		return malformed("header: unexpected end")
	}
	switch c := p.b[p.i]; {
	case c == '"':
		_, err := p.str()
		return err
	case c == '{':
		return p.object(d)
	case c == '[':
		p.i++
		p.ws()
		if p.eat(']') {
			return nil
		}
		for {
			p.ws()
			if err := p.value(d + 1); err != nil {
				return err
			}
			p.ws()
			if p.eat(']') {
				return nil
			}
			if !p.eat(',') {
				return malformed("header: expected ',' or ']'")
			}
		}
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return malformed("header: unexpected character")
}

// object reads a nested object, refusing duplicate member names.
func (p *parser) object(d int) error {
	p.i++ // '{'
	var names [maxMembers][]byte
	n := 0
	p.ws()
	if p.eat('}') {
		return nil
	}
	for {
		p.ws()
		name, err := p.str()
		if err != nil {
			return err
		}
		if n == maxMembers {
			return malformed("header object has too many members")
		}
		for _, seen := range names[:n] {
			if bytes.Equal(seen, name) {
				return malformed(fmt.Sprintf("duplicate header member %q", string(name)))
			}
		}
		names[n] = name
		n++
		p.ws()
		if !p.eat(':') {
			return malformed("header: expected ':'")
		}
		p.ws()
		if err := p.value(d + 1); err != nil {
			return err
		}
		p.ws()
		if p.eat('}') {
			return nil
		}
		if !p.eat(',') {
			return malformed("header: expected ',' or '}'")
		}
	}
}

func (p *parser) literal(lit string) error {
	if len(p.b)-p.i < len(lit) || string(p.b[p.i:p.i+len(lit)]) != lit {
		return malformed("header: bad literal")
	}
	p.i += len(lit)
	return nil
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() error {
	p.eat('-')
	switch {
	case p.eat('0'):
	case p.i < len(p.b) && p.b[p.i] >= '1' && p.b[p.i] <= '9':
		p.digits()
	default:
		return malformed("header: bad number")
	}
	if p.eat('.') && p.digits() == 0 {
		return malformed("header: bad number")
	}
	if p.eat('e') || p.eat('E') {
		if !p.eat('+') {
			p.eat('-')
		}
		if p.digits() == 0 {
			return malformed("header: bad number")
		}
	}
	return nil
}

func (p *parser) digits() int {
	n := 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}
