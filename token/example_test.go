package token_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/token"
)

// exampleKeys loads the fixed keys of testdata/example-keys.json. Real
// programs generate keys with keys.Generate and load them from a key-set
// file.
func exampleKeys() (local, public *keys.Key) {
	raw, err := os.ReadFile("testdata/example-keys.json")
	if err != nil {
		log.Fatal(err)
	}
	var f struct {
		Local string `json:"v4.local"`
		Seed  string `json:"v4.public-seed"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		log.Fatal(err)
	}
	lb, _ := hex.DecodeString(f.Local)
	sb, _ := hex.DecodeString(f.Seed)
	if local, err = keys.NewV4Local(lb); err != nil {
		log.Fatal(err)
	}
	if public, err = keys.NewV4Public(ed25519.NewKeyFromSeed(sb)); err != nil {
		log.Fatal(err)
	}
	return local, public
}

// A fixed clock so the output is stable; leave Now nil in real code.
func exampleClock() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

// Issue a v4.local token at login and verify it on a later request.
func Example() {
	local, _ := exampleKeys()
	set, err := keys.NewSet(local)
	if err != nil {
		log.Fatal(err)
	}
	codec, err := token.New(token.Config{
		Keys:     set,
		Issuer:   "https://api.example.com",
		Audience: []string{"mobile"},
		TTL:      15 * time.Minute,
		Now:      exampleClock,
	})
	if err != nil {
		log.Fatal(err)
	}

	raw, err := codec.Issue(token.Claims{Subject: "user-42", Roles: []string{"admin"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(raw, "v4.local."))

	claims, err := codec.Verify(raw)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims.Subject, claims.Roles, claims.Audience)
	fmt.Println("expires", claims.ExpiresAt.Format(time.RFC3339))
	fmt.Println("has a session ID:", !claims.SessionID.IsZero())
	// Output:
	// true
	// user-42 [admin] [mobile]
	// expires 2026-03-01T12:15:00Z
	// has a session ID: true
}

// Verify tells why a token is refused; every refusal also matches
// token.ErrInvalid.
func ExampleCodec_Verify() {
	local, _ := exampleKeys()
	set, _ := keys.NewSet(local)
	now := exampleClock()
	codec, _ := token.New(token.Config{Keys: set, Now: func() time.Time { return now }})
	raw, _ := codec.Issue(token.Claims{Subject: "user-42"})

	now = now.Add(time.Hour) // later than the default 15-minute TTL
	_, err := codec.Verify(raw)
	fmt.Println(errors.Is(err, token.ErrExpired), errors.Is(err, token.ErrInvalid))

	_, err = codec.Verify(raw[:len(raw)-3] + "AAA")
	fmt.Println(errors.Is(err, token.ErrBadSignature) || errors.Is(err, token.ErrMalformed))

	_, err = codec.Verify("v2.local.whatever")
	fmt.Println(err)
	// Output:
	// true true
	// true
	// token: malformed: not a v4.local token
}

// A v4.public token is signed, not encrypted: services holding only the
// public key verify it. Ed25519 is deterministic, so with a fixed session
// ID and clock the token is too.
func ExampleCodec_Issue_public() {
	_, public := exampleKeys()
	set, _ := keys.NewSet(public)
	codec, err := token.New(token.Config{Keys: set, Format: token.V4Public, Now: exampleClock})
	if err != nil {
		log.Fatal(err)
	}
	sid, _ := token.ParseSessionID("WBZmwh9QQUWPfxQfRFgL3g")
	raw, err := codec.Issue(token.Claims{Subject: "user-42", SessionID: sid})
	if err != nil {
		log.Fatal(err)
	}
	parts := strings.Split(raw, ".")
	fmt.Println(parts[0] + "." + parts[1])
	footer, _ := base64.RawURLEncoding.DecodeString(parts[3])
	fmt.Println(string(footer))

	// A verifier with only the public half.
	verifyOnly, _ := public.Public()
	vset, _ := keys.NewSet(verifyOnly)
	verifier, _ := token.New(token.Config{Keys: vset, Format: token.V4Public, Now: exampleClock})
	claims, err := verifier.Verify(raw)
	fmt.Println(claims.Subject, err)
	// Output:
	// v4.public
	// {"kid":"k4.pid.ZORuKm5-5EdP5rkg4QWJpgIQa-kImCQcTcLwgTS68EbI"}
	// user-42 <nil>
}
