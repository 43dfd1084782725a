package keys_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/sessiontoken/sessiontoken/keys"
)

// A new service generates a key, makes a set of it and asks which key
// issues now. The clock is fixed so the output is too.
func ExampleNewSet() {
	now := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

	current, err := keys.Generate(keys.V4Local)
	if err != nil {
		log.Fatal(err)
	}
	// A second key, published now and issuing from February: pending until then.
	next, err := keys.Generate(keys.V4Local)
	if err != nil {
		log.Fatal(err)
	}
	next = next.WithValidity(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Time{})

	set, err := keys.NewSet(current, next)
	if err != nil {
		log.Fatal(err)
	}
	primary, err := set.Primary(now)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("primary is current:", primary == current)
	state, _ := set.State(next.ID(), now)
	fmt.Println("next is", state)

	primary, _ = set.Primary(now.AddDate(0, 1, 0))
	fmt.Println("a month later, primary is next:", primary == next)
	// Output:
	// primary is current: true
	// next is pending
	// a month later, primary is next: true
}

// ParsePASERK reads a PASETO key; its ID follows from the material.
func ExampleParsePASERK() {
	// The official PASERK test key k4.secret-2: never use a published key.
	k, err := keys.ParsePASERK("k4.secret.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8c5WpIyC_5kWKhS8VEYSZ05dYfuTF-ZdQFV4D9vLTcNQ")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(k) // printing a key never shows its material
	pub, err := k.PublicPASERK()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pub)

	_, err = keys.ParsePASERK("k3.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8")
	fmt.Println(errors.Is(err, keys.ErrInvalidKey))
	// Output:
	// v4.public(kid=k4.pid.mCv5F34c3ALB7hzKEOQUsEBpj3CTArhbJzGyeeCCKWn1)
	// k4.public.HOVqSMgv-ZFioUvFRGEmdOXWH7kxfmXUBVeA_by03DU
	// true
}

// ParseSet reads a key-set file; here the rotation fixture, whose old key
// hands over to a new one on February 1 and stops verifying on March 1.
func ExampleParseSet() {
	data, err := os.ReadFile("testdata/sets/rotation.json")
	if err != nil {
		log.Fatal(err)
	}
	set, err := keys.ParseSet(data)
	if err != nil {
		log.Fatal(err)
	}
	for _, day := range []string{"2026-01-15", "2026-02-15", "2026-03-15"} {
		now, _ := time.Parse(time.DateOnly, day)
		fmt.Print(day, ":")
		for _, k := range set.Keys() {
			state, _ := set.State(k.ID(), now)
			fmt.Print(" ", state)
		}
		fmt.Println()
	}
	// Output:
	// 2026-01-15: primary pending
	// 2026-02-15: verify-only primary
	// 2026-03-15: expired primary
}

// A Ring is what a codec reads: Store replaces the set while tokens are
// being verified.
func ExampleRing() {
	a, _ := keys.Generate(keys.V4Local)
	b, _ := keys.Generate(keys.V4Local)
	first, _ := keys.NewSet(a)
	second, _ := keys.NewSet(a.WithValidity(time.Time{}, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)), b)

	ring, err := keys.NewRing(first)
	if err != nil {
		log.Fatal(err)
	}
	var p keys.Provider = ring // hand this to the token codec
	fmt.Println(p.Current().Len())
	if err := ring.Store(second); err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Current().Len())
	// Output:
	// 1
	// 2
}
