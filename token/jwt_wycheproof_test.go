package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/internal/jws"
)

// The Wycheproof JSON Web Signature vectors (testdata/wycheproof, from
// C2SP/wycheproof, Apache-2.0; see LICENSE.wycheproof) run through
// internal/jws. Their payloads are not JWT claims, so they test the JWS
// layer: every HS256 and ES256 case must come out as labelled, except the
// overrides below; every case of an algorithm we do not implement (RSA,
// PS*, ES512) must be refused.

type wycheproofFile struct {
	NumberOfTests int               `json:"numberOfTests"`
	TestGroups    []wycheproofGroup `json:"testGroups"`
}

type wycheproofGroup struct {
	Comment string           `json:"comment"`
	Private *wycheproofJWK   `json:"private"`
	Public  *wycheproofJWK   `json:"public"`
	Tests   []wycheproofCase `json:"tests"`
}

type wycheproofJWK struct {
	Kty, Alg, Kid, Use, Crv, K, X, Y string
	KeyOps                           []string `json:"key_ops"`
}

type wycheproofCase struct {
	TcID    int             `json:"tcId"`
	Comment string          `json:"comment"`
	JWS     json.RawMessage `json:"jws"`
	Result  string          `json:"result"`
}

// wycheproofOverrides are cases whose upstream label our strict decoder
// disagrees with, each for a stated reason (see ../shared/vectors/SOURCES.md).
var wycheproofOverrides = map[int]struct {
	valid  bool
	reason string
}{
	367: {true, "labelled invalidBase64Padding but byte-identical to the valid tc357"},
	370: {true, "labelled invalidBase64PaddingInPayload but byte-identical to the valid tc357"},
	372: {false, "labelled valid, but has '?' inside the base64url header: a strict decoder refuses it"},
	373: {false, "labelled valid, but has '?' inside the base64url payload: a strict decoder refuses it"},
}

// wycheproofNotApplicable are cases about JWK metadata our keys do not
// have: a key marked for encryption ("use":"enc", "key_ops":["encrypt"])
// must not verify. A keys.Key has no such field: its algorithm alone says
// what it is for, so the case cannot be expressed.
var wycheproofNotApplicable = map[int]string{
	354: `JWK "use":"enc" on the verifying key`,
	356: `JWK "key_ops":["encrypt"] on the verifying key`,
}

func loadWycheproof(t testing.TB) wycheproofFile {
	t.Helper()
	data, err := os.ReadFile("testdata/wycheproof/json_web_signature_test.json")
	require.NoError(t, err)
	var f wycheproofFile
	require.NoError(t, json.Unmarshal(data, &f))
	return f
}

// wycheproofKey builds the verifying key of a group of an algorithm we
// implement, or returns nil.
func wycheproofKey(t testing.TB, g wycheproofGroup) *jws.Key {
	t.Helper()
	j := g.Public
	if j == nil {
		j = g.Private
	}
	b64 := base64.RawURLEncoding.Strict()
	switch {
	case j.Kty == "oct" && (j.Alg == "HS256" || j.Alg == ""):
		secret, err := b64.DecodeString(j.K)
		require.NoError(t, err)
		k, err := jws.NewHS256(secret)
		require.NoError(t, err)
		return k
	case j.Kty == "EC" && j.Crv == "P-256":
		x, err := b64.DecodeString(j.X)
		require.NoError(t, err)
		y, err := b64.DecodeString(j.Y)
		require.NoError(t, err)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		require.NoError(t, err)
		k, err := jws.NewES256(pub, nil)
		require.NoError(t, err)
		return k
	}
	return nil
}

// verifyWycheproof runs one compact token through internal/jws the way
// verifyJWT does, and maps the error to our sentinels.
func verifyWycheproof(k *jws.Key, raw string) error {
	var tok jws.Token
	if err := jws.Parse(raw, &tok); err != nil {
		return jwtError(err)
	}
	if _, err := k.Verify(nil, &tok); err != nil {
		return jwtError(err)
	}
	return nil
}

func TestJWTWycheproof(t *testing.T) {
	f := loadWycheproof(t)
	require.NotEmpty(t, f.TestGroups, "no Wycheproof groups found")
	var valid, invalid, foreign, skipped int
	byID := map[int]string{}
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			var s string
			if json.Unmarshal(tc.JWS, &s) == nil {
				byID[tc.TcID] = s
			}
		}
	}
	for _, g := range f.TestGroups {
		k := wycheproofKey(t, g)
		for _, tc := range g.Tests {
			name := fmt.Sprintf("tc%d/%s/%s", tc.TcID, g.Comment, tc.Comment)
			t.Run(name, func(t *testing.T) {
				var raw string
				if err := json.Unmarshal(tc.JWS, &raw); err != nil {
					// JSON serialisation: not a compact token at all.
					raw = string(tc.JWS)
				}
				if k == nil {
					// An algorithm we do not implement: whatever our keys,
					// the token must be refused, and by the header check.
					foreign++
					var tok jws.Token
					err := jws.Parse(raw, &tok)
					require.Error(t, err, "a token for an algorithm we do not implement parsed")
					assert.ErrorIs(t, jwtError(err), ErrMalformed)
					return
				}
				if reason, ok := wycheproofNotApplicable[tc.TcID]; ok {
					skipped++
					t.Skip("not applicable: " + reason)
				}
				wantValid := tc.Result == "valid"
				if o, ok := wycheproofOverrides[tc.TcID]; ok {
					wantValid = o.valid
					if o.valid {
						assert.Equal(t, byID[357], raw, "override assumes tc%d is tc357's bytes", tc.TcID)
					}
				}
				err := verifyWycheproof(k, raw)
				if wantValid {
					valid++
					assert.NoError(t, err)
					return
				}
				invalid++
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrInvalid)
				assert.True(t, errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadSignature), "unexpected reason: %v", err)
			})
		}
	}
	t.Logf("Wycheproof JWS: %d valid and %d invalid HS256/ES256 cases, %d cases of other algorithms refused, %d not applicable",
		valid, invalid, foreign, skipped)
	require.Greater(t, valid, 5, "too few valid Wycheproof cases ran")
	require.Greater(t, invalid, 50, "too few invalid Wycheproof cases ran")
	assert.Equal(t, f.NumberOfTests, valid+invalid+foreign+skipped, "every case must be accounted for")
}
