package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secretForms returns every form in which k's secret could leak: the raw
// bytes, their fmt rendering, hex (both cases), standard base64 (padded and
// not) and base64url (padded and not), for each secret byte string the key
// holds (the symmetric secret; the Ed25519 seed and the 64-byte private
// key; the P-256 scalar).
func secretForms(t *testing.T, k *Key) []string {
	t.Helper()
	var secrets [][]byte
	if b, err := k.ExportSecret(); err == nil {
		secrets = append(secrets, b)
	}
	if p, err := k.ExportPrivateKey(); err == nil {
		switch p := p.(type) {
		case ed25519.PrivateKey:
			secrets = append(secrets, p.Seed(), p)
		case *ecdsa.PrivateKey:
			d, err := p.Bytes()
			require.NoError(t, err)
			secrets = append(secrets, d)
		}
	}
	require.NotEmpty(t, secrets, "%v has no secret", k.Algorithm())
	var forms []string
	for _, s := range secrets {
		forms = append(forms,
			string(s), fmt.Sprint(s), fmt.Sprintf("%v", []byte(s)),
			hex.EncodeToString(s), strings.ToUpper(hex.EncodeToString(s)),
			base64.StdEncoding.EncodeToString(s), base64.RawStdEncoding.EncodeToString(s),
			base64.URLEncoding.EncodeToString(s), base64.RawURLEncoding.EncodeToString(s),
		)
	}
	return forms
}

// printedForms renders v every way a program might print or log it.
func printedForms(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	if s, ok := v.(fmt.Stringer); ok {
		out["String"] = s.String()
	}
	out["Sprint"] = fmt.Sprint(v)
	out["Println"] = fmt.Sprintln(v)
	j, err := json.Marshal(v)
	require.NoError(t, err)
	out["json"] = string(j)
	j, err = json.Marshal(map[string]any{"nested": []any{v}})
	require.NoError(t, err)
	out["json nested"] = string(j)
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"slog json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("msg", "key", v, slog.Group("g", "inner", v))
		out[name] = buf.String()
	}
	// Structs that hold the value: fmt prints exported fields through
	// their methods but unexported fields field by field.
	out["struct exported"] = fmt.Sprintf("%+v", struct{ K any }{v})
	out["struct unexported"] = fmt.Sprintf("%+v", struct{ k any }{v})
	return out
}

func assertNoSecret(t *testing.T, what string, forms []string, v any) {
	t.Helper()
	for how, s := range printedForms(t, v) {
		for _, secret := range forms {
			if strings.Contains(s, secret) {
				t.Errorf("%s printed with %s contains a secret form %q: %s", what, how, secret, s)
			}
		}
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(alg.String(), func(t *testing.T) {
			k := mustGenerate(t, alg).WithValidity(day(0), day(10))
			forms := secretForms(t, k)
			s := mustSet(t, k, mustGenerate(t, alg))
			r, err := NewRing(s)
			require.NoError(t, err)

			assertNoSecret(t, "*Key", forms, k)
			assertNoSecret(t, "Key", forms, *k)
			assertNoSecret(t, "[]*Key", forms, []*Key{k})
			assertNoSecret(t, "*Set", forms, s)
			assertNoSecret(t, "Set", forms, *s)
			assertNoSecret(t, "*Ring", forms, r)
			// A Key value in an unexported field of the caller's struct is
			// printed field by field; its material is behind a pointer.
			type holder struct{ key Key }
			assertNoSecret(t, "unexported Key field", forms, holder{*k})

			// The printed forms do show what helps: the algorithm and ID.
			assert.Equal(t, fmt.Sprintf("%v(kid=%s)", alg, k.ID()), k.String())
			assert.Equal(t, k.String(), fmt.Sprintf("%x", k))
			assert.Contains(t, fmt.Sprint(s), k.ID())
			assert.Contains(t, fmt.Sprint(r), k.ID())
			j, err := json.Marshal(k)
			require.NoError(t, err)
			assert.JSONEq(t, fmt.Sprintf(`{"kid":%q,"alg":%q}`, k.ID(), alg), string(j))

			// Exports do contain the secret: the test's forms are right.
			data, err := s.MarshalFile()
			require.NoError(t, err)
			found := false
			for _, f := range forms {
				found = found || strings.Contains(string(data), f)
			}
			assert.True(t, found, "MarshalFile is the explicit secret export")
		})
	}
}

func TestPrintedForms(t *testing.T) {
	pub := mustPublic(t, mustGenerate(t, EdDSA))
	assert.Equal(t, "EdDSA(kid="+pub.ID()+", verify-only)", pub.String())
	var nilKey *Key
	assert.Equal(t, "<nil>", fmt.Sprint(nilKey))
	j, err := json.Marshal(nilKey)
	require.NoError(t, err)
	assert.Equal(t, "null", string(j))
	var logged bytes.Buffer
	assert.NotPanics(t, func() { slog.New(slog.NewTextHandler(&logged, nil)).Info("m", "key", nilKey) })
	var nilSet *Set
	assert.Equal(t, "keys.Set(nil)", nilSet.String())
	j, err = json.Marshal(nilSet)
	require.NoError(t, err)
	assert.Equal(t, "null", string(j))
	var nilRing *Ring
	assert.Equal(t, "keys.Ring(nil)", nilRing.String())
	a, b := mustGenerate(t, V4Local), mustGenerate(t, HS256)
	s := mustSet(t, a, b)
	assert.Equal(t, "keys.Set["+a.String()+", "+b.String()+"]", s.String())
	assert.Equal(t, s.String(), fmt.Sprintf("%#v", s))
	assert.Equal(t, s.String(), s.GoString())
	assert.Equal(t, a.String(), a.GoString())
	r, err := NewRing(s)
	require.NoError(t, err)
	assert.Equal(t, "keys.Ring("+s.String()+")", r.String())
	assert.Equal(t, r.String(), r.GoString())

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("loaded", "keys", s, "key", a)
	var rec map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
	assert.Equal(t, map[string]any{"len": float64(2), "kids": a.ID() + "," + b.ID()}, rec["keys"])
	assert.Equal(t, map[string]any{"kid": a.ID(), "alg": "v4.local"}, rec["key"])
}
