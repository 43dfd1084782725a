package keys

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrapVector is one test of the official k4.*-wrap.pie vector files.
type wrapVector struct {
	Name        string  `json:"name"`
	ExpectFail  bool    `json:"expect-fail"`
	Unwrapped   *string `json:"unwrapped"`
	WrappingKey string  `json:"wrapping-key"`
	PASERK      string  `json:"paserk"`
}

func readWrapVectors(t testing.TB) map[string][]wrapVector {
	files, err := filepath.Glob(filepath.Join("testdata", "paserk-wrap", "k4.*-wrap.pie.json"))
	if err != nil || len(files) != 2 {
		t.Fatalf("want the two k4 wrap.pie vector files, found %v (%v)", files, err)
	}
	out := map[string][]wrapVector{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Tests []wrapVector `json:"tests"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Tests) == 0 {
			t.Fatalf("%s has no vectors", f)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = doc.Tests
	}
	return out
}

func TestWrapVectors(t *testing.T) {
	total := 0
	for typ, vs := range readWrapVectors(t) {
		for _, v := range vs {
			total++
			t.Run(v.Name, func(t *testing.T) {
				wk, err := NewV4Local(unhex(t, v.WrappingKey))
				require.NoError(t, err)
				k, err := ParseWrappedPASERK(v.PASERK, wk)
				if v.ExpectFail {
					assert.ErrorIs(t, err, ErrInvalidKey)
					assert.Nil(t, k)
					return
				}
				require.NoError(t, err)
				require.NotNil(t, v.Unwrapped)
				raw := unhex(t, *v.Unwrapped)
				switch typ {
				case "k4.local-wrap.pie":
					b, err := k.ExportSecret()
					require.NoError(t, err)
					assert.Equal(t, raw, b)
				case "k4.secret-wrap.pie":
					b, err := k.ExportPrivateKey()
					require.NoError(t, err)
					assert.Equal(t, ed25519.PrivateKey(raw), b)
				default:
					t.Fatalf("no runner for %s", typ)
				}

				// Our own wrapping round-trips, with a fresh nonce each time.
				w1, err := k.WrappedPASERK(wk)
				require.NoError(t, err)
				w2, err := k.WrappedPASERK(wk)
				require.NoError(t, err)
				assert.NotEqual(t, w1, w2)
				assert.True(t, strings.HasPrefix(w1, typ+"."))
				back, err := ParseWrappedPASERK(w1, wk)
				require.NoError(t, err)
				assert.True(t, back.Equal(k))
			})
		}
	}
	require.Positive(t, total, "no wrap vectors found")
}

// TestWrapVectorFailCauses pins the cause of each expect-fail vector: a bad
// tag is ErrUnwrap; a wrong version is not. The secret-wrap bad-tag vector
// also has non-zero trailing base64url bits, which the strict decoder
// refuses before the tag is computed.
func TestWrapVectorFailCauses(t *testing.T) {
	wantUnwrap := map[string]bool{
		"k4.local-wrap.pie-fail-1":  true,
		"k4.local-wrap.pie-fail-2":  false,
		"k4.secret-wrap.pie-fail-1": false,
		"k4.secret-wrap.pie-fail-2": false,
	}
	seen := 0
	for _, vs := range readWrapVectors(t) {
		for _, v := range vs {
			if !v.ExpectFail {
				continue
			}
			want, ok := wantUnwrap[v.Name]
			require.True(t, ok, "unexpected expect-fail vector %s", v.Name)
			seen++
			wk, err := NewV4Local(unhex(t, v.WrappingKey))
			require.NoError(t, err)
			_, err = ParseWrappedPASERK(v.PASERK, wk)
			assert.ErrorIs(t, err, ErrInvalidKey, v.Name)
			assert.Equal(t, want, errors.Is(err, ErrUnwrap), "%s: %v", v.Name, err)
		}
	}
	assert.Equal(t, len(wantUnwrap), seen)
}

func TestWrapRejects(t *testing.T) {
	wk := mustGenerate(t, V4Local)
	other := mustGenerate(t, V4Local)
	local := mustGenerate(t, V4Local)
	secret := mustGenerate(t, V4Public)
	wrappedLocal, err := local.WrappedPASERK(wk)
	require.NoError(t, err)
	wrappedSecret, err := secret.WrappedPASERK(wk)
	require.NoError(t, err)
	body := strings.TrimPrefix(wrappedLocal, headerLocalWrap)

	// Flip one bit in each part: tag, nonce, ciphertext.
	flip := func(s string, i int) string {
		b, err := decodeB64(s)
		require.NoError(t, err)
		b[i] ^= 1
		return b64(b)
	}

	tests := []struct {
		name    string
		raw     string
		wk      *Key
		wantErr error
	}{
		{name: "wrong wrapping key", raw: wrappedLocal, wk: other, wantErr: ErrUnwrap},
		{name: "tag altered", raw: headerLocalWrap + flip(body, 0), wk: wk, wantErr: ErrUnwrap},
		{name: "nonce altered", raw: headerLocalWrap + flip(body, 40), wk: wk, wantErr: ErrUnwrap},
		{name: "ciphertext altered", raw: headerLocalWrap + flip(body, 70), wk: wk, wantErr: ErrUnwrap},
		{name: "local relabelled as secret", raw: headerSecretWrap + body, wk: wk, wantErr: ErrInvalidKey},
		{name: "secret relabelled as local", raw: headerLocalWrap + strings.TrimPrefix(wrappedSecret, headerSecretWrap), wk: wk, wantErr: ErrInvalidKey},
		{name: "plain PASERK", raw: testLocalPASERK, wk: wk, wantErr: ErrInvalidKey},
		{name: "truncated", raw: wrappedLocal[:len(wrappedLocal)-2], wk: wk, wantErr: ErrInvalidKey},
		{name: "padding", raw: wrappedLocal + "=", wk: wk, wantErr: ErrInvalidKey},
		{name: "version 2", raw: "k2" + wrappedLocal[2:], wk: wk, wantErr: ErrInvalidKey},
		{name: "far too long", raw: headerLocalWrap + strings.Repeat("A", 1<<16), wk: wk, wantErr: ErrInvalidKey},
		{name: "empty", raw: "", wk: wk, wantErr: ErrInvalidKey},
		{name: "wrapping key is HS256", raw: wrappedLocal, wk: mustGenerate(t, HS256), wantErr: ErrWrongPurpose},
		{name: "wrapping key is v4.public", raw: wrappedLocal, wk: secret, wantErr: ErrWrongPurpose},
		{name: "no wrapping key", raw: wrappedLocal, wk: nil, wantErr: ErrWrongPurpose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseWrappedPASERK(tc.raw, tc.wk)
			assert.ErrorIs(t, err, tc.wantErr)
			assert.Nil(t, k)
			if err != nil {
				assert.NotContains(t, err.Error(), body[:16], "errors never quote the input")
			}
		})
	}
}

func TestWrappedPASERKRefuses(t *testing.T) {
	wk := mustGenerate(t, V4Local)
	for _, alg := range allAlgorithms {
		k := mustGenerate(t, alg)
		_, err := k.WrappedPASERK(wk)
		if alg == V4Local || alg == V4Public {
			assert.NoError(t, err, "%v", alg)
		} else {
			assert.ErrorIs(t, err, ErrWrongPurpose, "%v", alg)
		}
	}
	pub := mustPublic(t, mustGenerate(t, V4Public))
	_, err := pub.WrappedPASERK(wk)
	assert.ErrorIs(t, err, ErrWrongPurpose, "a verify-only key has no secret")
	_, err = mustGenerate(t, V4Local).WrappedPASERK(mustGenerate(t, HS256))
	assert.ErrorIs(t, err, ErrWrongPurpose, "an HS256 secret is not a wrapping key")
}

// FuzzParseWrappedPASERK checks that unwrapping never panics, that every
// error wraps ErrInvalidKey, and that what unwraps wraps again to a string
// that unwraps to the same key.
func FuzzParseWrappedPASERK(f *testing.F) {
	for _, vs := range readWrapVectors(f) {
		for _, v := range vs {
			f.Add(v.PASERK)
		}
	}
	f.Add("k4.local-wrap.pie.")
	wk, err := NewV4Local(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	// The vectors use this wrapping key.
	vk, err := NewV4Local([]byte("pqrstuvwxyz{|}~\x7f\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, w := range []*Key{wk, vk} {
			k, err := ParseWrappedPASERK(raw, w)
			if err != nil {
				if !errors.Is(err, ErrInvalidKey) {
					t.Fatalf("error does not wrap ErrInvalidKey: %v", err)
				}
				continue
			}
			again, err := k.WrappedPASERK(w)
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseWrappedPASERK(again, w)
			if err != nil || !back.Equal(k) {
				t.Fatalf("re-wrapped key does not unwrap to itself: %v", err)
			}
		}
	})
}

func TestWrappedSecretAllAlgorithms(t *testing.T) {
	wk := mustGenerate(t, V4Local)
	long, err := NewHS256(make([]byte, 64))
	require.NoError(t, err)
	for _, k := range append([]*Key{long}, mustGenerate(t, V4Local), mustGenerate(t, V4Public), mustGenerate(t, HS256), mustGenerate(t, EdDSA), mustGenerate(t, ES256)) {
		t.Run(k.Algorithm().String(), func(t *testing.T) {
			w, err := k.WrappedSecret(wk)
			require.NoError(t, err)
			back, err := ParseWrappedSecret(w, wk)
			require.NoError(t, err)
			assert.True(t, back.Equal(k))
			assert.True(t, back.CanIssue())

			_, err = ParseWrappedSecret(w, mustGenerate(t, V4Local))
			assert.ErrorIs(t, err, ErrUnwrap)
			if k.Purpose() == Public {
				_, err = mustPublic(t, k).WrappedSecret(wk)
				assert.ErrorIs(t, err, ErrWrongPurpose, "a verify-only key has no secret")
			}
		})
	}
}

func TestParseWrappedSecretRejects(t *testing.T) {
	wk := mustGenerate(t, V4Local)
	wrap := func(k *Key) string {
		w, err := k.WrappedSecret(wk)
		require.NoError(t, err)
		return w
	}
	ed := wrap(mustGenerate(t, EdDSA))
	es := wrap(mustGenerate(t, ES256))
	hs := wrap(mustGenerate(t, HS256))
	body := func(s string) string { return s[strings.LastIndexByte(s, '.')+1:] }

	tests := []struct {
		name    string
		raw     string
		wantErr error
	}{
		{name: "EdDSA relabelled HS256", raw: headerHS256Wrap + body(ed), wantErr: ErrUnwrap},
		{name: "ES256 relabelled HS256", raw: headerHS256Wrap + body(es), wantErr: ErrUnwrap},
		{name: "HS256 relabelled ES256", raw: headerES256Wrap + body(hs), wantErr: ErrUnwrap},
		{name: "ES256 relabelled EdDSA", raw: headerEdDSAWrap + body(es), wantErr: ErrInvalidKey},
		{name: "HS256 relabelled v4.local", raw: headerLocalWrap + body(hs), wantErr: ErrUnwrap},
		{name: "HS256 secret too short", raw: headerHS256Wrap + b64(make([]byte, 64+31)), wantErr: ErrInvalidKey},
		{name: "far too long", raw: headerHS256Wrap + strings.Repeat("A", 1<<12), wantErr: ErrInvalidKey},
		{name: "bad base64", raw: headerEdDSAWrap + "!" + body(ed)[1:], wantErr: ErrInvalidKey},
		{name: "unknown header", raw: "sessiontoken.rs256-wrap.pie." + body(es), wantErr: ErrInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseWrappedSecret(tc.raw, wk)
			assert.ErrorIs(t, err, tc.wantErr)
			assert.ErrorIs(t, err, ErrInvalidKey)
			assert.Nil(t, k)
		})
	}
	_, err := ParseWrappedSecret(hs, mustGenerate(t, HS256))
	assert.ErrorIs(t, err, ErrWrongPurpose)
}

// FuzzParseWrappedSecret is FuzzParseWrappedPASERK for the JWT headers as
// well.
func FuzzParseWrappedSecret(f *testing.F) {
	wk, err := NewV4Local(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	for _, alg := range allAlgorithms {
		k, err := Generate(alg)
		if err != nil {
			f.Fatal(err)
		}
		w, err := k.WrappedSecret(wk)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(w)
	}
	f.Add(headerHS256Wrap)
	f.Fuzz(func(t *testing.T, raw string) {
		k, err := ParseWrappedSecret(raw, wk)
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("error does not wrap ErrInvalidKey: %v", err)
			}
			return
		}
		again, err := k.WrappedSecret(wk)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseWrappedSecret(again, wk)
		if err != nil || !back.Equal(k) {
			t.Fatalf("re-wrapped key does not unwrap to itself: %v", err)
		}
	})
}

func BenchmarkParseWrappedPASERK(b *testing.B) {
	wk := mustGenerate(b, V4Local)
	w, err := mustGenerate(b, V4Local).WrappedPASERK(wk)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseWrappedPASERK(w, wk); err != nil {
			b.Fatal(err)
		}
	}
}
