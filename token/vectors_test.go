package token

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/internal/paseto"
	"github.com/sessiontoken/sessiontoken/keys"
)

// The official PASETO v4 vectors (testdata/v4.json, ISC licence in
// testdata/LICENSE.test-vectors). internal/paseto checks the success
// vectors byte for byte; here every vector goes through the token
// package's own path: the 4-E and 4-S tokens open with their keys at the
// construction level and are refused by a Codec (their footers carry no
// PASERK kid, which we require), and each 4-F vector fails with our
// sentinels both at the construction level and through a Codec.

type v4Vector struct {
	Name       string  `json:"name"`
	ExpectFail bool    `json:"expect-fail"`
	Key        string  `json:"key"`
	PublicKey  string  `json:"public-key"`
	SecretKey  string  `json:"secret-key"`
	Token      string  `json:"token"`
	Payload    *string `json:"payload"`
	Footer     string  `json:"footer"`
	Implicit   string  `json:"implicit-assertion"`
}

func loadV4Vectors(t *testing.T) []v4Vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/v4.json")
	require.NoError(t, err)
	var f struct {
		Tests []v4Vector `json:"tests"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	require.NotEmpty(t, f.Tests, "no vectors in testdata/v4.json")
	return f.Tests
}

// openVector runs a vector through the construction as the codec does
// (split, strict footer decoding, open or verify) and maps errors to our
// sentinels the way the codec does.
func openVector(v v4Vector, local bool) ([]byte, error) {
	header, keyHex := paseto.PublicHeader, v.PublicKey
	if local {
		header, keyHex = paseto.LocalHeader, v.Key
	}
	key, err := hex.DecodeString(keyHex)
	if err != nil {
		return nil, err
	}
	body, footerEnc, err := paseto.Split(v.Token, header)
	if err != nil {
		return nil, pasetoError(err)
	}
	f, ok := paseto.AppendDecode(nil, footerEnc)
	if !ok {
		return nil, pasetoError(paseto.ErrMalformed)
	}
	var m []byte
	if local {
		k, err := paseto.NewLocalKey(key)
		if err != nil {
			return nil, pasetoError(err)
		}
		m, _, err = k.Open(nil, body, f, []byte(v.Implicit))
		if err != nil {
			return nil, pasetoError(err)
		}
		return m, nil
	}
	m, _, err = paseto.Verify(nil, ed25519.PublicKey(key), body, f, []byte(v.Implicit))
	if err != nil {
		return nil, pasetoError(err)
	}
	return m, nil
}

func TestV4Vectors(t *testing.T) {
	ran := 0
	for _, v := range loadV4Vectors(t) {
		ran++
		t.Run(v.Name, func(t *testing.T) {
			local := v.Key != ""
			m, err := openVector(v, local)
			if !v.ExpectFail {
				require.NoError(t, err)
				assert.Equal(t, *v.Payload, string(m))
			} else {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrInvalid)
				assert.True(t, errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadSignature), "%v", err)
			}
			// Through a Codec holding the vector's key: always refused,
			// with one of our sentinels.
			var k *keys.Key
			format := V4Local
			if local {
				b, _ := hex.DecodeString(v.Key)
				k, err = keys.NewV4Local(b)
			} else {
				format = V4Public
				b, _ := hex.DecodeString(v.PublicKey)
				k, err = keys.NewV4PublicVerifier(ed25519.PublicKey(b))
			}
			require.NoError(t, err)
			set, err := keys.NewSet(k)
			require.NoError(t, err)
			c, err := New(Config{Keys: set, Format: format, ImplicitAssertion: []byte(v.Implicit), Now: fixedClock})
			require.NoError(t, err)
			_, err = c.Verify(v.Token)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			assertOneReason(t, err)
		})
	}
	require.Equal(t, 17, ran, "expected the 17 v4 vectors")
}
