package token

import (
	"encoding/binary"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// A validating JSON scanner for claims payloads and PASETO footers: it
// checks the grammar, refuses duplicate member names at any depth and
// nesting deeper than maxJSONDepth, and records where the known top-level
// claims lie, without building any value.

// span locates a value in the payload: [start, end). For strings the span
// includes the quotes.
type span struct {
	start, end int
	esc        bool // a string containing escapes
	n          int  // arrays: number of elements
	kind       byte // first byte of the value: '"', '[', '{', 'n', 't', 'f' or a number's first byte
}

func (s span) present() bool { return s.end > 0 }

// known claims, indexes into claimSpans.
const (
	cIss = iota
	cSub
	cAud
	cExp
	cNbf
	cIat
	cJti
	cSid
	cRoles
	cScope
	cData
	numClaims
)

var claimNames = [numClaims]string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "sid", "roles", "scope", "data"}

func claimIndex(name string) int {
	switch name {
	case "iss":
		return cIss
	case "sub":
		return cSub
	case "aud":
		return cAud
	case "exp":
		return cExp
	case "nbf":
		return cNbf
	case "iat":
		return cIat
	case "jti":
		return cJti
	case "sid":
		return cSid
	case "roles":
		return cRoles
	case "scope":
		return cScope
	case "data":
		return cData
	}
	return -1
}

// scanner validates JSON and records the top-level claims.
type scanner struct {
	data   []byte
	i      int
	claims *[numClaims]span // top-level members of interest; nil when not collecting
}

type syntaxError string

func (e syntaxError) Error() string { return string(e) }

const (
	errSyntax   = syntaxError("invalid JSON")
	errEOF      = syntaxError("unexpected end of JSON")
	errDepth    = syntaxError("JSON nested too deeply")
	errDupName  = syntaxError("duplicate member name")
	errNotObj   = syntaxError("not a JSON object")
	errTrailing = syntaxError("trailing data after the object")
)

func (s *scanner) skipWS() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value validates one value starting at s.i (no leading whitespace).
func (s *scanner) value(depth int) error {
	if s.i >= len(s.data) {
		return errEOF
	}
	switch c := s.data[s.i]; {
	case c == '{':
		return s.object(depth + 1)
	case c == '[':
		_, err := s.array(depth + 1)
		return err
	case c == '"':
		_, err := s.scanStr()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return errSyntax
}

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.i < len(lit) || string(s.data[s.i:s.i+len(lit)]) != lit {
		return errSyntax
	}
	s.i += len(lit)
	return nil
}

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	d := s.data
	i := s.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i - j
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case digits() == 0:
		return errSyntax
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return errSyntax
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return errSyntax
		}
	}
	s.i = i
	return nil
}

// str validates a string starting at the opening quote and returns its
// span. The payload is already known to be valid UTF-8.
func (s *scanner) str() (span, error) {
	start := s.i
	esc, err := s.scanStr()
	return span{start: start, end: s.i, esc: esc, kind: '"'}, err
}

// scanStr is str without building the span: it leaves s.i after the
// closing quote and reports whether the string has escapes.
func (s *scanner) scanStr() (esc bool, err error) {
	d := s.data
	i := s.i + 1
	for i < len(d) {
		// Skip eight plain bytes at a time: none is a quote, a backslash
		// or a control character.
		for i+8 <= len(d) && !hasSpecial(binary.LittleEndian.Uint64(d[i:])) {
			i += 8
		}
		for i < len(d) && !strSpecial[d[i]] {
			i++
		}
		if i >= len(d) {
			break
		}
		switch c := d[i]; {
		case c == '"':
			s.i = i + 1
			return esc, nil
		case c == '\\':
			esc = true
			if i+1 >= len(d) {
				return esc, errEOF
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || hex4(d[i+2:i+6]) < 0 {
					return esc, errSyntax
				}
				i += 6
			default:
				return esc, errSyntax
			}
		default: // control character
			return esc, errSyntax
		}
	}
	return esc, errEOF
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// hasSpecial reports whether any byte of x may be '"', '\\' or below
// 0x20 (the usual SWAR zero-byte tests; a false positive only sends the
// caller to its byte loop).
func hasSpecial(x uint64) bool {
	q := x ^ ('"' * lsb)
	b := x ^ ('\\' * lsb)
	return ((q-lsb)&^q|(b-lsb)&^b|(x-0x20*lsb)&^x)&msb != 0
}

// strSpecial marks the bytes that end the fast path of str: the quote,
// the backslash and the control characters JSON forbids in strings.
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// array validates an array starting at '[' and returns the number of
// elements.
func (s *scanner) array(depth int) (int, error) {
	if depth > maxJSONDepth {
		return 0, errDepth
	}
	s.i++ // '['
	s.skipWS()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return 0, nil
	}
	n := 0
	for {
		s.skipWS()
		if err := s.value(depth); err != nil {
			return 0, err
		}
		n++
		s.skipWS()
		if s.i >= len(s.data) {
			return 0, errEOF
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return n, nil
		default:
			return 0, errSyntax
		}
	}
}

// object validates an object starting at '{', rejecting duplicate member
// names (compared after unescaping, as JSON defines them). At depth 1 it
// records the known claims when s.claims is set.
func (s *scanner) object(depth int) error {
	if depth > maxJSONDepth {
		return errDepth
	}
	s.i++ // '{'
	var names [maxNamesOnStack]nameSpan
	var seen map[string]struct{}
	var seenClaims uint32
	count := 0
	s.skipWS()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.skipWS()
		if s.i >= len(s.data) {
			return errEOF
		}
		if s.data[s.i] != '"' {
			return errSyntax
		}
		nstart := s.i
		nesc, err := s.scanStr()
		if err != nil {
			return err
		}
		nsp := span{start: nstart, end: s.i, esc: nesc}
		name := nameSpan{start: int32(nsp.start), end: int32(nsp.end), esc: nsp.esc}
		// A known top-level claim is tracked by a bit: two names that
		// unescape to the same claim collide there, and a known name
		// can never equal an unknown one. Other names are compared.
		idx := -1
		if depth == 1 && s.claims != nil {
			if nsp.esc {
				idx = claimIndex(s.nameString(nsp))
			} else {
				idx = claimIndex(string(s.data[nsp.start+1 : nsp.end-1]))
			}
		}
		switch {
		case idx >= 0:
			if seenClaims&(1<<idx) != 0 {
				return errDupName
			}
			seenClaims |= 1 << idx
		case count < maxNamesOnStack:
			for _, prev := range names[:count] {
				if (prev.esc || name.esc || prev.end-prev.start == name.end-name.start) && s.sameName(prev, name) {
					return errDupName
				}
			}
			names[count] = name
			count++
		default:
			if seen == nil {
				seen = make(map[string]struct{}, 2*maxNamesOnStack)
				for _, prev := range names {
					seen[s.nameString(prev.span())] = struct{}{}
				}
			}
			k := s.nameString(nsp)
			if _, dup := seen[k]; dup {
				return errDupName
			}
			seen[k] = struct{}{}
		}
		s.skipWS()
		if s.i >= len(s.data) {
			return errEOF
		}
		if s.data[s.i] != ':' {
			return errSyntax
		}
		s.i++
		s.skipWS()
		if s.i >= len(s.data) {
			return errEOF
		}
		start := s.i
		kind := s.data[s.i]
		if idx >= 0 && kind == '[' {
			n, err := s.array(depth + 1)
			if err != nil {
				return err
			}
			s.claims[idx] = span{start: start, end: s.i, n: n, kind: kind}
		} else if idx >= 0 && kind == '"' {
			esc, err := s.scanStr()
			if err != nil {
				return err
			}
			s.claims[idx] = span{start: start, end: s.i, esc: esc, kind: '"'}
		} else {
			if err := s.value(depth); err != nil {
				return err
			}
			if idx >= 0 {
				s.claims[idx] = span{start: start, end: s.i, kind: kind}
			}
		}
		s.skipWS()
		if s.i >= len(s.data) {
			return errEOF
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return errSyntax
		}
	}
}

// nameSpan is a compact span for member names, kept per object for the
// duplicate check (payloads are far below 2 GiB: tokens are bounded).
type nameSpan struct {
	start, end int32
	esc        bool
}

func (n nameSpan) span() span { return span{start: int(n.start), end: int(n.end), esc: n.esc} }

func (s *scanner) sameName(a, b nameSpan) bool {
	if !a.esc && !b.esc {
		return string(s.data[a.start:a.end]) == string(s.data[b.start:b.end])
	}
	return s.nameString(a.span()) == s.nameString(b.span())
}

// nameString returns the unescaped text of a string span (allocating).
func (s *scanner) nameString(sp span) string {
	if !sp.esc {
		return string(s.data[sp.start+1 : sp.end-1])
	}
	return string(unquote(nil, s.data[sp.start+1:sp.end-1]))
}

// unquote appends the unescaped form of a validated string body to dst,
// with encoding/json's treatment of UTF-16 surrogates: a valid pair is one
// rune, a lone surrogate becomes U+FFFD.
func unquote(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch b[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(b[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
					if r2 := hex4(b[i+2:]); r2 >= 0 {
						if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
							dst = utf8.AppendRune(dst, dec)
							i += 6
							continue
						}
					}
				}
				r = unicode.ReplacementChar
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, b[i+1])
		}
		i += 2
	}
	return dst
}
