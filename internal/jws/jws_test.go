package jws

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var b64 = base64.RawURLEncoding

func TestAppendDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "" with ok false means rejected
		ok   bool
	}{
		{name: "empty", in: "", want: "", ok: true},
		{name: "one byte", in: "Zg", want: "f", ok: true},
		{name: "two bytes", in: "Zm8", want: "fo", ok: true},
		{name: "three bytes", in: "Zm9v", want: "foo", ok: true},
		{name: "url alphabet", in: "-_-_", want: "\xfb\xff\xbf", ok: true},
		{name: "length 1 mod 4", in: "Zm9vY", ok: false},
		{name: "padding", in: "Zg==", ok: false},
		{name: "one pad", in: "Zm8=", ok: false},
		{name: "std alphabet plus", in: "+/8A", ok: false},
		{name: "question mark", in: "Zm9?", ok: false},
		{name: "space", in: "Zm 9", ok: false},
		{name: "newline", in: "Zm9v\n", ok: false},
		{name: "trailing bits in 2-char tail", in: "Zh", ok: false},
		{name: "trailing bits in 3-char tail", in: "Zm9", ok: false},
		{name: "high byte", in: "Zm\xff9", ok: false},
		{name: "NUL", in: "Zm\x009", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := appendDecode(nil, tc.in)
			assert.Equal(t, tc.ok, ok)
			if tc.ok {
				assert.Equal(t, tc.want, string(got))
			}
			// encoding/base64's strict raw URL decoder must agree.
			ref, err := b64.Strict().DecodeString(tc.in)
			assert.Equal(t, tc.ok, err == nil && !strings.ContainsAny(tc.in, "\r\n"), "stdlib disagrees")
			if tc.ok {
				assert.Equal(t, string(ref), string(got))
			}
		})
	}
}

func FuzzAppendDecode(f *testing.F) {
	for _, s := range []string{"", "Zg", "Zm8", "Zm9v", "Zh", "Zg==", "+/8A", "-_-_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := appendDecode([]byte("prefix"), s)
		// The stdlib strict decoder ignores \r and \n; we never do.
		ref, err := b64.Strict().DecodeString(s)
		if strings.ContainsAny(s, "\r\n") {
			if ok {
				t.Fatalf("accepted a line break in %q", s)
			}
			return
		}
		if ok != (err == nil) {
			t.Fatalf("%q: ok=%v, stdlib err=%v", s, ok, err)
		}
		if ok {
			if string(got[:6]) != "prefix" || string(got[6:]) != string(ref) {
				t.Fatalf("%q: got %q want %q", s, got, ref)
			}
			if b64.EncodeToString(got[6:]) != s {
				t.Fatalf("%q does not re-encode to itself", s)
			}
		}
	})
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		wantErr error
		wantAlg Algorithm
		wantKID string
	}{
		{name: "ours", header: `{"alg":"HS256","kid":"k1","typ":"JWT"}`, wantAlg: HS256, wantKID: "k1"},
		{name: "EdDSA", header: `{"alg":"EdDSA","kid":"k1"}`, wantAlg: EdDSA, wantKID: "k1"},
		{name: "ES256", header: `{"kid":"k1","alg":"ES256"}`, wantAlg: ES256, wantKID: "k1"},
		{name: "whitespace", header: " {\n\t\"alg\" : \"HS256\" ,\r\"kid\":\"k\" } ", wantAlg: HS256, wantKID: "k"},
		{name: "typ lowercase", header: `{"alg":"HS256","kid":"k","typ":"jwt"}`, wantAlg: HS256, wantKID: "k"},
		{name: "typ at+jwt", header: `{"alg":"HS256","kid":"k","typ":"at+jwt"}`, wantAlg: HS256, wantKID: "k"},
		{name: "escaped kid", header: `{"alg":"HS256","kid":"a\u00e9\"\\\/b"}`, wantAlg: HS256, wantKID: "aé\"\\/b"},
		{name: "surrogate pair", header: `{"alg":"HS256","kid":"\ud83d\ude00"}`, wantAlg: HS256, wantKID: "😀"},
		{name: "ignored jwk", header: `{"alg":"ES256","kid":"k","jwk":{"kty":"EC","x":"1","n":[1,-2.5e3,true,null]}}`, wantAlg: ES256, wantKID: "k"},
		{name: "ignored jku x5u x5c", header: `{"alg":"ES256","kid":"k","jku":"https://evil/","x5u":"https://evil/","x5c":["AAAA"]}`, wantAlg: ES256, wantKID: "k"},
		{name: "unknown member", header: `{"alg":"ES256","kid":"k","cty":"x","zz":0}`, wantAlg: ES256, wantKID: "k"},

		{name: "alg none", header: `{"alg":"none","kid":"k"}`, wantErr: ErrUnsupported},
		{name: "alg None", header: `{"alg":"None","kid":"k"}`, wantErr: ErrUnsupported},
		{name: "alg lowercase hs256", header: `{"alg":"hs256","kid":"k"}`, wantErr: ErrUnsupported},
		{name: "alg RS256", header: `{"alg":"RS256","kid":"k"}`, wantErr: ErrUnsupported},
		{name: "alg ES512", header: `{"alg":"ES512","kid":"k"}`, wantErr: ErrUnsupported},
		{name: "alg empty", header: `{"alg":"","kid":"k"}`, wantErr: ErrUnsupported},
		{name: "alg escaped none", header: `{"alg":"\u006eone","kid":"k"}`, wantErr: ErrUnsupported},
		{name: "crit", header: `{"alg":"HS256","kid":"k","crit":["exp"],"exp":1}`, wantErr: ErrUnsupported},
		{name: "crit empty", header: `{"alg":"HS256","kid":"k","crit":[]}`, wantErr: ErrUnsupported},
		{name: "escaped crit name", header: `{"alg":"HS256","kid":"k","\u0063rit":["x"]}`, wantErr: ErrUnsupported},
		{name: "b64 false", header: `{"alg":"HS256","kid":"k","b64":false}`, wantErr: ErrUnsupported},

		{name: "alg missing", header: `{"kid":"k"}`, wantErr: ErrMalformed},
		{name: "alg not a string", header: `{"alg":1,"kid":"k"}`, wantErr: ErrMalformed},
		{name: "alg null", header: `{"alg":null,"kid":"k"}`, wantErr: ErrMalformed},
		{name: "kid missing", header: `{"alg":"HS256"}`, wantErr: ErrMalformed},
		{name: "kid empty", header: `{"alg":"HS256","kid":""}`, wantErr: ErrMalformed},
		{name: "kid number", header: `{"alg":"HS256","kid":7}`, wantErr: ErrMalformed},
		{name: "kid too long", header: `{"alg":"HS256","kid":"` + strings.Repeat("a", 257) + `"}`, wantErr: ErrMalformed},
		{name: "typ other", header: `{"alg":"HS256","kid":"k","typ":"JOSE"}`, wantErr: ErrMalformed},
		{name: "typ number", header: `{"alg":"HS256","kid":"k","typ":1}`, wantErr: ErrMalformed},
		{name: "duplicate alg", header: `{"alg":"HS256","kid":"k","alg":"none"}`, wantErr: ErrMalformed},
		{name: "duplicate alg same value", header: `{"alg":"HS256","kid":"k","alg":"HS256"}`, wantErr: ErrMalformed},
		{name: "duplicate via escape", header: `{"alg":"HS256","kid":"k","\u0061lg":"HS256"}`, wantErr: ErrMalformed},
		{name: "duplicate nested", header: `{"alg":"HS256","kid":"k","jwk":{"x":1,"x":2}}`, wantErr: ErrMalformed},
		{name: "trailing data", header: `{"alg":"HS256","kid":"k"}x`, wantErr: ErrMalformed},
		{name: "two objects", header: `{"alg":"HS256","kid":"k"}{}`, wantErr: ErrMalformed},
		{name: "array", header: `[{"alg":"HS256","kid":"k"}]`, wantErr: ErrMalformed},
		{name: "empty object", header: `{}`, wantErr: ErrMalformed},
		{name: "empty", header: ``, wantErr: ErrMalformed},
		{name: "trailing comma", header: `{"alg":"HS256","kid":"k",}`, wantErr: ErrMalformed},
		{name: "single quotes", header: `{'alg':'HS256','kid':'k'}`, wantErr: ErrMalformed},
		{name: "invalid UTF-8", header: "{\"alg\":\"HS256\",\"kid\":\"k\xff\"}", wantErr: ErrMalformed},
		{name: "control character", header: "{\"alg\":\"HS256\",\"kid\":\"k\x01\"}", wantErr: ErrMalformed},
		{name: "lone surrogate", header: `{"alg":"HS256","kid":"\ud800"}`, wantErr: ErrMalformed},
		{name: "bad escape", header: `{"alg":"HS256","kid":"\x41"}`, wantErr: ErrMalformed},
		{name: "unterminated", header: `{"alg":"HS256","kid":"k`, wantErr: ErrMalformed},
		{name: "leading zero", header: `{"alg":"HS256","kid":"k","n":01}`, wantErr: ErrMalformed},
		{name: "bare dot number", header: `{"alg":"HS256","kid":"k","n":1.}`, wantErr: ErrMalformed},
		{name: "NaN", header: `{"alg":"HS256","kid":"k","n":NaN}`, wantErr: ErrMalformed},
		{name: "too deep", header: `{"alg":"HS256","kid":"k","n":[[[[[[[[[[1]]]]]]]]]]}`, wantErr: ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h Header
			err := parseHeader([]byte(tc.header), &h)
			if tc.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.wantErr)
				assert.Equal(t, Header{}, h, "header must be zero on error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantAlg, h.Alg)
			assert.Equal(t, tc.wantKID, h.KID)
		})
	}
}

func TestParseHeaderTooManyMembers(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"alg":"HS256","kid":"k"`)
	for i := 0; i < maxMembers; i++ {
		sb.WriteString(`,"m` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":0`)
	}
	sb.WriteString("}")
	var h Header
	assert.ErrorIs(t, parseHeader([]byte(sb.String()), &h), ErrMalformed)
}

// FuzzParseHeader: never panics, every error wraps ErrMalformed or
// ErrUnsupported, and an accepted header agrees with encoding/json on alg
// and kid.
func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{
		`{"alg":"HS256","kid":"k1","typ":"JWT"}`,
		`{"alg":"EdDSA","kid":"a\u00e9"}`,
		`{"alg":"none","kid":"k"}`,
		`{"alg":"ES256","kid":"k","crit":["b64"],"b64":false}`,
		`{"alg":"ES256","kid":"k","jwk":{"kty":"EC","x":[1,2.5e-3,true,null,{}]}}`,
		`{"alg":"HS256","kid":"k","alg":"HS256"}`,
		`{"alg":"HS256","kid":"\ud83d\ude00"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var h Header
		err := parseHeader(b, &h)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if h.Alg < HS256 || h.Alg > ES256 || h.KID == "" {
			t.Fatalf("accepted header with alg %v kid %q", h.Alg, h.KID)
		}
		ref, err := decodeHeaderWithStdlib(b)
		if err != nil {
			t.Fatalf("accepted %q, encoding/json refuses it: %v", b, err)
		}
		if ref.Alg != h.Alg.String() || ref.Kid != h.KID {
			t.Fatalf("accepted %q as alg %v kid %q, encoding/json reads %q %q", b, h.Alg, h.KID, ref.Alg, ref.Kid)
		}
	})
}

func newTestKeys(t testing.TB) map[Algorithm]*Key {
	t.Helper()
	hs, err := NewHS256([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	ed, err := NewEdDSA(pub, priv)
	require.NoError(t, err)
	ecPriv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	es, err := NewES256(&ecPriv.PublicKey, ecPriv)
	require.NoError(t, err)
	return map[Algorithm]*Key{HS256: hs, EdDSA: ed, ES256: es}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	ks := newTestKeys(t)
	for _, alg := range []Algorithm{HS256, EdDSA, ES256} {
		t.Run(alg.String(), func(t *testing.T) {
			k := ks[alg]
			payloads := []string{`{"sub":"a"}`, "x", "xy", strings.Repeat("z", 1000)}
			for _, p := range payloads {
				raw, err := k.Sign(nil, "kid-1", []byte(p))
				require.NoError(t, err)
				hdr, _, _ := strings.Cut(string(raw), ".")
				hb, err := b64.DecodeString(hdr)
				require.NoError(t, err)
				assert.JSONEq(t, `{"alg":"`+alg.String()+`","kid":"kid-1","typ":"JWT"}`, string(hb))

				var tok Token
				require.NoError(t, Parse(string(raw), &tok))
				assert.Equal(t, alg, tok.Header.Alg)
				assert.Equal(t, "kid-1", tok.Header.KID)
				got, err := k.Verify([]byte("keep"), &tok)
				require.NoError(t, err)
				assert.Equal(t, "keep"+p, string(got))
			}
		})
	}
}

func TestSignKIDEscaping(t *testing.T) {
	k := newTestKeys(t)[HS256]
	for _, kid := range []string{`a"b`, `a\b`, "a\x01b", "é😀"} {
		raw, err := k.Sign(nil, kid, []byte("{}"))
		require.NoError(t, err)
		var tok Token
		require.NoError(t, Parse(string(raw), &tok))
		assert.Equal(t, kid, tok.Header.KID)
	}
	for _, kid := range []string{"", strings.Repeat("a", 257), "\xff"} {
		_, err := k.Sign(nil, kid, []byte("{}"))
		assert.Error(t, err, "kid %q", kid)
	}
}

// tamper returns the token with its segment i replaced by s.
func tamper(raw string, i int, s string) string {
	parts := strings.Split(raw, ".")
	parts[i] = s
	return strings.Join(parts, ".")
}

func TestVerifyRejects(t *testing.T) {
	ks := newTestKeys(t)
	hs, ed, es := ks[HS256], ks[EdDSA], ks[ES256]
	sign := func(k *Key, payload string) string {
		raw, err := k.Sign(nil, "k", []byte(payload))
		require.NoError(t, err)
		return string(raw)
	}
	hsTok, edTok, esTok := sign(hs, `{"a":1}`), sign(ed, `{"a":1}`), sign(es, `{"a":1}`)
	enc := func(s string) string { return b64.EncodeToString([]byte(s)) }
	hdrOnly := func(h string, tok string) string { return tamper(tok, 0, enc(h)) }

	// A DER signature over the same input, made with the same key.
	esParts := strings.Split(esTok, ".")
	digest := sha256.Sum256([]byte(esParts[0] + "." + esParts[1]))
	der, err := ecdsa.SignASN1(rand.Reader, es.ecPriv, digest[:])
	require.NoError(t, err)
	// A valid r‖s with s replaced by n - s (still verifies mathematically
	// for ECDSA, so it must be accepted) and with s replaced by s + n
	// (out of range, refused).
	sig, _ := b64.DecodeString(esParts[2])
	n := elliptic.P256().Params().N
	sBig := new(big.Int).SetBytes(sig[32:])
	negS := new(big.Int).Sub(n, sBig)
	var malleable [64]byte
	copy(malleable[:32], sig[:32])
	negS.FillBytes(malleable[32:])
	// The HMAC of the HS256 token's input under the ES256 public key's
	// bytes (algorithm confusion): header says HS256, kid names an ES256 key.
	confused := hdrOnly(`{"alg":"HS256","kid":"k"}`, esTok)

	tests := []struct {
		name    string
		key     *Key
		raw     string
		wantErr error
	}{
		{name: "two segments", key: hs, raw: hsTok[:strings.LastIndexByte(hsTok, '.')], wantErr: ErrMalformed},
		{name: "four segments", key: hs, raw: hsTok + ".x", wantErr: ErrMalformed},
		{name: "trailing dot", key: hs, raw: hsTok + ".", wantErr: ErrMalformed},
		{name: "empty payload", key: hs, raw: tamper(hsTok, 1, ""), wantErr: ErrMalformed},
		{name: "empty signature", key: hs, raw: tamper(hsTok, 2, ""), wantErr: ErrMalformed},
		{name: "empty header", key: hs, raw: tamper(hsTok, 0, ""), wantErr: ErrMalformed},
		{name: "header too long", key: hs, raw: hdrOnly(`{"alg":"HS256","kid":"k","x":"`+strings.Repeat("a", MaxHeaderLen)+`"}`, hsTok), wantErr: ErrMalformed},
		{name: "padded signature", key: hs, raw: hsTok + "=", wantErr: ErrMalformed},
		{name: "padded header", key: hs, raw: tamper(hsTok, 0, b64.EncodeToString([]byte(`{"alg":"HS256","kid":"k","typ":"JWT"} `))+"="), wantErr: ErrMalformed},
		{name: "signature trailing bits", key: hs, raw: hsTok[:len(hsTok)-1] + string(flipLowBit(hsTok[len(hsTok)-1])), wantErr: ErrMalformed},
		{name: "std alphabet in signature", key: hs, raw: tamper(hsTok, 2, strings.NewReplacer("-", "+", "_", "/").Replace(strings.Split(hsTok, ".")[2])+"+"), wantErr: ErrMalformed},
		{name: "whitespace in payload", key: hs, raw: tamper(hsTok, 1, " "+strings.Split(hsTok, ".")[1]), wantErr: ErrMalformed},
		{name: "alg none", key: hs, raw: hdrOnly(`{"alg":"none","kid":"k"}`, hsTok), wantErr: ErrUnsupported},
		{name: "crit", key: hs, raw: hdrOnly(`{"alg":"HS256","kid":"k","crit":["exp"]}`, hsTok), wantErr: ErrUnsupported},
		{name: "HS256 header on ES256 key", key: es, raw: confused, wantErr: ErrAlgorithmMismatch},
		{name: "EdDSA token on ES256 key", key: es, raw: edTok, wantErr: ErrAlgorithmMismatch},
		{name: "ES256 token on HS256 key", key: hs, raw: esTok, wantErr: ErrAlgorithmMismatch},
		{name: "HS256 token on EdDSA key", key: ed, raw: hsTok, wantErr: ErrAlgorithmMismatch},
		{name: "modified header", key: hs, raw: hdrOnly(`{"alg":"HS256","kid":"k2","typ":"JWT"}`, hsTok), wantErr: ErrSignature},
		{name: "HS256 modified payload", key: hs, raw: tamper(hsTok, 1, enc(`{"a":2}`)), wantErr: ErrSignature},
		{name: "EdDSA modified payload", key: ed, raw: tamper(edTok, 1, enc(`{"a":2}`)), wantErr: ErrSignature},
		{name: "ES256 modified payload", key: es, raw: tamper(esTok, 1, enc(`{"a":2}`)), wantErr: ErrSignature},
		{name: "HS256 short signature", key: hs, raw: tamper(hsTok, 2, enc("short")), wantErr: ErrSignature},
		{name: "HS256 long signature", key: hs, raw: tamper(hsTok, 2, b64.EncodeToString(make([]byte, 64))), wantErr: ErrSignature},
		{name: "ES256 DER signature", key: es, raw: tamper(esTok, 2, b64.EncodeToString(der)), wantErr: ErrSignature},
		{name: "ES256 r zero", key: es, raw: tamper(esTok, 2, b64.EncodeToString(append(make([]byte, 32), sig[32:]...))), wantErr: ErrSignature},
		{name: "ES256 s zero", key: es, raw: tamper(esTok, 2, b64.EncodeToString(append(append([]byte{}, sig[:32]...), make([]byte, 32)...))), wantErr: ErrSignature},
		{name: "ES256 r equals n", key: es, raw: tamper(esTok, 2, b64.EncodeToString(append(n.FillBytes(make([]byte, 32)), sig[32:]...))), wantErr: ErrSignature},
		{name: "ES256 65 bytes", key: es, raw: tamper(esTok, 2, b64.EncodeToString(append(append([]byte{}, sig...), 0))), wantErr: ErrSignature},
		{name: "EdDSA flipped signature", key: ed, raw: tamper(edTok, 2, flipFirst(strings.Split(edTok, ".")[2])), wantErr: ErrSignature},
		{name: "payload trailing bits", key: hs, raw: resign(t, hs, `{"alg":"HS256","kid":"k"}`, "AB"), wantErr: ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tok Token
			err := Parse(tc.raw, &tok)
			var out []byte
			if err == nil {
				out, err = tc.key.Verify(nil, &tok)
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.wantErr)
			assert.Empty(t, out)
		})
	}

	t.Run("ES256 high-s accepted", func(t *testing.T) {
		var tok Token
		require.NoError(t, Parse(tamper(esTok, 2, b64.EncodeToString(malleable[:])), &tok))
		_, err := es.Verify(nil, &tok)
		assert.NoError(t, err, "ECDSA signatures (r, n-s) are valid; JWS does not require low s")
	})
}

// resign builds header.payload with raw (possibly non-canonical) encoded
// segments and a valid HS256 MAC over them.
func resign(t *testing.T, k *Key, header, encPayload string) string {
	input := b64.EncodeToString([]byte(header)) + "." + encPayload
	st := k.macs.Get().(*macState)
	defer k.macs.Put(st)
	st.h.Reset()
	st.h.Write([]byte(input))
	return input + "." + b64.EncodeToString(st.h.Sum(nil))
}

func flipLowBit(c byte) byte {
	v := decodeMap[c] ^ 1
	return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[v]
}

func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestNewKeyRejects(t *testing.T) {
	_, err := NewHS256(make([]byte, 31))
	assert.Error(t, err, "short HS256 secret")
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	pub2, _, _ := ed25519.GenerateKey(rand.Reader)
	_, err = NewEdDSA(pub[:31], nil)
	assert.Error(t, err, "short Ed25519 public key")
	_, err = NewEdDSA(pub2, priv)
	assert.Error(t, err, "mismatched Ed25519 pair")
	ec1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, err = NewES256(&ec384.PublicKey, nil)
	assert.Error(t, err, "P-384 key")
	_, err = NewES256(&ec1.PublicKey, ec2)
	assert.Error(t, err, "mismatched P-256 pair")
	_, err = NewES256(nil, nil)
	assert.Error(t, err, "nil key")

	verifyOnly, err := NewEdDSA(pub, nil)
	require.NoError(t, err)
	_, err = verifyOnly.Sign(nil, "k", []byte("{}"))
	assert.Error(t, err, "verify-only key signs")
}

func TestVerifyClearsPooledInput(t *testing.T) {
	k := newTestKeys(t)[HS256]
	raw, err := k.Sign(nil, "k", []byte(`{"secret":"s3cr3t"}`))
	require.NoError(t, err)
	var tok Token
	require.NoError(t, Parse(string(raw), &tok))
	_, err = k.Verify(nil, &tok)
	require.NoError(t, err)
	// Inspect the pooled states (the pool may drop them; any that remain
	// must hold no byte of the token).
	for i := 0; i < 4; i++ {
		st, _ := k.macs.Get().(*macState)
		for _, b := range st.in[:cap(st.in)] {
			require.Zero(t, b, "pooled HMAC input not cleared")
		}
	}
}

func TestVerifyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	ks := newTestKeys(t)
	for _, alg := range []Algorithm{HS256, EdDSA, ES256} {
		k := ks[alg]
		raw, err := k.Sign(nil, "kid-1", []byte(`{"sub":"alice","exp":2000000000}`))
		require.NoError(t, err)
		s := string(raw)
		buf := make([]byte, 0, 256)
		var tok Token
		allocs := testing.AllocsPerRun(100, func() {
			if err := Parse(s, &tok); err != nil {
				panic(err)
			}
			if _, err := k.Verify(buf, &tok); err != nil {
				panic(err)
			}
		})
		// The kid string; ES256 verification allocates inside crypto/ecdsa.
		budget := 1.0
		if alg == ES256 {
			budget = 12
		}
		t.Logf("%v Parse+Verify: %v allocations", alg, allocs)
		assert.LessOrEqual(t, allocs, budget, "%v Parse+Verify allocations", alg)
	}
}

func TestDERToRS(t *testing.T) {
	full := append([]byte{0x80}, make([]byte, 31)...) // high bit set: DER pads it
	full[31] = 1
	short := []byte{0x01, 0x02}
	tests := []struct {
		name string
		der  []byte
		ok   bool
		want []byte
	}{
		{name: "padded r, short s", der: append(append([]byte{0x30, 2 + 33 + 2 + 2, 0x02, 33, 0}, full...), 0x02, 2, 1, 2),
			ok: true, want: append(append([]byte{}, full...), append(make([]byte, 30), short...)...)},
		{name: "trailing byte", der: []byte{0x30, 7, 0x02, 1, 1, 0x02, 1, 1, 0}, ok: false},
		{name: "wrong length", der: []byte{0x30, 9, 0x02, 1, 1, 0x02, 1, 1}, ok: false},
		{name: "integer too long", der: append([]byte{0x30, 2 + 33 + 3, 0x02, 33, 1}, append(make([]byte, 32), 0x02, 1, 1)...), ok: false},
		{name: "not a sequence", der: []byte{0x31, 6, 0x02, 1, 1, 0x02, 1, 1}, ok: false},
		{name: "one integer", der: []byte{0x30, 3, 0x02, 1, 1}, ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out [64]byte
			ok := derToRS(out[:], tc.der)
			assert.Equal(t, tc.ok, ok)
			if tc.ok {
				assert.Equal(t, tc.want, out[:])
			}
		})
	}
}

// TestES256SignMany signs enough tokens that some r or s have leading
// zero bytes (about 1 in 128 per signature) and checks each verifies and
// matches crypto/ecdsa's own reading.
func TestES256SignMany(t *testing.T) {
	k := newTestKeys(t)[ES256]
	for i := 0; i < 300; i++ {
		raw, err := k.Sign(nil, "k", []byte{'{', byte('a' + i%26), '}'})
		require.NoError(t, err)
		var tok Token
		require.NoError(t, Parse(string(raw), &tok))
		_, err = k.Verify(nil, &tok)
		require.NoError(t, err)
		sig, err := b64.DecodeString(tok.sig)
		require.NoError(t, err)
		digest := sha256.Sum256([]byte(tok.signingInput))
		require.True(t, ecdsa.Verify(k.ecPub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])))
	}
}
