package keys

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// paserkVector is one test of the official PASERK vector files. Fields a
// file does not use stay nil.
type paserkVector struct {
	Name       string  `json:"name"`
	ExpectFail bool    `json:"expect-fail"`
	Key        *string `json:"key"`
	PASERK     *string `json:"paserk"`
	Seed       *string `json:"seed"`
	SecretSeed *string `json:"secret-key-seed"`
	PublicKey  *string `json:"public-key"`
}

// paserkType says how to run the vectors of one k4 file: make a key from the
// vector's raw key bytes, then encode it (a PASERK or an ID).
type paserkType struct {
	fromBytes func([]byte) (*Key, error)
	encode    func(*Key) (string, error)
	parses    bool // the PASERK parses back into the key (not true of IDs)
}

var paserkTypes = map[string]paserkType{
	"k4.local":  {fromBytes: NewV4Local, encode: (*Key).SecretPASERK, parses: true},
	"k4.public": {fromBytes: func(b []byte) (*Key, error) { return NewV4PublicVerifier(b) }, encode: (*Key).PublicPASERK, parses: true},
	"k4.secret": {fromBytes: func(b []byte) (*Key, error) { return NewV4Public(b) }, encode: (*Key).SecretPASERK, parses: true},
	"k4.lid":    {fromBytes: NewV4Local, encode: func(k *Key) (string, error) { return k.ID(), nil }},
	"k4.pid":    {fromBytes: func(b []byte) (*Key, error) { return NewV4PublicVerifier(b) }, encode: func(k *Key) (string, error) { return k.ID(), nil }},
	"k4.sid":    {fromBytes: func(b []byte) (*Key, error) { return NewV4Public(b) }, encode: (*Key).SecretKeyID},
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestPASERKVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "paserk", "k4.*.json"))
	require.NoError(t, err)
	require.Len(t, files, len(paserkTypes), "one vector file per supported PASERK type")

	total := 0
	for _, file := range files {
		typ := strings.TrimSuffix(filepath.Base(file), ".json")
		pt, ok := paserkTypes[typ]
		require.True(t, ok, "no runner for %s", file)

		data, err := os.ReadFile(file)
		require.NoError(t, err)
		var doc struct {
			Tests []paserkVector `json:"tests"`
		}
		require.NoError(t, json.Unmarshal(data, &doc))
		require.NotEmpty(t, doc.Tests, "%s has no vectors", file)

		for _, v := range doc.Tests {
			total++
			t.Run(v.Name, func(t *testing.T) {
				if v.ExpectFail {
					runPASERKFail(t, pt, v)
					return
				}
				runPASERKPass(t, typ, pt, v)
			})
		}
	}
	require.Positive(t, total, "no PASERK vectors found")
}

func runPASERKPass(t *testing.T, typ string, pt paserkType, v paserkVector) {
	require.NotNil(t, v.Key)
	require.NotNil(t, v.PASERK)
	raw := unhex(t, *v.Key)

	k, err := pt.fromBytes(raw)
	require.NoError(t, err)
	got, err := pt.encode(k)
	require.NoError(t, err)
	assert.Equal(t, *v.PASERK, got)

	// The secret files also give the seed and the public half: the key
	// must be the one derived from the seed.
	for _, seed := range []*string{v.Seed, v.SecretSeed} {
		if seed != nil {
			fromSeed, err := pt.fromBytes(ed25519.NewKeyFromSeed(unhex(t, *seed)))
			require.NoError(t, err)
			assert.True(t, k.Equal(fromSeed))
		}
	}
	if v.PublicKey != nil {
		assert.Equal(t, ed25519.PublicKey(unhex(t, *v.PublicKey)), k.PublicKey())
	}

	if !pt.parses {
		// An ID is not a key: ParsePASERK must refuse it.
		_, err := ParsePASERK(*v.PASERK)
		assert.ErrorIs(t, err, ErrInvalidKey)
		return
	}
	parsed, err := ParsePASERK(*v.PASERK)
	require.NoError(t, err)
	assert.True(t, parsed.Equal(k), "%s parses back to the key", typ)
	again, err := pt.encode(parsed)
	require.NoError(t, err)
	assert.Equal(t, *v.PASERK, again)
	switch typ {
	case "k4.local":
		b, err := parsed.ExportSecret()
		require.NoError(t, err)
		assert.Equal(t, raw, b)
	case "k4.secret":
		b, err := parsed.ExportPrivateKey()
		require.NoError(t, err)
		assert.Equal(t, ed25519.PrivateKey(raw), b)
	case "k4.public":
		assert.Equal(t, ed25519.PublicKey(raw), parsed.PublicKey())
		assert.False(t, parsed.CanIssue())
	}
}

// runPASERKFail checks that whatever an expect-fail vector gives is refused
// with ErrInvalidKey: the PASERK does not parse, the raw key does not make a
// key of the type.
func runPASERKFail(t *testing.T, pt paserkType, v paserkVector) {
	require.True(t, v.Key != nil || v.PASERK != nil, "vector gives nothing to reject")
	if v.PASERK != nil {
		k, err := ParsePASERK(*v.PASERK)
		assert.ErrorIs(t, err, ErrInvalidKey)
		assert.Nil(t, k)
	}
	if v.Key != nil {
		k, err := pt.fromBytes(unhex(t, *v.Key))
		assert.ErrorIs(t, err, ErrInvalidKey)
		assert.Nil(t, k)
	}
}

// Fixed test keys (the second vector of each official file).
const (
	testLocalPASERK  = "k4.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8"
	testPublicPASERK = "k4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8"
	testSecretPASERK = "k4.secret.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8c5WpIyC_5kWKhS8VEYSZ05dYfuTF-ZdQFV4D9vLTcNQ"
)

func TestParsePASERKRejects(t *testing.T) {
	local := testLocalPASERK
	body := strings.TrimPrefix(local, "k4.local.")
	secretBody := strings.TrimPrefix(testSecretPASERK, "k4.secret.")
	// The secret key with its public half replaced by another key's.
	otherPub := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
	seed := unhex(t, "707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f")
	mismatched := "k4.secret." + b64(append(append([]byte(nil), seed...), otherPub...))

	tests := []struct {
		name string
		raw  string
	}{
		{name: "empty", raw: ""},
		{name: "header only", raw: "k4.local."},
		{name: "uppercase header", raw: "K4.local." + body},
		{name: "version 3", raw: "k3.local." + body},
		{name: "version 2", raw: "k2.local." + body},
		{name: "unknown type", raw: "k4.shared." + body},
		{name: "an ID, not a key", raw: "k4.lid.iVtYQDjr5gEijCSjJC3fQaJm7nCeQSeaty0Jixy8dbsk"},
		{name: "wrapped key", raw: "k4.local-wrap.pie." + body},
		{name: "sealed key", raw: "k4.seal." + body},
		{name: "padding", raw: local + "="},
		{name: "one character short", raw: local[:len(local)-1]},
		{name: "one character long", raw: local + "A"},
		{name: "non-zero trailing bits", raw: local[:len(local)-1] + "9"}, // '8' → '9' sets a trailing bit
		{name: "standard alphabet +", raw: strings.Replace(local, "-", "+", 1)},
		{name: "newline inside", raw: local[:20] + "\n" + local[21:]},
		{name: "carriage return inside", raw: local[:20] + "\r" + local[21:]},
		{name: "space after", raw: local + " "},
		{name: "local data under public header", raw: "k4.public." + body + "AA"},
		{name: "secret too short", raw: "k4.secret." + secretBody[:len(secretBody)-2]},
		{name: "secret public half mismatched", raw: mismatched},
		{name: "public key under secret header", raw: "k4.secret." + body},
		{name: "far too long", raw: "k4.local." + strings.Repeat("A", 1<<20)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParsePASERK(tc.raw)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidKey)
			assert.Nil(t, k)
			assert.NotContains(t, err.Error(), body, "the error must not echo key material")
		})
	}
	// The mutated base must itself be valid, or the cases above prove nothing.
	_, err := ParsePASERK(local)
	require.NoError(t, err)
	_, err = ParsePASERK(testSecretPASERK)
	require.NoError(t, err)
}

func TestPASERKExportsByAlgorithm(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(alg.String(), func(t *testing.T) {
			k := mustGenerate(t, alg)
			pub, pubErr := k.PublicPASERK()
			sec, secErr := k.SecretPASERK()
			sid, sidErr := k.SecretKeyID()
			switch alg {
			case V4Local:
				assert.ErrorIs(t, pubErr, ErrWrongPurpose)
				require.NoError(t, secErr)
				assert.True(t, strings.HasPrefix(sec, "k4.local."))
				assert.ErrorIs(t, sidErr, ErrWrongPurpose)
				assert.True(t, strings.HasPrefix(k.ID(), "k4.lid."))
			case V4Public:
				require.NoError(t, pubErr)
				require.NoError(t, secErr)
				require.NoError(t, sidErr)
				assert.True(t, strings.HasPrefix(pub, "k4.public."))
				assert.True(t, strings.HasPrefix(sec, "k4.secret."))
				assert.True(t, strings.HasPrefix(sid, "k4.sid."))
				assert.True(t, strings.HasPrefix(k.ID(), "k4.pid."))
				// The verify-only half exports its public PASERK only and
				// keeps the pair's ID.
				p, err := k.Public()
				require.NoError(t, err)
				got, err := p.PublicPASERK()
				require.NoError(t, err)
				assert.Equal(t, pub, got)
				assert.Equal(t, k.ID(), p.ID())
				_, err = p.SecretPASERK()
				assert.ErrorIs(t, err, ErrWrongPurpose)
				_, err = p.SecretKeyID()
				assert.ErrorIs(t, err, ErrWrongPurpose)
			default:
				// JWT keys are not PASERK keys.
				assert.ErrorIs(t, pubErr, ErrWrongPurpose)
				assert.ErrorIs(t, secErr, ErrWrongPurpose)
				assert.ErrorIs(t, sidErr, ErrWrongPurpose)
			}
			if secErr == nil {
				back, err := ParsePASERK(sec)
				require.NoError(t, err)
				assert.True(t, back.Equal(k))
			}
		})
	}
}
