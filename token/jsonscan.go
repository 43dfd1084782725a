package token

import (
	"encoding/binary"
	"math/bits"
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
	start, end int32 // offsets: scanClaims and validData refuse payloads of 2 GiB or more
	n          int32 // arrays: number of elements
	esc        bool  // a string containing escapes
	kind       byte  // first byte of the value: '"', '[', '{', 'n', 't', 'f' or a number's first byte
	rec        bool  // arrays of known claims: the elements are strings, at scanner.elems[elem:elem+n]
	elem       uint8
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

// claimIndex returns the index of the claim named b, or -1. The names are
// compared as small integers (length, then the bytes packed little-endian)
// rather than by a string switch: this runs for every top-level member.
func claimIndex(b []byte) int {
	switch len(b) {
	case 3:
		switch uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 {
		case 'i' | 's'<<8 | 's'<<16:
			return cIss
		case 's' | 'u'<<8 | 'b'<<16:
			return cSub
		case 'a' | 'u'<<8 | 'd'<<16:
			return cAud
		case 'e' | 'x'<<8 | 'p'<<16:
			return cExp
		case 'n' | 'b'<<8 | 'f'<<16:
			return cNbf
		case 'i' | 'a'<<8 | 't'<<16:
			return cIat
		case 'j' | 't'<<8 | 'i'<<16:
			return cJti
		case 's' | 'i'<<8 | 'd'<<16:
			return cSid
		}
	case 4:
		if binary.LittleEndian.Uint32(b) == 'd'|'a'<<8|'t'<<16|'a'<<24 {
			return cData
		}
	case 5:
		switch k := uint64(binary.LittleEndian.Uint32(b)) | uint64(b[4])<<32; k {
		case 'r' | 'o'<<8 | 'l'<<16 | 'e'<<24 | 's'<<32:
			return cRoles
		case 's' | 'c'<<8 | 'o'<<16 | 'p'<<24 | 'e'<<32:
			return cScope
		}
	}
	return -1
}

// scanner validates JSON and records the top-level claims.
type scanner struct {
	data   []byte
	i      int
	claims *[numClaims]span // top-level members of interest; nil when not collecting
	elems  *[maxElems]span  // string elements of the known claims' arrays, when there is room
	nElems int
}

// maxElems is the number of array elements (roles, aud) whose spans the
// scanner records; claims with more are scanned again when decoded.
const maxElems = 8

type syntaxError string

func (e syntaxError) Error() string { return string(e) }

const (
	errSyntax   = syntaxError("invalid JSON")
	errEOF      = syntaxError("unexpected end of JSON")
	errDepth    = syntaxError("JSON nested too deeply")
	errDupName  = syntaxError("duplicate member name")
	errNotObj   = syntaxError("not a JSON object")
	errTrailing = syntaxError("trailing data after the object")
	errUTF8     = syntaxError("invalid UTF-8 in a string")
	errTooLarge = syntaxError("JSON too large")
)

// skipWS skips JSON white space. Compact payloads have none, so the
// common case is one table look-up, inlined at every call.
func (s *scanner) skipWS() {
	for s.i < len(s.data) && jsonWS[s.data[s.i]] {
		s.i++
	}
}

var jsonWS = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

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
// span.
func (s *scanner) str() (span, error) {
	start := s.i
	esc, err := s.scanStr()
	return span{start: int32(start), end: int32(s.i), esc: esc, kind: '"'}, err
}

// scanStr is str without building the span: it leaves s.i after the
// closing quote and reports whether the string has escapes. It also
// checks that the string is valid UTF-8: outside strings the grammar
// admits only ASCII, so a document the scanner accepts is valid UTF-8
// without a separate pass.
func (s *scanner) scanStr() (esc bool, err error) {
	d := s.data
	i := s.i + 1
	for i < len(d) {
		// Eight bytes at a time: the lowest flagged byte of the SWAR mask
		// is exact (only bytes above a true hit can be false positives),
		// so it locates the first byte that needs a look.
		for i+8 <= len(d) {
			if m := special(binary.LittleEndian.Uint64(d[i : i+8])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				goto found
			}
			i += 8
		}
		for i < len(d) && !strSpecial[d[i]] {
			i++
		}
	found:
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
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				return esc, errUTF8
			}
			i += size
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

// special returns a mask with the high bit set in the first byte of x
// that is '"', '\\', below 0x20 or above 0x7f, if any, and possibly in
// later bytes too: only the lowest set bit is exact. These are the usual
// SWAR zero-byte tests without their "&^ v" terms, which only remove
// false positives from bytes above 0x80: such bytes are flagged anyway by
// the last term, so the lowest flag is still the first special byte.
func special(x uint64) uint64 {
	q := x ^ ('"' * lsb)
	b := x ^ ('\\' * lsb)
	return ((q - lsb) | (b - lsb) | (x - 0x20*lsb) | x) & msb
}

// strSpecial marks the bytes that end the fast path of scanStr: the
// quote, the backslash, the control characters JSON forbids in strings
// and the bytes of multi-byte runes, which are decoded to be checked.
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	for c := utf8.RuneSelf; c < 256; c++ {
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

// claimArray is array for the value of a known claim: it also records
// the elements in s.elems while they are all strings and there is room,
// so that the decoder need not scan them again, and reports whether it
// did and where.
func (s *scanner) claimArray(depth int) (n, first int, rec bool, err error) {
	if depth > maxJSONDepth {
		return 0, 0, false, errDepth
	}
	first, rec = s.nElems, s.elems != nil
	s.i++ // '['
	s.skipWS()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return 0, first, rec, nil
	}
	for {
		s.skipWS()
		if s.i < len(s.data) && s.data[s.i] == '"' {
			start := s.i
			esc, err := s.scanStr()
			if err != nil {
				return 0, 0, false, err
			}
			if rec && s.nElems < maxElems {
				s.elems[s.nElems] = span{start: int32(start), end: int32(s.i), esc: esc, kind: '"'}
				s.nElems++
			} else {
				rec = false
			}
		} else {
			if err := s.value(depth); err != nil {
				return 0, 0, false, err
			}
			rec = false
		}
		n++
		s.skipWS()
		if s.i >= len(s.data) {
			return 0, 0, false, errEOF
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			if !rec {
				s.nElems = first
			}
			return n, first, rec, nil
		default:
			return 0, 0, false, errSyntax
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
	var names [maxNamesOnStack]span
	var seen map[string]struct{}
	var seenClaims uint32
	count := 0
	collect := depth == 1 && s.claims != nil
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
		name := span{start: int32(nstart), end: int32(s.i), esc: nesc}
		// A known top-level claim is tracked by a bit: two names that
		// unescape to the same claim collide there, and a known name
		// can never equal an unknown one. Other names are compared.
		idx := -1
		if collect {
			body := s.data[nstart+1 : s.i-1]
			if nesc {
				var buf [16]byte
				body = unquote(buf[:0], body)
			}
			idx = claimIndex(body)
		}
		switch {
		case idx >= 0:
			if seenClaims&(1<<idx) != 0 {
				return errDupName
			}
			seenClaims |= 1 << idx
		case count < maxNamesOnStack:
			for _, prev := range names[:count] {
				if (prev.esc || nesc || prev.end-prev.start == name.end-name.start) && s.sameName(prev, name) {
					return errDupName
				}
			}
			names[count] = name
			count++
		default:
			if seen == nil {
				seen = make(map[string]struct{}, 2*maxNamesOnStack)
				for _, prev := range names {
					seen[s.nameString(prev)] = struct{}{}
				}
			}
			k := s.nameString(name)
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
		start := int32(s.i)
		kind := s.data[s.i]
		switch {
		case idx >= 0 && kind == '[':
			n, first, rec, err := s.claimArray(depth + 1)
			if err != nil {
				return err
			}
			s.claims[idx] = span{start: start, end: int32(s.i), n: int32(n), kind: kind, rec: rec, elem: uint8(first)}
		case kind == '"':
			esc, err := s.scanStr()
			if err != nil {
				return err
			}
			if idx >= 0 {
				s.claims[idx] = span{start: start, end: int32(s.i), esc: esc, kind: kind}
			}
		default:
			if err := s.value(depth); err != nil {
				return err
			}
			if idx >= 0 {
				s.claims[idx] = span{start: start, end: int32(s.i), kind: kind}
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

func (s *scanner) sameName(a, b span) bool {
	if !a.esc && !b.esc {
		return string(s.data[a.start:a.end]) == string(s.data[b.start:b.end])
	}
	return s.nameString(a) == s.nameString(b)
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
