package keys_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
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

// WatchFile keeps a Ring loaded with a key-set file and reloads it when
// the file changes (including the symbolic-link swap of a Kubernetes
// secret). Here the interval is negative, so it reloads only when asked.
func ExampleWatchFile() {
	clock := func() time.Time { return time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC) }
	src, err := keys.WatchFile("testdata/sets/rotation.json", keys.FileSourceConfig{
		UsableConfig: keys.UsableConfig{Now: clock, PrimaryFor: []keys.Algorithm{keys.V4Local}},
		Interval:     -1, // in a server: leave it zero to poll every 5 s
		OnError:      func(err error) { log.Print(err) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()

	var p keys.Provider = src // hand this to the token codec
	primary, err := p.Current().PrimaryFor(clock(), keys.V4Local)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(primary)
	// Output:
	// v4.local(kid=k4.lid.iVtYQDjr5gEijCSjJC3fQaJm7nCeQSeaty0Jixy8dbsk)
}

// JWKSHandler serves the public keys at /.well-known/jwks.json: JWT keys
// as JWKs, PASETO v4.public keys as PASERK, never a secret.
func ExampleJWKSHandler() {
	set, err := keys.LoadFile("testdata/sets/all-algorithms.json")
	if err != nil {
		log.Fatal(err)
	}
	clock := func() time.Time { return time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC) }
	mux := http.NewServeMux()
	mux.Handle("GET /.well-known/jwks.json", keys.JWKSHandler(set, keys.JWKSConfig{Now: clock}))

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	fmt.Println(rec.Code, rec.Header().Get("Cache-Control"))
	var out bytes.Buffer
	if err := json.Indent(&out, rec.Body.Bytes(), "", "  "); err != nil {
		log.Fatal(err)
	}
	fmt.Print(out.String())
	// Output:
	// 200 public, max-age=300
	// {
	//   "keys": [
	//     {
	//       "kty": "OKP",
	//       "crv": "Ed25519",
	//       "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
	//       "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
	//       "alg": "EdDSA",
	//       "use": "sig"
	//     },
	//     {
	//       "kty": "EC",
	//       "crv": "P-256",
	//       "x": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
	//       "y": "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
	//       "kid": "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s",
	//       "alg": "ES256",
	//       "use": "sig"
	//     }
	//   ],
	//   "paserk": [
	//     {
	//       "kid": "k4.pid.mCv5F34c3ALB7hzKEOQUsEBpj3CTArhbJzGyeeCCKWn1",
	//       "paserk": "k4.public.HOVqSMgv-ZFioUvFRGEmdOXWH7kxfmXUBVeA_by03DU"
	//     },
	//     {
	//       "kid": "k4.pid.S_XQmeEwHbbvRmiyfXfHYpLGjXGzjTRSDoT1YtTakWFE",
	//       "paserk": "k4.public.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	//     }
	//   ]
	// }
}

// A secret stored where others can read it (a shared Redis, a repository)
// is wrapped under a master key with PASERK k4.local-wrap.pie.
func ExampleKey_WrappedPASERK() {
	master, err := keys.Generate(keys.V4Local)
	if err != nil {
		log.Fatal(err)
	}
	k, err := keys.Generate(keys.V4Local)
	if err != nil {
		log.Fatal(err)
	}
	wrapped, err := k.WrappedPASERK(master)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(wrapped[:len("k4.local-wrap.pie.")])

	back, err := keys.ParseWrappedPASERK(wrapped, master)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Equal(k))

	other, _ := keys.Generate(keys.V4Local)
	_, err = keys.ParseWrappedPASERK(wrapped, other)
	fmt.Println(errors.Is(err, keys.ErrUnwrap))
	// Output:
	// k4.local-wrap.pie.
	// true
	// true
}
