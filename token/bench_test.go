package token

// Benchmarks for issue 7, in one file so that ratios come from one run.
// Reproduce with:
//
//	go test ./token -run '^$' -bench 'Local|Public|Ed25519|ParseClaims' -benchmem -count=5 -benchtime=300ms
//
// Every benchmark works on the fixture claims of MEASUREMENTS.md
// (fixtureClaims). The Raw* benchmarks are the baselines issue 7 sets:
// the straightforward construction on golang.org/x/crypto with
// blake2b.New per token and no claims processing.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	gopaseto "aidanwoods.dev/go-paseto"
	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/chacha20"

	"github.com/sessiontoken/sessiontoken/internal/paseto"
)

// measure runs f b.N times and reports, beside the wall time, the
// process CPU time per operation (cpu-ns/op), which does not count the
// time spent waiting for a core on a shared machine.
func measure(b *testing.B, f func()) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		f()
	}
	if c := cpuTime() - c0; c > 0 {
		b.ReportMetric(float64(c)/float64(b.N), "cpu-ns/op")
	}
}

func benchLocal(b *testing.B) (*Codec, string) {
	c := newTestCodec(b, V4Local, nil)
	tok, err := c.Issue(fixtureClaims())
	if err != nil {
		b.Fatal(err)
	}
	return c, tok
}

func BenchmarkLocalVerify(b *testing.B) {
	c, tok := benchLocal(b)
	b.SetBytes(int64(len(tok)))
	measure(b, func() {
		if _, err := c.Verify(tok); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkLocalVerifyTo(b *testing.B) {
	c, tok := benchLocal(b)
	var cl Claims
	measure(b, func() {
		if err := c.VerifyTo(&cl, tok); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkLocalIssue(b *testing.B) {
	c, _ := benchLocal(b)
	cl := fixtureClaims()
	measure(b, func() {
		if _, err := c.Issue(cl); err != nil {
			b.Fatal(err)
		}
	})
}

func le64(h interface{ Write([]byte) (int, error) }, n int) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}

// rawOpen is the straightforward v4.local open of issue 7: strict
// base64url into a reused buffer, blake2b.New for both derivations and
// for the MAC, constant-time compare, XChaCha20. No claims processing.
var strictB64 = base64.RawURLEncoding.Strict()

func rawOpen(key []byte, tok []byte, buf []byte) ([]byte, error) {
	body, footer, _ := bytes.Cut(tok[len("v4.local."):], []byte("."))
	n1, err := strictB64.Decode(buf, body)
	if err != nil {
		return nil, err
	}
	n2, err := strictB64.Decode(buf[n1:], footer)
	if err != nil {
		return nil, err
	}
	p, f := buf[:n1], buf[n1:n1+n2]
	n, c, t := p[:32], p[32:len(p)-32], p[len(p)-32:]
	h, _ := blake2b.New(56, key)
	h.Write([]byte("paseto-encryption-key"))
	h.Write(n)
	sums := buf[n1+n2 : n1+n2+128] // Ek || n2, Ak, t2 in the reused buffer
	tmp := h.Sum(sums[:0])
	a, _ := blake2b.New(32, key)
	a.Write([]byte("paseto-auth-key-for-aead"))
	a.Write(n)
	ak := a.Sum(sums[56:56])
	m, _ := blake2b.New(32, ak)
	le64(m, 5)
	for _, piece := range [][]byte{[]byte("v4.local."), n, c, f, nil} {
		le64(m, len(piece))
		m.Write(piece)
	}
	if subtle.ConstantTimeCompare(m.Sum(sums[88:88]), t) != 1 {
		return nil, errors.New("bad tag")
	}
	x, _ := chacha20.NewUnauthenticatedCipher(tmp[:32], tmp[32:])
	x.XORKeyStream(c, c)
	return c, nil
}

// rawSeal is the straightforward v4.local seal of issue 7 of an already
// encoded claims payload: a crypto/rand nonce, blake2b.New for both
// derivations and the MAC, XChaCha20, base64url into the token string.
// buf is reused across calls.
func rawSeal(key, payload, footer []byte, buf []byte) string {
	var n [32]byte
	rand.Read(n[:])
	sums := buf[:88] // Ek || n2, Ak
	h, _ := blake2b.New(56, key)
	h.Write([]byte("paseto-encryption-key"))
	h.Write(n[:])
	tmp := h.Sum(sums[:0])
	a, _ := blake2b.New(32, key)
	a.Write([]byte("paseto-auth-key-for-aead"))
	a.Write(n[:])
	ak := a.Sum(sums[56:56])
	p := append(append(buf[88:88], n[:]...), payload...)
	c := p[32:]
	x, _ := chacha20.NewUnauthenticatedCipher(tmp[:32], tmp[32:])
	x.XORKeyStream(c, c)
	m, _ := blake2b.New(32, ak)
	le64(m, 5)
	for _, piece := range [][]byte{[]byte("v4.local."), n[:], c, footer, nil} {
		le64(m, len(piece))
		m.Write(piece)
	}
	p = m.Sum(p)
	enc := base64.RawURLEncoding.AppendEncode(p[len(p):], p)
	var sb strings.Builder
	sb.Grow(9 + len(enc) + 1 + base64.RawURLEncoding.EncodedLen(len(footer)))
	sb.WriteString("v4.local.")
	sb.Write(enc)
	sb.WriteByte('.')
	sb.Write(base64.RawURLEncoding.AppendEncode(enc[len(enc):], footer))
	return sb.String()
}

func BenchmarkRawLocalOpen(b *testing.B) {
	c, tok := benchLocal(b)
	local, _ := testKeys(b)
	key, _ := local.ExportSecret()
	buf := make([]byte, 1024)
	btok := []byte(tok)
	if m, err := rawOpen(key, btok, buf); err != nil || !strings.HasPrefix(string(m), `{"iss"`) {
		b.Fatal("raw open disagrees with Codec", err)
	}
	_ = c
	measure(b, func() {
		if _, err := rawOpen(key, btok, buf); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkRawLocalSeal(b *testing.B) {
	local, _ := testKeys(b)
	key, _ := local.ExportSecret()
	cl := fixtureClaims()
	payload := appendClaims(nil, &cl, rfc3339Times)
	footer := []byte(`{"kid":"` + local.ID() + `"}`)
	buf := make([]byte, 4096)
	tok := rawSeal(key, payload, footer, buf)
	c := newTestCodec(b, V4Local, nil)
	if got, err := c.Verify(tok); err != nil || got.Subject != cl.Subject {
		b.Fatal("raw seal disagrees with Codec", err)
	}
	measure(b, func() {
		_ = rawSeal(key, payload, footer, buf)
	})
}

func goPasetoLocal(b *testing.B) (gopaseto.V4SymmetricKey, string) {
	local, _ := testKeys(b)
	key, _ := local.ExportSecret()
	k, err := gopaseto.V4SymmetricKeyFromBytes(key)
	if err != nil {
		b.Fatal(err)
	}
	_, tok := benchLocal(b)
	return k, tok
}

// goPasetoClaims reads what a middleware needs after go-paseto has
// checked the token and its rules.
func goPasetoClaims(b *testing.B, t *gopaseto.Token) {
	if _, err := t.GetSubject(); err != nil {
		b.Fatal(err)
	}
	if _, err := t.GetString("sid"); err != nil {
		b.Fatal(err)
	}
	var roles []string
	if err := t.Get("roles", &roles); err != nil {
		b.Fatal(err)
	}
	if _, err := t.GetIssuedAt(); err != nil {
		b.Fatal(err)
	}
}

func goPasetoParser() gopaseto.Parser {
	p := gopaseto.NewParserWithoutExpiryCheck()
	p.AddRule(gopaseto.ValidAt(fixedNow), gopaseto.IssuedBy("https://api.example.com"), gopaseto.ForAudience("mobile"))
	return p
}

func BenchmarkGoPasetoLocalDecrypt(b *testing.B) {
	k, tok := goPasetoLocal(b)
	p := goPasetoParser()
	measure(b, func() {
		t, err := p.ParseV4Local(k, tok, nil)
		if err != nil {
			b.Fatal(err)
		}
		goPasetoClaims(b, t)
	})
}

func goPasetoToken(cl Claims, kid string) gopaseto.Token {
	t := gopaseto.NewToken()
	t.SetIssuer(cl.Issuer)
	t.SetSubject(cl.Subject)
	t.SetAudience(cl.Audience[0])
	t.SetIssuedAt(cl.IssuedAt)
	t.SetNotBefore(cl.NotBefore)
	t.SetExpiration(cl.ExpiresAt)
	t.SetString("sid", cl.SessionID.Base64())
	_ = t.Set("roles", cl.Roles)
	t.SetFooter([]byte(`{"kid":"` + kid + `"}`))
	return t
}

func BenchmarkGoPasetoLocalEncrypt(b *testing.B) {
	k, _ := goPasetoLocal(b)
	local, _ := testKeys(b)
	cl := fixtureClaims()
	measure(b, func() {
		t := goPasetoToken(cl, local.ID())
		_ = t.V4Encrypt(k, nil)
	})
}

func benchPublic(b *testing.B) (*Codec, string) {
	c := newTestCodec(b, V4Public, nil)
	tok, err := c.Issue(fixtureClaims())
	if err != nil {
		b.Fatal(err)
	}
	return c, tok
}

func BenchmarkPublicVerify(b *testing.B) {
	c, tok := benchPublic(b)
	measure(b, func() {
		if _, err := c.Verify(tok); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkPublicIssue(b *testing.B) {
	c, _ := benchPublic(b)
	cl := fixtureClaims()
	measure(b, func() {
		if _, err := c.Issue(cl); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkRawEd25519Verify is the floor of v4.public verification: one
// ed25519.Verify over the same PAE message our verifier checks.
func BenchmarkRawEd25519Verify(b *testing.B) {
	_, tok := benchPublic(b)
	_, public := testKeys(b)
	pub := public.PublicKey().(ed25519.PublicKey)
	body, footerEnc, _ := paseto.Split(tok, paseto.PublicHeader)
	p, _ := paseto.AppendDecode(nil, body)
	f, _ := paseto.AppendDecode(nil, footerEnc)
	m, sig := p[:len(p)-64], p[len(p)-64:]
	msg := paseto.AppendPAE(nil, []byte(paseto.PublicHeader), m, f, nil)
	measure(b, func() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("bad signature")
		}
	})
}

func BenchmarkGoPasetoPublicVerify(b *testing.B) {
	_, tok := benchPublic(b)
	_, public := testKeys(b)
	k, err := gopaseto.NewV4AsymmetricPublicKeyFromEd25519(public.PublicKey().(ed25519.PublicKey))
	if err != nil {
		b.Fatal(err)
	}
	p := goPasetoParser()
	measure(b, func() {
		t, err := p.ParseV4Public(k, tok, nil)
		if err != nil {
			b.Fatal(err)
		}
		goPasetoClaims(b, t)
	})
}

func BenchmarkParseClaims(b *testing.B) {
	cl := fixtureClaims()
	payload := appendClaims(nil, &cl, rfc3339Times)
	var dst Claims
	b.SetBytes(int64(len(payload)))
	measure(b, func() {
		if err := parseClaims(&dst, payload, rfc3339Times); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkParseClaimsReference(b *testing.B) {
	cl := fixtureClaims()
	payload := appendClaims(nil, &cl, rfc3339Times)
	var dst Claims
	measure(b, func() {
		if err := refParseClaims(&dst, payload, rfc3339Times); err != nil {
			b.Fatal(err)
		}
	})
}
