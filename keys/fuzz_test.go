package keys

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// paserkSeeds returns every PASERK string in the vector files: valid keys,
// IDs and expect-fail strings alike.
func paserkSeeds(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "paserk", "k4.*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no PASERK vectors to seed from: %v", err)
	}
	var seeds []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Tests []paserkVector `json:"tests"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		for _, v := range doc.Tests {
			if v.PASERK != nil {
				seeds = append(seeds, *v.PASERK)
			}
		}
	}
	return seeds
}

// FuzzParsePASERK checks that ParsePASERK never panics, that every error
// wraps ErrInvalidKey, and that what it accepts re-encodes to exactly the
// input (one encoding per key) with an ID of the right type.
func FuzzParsePASERK(f *testing.F) {
	for _, s := range paserkSeeds(f) {
		f.Add(s)
	}
	f.Add(testSecretPASERK + "\n")
	f.Add("k4.local.")
	f.Fuzz(func(t *testing.T, raw string) {
		k, err := ParsePASERK(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("error does not wrap ErrInvalidKey: %v", err)
			}
			if k != nil {
				t.Fatal("key returned with an error")
			}
			return
		}
		var again string
		switch {
		case strings.HasPrefix(raw, "k4.public."):
			again, err = k.PublicPASERK()
		default:
			again, err = k.SecretPASERK()
		}
		if err != nil {
			t.Fatalf("accepted key does not re-encode: %v", err)
		}
		if again != raw {
			t.Fatalf("re-encoded %q as %q", raw, again)
		}
		wantID := map[Algorithm]string{V4Local: "k4.lid.", V4Public: "k4.pid."}[k.Algorithm()]
		if wantID == "" || !strings.HasPrefix(k.ID(), wantID) {
			t.Fatalf("key of %v has ID %q", k.Algorithm(), k.ID())
		}
	})
}

// FuzzParseSet checks that ParseSet never panics, that every error wraps
// ErrInvalidSet, and that an accepted file re-encodes (MarshalFile) to a
// file that parses to an equivalent set and re-encodes to the same bytes.
func FuzzParseSet(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "sets", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no key-set fixtures to seed from: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{file(okLocal), file(okHS), file(okEd), file(okLocal, okHS, okEd), `{"version":1,"keys":[]}`, `{"version":1,"version":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSet(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidSet) {
				t.Fatalf("error does not wrap ErrInvalidSet: %v", err)
			}
			if s != nil {
				t.Fatal("set returned with an error")
			}
			return
		}
		out, err := s.MarshalFile()
		if err != nil {
			t.Fatalf("accepted set does not marshal: %v", err)
		}
		back, err := ParseSet(out)
		if err != nil {
			t.Fatalf("marshalled set does not parse: %v\n%s", err, out)
		}
		if back.Len() != s.Len() {
			t.Fatalf("%d keys became %d", s.Len(), back.Len())
		}
		for i, k := range s.Keys() {
			b := back.Keys()[i]
			if !k.Equal(b) || !k.IssueFrom().Equal(b.IssueFrom()) || !k.VerifyUntil().Equal(b.VerifyUntil()) {
				t.Fatalf("key %d changed: %v → %v", i, k, b)
			}
		}
		again, err := back.MarshalFile()
		if err != nil || string(again) != string(out) {
			t.Fatalf("MarshalFile is not stable: %v", err)
		}
	})
}

func TestFuzzSeedsPresent(t *testing.T) {
	if n := len(paserkSeeds(t)); n < 20 {
		t.Fatalf("only %d PASERK seeds", n)
	}
}
