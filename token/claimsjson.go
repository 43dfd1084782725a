package token

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sessiontoken/sessiontoken/internal/paseto"
)

// The claims codec: a reflection-free JSON encoder and decoder for Claims.
//
// Decoding runs in two passes over the payload. The first validates the
// whole document (grammar, UTF-8, duplicate member names at any depth,
// nesting depth) and records where each known claim's value lies; the
// second builds the Claims. Strings without escapes are sliced from one
// string copy of the payload, so a typical token costs one allocation for
// all of its strings and one for its string slices (roles, aud, scope);
// see parseClaimsArena. The encoding/json implementation this replaced is
// kept in claimsref_test.go as the reference of a differential fuzz test.

// timeEncoding is how a format writes instants: PASETO uses RFC 3339
// strings, JWT NumericDate numbers.
type timeEncoding uint8

const (
	rfc3339Times timeEncoding = iota
	numericDates
)

// maxJSONDepth bounds nesting in claims (encoding/json allows 10000): a
// session token has no use for deep structures, and the bound keeps the
// recursive validator's stack small.
const maxJSONDepth = 64

// maxNamesOnStack is the number of member names per object compared
// pairwise for duplicates; larger objects use a map.
const maxNamesOnStack = 16

// appendClaims appends the JSON encoding of c to dst. Members appear in a
// fixed order and zero fields are omitted. Strings with invalid UTF-8 are
// written with U+FFFD in place of each bad byte, as encoding/json does.
// c.Data is written verbatim: the caller must have checked it with
// validData.
func appendClaims(dst []byte, c *Claims, te timeEncoding) []byte {
	dst = append(dst, '{')
	first := true
	member := func(name string) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, '"', ':')
	}
	if c.Issuer != "" {
		member("iss")
		dst = appendJSONString(dst, c.Issuer)
	}
	if c.Subject != "" {
		member("sub")
		dst = appendJSONString(dst, c.Subject)
	}
	switch len(c.Audience) {
	case 0:
	case 1:
		member("aud")
		dst = appendJSONString(dst, c.Audience[0])
	default:
		member("aud")
		dst = appendJSONStrings(dst, c.Audience)
	}
	if !c.ExpiresAt.IsZero() {
		member("exp")
		dst = appendTime(dst, c.ExpiresAt, te)
	}
	if !c.NotBefore.IsZero() {
		member("nbf")
		dst = appendTime(dst, c.NotBefore, te)
	}
	if !c.IssuedAt.IsZero() {
		member("iat")
		dst = appendTime(dst, c.IssuedAt, te)
	}
	if c.ID != "" {
		member("jti")
		dst = appendJSONString(dst, c.ID)
	}
	if !c.SessionID.IsZero() {
		member("sid")
		dst = append(dst, '"')
		dst = c.SessionID.appendBase64(dst)
		dst = append(dst, '"')
	}
	if len(c.Roles) > 0 {
		member("roles")
		dst = appendJSONStrings(dst, c.Roles)
	}
	if len(c.Scopes) > 0 {
		member("scope")
		dst = append(dst, '"')
		for i, s := range c.Scopes {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = appendJSONStringBody(dst, s)
		}
		dst = append(dst, '"')
	}
	if len(c.Data) > 0 {
		member("data")
		dst = append(dst, c.Data...)
	}
	return append(dst, '}')
}

// validData reports whether d is acceptable as Claims.Data: one JSON
// value, valid UTF-8, no duplicate names, within the depth bound.
func validData(d []byte) error {
	if len(d) == 0 {
		return nil
	}
	if !utf8.Valid(d) {
		return fmt.Errorf("%w: data is not valid UTF-8", ErrMalformed)
	}
	if len(d) > math.MaxInt32 { // spans hold int32 offsets
		return fmt.Errorf("%w: data: %v", ErrMalformed, errTooLarge)
	}
	s := scanner{data: d}
	s.skipWS()
	if err := s.value(1); err != nil {
		return fmt.Errorf("%w: data: %v", ErrMalformed, err)
	}
	s.skipWS()
	if s.i != len(d) {
		return fmt.Errorf("%w: data: trailing data", ErrMalformed)
	}
	return nil
}

func appendJSONStrings(dst []byte, list []string) []byte {
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, s)
	}
	return append(dst, ']')
}

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONStringBody(dst, s)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONStringBody appends s escaped for the inside of a JSON string.
func appendJSONStringBody(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	return append(dst, s[start:]...)
}

// appendTime writes t as an RFC 3339 string in UTC with milliseconds, or as
// a NumericDate with a millisecond fraction when there is one.
func appendTime(dst []byte, t time.Time, te timeEncoding) []byte {
	if te == numericDates {
		ms := t.UnixMilli()
		if ms < 0 {
			dst = append(dst, '-')
			ms = -ms
		}
		dst = strconv.AppendInt(dst, ms/1000, 10)
		if f := ms % 1000; f != 0 {
			dst = append(dst, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
		}
		return dst
	}
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
		return append(dst, '"')
	}
	h, mi, s := t.Clock()
	ms := t.Nanosecond() / 1e6
	return append(dst, '"',
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-',
		byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':',
		byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+s/10), byte('0'+s%10), '.',
		byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z', '"')
}

// parseClaims decodes a claims payload into dst. It accepts only a JSON
// object in valid UTF-8 with no duplicate member names (at any depth),
// nesting at most 64 deep, and nothing but whitespace after it. Known
// claims must have their types (strings; aud a string or an array of
// strings; roles an array of strings; times RFC 3339 strings or
// NumericDates as te says; null is refused); unknown members are validated
// and ignored. Every error wraps ErrMalformed.
func parseClaims(dst *Claims, data []byte, te timeEncoding) error {
	return parseClaimsArena(dst, data, te, nil, nil)
}

// parseClaimsArena is parseClaims with room for the string slices (roles,
// aud, scopes) in arena when it is large enough, saving an allocation, and
// with interns: string values equal to one of them (typically the
// configured issuer and audiences) reuse it instead of new memory.
func parseClaimsArena(dst *Claims, data []byte, te timeEncoding, arena, interns []string) error {
	*dst = Claims{}
	var spans [numClaims]span
	var elems [maxElems]span
	if err := scanClaims(&spans, &elems, data); err != nil {
		// The scanner checks UTF-8 inside strings, and the grammar allows
		// nothing else outside them, so an accepted payload is valid
		// UTF-8. A refused one is checked here so that invalid UTF-8 is
		// reported as such wherever it lies.
		if !utf8.Valid(data) {
			return fmt.Errorf("%w: claims are not valid UTF-8", ErrMalformed)
		}
		return fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}

	// Types first, so that nothing is allocated for a payload we refuse.
	for i := range spans {
		sp := &spans[i]
		if !sp.present() {
			continue
		}
		want := byte('"')
		switch i {
		case cAud:
			if sp.kind == '[' {
				want = '['
			}
		case cRoles:
			want = '['
		case cData:
			continue
		case cExp, cNbf, cIat:
			if te == numericDates {
				if sp.kind != '-' && (sp.kind < '0' || sp.kind > '9') {
					return fmt.Errorf("%w: %s is not a NumericDate", ErrMalformed, claimNames[i])
				}
				continue
			}
		}
		if sp.kind != want {
			return fmt.Errorf("%w: claim %s has the wrong type", ErrMalformed, claimNames[i])
		}
	}

	// Phase 2: values. Strings that equal an interned value (the
	// configured issuer and audiences) reuse it; the others share one
	// allocation (see strAlloc).
	sa := strAlloc{data: data, interns: interns}
	nRoles, nAud, nScopes := int(spans[cRoles].n), 0, 0
	switch {
	case spans[cAud].kind == '[':
		nAud = int(spans[cAud].n)
	case spans[cAud].present():
		nAud = 1
	}
	var scope string
	if sp := spans[cScope]; sp.present() {
		// Split after the backing exists; count now to size the arena.
		if sp.esc {
			scope = string(unquote(nil, data[sp.start+1:sp.end-1]))
			nScopes = countFields(scope)
		} else {
			nScopes = countFieldsBytes(data[sp.start+1 : sp.end-1])
			sa.add(nil, sp) // nil: the scope, read back from sa.scope

		}
	}
	if total := nRoles + nAud + nScopes; total > 0 {
		if cap(arena) < total {
			arena = make([]string, total)
		}
		arena = arena[:total]
	}
	if nRoles > 0 {
		dst.Roles = arena[:nRoles:nRoles]
		if err := sa.addArray(dst.Roles, spans[cRoles], &elems); err != nil {
			return fmt.Errorf("%w: roles: %v", ErrMalformed, err)
		}
	}
	if nAud > 0 {
		dst.Audience = arena[nRoles : nRoles+nAud : nRoles+nAud]
		if spans[cAud].kind == '"' {
			sa.add(&dst.Audience[0], spans[cAud])
		} else if err := sa.addArray(dst.Audience, spans[cAud], &elems); err != nil {
			return fmt.Errorf("%w: aud is neither a string nor an array of strings", ErrMalformed)
		}
	}
	if sp := spans[cIss]; sp.present() {
		sa.add(&dst.Issuer, sp)
	}
	if sp := spans[cSub]; sp.present() {
		sa.add(&dst.Subject, sp)
	}
	if sp := spans[cJti]; sp.present() {
		sa.add(&dst.ID, sp)
	}
	if sp := spans[cSid]; sp.present() && sp.end-sp.start > 2 {
		sid, err := parseSessionIDBytes(data[sp.start+1:sp.end-1], sp.esc)
		if err != nil {
			return fmt.Errorf("%w: sid", err)
		}
		dst.SessionID = sid
	}
	if err := timeValues(dst, data, &spans, te); err != nil {
		return err
	}
	sa.finish()
	if sa.scope != "" {
		scope = sa.scope
	}
	if nScopes > 0 {
		dst.Scopes = arena[nRoles+nAud : nRoles+nAud+nScopes : nRoles+nAud+nScopes]
		fieldsInto(dst.Scopes, scope)
	}
	if sp := spans[cData]; sp.present() {
		dst.Data = append(json.RawMessage(nil), data[sp.start:sp.end]...)
	}
	return nil
}

// scanClaims validates a claims payload (an object and nothing after it
// but whitespace) and records the known claims in spans.
func scanClaims(spans *[numClaims]span, elems *[maxElems]span, data []byte) error {
	if len(data) > math.MaxInt32 { // spans hold int32 offsets
		return errTooLarge
	}
	s := scanner{data: data, claims: spans, elems: elems}
	s.skipWS()
	if s.i >= len(data) || data[s.i] != '{' {
		return errNotObj
	}
	if err := s.object(1); err != nil {
		return err
	}
	s.skipWS()
	if s.i != len(data) {
		return errTrailing
	}
	return nil
}

// strAlloc collects the string claims of a payload and gives every one
// that needs new memory a slice of a single allocation. Values equal to
// an interned string reuse it; escaped values are unescaped on their own
// (rare); beyond maxPending values, each gets its own copy.
type strAlloc struct {
	data    []byte
	interns []string
	pending [maxPending]struct {
		dst        *string
		start, end int32
	}
	n, total int
	scope    string // the value added with a nil dst
}

const maxPending = 16

// add arranges for *dst (a.scope when dst is nil) to receive the text of
// the unescaped string span sp.
func (a *strAlloc) add(dst *string, sp span) {
	body := a.data[sp.start+1 : sp.end-1]
	if sp.esc {
		a.set(dst, string(unquote(nil, body)))
		return
	}
	for _, s := range a.interns {
		if s == string(body) {
			a.set(dst, s)
			return
		}
	}
	if a.n == maxPending {
		a.set(dst, string(body))
		return
	}
	p := &a.pending[a.n]
	p.dst, p.start, p.end = dst, sp.start+1, sp.end-1
	a.n++
	a.total += len(body)
}

// addArray adds the elements of a validated array span, which must all
// be strings, to out: from elems when the scanner recorded them (sp.rec),
// else by scanning the array again.
func (a *strAlloc) addArray(out []string, sp span, elems *[maxElems]span) error {
	if sp.rec {
		for k, el := range elems[sp.elem : int(sp.elem)+len(out)] {
			a.add(&out[k], el)
		}
		return nil
	}
	s := scanner{data: a.data[:sp.end], i: int(sp.start) + 1}
	for k := range out {
		s.skipWS()
		if a.data[s.i] != '"' {
			return fmt.Errorf("element %d is not a string", k)
		}
		el, err := s.str()
		if err != nil {
			return err
		}
		a.add(&out[k], el)
		s.skipWS()
		s.i++ // ',' or ']'
	}
	return nil
}

// finish makes the one allocation and assigns the pending strings.
func (a *strAlloc) finish() {
	if a.n == 0 {
		return
	}
	var b strings.Builder
	b.Grow(a.total)
	for _, p := range a.pending[:a.n] {
		b.Write(a.data[p.start:p.end])
	}
	all, off := b.String(), 0
	for _, p := range a.pending[:a.n] {
		l := int(p.end - p.start)
		a.set(p.dst, all[off:off+l])
		off += l
	}
}

// set stores v in *dst, or in a.scope when dst is nil (taking a.scope's
// address would move the whole strAlloc to the heap).
func (a *strAlloc) set(dst *string, v string) {
	if dst == nil {
		a.scope = v
		return
	}
	*dst = v
}

// parseSessionIDBytes is ParseSessionID on the raw body of a JSON string.
func parseSessionIDBytes(body []byte, esc bool) (SessionID, error) {
	if esc {
		return ParseSessionID(string(unquote(nil, body)))
	}
	var s SessionID
	if len(body) != 22 {
		return SessionID{}, fmt.Errorf("%w: session ID is %d characters, want 22", ErrMalformed, len(body))
	}
	if _, ok := paseto.AppendDecode(s[:0], body); !ok {
		return SessionID{}, fmt.Errorf("%w: session ID is not canonical base64url", ErrMalformed)
	}
	return s, nil
}

// countFields and fieldsInto split like strings.Fields (runs of Unicode
// white space) without allocating the result.
func countFieldsBytes(b []byte) int {
	n, in := 0, false
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		sp := unicode.IsSpace(r)
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}

func countFields(s string) int {
	n, in := 0, false
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}

func fieldsInto(out []string, s string) {
	k, start := 0, -1
	for i, r := range s {
		if unicode.IsSpace(r) {
			if start >= 0 {
				out[k] = s[start:i]
				k++
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out[k] = s[start:]
	}
}

// timeValues sets the three times of dst. A time written with the same
// text as an earlier one (nbf and iat usually are) is parsed only once.
func timeValues(dst *Claims, data []byte, spans *[numClaims]span, te timeEncoding) error {
	exp, nbf, iat := spans[cExp], spans[cNbf], spans[cIat]
	var err error
	if dst.ExpiresAt, err = timeValue(data, exp, te, "exp"); err != nil {
		return err
	}
	if sameText(data, nbf, exp) {
		dst.NotBefore = dst.ExpiresAt
	} else if dst.NotBefore, err = timeValue(data, nbf, te, "nbf"); err != nil {
		return err
	}
	switch {
	case sameText(data, iat, nbf):
		dst.IssuedAt = dst.NotBefore
	case sameText(data, iat, exp):
		dst.IssuedAt = dst.ExpiresAt
	default:
		if dst.IssuedAt, err = timeValue(data, iat, te, "iat"); err != nil {
			return err
		}
	}
	return nil
}

// sameText reports whether a and b are both present with the same text.
func sameText(data []byte, a, b span) bool {
	return a.present() && b.present() && a.end-a.start == b.end-b.start &&
		string(data[a.start:a.end]) == string(data[b.start:b.end])
}

func timeValue(data []byte, sp span, te timeEncoding, name string) (time.Time, error) {
	if !sp.present() {
		return time.Time{}, nil
	}
	if te == numericDates {
		f, err := strconv.ParseFloat(string(data[sp.start:sp.end]), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 1<<40 {
			return time.Time{}, fmt.Errorf("%w: %s is not a NumericDate", ErrMalformed, name)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC(), nil
	}
	body := data[sp.start+1 : sp.end-1]
	if !sp.esc {
		if t, ok := parseRFC3339UTC(body); ok {
			return t, nil
		}
	}
	v := string(body)
	if sp.esc {
		v = string(unquote(nil, body))
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s is not an RFC 3339 string", ErrMalformed, name)
	}
	return t, nil
}

// parseRFC3339UTC parses the form we issue, "2006-01-02T15:04:05Z" with an
// optional fraction of 1 to 9 digits, in UTC. It reports false for
// anything else (other offsets, out-of-range fields), which the caller
// then hands to time.Parse, so the two always agree on what is accepted.
func parseRFC3339UTC[T string | []byte](s T) (time.Time, bool) {
	if len(s) < 20 || s[len(s)-1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	// A byte minus '0' is above 9 unless it is a digit (bytes wrap).
	y0, y1, y2, y3 := s[0]-'0', s[1]-'0', s[2]-'0', s[3]-'0'
	m0, m1, d0, d1 := s[5]-'0', s[6]-'0', s[8]-'0', s[9]-'0'
	h0, h1, i0, i1, s0, s1 := s[11]-'0', s[12]-'0', s[14]-'0', s[15]-'0', s[17]-'0', s[18]-'0'
	if y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 ||
		m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9 || h0 > 9 || h1 > 9 || i0 > 9 || i1 > 9 || s0 > 9 || s1 > 9 {
		return time.Time{}, false
	}
	y := int(y0)*1000 + int(y1)*100 + int(y2)*10 + int(y3)
	mo, d := int(m0)*10+int(m1), int(d0)*10+int(d1)
	h, mi, sec := int(h0)*10+int(h1), int(i0)*10+int(i1), int(s0)*10+int(s1)
	// Day 29-31 is left to time.Parse, which knows month lengths.
	if mo < 1 || mo > 12 || d < 1 || d > 28 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	ns := 0
	if frac := s[19 : len(s)-1]; len(frac) > 0 {
		if len(frac) < 2 || len(frac) > 10 || frac[0] != '.' {
			return time.Time{}, false
		}
		for k := 1; k < len(frac); k++ {
			c := frac[k] - '0'
			if c > 9 {
				return time.Time{}, false
			}
			ns = ns*10 + int(c)
		}
		ns *= fracScale[len(frac)-1]
	}
	days := daysFromCivil(y, mo, d)
	return time.Unix(days*86400+int64(h*3600+mi*60+sec), int64(ns)).UTC(), true
}

// fracScale[n] turns n fraction digits into nanoseconds.
var fracScale = [10]int{1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1}

// daysFromCivil returns the days from 1970-01-01 to the given proleptic
// Gregorian date (y ≥ 0), by the usual era arithmetic.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := m + 9
	if m > 2 {
		mp = m - 3
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
