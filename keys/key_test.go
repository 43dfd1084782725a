package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allAlgorithms = []Algorithm{V4Local, V4Public, HS256, EdDSA, ES256}

func mustGenerate(t testing.TB, alg Algorithm) *Key {
	t.Helper()
	k, err := Generate(alg)
	require.NoError(t, err)
	return k
}

func TestAlgorithmNames(t *testing.T) {
	for _, alg := range allAlgorithms {
		got, err := ParseAlgorithm(alg.String())
		require.NoError(t, err)
		assert.Equal(t, alg, got)
	}
	for _, bad := range []string{"", "none", "hs256", "RS256", "v4.LOCAL", "v3.local", "v4.local "} {
		_, err := ParseAlgorithm(bad)
		assert.ErrorIs(t, err, ErrInvalidKey, "%q", bad)
	}
	assert.Equal(t, "Algorithm(0)", Algorithm(0).String())
	assert.Equal(t, Local, V4Local.Purpose())
	assert.Equal(t, Local, HS256.Purpose())
	assert.Equal(t, Public, V4Public.Purpose())
	assert.Equal(t, Public, EdDSA.Purpose())
	assert.Equal(t, Public, ES256.Purpose())
	assert.Equal(t, Purpose(0), Algorithm(0).Purpose())
	assert.Equal(t, "local public Purpose(0)", Local.String()+" "+Public.String()+" "+Purpose(0).String())
}

func TestGenerate(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(alg.String(), func(t *testing.T) {
			a, b := mustGenerate(t, alg), mustGenerate(t, alg)
			assert.Equal(t, alg, a.Algorithm())
			assert.True(t, a.CanIssue())
			assert.NotEqual(t, a.ID(), b.ID(), "fresh keys differ")
			assert.False(t, a.Equal(b))
			assert.True(t, a.Equal(a.WithValidity(time.Unix(1, 0), time.Time{})), "windows are not compared")
		})
	}
	_, err := Generate(0)
	assert.ErrorIs(t, err, ErrInvalidKey)
	_, err = Generate(ES256 + 1)
	assert.ErrorIs(t, err, ErrInvalidKey)
}

func TestConstructorsReject(t *testing.T) {
	seed := make([]byte, 32)
	priv := ed25519.NewKeyFromSeed(seed)
	badPair := append(append([]byte(nil), priv[:32]...), make([]byte, 32)...) // wrong public half
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	mismatchedEC := &ecdsa.PrivateKey{PublicKey: other.PublicKey, D: p256.D}

	tests := []struct {
		name string
		make func() (*Key, error)
	}{
		{name: "v4.local short", make: func() (*Key, error) { return NewV4Local(make([]byte, 31)) }},
		{name: "v4.local long", make: func() (*Key, error) { return NewV4Local(make([]byte, 33)) }},
		{name: "v4.local nil", make: func() (*Key, error) { return NewV4Local(nil) }},
		{name: "HS256 31 bytes", make: func() (*Key, error) { return NewHS256(make([]byte, 31)) }},
		{name: "HS256 empty", make: func() (*Key, error) { return NewHS256(nil) }},
		{name: "v4.public private short", make: func() (*Key, error) { return NewV4Public(priv[:63]) }},
		{name: "v4.public mismatched pair", make: func() (*Key, error) { return NewV4Public(badPair) }},
		{name: "EdDSA mismatched pair", make: func() (*Key, error) { return NewEdDSA(badPair) }},
		{name: "v4.public verifier short", make: func() (*Key, error) { return NewV4PublicVerifier(make([]byte, 31)) }},
		{name: "EdDSA verifier long", make: func() (*Key, error) { return NewEdDSAVerifier(make([]byte, 33)) }},
		{name: "ES256 nil", make: func() (*Key, error) { return NewES256(nil) }},
		{name: "ES256 on P-384", make: func() (*Key, error) { return NewES256(p384) }},
		{name: "ES256 nil D", make: func() (*Key, error) {
			return NewES256(&ecdsa.PrivateKey{PublicKey: p256.PublicKey})
		}},
		{name: "ES256 nil curve", make: func() (*Key, error) {
			return NewES256(&ecdsa.PrivateKey{D: big.NewInt(1)})
		}},
		{name: "ES256 zero scalar", make: func() (*Key, error) {
			return NewES256(&ecdsa.PrivateKey{PublicKey: p256.PublicKey, D: big.NewInt(0)})
		}},
		{name: "ES256 mismatched pair", make: func() (*Key, error) { return NewES256(mismatchedEC) }},
		{name: "ES256 verifier nil", make: func() (*Key, error) { return NewES256Verifier(nil) }},
		{name: "ES256 verifier P-384", make: func() (*Key, error) { return NewES256Verifier(&p384.PublicKey) }},
		{name: "ES256 verifier nil X", make: func() (*Key, error) {
			return NewES256Verifier(&ecdsa.PublicKey{Curve: elliptic.P256()})
		}},
		{name: "ES256 verifier off curve", make: func() (*Key, error) {
			return NewES256Verifier(&ecdsa.PublicKey{Curve: elliptic.P256(), X: big.NewInt(1), Y: big.NewInt(1)})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := tc.make()
			assert.ErrorIs(t, err, ErrInvalidKey)
			assert.Nil(t, k)
		})
	}
}

// TestKeyBytesCopied mutates every slice handed in and out of a key and
// checks that the key is unaffected.
func TestKeyBytesCopied(t *testing.T) {
	t.Run("secret in", func(t *testing.T) {
		for _, mk := range []func([]byte) (*Key, error){NewV4Local, NewHS256} {
			in := make([]byte, 32)
			in[0] = 7
			k, err := mk(in)
			require.NoError(t, err)
			id := k.ID()
			in[0], in[31] = 0xff, 0xff
			out, err := k.ExportSecret()
			require.NoError(t, err)
			assert.Equal(t, byte(7), out[0])
			assert.Equal(t, byte(0), out[31])
			assert.Equal(t, id, k.ID())
		}
	})
	t.Run("secret out", func(t *testing.T) {
		for _, alg := range []Algorithm{V4Local, HS256} {
			k := mustGenerate(t, alg)
			a, err := k.ExportSecret()
			require.NoError(t, err)
			keep := append([]byte(nil), a...)
			for i := range a {
				a[i] ^= 0xff
			}
			b, err := k.ExportSecret()
			require.NoError(t, err)
			assert.Equal(t, keep, b)
		}
	})
	t.Run("ed25519 in and out", func(t *testing.T) {
		for _, mk := range []func(ed25519.PrivateKey) (*Key, error){NewV4Public, NewEdDSA} {
			priv := ed25519.NewKeyFromSeed(make([]byte, 32))
			keep := append(ed25519.PrivateKey(nil), priv...)
			k, err := mk(priv)
			require.NoError(t, err)
			for i := range priv {
				priv[i] ^= 0xff
			}
			out, err := k.ExportPrivateKey()
			require.NoError(t, err)
			assert.Equal(t, keep, out)
			out.(ed25519.PrivateKey)[0] ^= 0xff
			pub := k.PublicKey().(ed25519.PublicKey)
			pub[0] ^= 0xff
			again, err := k.ExportPrivateKey()
			require.NoError(t, err)
			assert.Equal(t, keep, again)
			assert.Equal(t, keep.Public(), k.PublicKey())
		}
	})
	t.Run("ed25519 verifier in", func(t *testing.T) {
		pub := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
		keep := append(ed25519.PublicKey(nil), pub...)
		k, err := NewEdDSAVerifier(pub)
		require.NoError(t, err)
		pub[0] ^= 0xff
		assert.Equal(t, keep, k.PublicKey())
	})
	t.Run("ecdsa in and out", func(t *testing.T) {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		d := new(big.Int).Set(priv.D)
		k, err := NewES256(priv)
		require.NoError(t, err)
		priv.D.SetInt64(1) // mutate the caller's key in place
		out, err := k.ExportPrivateKey()
		require.NoError(t, err)
		assert.Equal(t, 0, d.Cmp(out.(*ecdsa.PrivateKey).D))
		out.(*ecdsa.PrivateKey).D.SetInt64(2)
		pub := k.PublicKey().(*ecdsa.PublicKey)
		pub.X.SetInt64(3)
		again, err := k.ExportPrivateKey()
		require.NoError(t, err)
		assert.Equal(t, 0, d.Cmp(again.(*ecdsa.PrivateKey).D))
		assert.NotEqual(t, int64(3), k.PublicKey().(*ecdsa.PublicKey).X.Int64())
	})
}

func TestExportsByPurpose(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(alg.String(), func(t *testing.T) {
			k := mustGenerate(t, alg)
			_, secErr := k.ExportSecret()
			_, privErr := k.ExportPrivateKey()
			pub, pubErr := k.Public()
			if alg.Purpose() == Local {
				assert.NoError(t, secErr)
				assert.ErrorIs(t, privErr, ErrWrongPurpose)
				assert.ErrorIs(t, pubErr, ErrWrongPurpose)
				assert.Nil(t, k.PublicKey())
				return
			}
			assert.ErrorIs(t, secErr, ErrWrongPurpose)
			assert.NoError(t, privErr)
			require.NoError(t, pubErr)
			assert.False(t, pub.CanIssue())
			assert.Equal(t, k.ID(), pub.ID())
			assert.Equal(t, k.PublicKey(), pub.PublicKey())
			assert.False(t, pub.Equal(k), "a verify-only half is not the pair")
			_, err := pub.ExportPrivateKey()
			assert.ErrorIs(t, err, ErrWrongPurpose)
			assert.True(t, k.CanIssue(), "Public does not strip the original")
		})
	}
}

func TestZeroKeyDoesNotPanic(t *testing.T) {
	var k Key
	assert.False(t, k.CanIssue())
	assert.Nil(t, k.PublicKey())
	_, err := k.ExportSecret()
	assert.ErrorIs(t, err, ErrWrongPurpose)
	_, err = k.ExportPrivateKey()
	assert.ErrorIs(t, err, ErrWrongPurpose)
	_, err = k.SecretPASERK()
	assert.ErrorIs(t, err, ErrWrongPurpose)
	_, err = k.PublicJWK()
	assert.ErrorIs(t, err, ErrWrongPurpose)
	assert.Equal(t, "keys.Key(invalid)", k.String())
	_, err = NewSet(&k)
	assert.ErrorIs(t, err, ErrInvalidKey)
}

// RFC 8037 Appendix A.1–A.3: the Ed25519 key and its published RFC 7638
// thumbprint.
const (
	rfc8037D          = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037X          = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
)

// RFC 7517 Appendix A.2: a P-256 key pair.
const (
	rfc7517X = "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"
	rfc7517Y = "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"
	rfc7517D = "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"
)

func rawURL(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func sha256b64(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestJWKThumbprints(t *testing.T) {
	t.Run("EdDSA RFC 8037 A.3", func(t *testing.T) {
		k, err := NewEdDSA(ed25519.NewKeyFromSeed(rawURL(t, rfc8037D)))
		require.NoError(t, err)
		assert.Equal(t, ed25519.PublicKey(rawURL(t, rfc8037X)), k.PublicKey())
		assert.Equal(t, rfc8037Thumbprint, k.ID())
		v, err := NewEdDSAVerifier(rawURL(t, rfc8037X))
		require.NoError(t, err)
		assert.Equal(t, rfc8037Thumbprint, v.ID())
	})
	t.Run("ES256 canonical JSON", func(t *testing.T) {
		d := rawURL(t, rfc7517D)
		priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
		require.NoError(t, err)
		k, err := NewES256(priv)
		require.NoError(t, err)
		// RFC 7638 §3.2: crv, kty, x, y in that order, no whitespace.
		want := sha256b64(`{"crv":"P-256","kty":"EC","x":"` + rfc7517X + `","y":"` + rfc7517Y + `"}`)
		assert.Equal(t, want, k.ID())
	})
	t.Run("HS256 canonical JSON", func(t *testing.T) {
		secret := []byte("0123456789abcdef0123456789abcdef")
		k, err := NewHS256(secret)
		require.NoError(t, err)
		// RFC 7638 §3.2: k, kty.
		want := sha256b64(`{"k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY","kty":"oct"}`)
		assert.Equal(t, want, k.ID())
	})
	t.Run("EdDSA canonical JSON", func(t *testing.T) {
		k, err := NewEdDSAVerifier(rawURL(t, rfc8037X))
		require.NoError(t, err)
		assert.Equal(t, sha256b64(`{"crv":"Ed25519","kty":"OKP","x":"`+rfc8037X+`"}`), k.ID())
	})
}

func TestPublicJWK(t *testing.T) {
	ed, err := NewEdDSA(ed25519.NewKeyFromSeed(rawURL(t, rfc8037D)))
	require.NoError(t, err)
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), rawURL(t, rfc7517D))
	require.NoError(t, err)
	ec, err := NewES256(priv)
	require.NoError(t, err)

	tests := []struct {
		name string
		key  *Key
		want map[string]string
	}{
		{name: "EdDSA", key: ed, want: map[string]string{
			"kty": "OKP", "crv": "Ed25519", "x": rfc8037X, "kid": rfc8037Thumbprint, "alg": "EdDSA", "use": "sig",
		}},
		{name: "ES256", key: ec, want: map[string]string{
			"kty": "EC", "crv": "P-256", "x": rfc7517X, "y": rfc7517Y, "kid": ec.ID(), "alg": "ES256", "use": "sig",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []*Key{tc.key, mustPublic(t, tc.key)} {
				raw, err := k.PublicJWK()
				require.NoError(t, err)
				var got map[string]string
				require.NoError(t, json.Unmarshal(raw, &got))
				assert.Equal(t, tc.want, got, "exactly the public members: never d or k")
			}
		})
	}
	for _, alg := range []Algorithm{HS256, V4Local, V4Public} {
		_, err := mustGenerate(t, alg).PublicJWK()
		assert.ErrorIs(t, err, ErrWrongPurpose, "%v", alg)
	}
}

func mustPublic(t testing.TB, k *Key) *Key {
	t.Helper()
	p, err := k.Public()
	require.NoError(t, err)
	return p
}

func TestJWKRoundTrip(t *testing.T) {
	for _, alg := range []Algorithm{HS256, EdDSA, ES256} {
		t.Run(alg.String(), func(t *testing.T) {
			k := mustGenerate(t, alg)
			j, err := k.secretJWK()
			require.NoError(t, err)
			back, err := keyFromJWK(alg, &j)
			require.NoError(t, err)
			assert.True(t, back.Equal(k))
			if alg == HS256 {
				return
			}
			pj, err := k.PublicJWK()
			require.NoError(t, err)
			var pub jwk
			require.NoError(t, json.Unmarshal(pj, &pub))
			v, err := keyFromJWK(alg, &pub)
			require.NoError(t, err)
			assert.True(t, v.Equal(mustPublic(t, k)))
		})
	}
}
