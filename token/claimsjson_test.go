package token

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseClaims(t *testing.T) {
	tests := []struct {
		name string
		in   string
		te   timeEncoding
		want Claims
		ok   bool
	}{
		{name: "empty object", in: `{}`, ok: true},
		{name: "whitespace around", in: " \t\r\n{ } \n", ok: true},
		{name: "strings", in: `{"iss":"i","sub":"s","jti":"j"}`, ok: true, want: Claims{Issuer: "i", Subject: "s", ID: "j"}},
		{name: "escapes", in: `{"sub":"a\"b\\c\/d\n\u00e9\ud83d\ude00"}`, ok: true, want: Claims{Subject: "a\"b\\c/d\né😀"}},
		{name: "lone surrogate becomes U+FFFD", in: `{"sub":"\ud800x"}`, ok: true, want: Claims{Subject: "\ufffdx"}},
		{name: "aud string", in: `{"aud":"a"}`, ok: true, want: Claims{Audience: []string{"a"}}},
		{name: "aud array", in: `{"aud":["a","b"]}`, ok: true, want: Claims{Audience: []string{"a", "b"}}},
		{name: "scope split", in: `{"scope":"  read write\tadmin "}`, ok: true, want: Claims{Scopes: []string{"read", "write", "admin"}}},
		{name: "roles", in: `{"roles":["a","b"]}`, ok: true, want: Claims{Roles: []string{"a", "b"}}},
		{name: "escaped scope", in: `{"scope":"a\u0020b"}`, ok: true, want: Claims{Scopes: []string{"a", "b"}}},
		{name: "more strings than share one allocation", in: `{"sub":"s","roles":["r0","r1","r2","r3","r4","r5","r6","r7","r8","r9","r10","r11","r12","r13","r14","r15","r16","r17"],"iss":"i"}`, ok: true,
			want: Claims{Subject: "s", Issuer: "i", Roles: []string{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17"}}},
		{name: "data verbatim", in: `{"data": {"a" : [1, {"b":null}]} }`, ok: true, want: Claims{Data: json.RawMessage(`{"a" : [1, {"b":null}]}`)}},
		{name: "rfc3339 time", in: `{"exp":"2026-03-01T12:00:00.5+01:00"}`, ok: true, want: Claims{ExpiresAt: time.Date(2026, 3, 1, 11, 0, 0, 5e8, time.UTC)}},
		{name: "numeric date", te: numericDates, in: `{"exp":1772366400.25}`, ok: true, want: Claims{ExpiresAt: time.Date(2026, 3, 1, 12, 0, 0, 25e7, time.UTC)}},
		{name: "numeric date integer", te: numericDates, in: `{"exp":1772366400}`, ok: true, want: Claims{ExpiresAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}},
		{name: "numeric date as string", te: numericDates, in: `{"exp":"1772366400"}`},
		{name: "numeric date negative", te: numericDates, in: `{"exp":-1}`},
		{name: "rfc3339 as number", in: `{"exp":1772366400}`},
		{name: "rfc3339 invalid", in: `{"exp":"2026-13-01T00:00:00Z"}`},
		{name: "not an object", in: `[]`},
		{name: "string top level", in: `"x"`},
		{name: "empty input", in: ``},
		{name: "duplicate", in: `{"sub":"a","sub":"b"}`},
		{name: "duplicate unknown", in: `{"x":1,"y":2,"x":3}`},
		{name: "duplicate escaped", in: `{"sub":"a","s\u0075b":"b"}`},
		{name: "duplicate nested", in: `{"data":{"x":{"y":1,"y":1}}}`},
		{name: "duplicate in array of objects", in: `{"data":[{"y":1,"y":1}]}`},
		{name: "duplicate among many members", in: `{"a0":0,"a1":0,"a2":0,"a3":0,"a4":0,"a5":0,"a6":0,"a7":0,"a8":0,"a9":0,"b0":0,"b1":0,"b2":0,"b3":0,"b4":0,"b5":0,"b6":0,"b7":0,"a3":0}`},
		{name: "many members no duplicate", in: `{"a0":0,"a1":0,"a2":0,"a3":0,"a4":0,"a5":0,"a6":0,"a7":0,"a8":0,"a9":0,"b0":0,"b1":0,"b2":0,"b3":0,"b4":0,"b5":0,"b6":0,"b7":0,"sub":"s"}`, ok: true, want: Claims{Subject: "s"}},
		{name: "case differs is not a duplicate", in: `{"sub":"a","Sub":"b"}`, ok: true, want: Claims{Subject: "a"}},
		{name: "invalid UTF-8", in: "{\"sub\":\"\xc3\x28\"}"},
		{name: "invalid UTF-8 in a name", in: "{\"\xff\":1}"},
		{name: "invalid escape", in: `{"sub":"\q"}`},
		{name: "short unicode escape", in: `{"sub":"\u12"}`},
		{name: "control character", in: "{\"sub\":\"a\x01\"}"},
		{name: "trailing data", in: `{}x`},
		{name: "two objects", in: `{}{}`},
		{name: "trailing comma", in: `{"sub":"a",}`},
		{name: "missing colon", in: `{"sub" "a"}`},
		{name: "unterminated", in: `{"sub":"a"`},
		{name: "leading zero", in: `{"x":012}`},
		{name: "bare minus", in: `{"x":-}`},
		{name: "bare dot", in: `{"x":1.}`},
		{name: "bad exponent", in: `{"x":1e}`},
		{name: "good number forms", in: `{"x":[-0,0.5,1e10,1E+2,-3.25e-4]}`, ok: true},
		{name: "bad literal", in: `{"x":tru}`},
		{name: "wrong type iss", in: `{"iss":1}`},
		{name: "wrong type roles", in: `{"roles":"a"}`},
		{name: "null roles", in: `{"roles":null}`},
		{name: "null sub", in: `{"sub":null}`},
		{name: "wrong type aud object", in: `{"aud":{}}`},
		{name: "aud array with null", in: `{"aud":["a",null]}`},
		{name: "sid valid", in: `{"sid":"AQAAAAAAAAAAAAAAAAAAAA"}`, ok: true, want: Claims{SessionID: SessionID{1}}},
		{name: "sid trailing bits", in: `{"sid":"AAAAAAAAAAAAAAAAAAAAAB"}`},
		{name: "too deep", in: `{"data":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}`},
		{name: "deep but within bound", in: `{"data":` + strings.Repeat("[", 62) + strings.Repeat("]", 62) + `}`, ok: true, want: Claims{Data: json.RawMessage(strings.Repeat("[", 62) + strings.Repeat("]", 62))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got Claims
			err := parseClaims(&got, []byte(tc.in), tc.te)
			if !tc.ok {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrMalformed)
				return
			}
			require.NoError(t, err)
			assertSameClaims(t, tc.want, got)
		})
	}
}

// assertSameClaims compares claims field by field, with times by instant
// and nil slices equal to empty ones.
func assertSameClaims(t *testing.T, want, got Claims) {
	t.Helper()
	assert.True(t, sameClaims(want, got), "claims differ:\nwant %+v\ngot  %+v", want, got)
}

func sameClaims(a, b Claims) bool {
	eqS := func(x, y []string) bool { return len(x) == len(y) && (len(x) == 0 || reflect.DeepEqual(x, y)) }
	return a.Issuer == b.Issuer && a.Subject == b.Subject && a.ID == b.ID && a.SessionID == b.SessionID &&
		eqS(a.Audience, b.Audience) && eqS(a.Roles, b.Roles) && eqS(a.Scopes, b.Scopes) &&
		string(a.Data) == string(b.Data) &&
		a.ExpiresAt.Equal(b.ExpiresAt) && a.NotBefore.Equal(b.NotBefore) && a.IssuedAt.Equal(b.IssuedAt)
}

func TestAppendClaimsRoundTrip(t *testing.T) {
	cases := []Claims{
		fixtureClaims(),
		{},
		{Subject: "quote\" backslash\\ nl\n tab\t ctl\x01 del\x7f é 😀 \u2028"},
		{Subject: "bad utf8 \xff here"},
		{Audience: []string{"a", "b"}, Scopes: []string{"read", "write"}, Data: json.RawMessage(`{"k":[1,2,{"z":null}]}`)},
		{ExpiresAt: time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC), IssuedAt: time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)},
	}
	for i, cl := range cases {
		for _, te := range []timeEncoding{rfc3339Times, numericDates} {
			enc := appendClaims(nil, &cl, te)
			require.True(t, json.Valid(enc), "case %d: invalid JSON %s", i, enc)
			var got Claims
			require.NoError(t, parseClaims(&got, enc, te), "case %d: %s", i, enc)
			want := cl
			if !utf8.ValidString(cl.Subject) {
				want.Subject = strings.ToValidUTF8(cl.Subject, "\ufffd")
			}
			assertSameClaims(t, want, got)
			// The reference decoder reads the same claims.
			var ref Claims
			require.NoError(t, refParseClaims(&ref, enc, te), "case %d: %s", i, enc)
			assertSameClaims(t, got, ref)
			// And we read what the reference encoder writes.
			var fromRef Claims
			require.NoError(t, parseClaims(&fromRef, refAppendClaims(nil, &want, te), te), "case %d", i)
			assertSameClaims(t, want, fromRef)
		}
	}
}

func TestValidData(t *testing.T) {
	for _, bad := range []string{`{`, `{"a":1,"a":2}`, `1 2`, "\"\xff\"", `nul`} {
		assert.ErrorIs(t, validData([]byte(bad)), ErrMalformed, bad)
	}
	for _, good := range []string{``, `null`, `1`, ` {"a":[1,"x"]} `} {
		assert.NoError(t, validData([]byte(good)), good)
	}
	c := newTestCodec(t, V4Local, nil)
	cl := fixtureClaims()
	cl.Data = json.RawMessage(`{"a":1,"a":2}`)
	_, err := c.Issue(cl)
	assert.Error(t, err, "Issue accepted invalid Data")
}

// deliberatelyStricter names the inputs on which our decoder refuses what
// the encoding/json reference accepts, on purpose:
//   - null as the value of a known claim, or inside roles/aud
//     (encoding/json reads it as the zero value);
//   - a member name that matches a known claim only case-insensitively
//     (encoding/json matches field names case-insensitively; JWT and
//     PASETO claim names are case-sensitive);
//   - nesting deeper than maxJSONDepth (encoding/json allows 10000).
func deliberatelyStricter(data []byte) string {
	s := string(data)
	if strings.Contains(s, "null") {
		return "null in a claim"
	}
	lower := strings.ToLower(s)
	for _, n := range claimNames {
		if strings.Count(lower, `"`+n+`"`) != strings.Count(s, `"`+n+`"`) {
			return "claim name in another case"
		}
	}
	if strings.Contains(s, `\u`) {
		return "escaped member names may match case-insensitively"
	}
	if strings.Count(s, "[")+strings.Count(s, "{") >= maxJSONDepth {
		return "deep nesting"
	}
	return ""
}

func FuzzParseClaims(f *testing.F) {
	cl := fixtureClaims()
	f.Add(appendClaims(nil, &cl, rfc3339Times), false)
	f.Add(appendClaims(nil, &cl, numericDates), true)
	for _, s := range []string{`{}`, `{"aud":["a","b"],"scope":"x y","data":{"k":[1,2.5,true,null]}}`,
		`{"sub":"a\u00e9\ud83d\ude00"}`, `{"a":1,"a":2}`, `{"exp":1.5}`, `{"exp":"2026-01-01T00:00:00+02:00"}`,
		`{"x":[[[{}]]]}`, `{"sid":"AAAAAAAAAAAAAAAAAAAAAA"}`, "{\"sub\":\"\xff\"}"} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, numeric bool) {
		te := rfc3339Times
		if numeric {
			te = numericDates
		}
		var got Claims
		err := parseClaims(&got, data, te)
		var ref Claims
		refErr := refParseClaims(&ref, data, te)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if refErr == nil && deliberatelyStricter(data) == "" {
				t.Fatalf("we refuse what encoding/json accepts: %q: %v", data, err)
			}
			return
		}
		if refErr != nil && deliberatelyStricter(data) == "" {
			t.Fatalf("we accept what encoding/json refuses: %q: %v", data, refErr)
		}
		if deliberatelyStricter(data) == "" && !sameClaims(got, ref) {
			t.Fatalf("claims differ for %q:\nours %+v\nref  %+v", data, got, ref)
		}
		// What we accept re-encodes to something we decode to the same
		// claims (times to the millisecond, as we issue them).
		got.ExpiresAt, got.NotBefore, got.IssuedAt = got.ExpiresAt.Truncate(time.Millisecond), got.NotBefore.Truncate(time.Millisecond), got.IssuedAt.Truncate(time.Millisecond)
		enc := appendClaims(nil, &got, te)
		var again Claims
		if err := parseClaims(&again, enc, te); err != nil {
			if te == numericDates || got.ExpiresAt.Year() > 9999 || got.ExpiresAt.Year() < 0 {
				return // out-of-range instants cannot be written back
			}
			t.Fatalf("re-encoding %q gave %q, refused: %v", data, enc, err)
		}
		if !sameClaims(got, again) {
			t.Fatalf("re-encoding changed the claims: %q -> %q", data, enc)
		}
	})
}

// FuzzRFC3339FastPath checks that the fast path for our own timestamps
// never disagrees with time.Parse: whatever it accepts, time.Parse accepts
// as the same instant.
func FuzzRFC3339FastPath(f *testing.F) {
	for _, s := range []string{"2026-03-01T12:15:00.000Z", "2026-03-01T12:15:00Z", "2026-02-28T23:59:59.999999999Z",
		"2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T12:15:60Z",
		"2026-03-01T12:15:00.Z", "2026-03-01T12:15:00.1234567890Z", "0000-01-01T00:00:00Z", "2026-03-01t12:15:00z",
		"+026-03-01T12:15:00Z", "2026-03-01T12:15:00+00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := parseRFC3339UTC(s)
		if !ok {
			return
		}
		ref, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("%q: fast path accepts, time.Parse refuses: %v", s, err)
		}
		if !fast.Equal(ref) {
			t.Fatalf("%q: fast path %v, time.Parse %v", s, fast, ref)
		}
	})
}

// TestRFC3339FastPathSweep compares the fast path with time.Parse over
// every month and accepted day of years around the era and epoch edges.
func TestRFC3339FastPathSweep(t *testing.T) {
	n := 0
	for _, y := range []int{0, 1, 4, 99, 100, 399, 400, 1600, 1900, 1969, 1970, 1972, 2000, 2024, 2026, 2100, 9999} {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= 28; d++ {
				s := fmt.Sprintf("%04d-%02d-%02dT23:59:58.5Z", y, m, d)
				fast, ok := parseRFC3339UTC(s)
				require.True(t, ok, s)
				ref, err := time.Parse(time.RFC3339Nano, s)
				require.NoError(t, err)
				require.True(t, fast.Equal(ref), "%s: %v != %v", s, fast, ref)
				n++
			}
		}
	}
	require.Greater(t, n, 5000)
}

// TestParseClaimsFastPaths covers the shortcuts of the decoder: array
// elements recorded by the scanner (and the fallback when they do not fit
// or are not all strings), times written with the same text parsed once,
// and UTF-8 checked inside strings rather than in a separate pass.
func TestParseClaimsFastPaths(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return tm
	}
	const t1, t2 = "2026-03-01T12:15:00.000Z", "2026-03-01T12:30:00.000Z"
	tests := []struct {
		name    string
		in      string
		want    Claims
		wantErr string // empty: accepted
	}{
		{name: "roles and aud arrays recorded", in: `{"aud":["x","y"],"roles":["a","b","c"]}`,
			want: Claims{Audience: []string{"x", "y"}, Roles: []string{"a", "b", "c"}}},
		{name: "second array beyond the recorded elements", in: `{"roles":["a","b","c","d","e","f"],"aud":["x","y","z","w"]}`,
			want: Claims{Roles: []string{"a", "b", "c", "d", "e", "f"}, Audience: []string{"x", "y", "z", "w"}}},
		{name: "one array beyond the recorded elements", in: `{"aud":["0","1","2","3","4","5","6","7","8"],"roles":["r"]}`,
			want: Claims{Audience: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8"}, Roles: []string{"r"}}},
		{name: "escaped elements", in: `{"roles":["a\u0062", "\"q\"" , "é\ud83d\ude00"]}`, want: Claims{Roles: []string{"ab", `"q"`, "é😀"}}},
		{name: "whitespace in arrays", in: "{\"roles\": [ \"a\" ,\n\t\"b\" ] , \"aud\" : [ ] }", want: Claims{Roles: []string{"a", "b"}}},
		{name: "escaped known names", in: `{"ro\u006ces":["a"],"\u0061ud":"x"}`, want: Claims{Roles: []string{"a"}, Audience: []string{"x"}}},
		{name: "escaped known name duplicate", in: `{"roles":["a"],"r\u006fles":["b"]}`, wantErr: "duplicate"},
		{name: "non-string element after strings", in: `{"roles":["a","b",1]}`, wantErr: "roles"},
		{name: "null element in aud", in: `{"aud":["a",null,"b"]}`, wantErr: "aud"},
		{name: "times sharing text", in: `{"exp":"` + t2 + `","nbf":"` + t1 + `","iat":"` + t1 + `"}`,
			want: Claims{ExpiresAt: at(t2), NotBefore: at(t1), IssuedAt: at(t1)}},
		{name: "all times the same", in: `{"exp":"` + t1 + `","nbf":"` + t1 + `","iat":"` + t1 + `"}`,
			want: Claims{ExpiresAt: at(t1), NotBefore: at(t1), IssuedAt: at(t1)}},
		{name: "only later times sharing text", in: `{"nbf":"` + t1 + `","iat":"` + t1 + `"}`, want: Claims{NotBefore: at(t1), IssuedAt: at(t1)}},
		{name: "shared invalid time", in: `{"nbf":"2026-13-01T00:00:00Z","iat":"2026-13-01T00:00:00Z"}`, wantErr: "nbf"},
		{name: "multi-byte runes at word edges", in: `{"sub":"1234567é89abcdef😀","é😀":"x"}`, want: Claims{Subject: "1234567é89abcdef😀"}},
		{name: "invalid UTF-8 deep in a long string", in: "{\"sub\":\"0123456789abcdef\xe2\x82\"}", wantErr: "UTF-8"},
		{name: "surrogate encoded in UTF-8", in: "{\"sub\":\"\xed\xa0\x80\"}", wantErr: "UTF-8"},
		{name: "invalid UTF-8 after the object", in: "{\"sub\":\"a\"}\xff", wantErr: "UTF-8"},
		{name: "invalid UTF-8 after a syntax error", in: "{\"sub\" \"a\",\"x\":\"\xff\"}", wantErr: "UTF-8"},
		{name: "non-ASCII outside strings", in: "{\"sub\":\"a\"\u00a0}", wantErr: "invalid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got Claims
			err := parseClaims(&got, []byte(tc.in), rfc3339Times)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrMalformed)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assertSameClaims(t, tc.want, got)
			var ref Claims
			require.NoError(t, refParseClaims(&ref, []byte(tc.in), rfc3339Times))
			assertSameClaims(t, ref, got)
		})
	}
}

// TestSpecialLowestByteExact checks the property scanStr relies on: the
// lowest byte flagged by special is exactly the first byte strSpecial
// marks, for words built from the boundary bytes of every class.
func TestSpecialLowestByteExact(t *testing.T) {
	edge := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '"', '#', '[', '\\', ']', 'a', 0x7e, 0x7f, 0x80, 0x81, 0xa0, 0xc3, 0xff}
	var w [8]byte
	n := 0
	// Every pair of edge bytes at every pair of positions over a plain
	// background, which covers borrows running from one byte to the next.
	for p := range 8 {
		for q := p; q < 8; q++ {
			for _, a := range edge {
				for _, b := range edge {
					for k := range w {
						w[k] = 'x'
					}
					w[p], w[q] = a, b
					x := binary.LittleEndian.Uint64(w[:])
					first := 8
					for k, c := range w {
						if strSpecial[c] {
							first = k
							break
						}
					}
					m := special(x)
					got := 8
					if m != 0 {
						got = bits.TrailingZeros64(m) >> 3
					}
					require.Equal(t, first, got, "word % x", w)
					n++
				}
			}
		}
	}
	require.Greater(t, n, 10000)
}

// BenchmarkScanClaims measures the validating pass of parseClaims alone
// (grammar, UTF-8, duplicates, spans), on the fixture payload.
func BenchmarkScanClaims(b *testing.B) {
	cl := fixtureClaims()
	payload := appendClaims(nil, &cl, rfc3339Times)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		var spans [numClaims]span
		var elems [maxElems]span
		if err := scanClaims(&spans, &elems, payload); err != nil {
			b.Fatal(err)
		}
	}
}
