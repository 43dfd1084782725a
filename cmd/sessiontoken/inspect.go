package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sessiontoken/sessiontoken"
	"github.com/sessiontoken/sessiontoken/token"
)

// maxInspectSize bounds the token inspect reads, from the command line or
// stdin, before any decoding: sixteen times the library's default token
// limit, enough for any token a service would accept.
const maxInspectSize = 64 << 10

// ed25519SignatureSize is the length of the signature at the end of a
// v4.public payload.
const ed25519SignatureSize = 64

// inspection is what "token inspect" prints. Everything under Unverified
// was read without checking any MAC or signature: anyone could have
// written it.
type inspection struct {
	Format       string        `json:"format"`            // "v4.local", "v4.public", "JWT", or what the header says
	Version      string        `json:"version,omitempty"` // PASETO: "v4"
	Purpose      string        `json:"purpose,omitempty"` // PASETO: "local" or "public"
	Header       any           `json:"header,omitempty"`  // JWT: the protected header
	Footer       string        `json:"footer,omitempty"`  // PASETO: the footer, decoded
	KeyID        string        `json:"kid,omitempty"`     // from the footer or header: UNVERIFIED
	Size         int           `json:"size"`              // bytes
	Problem      string        `json:"problem,omitempty"` // why the token can never verify, when it cannot
	Unverified   *unverified   `json:"unverified,omitempty"`
	Key          *keyRow       `json:"key,omitempty"` // the kid's entry in --keys, if any
	Verification *verification `json:"verification,omitempty"`
}

type unverified struct {
	Warning string          `json:"warning"`
	Payload json.RawMessage `json:"payload,omitempty"` // JSON as found; absent when encrypted
	Text    string          `json:"text,omitempty"`    // the payload when it is not JSON
	Times   []claimTime     `json:"times,omitempty"`
}

type verification struct {
	Keys     string `json:"keys"` // the key-set file
	Verified bool   `json:"verified"`
	// ImplicitAssertion is the PASETO implicit assertion the token's
	// cryptography passed with (given, or found among the plausible ones),
	// and Kind what it says the token is.
	ImplicitAssertion string     `json:"implicit_assertion,omitempty"`
	Kind              string     `json:"kind,omitempty"`
	Error             string     `json:"error,omitempty"`
	Claims            *claimsOut `json:"claims,omitempty"`
}

type claimTime struct {
	Claim    string `json:"claim"`
	Time     string `json:"time"`
	Relative string `json:"relative"`
}

// claimsOut is a verified token's claims, printable.
type claimsOut struct {
	Issuer    string          `json:"iss,omitempty"`
	Subject   string          `json:"sub,omitempty"`
	Audience  []string        `json:"aud,omitempty"`
	Times     []claimTime     `json:"times,omitempty"`
	ID        string          `json:"jti,omitempty"`
	SessionID string          `json:"sid,omitempty"`
	Roles     []string        `json:"roles,omitempty"`
	Scopes    []string        `json:"scope,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
}

const unverifiedWarning = "UNVERIFIED: read without checking the signature; anyone could have written it"

func (c *cli) tokenInspect(args []string) error {
	fs := c.flags("token inspect", "TOKEN|-",
		"Show what a token says about itself: format, PASETO version, purpose and\n"+
			"footer or JWT header, key ID, and for v4.public and JWT the payload, marked\n"+
			"UNVERIFIED. A v4.local payload is encrypted: give --keys to read it. With\n"+
			"--keys FILE, verify the token with the key set (format from the token's\n"+
			"header, algorithm from the key) and show its claims and times. Never prints\n"+
			"key material. TOKEN - reads the token from stdin. A leading \"Bearer \" is\n"+
			"ignored.")
	keysPath := fs.String("keys", "", "key-set `FILE` to verify the token with")
	assertion := fs.String("implicit-assertion", "", "PASETO implicit assertion `TEXT` the token was issued with")
	issuer := fs.String("issuer", "", "with --keys: require iss to be `ISSUER`")
	audience := fs.String("audience", "", "with --keys: require one of the comma-separated aud values in `LIST`")
	leeway := durationFlag{zeroOK: true}
	fs.Var(&leeway, "leeway", "with --keys: clock skew tolerated on exp, nbf and iat (a `DURATION`)")
	maxSize := fs.Int("max-token-size", token.DefaultMaxTokenSize, "with --keys: the verifier's size limit in `BYTES`")
	pos, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *keysPath == "" && (*issuer != "" || *audience != "" || leeway.d != 0) {
		return usagef(fs.path, "--issuer, --audience and --leeway need --keys")
	}
	if *maxSize <= 0 || *maxSize > maxInspectSize {
		return usagef(fs.path, "--max-token-size must be between 1 and %d", maxInspectSize)
	}
	raw, err := c.readToken(pos[0])
	if err != nil {
		return err
	}
	now := c.now()
	in, format, err := unsafeInspect(raw, now)
	if err != nil {
		return err
	}
	if *assertion != "" && in.Format == "JWT" {
		return usagef(fs.path, "--implicit-assertion is for PASETO tokens; this is a JWT")
	}
	if *keysPath != "" && in.Problem == "" {
		s, err := loadSet(*keysPath)
		if err != nil {
			return err
		}
		if k, err := s.Lookup(in.KeyID); err == nil {
			row := rowOf(s, k, now)
			in.Key = &row
		}
		cfg := token.Config{
			Keys: s, Format: format, Issuer: *issuer, Leeway: leeway.d,
			MaxTokenSize: *maxSize, Now: c.now,
		}
		if *audience != "" {
			cfg.Audience = strings.Split(*audience, ",")
		}
		cfg.ImplicitAssertion = []byte(*assertion)
		assertionGiven := false
		fs.Visit(func(f *flag.Flag) { assertionGiven = assertionGiven || f.Name == "implicit-assertion" })
		v, err := verifyToken(cfg, raw, format, assertionGiven, now)
		if err != nil {
			return err
		}
		v.Keys = *keysPath
		if v.Verified {
			in.Unverified = nil // the verified claims say it all
		}
		in.Verification = v
	}
	if fs.json {
		if err := c.writeJSON(in); err != nil {
			return err
		}
	} else {
		c.printInspection(in)
	}
	switch {
	case in.Problem != "":
		return failf("token cannot verify: %s", in.Problem)
	case in.Verification != nil && !in.Verification.Verified:
		return failf("token does not verify: %s", in.Verification.Error)
	}
	return nil
}

// plausibleAssertions are the PASETO implicit assertions tried, in order,
// when none is given: none at all (a token.Codec's default), then the
// Manager's access and refresh token assertions. A token verifies under at
// most one of them, since the assertion is authenticated.
var plausibleAssertions = []struct{ assertion, kind string }{
	{"", ""},
	{sessiontoken.AccessAssertion, "access token (Manager)"},
	{sessiontoken.RefreshAssertion, "refresh token (Manager)"},
}

// verifyToken verifies raw with cfg. For a PASETO token without a given
// implicit assertion it tries each plausible one; a failure other than a
// bad signature means the cryptography passed, so the assertion was right
// and the failure is the answer.
func verifyToken(cfg token.Config, raw string, f token.Format, assertionGiven bool, now time.Time) (*verification, error) {
	tries := plausibleAssertions[:1]
	if !assertionGiven && f != token.JWT {
		tries = plausibleAssertions
	}
	v := &verification{}
	for i, a := range tries {
		if !assertionGiven {
			cfg.ImplicitAssertion = []byte(a.assertion)
		}
		codec, err := token.New(cfg)
		if err != nil {
			return nil, err
		}
		cl, err := codec.Verify(raw)
		if err == nil {
			v.Verified, v.Claims = true, claimsOf(cl, now)
			v.ImplicitAssertion, v.Kind = string(cfg.ImplicitAssertion), a.kind
			return v, nil
		}
		if i == 0 || !errors.Is(err, token.ErrBadSignature) {
			// Token errors name the reason, never key material. The
			// first error is kept: every try failed the same way.
			v.Error = err.Error()
		}
		if !errors.Is(err, token.ErrBadSignature) {
			v.ImplicitAssertion, v.Kind = string(cfg.ImplicitAssertion), a.kind
			return v, nil
		}
	}
	if len(tries) > 1 {
		v.Error += " (under no implicit assertion and the Manager's access and refresh assertions; give --implicit-assertion)"
	}
	return v, nil
}

// readToken returns the token given as an argument, or read from stdin for
// "-", bounded by maxInspectSize before anything else is done with it.
func (c *cli) readToken(arg string) (string, error) {
	raw := arg
	if arg == "-" {
		b, err := io.ReadAll(io.LimitReader(c.stdin, maxInspectSize+1))
		if err != nil {
			return "", fmt.Errorf("reading the token from stdin: %w", err)
		}
		if len(b) > maxInspectSize {
			return "", failf("input on stdin is longer than %d bytes: not a token", maxInspectSize)
		}
		raw = string(b)
	} else if len(raw) > maxInspectSize {
		return "", failf("token is longer than %d bytes", maxInspectSize)
	}
	raw = strings.TrimSpace(raw)
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}
	if raw == "" {
		return "", failf("empty token")
	}
	// Tokens are base64url segments and dots. Anything else is refused
	// here, so nothing below sees control characters or odd encodings.
	for i := 0; i < len(raw); i++ {
		b := raw[i]
		if !('A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '_' || b == '.') {
			return "", failf("not a token: byte %d is not base64url or '.'", i)
		}
	}
	return raw, nil
}

// unsafeInspect decodes what raw says about itself without verifying
// anything, and returns the format a verifier should be configured with.
// It fails only when raw is neither a PASETO token nor a compact JWS;
// tokens of a version, purpose or algorithm sessiontoken never accepts
// are described with Problem set.
func unsafeInspect(raw string, now time.Time) (*inspection, token.Format, error) {
	in := &inspection{Size: len(raw)}
	parts := strings.Split(raw, ".")
	if len(parts) >= 3 && len(parts[0]) == 2 && parts[0][0] == 'v' && (parts[1] == "local" || parts[1] == "public") {
		return inspectPASETO(in, parts, now)
	}
	switch len(parts) {
	case 3:
		return inspectJWT(in, parts, now)
	case 5:
		return nil, 0, failf("not a supported token: five segments make a JWE (encrypted JWT), which sessiontoken never accepts")
	}
	return nil, 0, failf("not a token: neither PASETO (vN.purpose.payload[.footer]) nor a JWT (three segments)")
}

func inspectPASETO(in *inspection, parts []string, now time.Time) (*inspection, token.Format, error) {
	in.Version, in.Purpose = parts[0], parts[1]
	in.Format = in.Version + "." + in.Purpose
	if len(parts) > 4 || parts[2] == "" || (len(parts) == 4 && parts[3] == "") {
		return nil, 0, failf("malformed PASETO token: want %s.payload[.footer] with non-empty parts", in.Format)
	}
	if len(parts) == 4 {
		f, err := decodeSegment(parts[3])
		if err != nil {
			return nil, 0, failf("malformed PASETO footer: %v", err)
		}
		in.Footer = printable(f)
		var kid struct {
			Kid string `json:"kid"`
		}
		if json.Unmarshal(f, &kid) == nil {
			in.KeyID = kid.Kid
		}
	}
	if in.Version != "v4" {
		in.Problem = fmt.Sprintf("PASETO version %s: sessiontoken accepts v4 only", in.Version)
		return in, 0, nil
	}
	if in.KeyID == "" {
		in.Problem = `no {"kid":…} footer: sessiontoken tokens always name their key`
	}
	body, err := decodeSegment(parts[2])
	if err != nil {
		return nil, 0, failf("malformed PASETO payload: %v", err)
	}
	if in.Purpose == "local" {
		// n (32) || c || t (32): nothing readable without the key.
		in.Unverified = &unverified{Warning: "the payload is encrypted: give --keys FILE to decrypt and verify it"}
		return in, token.V4Local, nil
	}
	if len(body) < ed25519SignatureSize {
		return nil, 0, failf("malformed v4.public token: payload shorter than a signature")
	}
	in.Unverified = unverifiedPayload(body[:len(body)-ed25519SignatureSize], false, now)
	return in, token.V4Public, nil
}

func inspectJWT(in *inspection, parts []string, now time.Time) (*inspection, token.Format, error) {
	in.Format = "JWT"
	if parts[0] == "" || parts[1] == "" {
		return nil, 0, failf("not a token: a JWT header or payload segment is empty")
	}
	h, err := decodeSegment(parts[0])
	if err != nil {
		return nil, 0, failf("not a token: the JWT header is not base64url: %v", err)
	}
	var hdr map[string]any
	if err := json.Unmarshal(h, &hdr); err != nil {
		return nil, 0, failf("not a token: the JWT header is not a JSON object")
	}
	in.Header = hdr
	in.KeyID, _ = hdr["kid"].(string)
	switch alg, _ := hdr["alg"].(string); alg {
	case "HS256", "EdDSA", "ES256":
	default:
		in.Problem = fmt.Sprintf("JWT alg %q: sessiontoken accepts HS256, EdDSA and ES256 only", truncate(alg, 20))
	}
	switch {
	case in.Problem != "":
	case in.KeyID == "":
		in.Problem = "no kid in the JWT header: sessiontoken tokens always name their key"
	case parts[2] == "":
		in.Problem = "no signature"
	}
	payload, err := decodeSegment(parts[1])
	if err != nil {
		return nil, 0, failf("malformed JWT payload: %v", err)
	}
	in.Unverified = unverifiedPayload(payload, true, now)
	return in, token.JWT, nil
}

// decodeSegment decodes unpadded base64url. Padding and whitespace were
// refused by readToken.
func decodeSegment(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("bad base64url")
	}
	return b, nil
}

// printable returns b as text when it is printable UTF-8, quoted otherwise.
func printable(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// unverifiedPayload describes a payload read without verification, with
// its times (NumericDate for JWT, RFC 3339 strings for PASETO).
func unverifiedPayload(p []byte, numericDates bool, now time.Time) *unverified {
	u := &unverified{Warning: unverifiedWarning}
	var b bytes.Buffer
	if json.Compact(&b, p) != nil {
		u.Text = printable(p)
		return u
	}
	u.Payload = json.RawMessage(b.Bytes())
	var m map[string]json.RawMessage
	if json.Unmarshal(p, &m) != nil {
		return u
	}
	for _, name := range []string{"iat", "nbf", "exp"} {
		v, ok := m[name]
		if !ok {
			continue
		}
		var t time.Time
		var s string
		var f float64
		switch {
		case numericDates && json.Unmarshal(v, &f) == nil && f > 0 && f < 253402300800: // before year 10000
			sec, frac := math.Modf(f)
			t = time.Unix(int64(sec), int64(frac*1e9)).Round(time.Millisecond)
		case !numericDates && json.Unmarshal(v, &s) == nil:
			var err error
			if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
				continue
			}
		default:
			continue
		}
		u.Times = append(u.Times, claimTime{Claim: name, Time: formatTime(t), Relative: relative(t, now)})
	}
	return u
}

func claimsOf(cl *token.Claims, now time.Time) *claimsOut {
	o := &claimsOut{
		Issuer: cl.Issuer, Subject: cl.Subject, Audience: cl.Audience, ID: cl.ID,
		Roles: cl.Roles, Scopes: cl.Scopes, Data: cl.Data,
	}
	if !cl.SessionID.IsZero() {
		// The full ID, which "revoke session" needs; the operator holds
		// the token that carries it anyway.
		o.SessionID = cl.SessionID.Base64()
	}
	for _, t := range []struct {
		name string
		t    time.Time
	}{{"iat", cl.IssuedAt}, {"nbf", cl.NotBefore}, {"exp", cl.ExpiresAt}} {
		if !t.t.IsZero() {
			o.Times = append(o.Times, claimTime{Claim: t.name, Time: formatTime(t.t), Relative: relative(t.t, now)})
		}
	}
	return o
}

func (c *cli) printInspection(in *inspection) {
	w := c.stdout
	fmt.Fprintf(w, "format:   %s\n", in.Format)
	if in.Version != "" {
		fmt.Fprintf(w, "version:  %s\npurpose:  %s\n", in.Version, in.Purpose)
	}
	if in.Header != nil {
		h, _ := json.Marshal(in.Header)
		fmt.Fprintf(w, "header:   %s\n", h)
	}
	if in.Footer != "" {
		fmt.Fprintf(w, "footer:   %s\n", in.Footer)
	}
	if in.KeyID != "" {
		fmt.Fprintf(w, "kid:      %s\n", in.KeyID)
	}
	fmt.Fprintf(w, "size:     %d bytes\n", in.Size)
	if in.Problem != "" {
		fmt.Fprintf(w, "problem:  %s\n", in.Problem)
	}
	if u := in.Unverified; u != nil {
		if u.Payload == nil && u.Text == "" {
			fmt.Fprintf(w, "payload:  %s\n", u.Warning)
		} else {
			fmt.Fprintf(w, "payload (%s):\n", u.Warning)
			if u.Payload != nil {
				var b bytes.Buffer
				_ = json.Indent(&b, u.Payload, "  ", "  ")
				fmt.Fprintf(w, "  %s\n", b.Bytes())
			} else {
				fmt.Fprintf(w, "  %s\n", u.Text)
			}
			for _, t := range u.Times {
				fmt.Fprintf(w, "  %s (UNVERIFIED): %s (%s)\n", t.Claim, t.Time, t.Relative)
			}
		}
	}
	v := in.Verification
	if v == nil {
		return
	}
	if in.Key != nil {
		fmt.Fprintf(w, "key:      %s in %s, %s\n", in.Key.Alg, v.Keys, in.Key.State)
	} else {
		fmt.Fprintf(w, "key:      not in %s\n", v.Keys)
	}
	if !v.Verified {
		fmt.Fprintf(w, "verified: NO: %s\n", v.Error)
		return
	}
	fmt.Fprintf(w, "verified: yes\n")
	if v.ImplicitAssertion != "" {
		fmt.Fprintf(w, "  implicit assertion: %s", printable([]byte(v.ImplicitAssertion)))
		if v.Kind != "" {
			fmt.Fprintf(w, " (%s)", v.Kind)
		}
		fmt.Fprintln(w)
	}
	cl := v.Claims
	for _, f := range []struct{ name, v string }{
		{"iss", cl.Issuer}, {"sub", cl.Subject}, {"aud", strings.Join(cl.Audience, ", ")},
		{"jti", cl.ID}, {"sid", cl.SessionID},
		{"roles", strings.Join(cl.Roles, ", ")}, {"scope", strings.Join(cl.Scopes, " ")},
	} {
		if f.v != "" {
			fmt.Fprintf(w, "  %-6s %s\n", f.name+":", f.v)
		}
	}
	for _, t := range cl.Times {
		fmt.Fprintf(w, "  %-6s %s (%s)\n", t.Claim+":", t.Time, t.Relative)
	}
	if cl.Data != nil {
		fmt.Fprintf(w, "  data:  %s\n", cl.Data)
	}
}
