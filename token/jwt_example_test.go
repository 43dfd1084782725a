package token_test

import (
	"fmt"
	"time"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/token"
)

// A JWT codec signs with the set's primary key; the algorithm (here
// HS256) is the key's, and verification takes it from the key the kid
// names, never from the token.
func ExampleNew_jwt() {
	key, err := keys.NewHS256([]byte("an example secret of at least 32 bytes"))
	if err != nil {
		panic(err)
	}
	set, err := keys.NewSet(key)
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	codec, err := token.New(token.Config{
		Keys:     set,
		Format:   token.JWT,
		Issuer:   "https://api.example.com",
		Audience: []string{"mobile"},
		Now:      func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	raw, err := codec.Issue(token.Claims{Subject: "user-42", Roles: []string{"admin"}})
	if err != nil {
		panic(err)
	}
	claims, err := codec.Verify(raw)
	if err != nil {
		panic(err)
	}
	fmt.Println(claims.Subject, claims.Roles, claims.ExpiresAt.Sub(claims.IssuedAt))

	_, err = codec.Verify(raw[:len(raw)-2] + "xx")
	fmt.Println(err != nil)
	// Output:
	// user-42 [admin] 15m0s
	// true
}
