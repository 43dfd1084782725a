package redissource

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
)

func TestDocumentRoundTrip(t *testing.T) {
	master := mustKey(t, keys.V4Local)
	s, err := newSealer(master, "p:")
	require.NoError(t, err)
	pub, err := mustKey(t, keys.V4Public).Public()
	require.NoError(t, err)
	ks := []*keys.Key{
		mustKey(t, keys.V4Local).WithValidity(t0, t0.Add(time.Hour+time.Nanosecond)),
		mustKey(t, keys.V4Public),
		pub,
		mustKey(t, keys.HS256).WithValidity(t0.Add(time.Minute), time.Time{}),
		mustKey(t, keys.EdDSA),
		mustKey(t, keys.ES256),
	}
	doc, mac, err := s.seal(ks, 7)
	require.NoError(t, err)
	set, gen, err := s.open(doc, mac)
	require.NoError(t, err)
	assert.Equal(t, int64(7), gen)
	require.Equal(t, len(ks), set.Len())
	for i, k := range set.Keys() {
		assert.True(t, k.Equal(ks[i]), "key %d", i)
		assert.True(t, k.IssueFrom().Equal(ks[i].IssueFrom()), "key %d", i)
		assert.True(t, k.VerifyUntil().Equal(ks[i].VerifyUntil()), "key %d", i)
	}

	// A verify-only JWT key has no stored form.
	edPub, err := mustKey(t, keys.EdDSA).Public()
	require.NoError(t, err)
	_, _, err = s.seal([]*keys.Key{edPub}, 1)
	assert.ErrorIs(t, err, ErrDocument)

	// Valid MAC, invalid content: each is refused with ErrDocument.
	for _, bad := range []string{
		`{"version":2,"gen":1,"keys":[]}`,
		`{"version":1,"gen":1,"keys":[],"extra":1}`,
		`{"version":1,"gen":1,"keys":[{"kid":"x","alg":"v4.local"}]}`,
		`{"version":1,"gen":1,"keys":[{"kid":"x","alg":"none","public":"k4.public.AAAA"}]}`,
		`not json`,
	} {
		_, _, err := s.open([]byte(bad), s.mac([]byte(bad)))
		assert.ErrorIs(t, err, ErrDocument, bad)
	}
	// A key under the wrong kid.
	other := strings.Replace(string(doc), ks[0].ID(), ks[3].ID(), 1)
	_, _, err = s.open([]byte(other), s.mac([]byte(other)))
	assert.ErrorIs(t, err, ErrDocument)
}

// FuzzOpen feeds documents with a valid MAC (computed in the fuzz
// function, so the parser behind it is reached) and checks that open
// never panics, fails only with ErrDocument, and that what it accepts
// seals and opens again to the same keys.
func FuzzOpen(f *testing.F) {
	master, err := keys.NewV4Local(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	s, err := newSealer(master, "fuzz:")
	if err != nil {
		f.Fatal(err)
	}
	var ks []*keys.Key
	for _, alg := range []keys.Algorithm{keys.V4Local, keys.V4Public, keys.HS256, keys.EdDSA, keys.ES256} {
		k, err := keys.Generate(alg)
		if err != nil {
			f.Fatal(err)
		}
		ks = append(ks, k.WithValidity(t0, t0.Add(time.Hour)))
	}
	doc, _, err := s.seal(ks, 3)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	f.Add([]byte(`{"version":1,"gen":1,"keys":[]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		set, gen, err := s.open(doc, s.mac(doc))
		if err != nil {
			if !errors.Is(err, ErrDocument) {
				t.Fatalf("error does not wrap ErrDocument: %v", err)
			}
			return
		}
		again, mac, err := s.seal(set.Keys(), gen)
		if err != nil {
			t.Fatal(err)
		}
		back, gen2, err := s.open(again, mac)
		if err != nil || gen2 != gen || back.Len() != set.Len() {
			t.Fatalf("re-sealed set does not open to itself: %v", err)
		}
		for i, k := range back.Keys() {
			if !k.Equal(set.Keys()[i]) || !k.VerifyUntil().Equal(set.Keys()[i].VerifyUntil()) {
				t.Fatalf("key %d changed", i)
			}
		}
	})
}
