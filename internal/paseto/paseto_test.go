package paseto

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type vector struct {
	Name       string  `json:"name"`
	ExpectFail bool    `json:"expect-fail"`
	Key        string  `json:"key"`
	Nonce      string  `json:"nonce"`
	PublicKey  string  `json:"public-key"`
	SecretKey  string  `json:"secret-key"`
	Token      string  `json:"token"`
	Payload    *string `json:"payload"`
	Footer     string  `json:"footer"`
	Implicit   string  `json:"implicit-assertion"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/v4.json")
	require.NoError(t, err)
	var f struct {
		Tests []vector `json:"tests"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	require.NotEmpty(t, f.Tests, "no vectors found in testdata/v4.json")
	return f.Tests
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// open runs the whole check a caller would: header, split, footer
// decoding, then the construction.
func openLocal(key []byte, token string, implicit []byte) ([]byte, []byte, error) {
	k, err := NewLocalKey(key)
	if err != nil {
		return nil, nil, err
	}
	body, footer, err := Split(token, LocalHeader)
	if err != nil {
		return nil, nil, err
	}
	f, ok := AppendDecode(nil, footer)
	if !ok {
		return nil, nil, ErrMalformed
	}
	m, _, err := k.Open(nil, body, f, implicit)
	return m, f, err
}

func verifyPublic(pub []byte, token string, implicit []byte) ([]byte, []byte, error) {
	body, footer, err := Split(token, PublicHeader)
	if err != nil {
		return nil, nil, err
	}
	f, ok := AppendDecode(nil, footer)
	if !ok {
		return nil, nil, ErrMalformed
	}
	m, _, err := Verify(nil, pub, body, f, implicit)
	return m, f, err
}

func TestVectors(t *testing.T) {
	ran := 0
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			ran++
			i := []byte(v.Implicit)
			local := v.Key != ""
			if v.ExpectFail {
				var err error
				if local {
					_, _, err = openLocal(unhex(t, v.Key), v.Token, i)
				} else {
					_, _, err = verifyPublic(unhex(t, v.PublicKey), v.Token, i)
				}
				require.Error(t, err)
				assert.True(t, err == ErrMalformed || err == ErrAuth, "error %v is not one of ours", err)
				return
			}
			require.NotNil(t, v.Payload)
			if local {
				k, err := NewLocalKey(unhex(t, v.Key))
				require.NoError(t, err)
				var n [NonceSize]byte
				copy(n[:], unhex(t, v.Nonce))
				got := k.Seal(nil, &n, []byte(*v.Payload), []byte(v.Footer), i)
				assert.Equal(t, v.Token, string(got), "sealed token")
				m, f, err := openLocal(unhex(t, v.Key), v.Token, i)
				require.NoError(t, err)
				assert.Equal(t, *v.Payload, string(m))
				assert.Equal(t, v.Footer, string(f))
				return
			}
			priv := ed25519.PrivateKey(unhex(t, v.SecretKey))
			got := Sign(nil, priv, []byte(*v.Payload), []byte(v.Footer), i)
			assert.Equal(t, v.Token, string(got), "signed token (Ed25519 is deterministic)")
			m, f, err := verifyPublic(unhex(t, v.PublicKey), v.Token, i)
			require.NoError(t, err)
			assert.Equal(t, *v.Payload, string(m))
			assert.Equal(t, v.Footer, string(f))
		})
	}
	require.NotZero(t, ran, "no vector ran")
}

func TestAppendDecodeStrict(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // hex; "" with ok false means rejected
		ok   bool
	}{
		{name: "empty", in: "", want: "", ok: true},
		{name: "one byte", in: "AA", want: "00", ok: true},
		{name: "two bytes", in: "AAE", want: "0001", ok: true},
		{name: "three bytes", in: "AAEC", want: "000102", ok: true},
		{name: "url alphabet", in: "-_-_", want: "fbfffbff"[:6], ok: false},
		{name: "trailing bits in 2-char tail", in: "AB", ok: false},
		{name: "trailing bits in 3-char tail", in: "AAF", ok: false},
		{name: "length 4k+1", in: "AAAAA", ok: false},
		{name: "padding", in: "AA==", ok: false},
		{name: "newline", in: "AA\nA", ok: false},
		{name: "std alphabet plus", in: "AA+A", ok: false},
		{name: "std alphabet slash", in: "AA/A", ok: false},
		{name: "high byte", in: "AA\xffA", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := AppendDecode(nil, tc.in)
			if tc.name == "url alphabet" {
				assert.True(t, ok)
				assert.Equal(t, []byte{0xfb, 0xff, 0xbf}, got)
				return
			}
			assert.Equal(t, tc.ok, ok)
			if tc.ok {
				assert.Equal(t, hex.EncodeToString(unhex(t, tc.want)), hex.EncodeToString(got))
			}
		})
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name, raw, body, footer string
		ok                      bool
	}{
		{name: "no footer", raw: "v4.local.abc", body: "abc", ok: true},
		{name: "footer", raw: "v4.local.abc.def", body: "abc", footer: "def", ok: true},
		{name: "empty footer after dot", raw: "v4.local.abc."},
		{name: "empty body", raw: "v4.local..def"},
		{name: "extra part", raw: "v4.local.a.b.c"},
		{name: "other purpose", raw: "v4.public.abc"},
		{name: "other version", raw: "v3.local.abc"},
		{name: "upper case", raw: "V4.LOCAL.abc"},
		{name: "no header", raw: "abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, f, err := Split(tc.raw, LocalHeader)
			if !tc.ok {
				assert.ErrorIs(t, err, ErrMalformed)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.body, b)
			assert.Equal(t, tc.footer, f)
		})
	}
}

// TestOpenRejectsTampering flips every byte of a sealed token's payload
// and footer and checks each flip fails, and that a different implicit
// assertion fails.
func TestOpenRejectsTampering(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	k, err := NewLocalKey(key)
	require.NoError(t, err)
	var n [NonceSize]byte
	tok := string(k.Seal(nil, &n, []byte(`{"a":1}`), []byte(`{"kid":"x"}`), []byte("ia")))
	_, _, err = openLocal(key, tok, []byte("ia"))
	require.NoError(t, err)
	_, _, err = openLocal(key, tok, []byte("ib"))
	assert.ErrorIs(t, err, ErrAuth)
	_, _, err = openLocal(key, tok, nil)
	assert.ErrorIs(t, err, ErrAuth)
	for i := len(LocalHeader); i < len(tok); i++ {
		if tok[i] == '.' {
			continue
		}
		c := byte('A')
		if tok[i] == 'A' {
			c = 'B'
		}
		mut := tok[:i] + string(c) + tok[i+1:]
		_, _, err := openLocal(key, mut, []byte("ia"))
		assert.Error(t, err, "flip at %d accepted", i)
	}
}

func TestVerifyRejectsWrongImplicit(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	tok := string(Sign(nil, priv, []byte(`{"a":1}`), nil, []byte("ia")))
	_, _, err = verifyPublic(pub, tok, []byte("ia"))
	require.NoError(t, err)
	_, _, err = verifyPublic(pub, tok, []byte("ib"))
	assert.ErrorIs(t, err, ErrAuth)
	_, _, err = verifyPublic(pub, strings.Replace(tok, "v4.public.", "v4.local.", 1), []byte("ia"))
	assert.ErrorIs(t, err, ErrMalformed)
}

// TestScratchCleared checks that a released scratch holds no derived key,
// tag or buffered message, so a pooled value never carries one call's
// secrets into another.
func TestScratchCleared(t *testing.T) {
	k, err := NewLocalKey(bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	s := getScratch()
	var n [NonceSize]byte
	n[0] = 1
	k.derive(s, n[:])
	s.mac(n[:], []byte("secret plaintext"), nil, nil)
	msg := []byte("secret plaintext")
	xorKeyStream(s, msg, msg)
	s.buf = append(s.buf[:0], "secret plaintext"...)
	buf := s.buf
	s.release()
	assert.Equal(t, [56]byte{}, s.ekn)
	assert.Equal(t, [32]byte{}, s.ak)
	assert.Equal(t, [TagSize]byte{}, s.tag)
	assert.Equal(t, digest{}, s.d, "MAC state (keyed with Ak) not cleared")
	assert.Equal(t, [16]uint32{}, s.state, "ChaCha20 state (holds the subkey) not cleared")
	assert.Equal(t, [256]byte{}, s.ks, "keystream not cleared")
	assert.Equal(t, make([]byte, len(buf)), buf[:len("secret plaintext")])
}

func TestOpenAllocs(t *testing.T) {
	k, err := NewLocalKey(bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	var n [NonceSize]byte
	tok := string(k.Seal(nil, &n, bytes.Repeat([]byte("x"), 230), nil, nil))
	body, _, err := Split(tok, LocalHeader)
	require.NoError(t, err)
	buf := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := k.Open(buf, body, nil, nil); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

// FuzzAppendDecode checks the strict decoder against encoding/base64's
// strict RawURLEncoding, which differs only in skipping CR and LF: we
// accept exactly the inputs it accepts that hold no newline, with the same
// bytes, and whatever we accept re-encodes to the input.
func FuzzAppendDecode(f *testing.F) {
	for _, s := range []string{"", "AA", "AB", "AAE", "AAF", "AAAA", "AA==", "A\nAA", "-_8", "AAAAA",
		strings.Repeat("AZaz09-_", 9), strings.Repeat("_-", 40) + "A\n", strings.Repeat("Ab", 33) + "+"} {
		f.Add(s)
	}
	std := base64.RawURLEncoding.Strict()
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := AppendDecode([]byte("pre"), s)
		want, err := std.DecodeString(s)
		stdOK := err == nil && !strings.ContainsAny(s, "\r\n")
		if ok != stdOK {
			t.Fatalf("%q: ours %v, encoding/base64 %v (%v)", s, ok, stdOK, err)
		}
		if !ok {
			if string(got) != "pre" {
				t.Fatalf("dst changed on error")
			}
			return
		}
		if string(got[3:]) != string(want) {
			t.Fatalf("%q decodes differently", s)
		}
		if enc := string(AppendEncode(nil, got[3:])); enc != s {
			t.Fatalf("%q re-encodes to %q", s, enc)
		}
	})
}

// TestLocalKeyKeepsNoKeyBytes checks that the prepared states hold no
// byte sequence of the key: only chaining values, from which the key
// cannot be read back.
func TestLocalKeyKeepsNoKeyBytes(t *testing.T) {
	key := []byte("0123456789abcdefghijklmnopqrstuv")
	k, err := NewLocalKey(key)
	require.NoError(t, err)
	for _, h := range []*[8]uint64{&k.enc, &k.auth} {
		var st [64]byte
		putHash(st[:], h)
		for i := 0; i+4 <= len(key); i++ {
			assert.False(t, bytes.Contains(st[:], key[i:i+4]), "state holds key bytes %q", key[i:i+4])
		}
	}
}
