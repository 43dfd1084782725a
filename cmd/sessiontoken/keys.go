package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/revocation"
)

// defaultPropagation is how far in the future "keys add" schedules a new
// key when --issue-from is not given: long enough for a mounted secret to
// reach every instance (Kubernetes takes a minute or two) with a wide
// margin. Waiting longer only delays the switch; switching before every
// instance has the key makes the late ones reject the new tokens.
const defaultPropagation = time.Hour

// formatNames maps the --format values to algorithms. Matching is
// case-insensitive on the command line ("hs256" and "HS256").
var formatNames = []struct {
	name string
	alg  keys.Algorithm
}{
	{"v4.local", keys.V4Local},
	{"v4.public", keys.V4Public},
	{"hs256", keys.HS256},
	{"eddsa", keys.EdDSA},
	{"es256", keys.ES256},
}

func parseFormat(path, s string) (keys.Algorithm, error) {
	for _, f := range formatNames {
		if strings.EqualFold(s, f.name) {
			return f.alg, nil
		}
	}
	return 0, usagef(path, "unknown --format %q: want v4.local, v4.public, hs256, eddsa or es256", truncate(s, 20))
}

const formatUsage = "key `FORMAT`: v4.local, v4.public, hs256, eddsa or es256"

// generated is the output of "keys generate": the members of a key-set
// file entry (kid, alg, paserk or jwk) plus the public forms.
type generated struct {
	Kid          string          `json:"kid"`
	Alg          string          `json:"alg"`
	PASERK       string          `json:"paserk,omitempty"`
	JWK          json.RawMessage `json:"jwk,omitempty"`
	PublicPASERK string          `json:"public_paserk,omitempty"`
	PublicJWK    json.RawMessage `json:"public_jwk,omitempty"`
}

func (c *cli) keysGenerate(args []string) error {
	fs := c.flags("keys generate", "",
		"Generate a fresh key from crypto/rand and print it with its key ID: a PASERK\n"+
			"(k4.local / k4.secret) for PASETO, a JWK with its private member for JWT.\n"+
			"The output is SECRET key material: redirect it to a protected file or a\n"+
			"secret manager, never to a log. The --json output has the members of a\n"+
			"key-set file entry (kid, alg, paserk or jwk) plus the public forms.")
	format := fs.String("format", "v4.local", formatUsage)
	if _, err := c.parse(fs, args, 0, 0); err != nil {
		return err
	}
	alg, err := parseFormat(fs.path, *format)
	if err != nil {
		return err
	}
	k, err := keys.Generate(alg)
	if err != nil {
		return err
	}
	g, err := exportSecret(k)
	if err != nil {
		return err
	}
	if fs.json {
		return c.writeJSON(g)
	}
	fmt.Fprintf(c.stdout, "kid:    %s\nalg:    %s\n", g.Kid, g.Alg)
	if g.PASERK != "" {
		fmt.Fprintf(c.stdout, "secret: %s\n", g.PASERK)
	} else {
		fmt.Fprintf(c.stdout, "secret: %s\n", g.JWK)
	}
	if g.PublicPASERK != "" {
		fmt.Fprintf(c.stdout, "public: %s\n", g.PublicPASERK)
	}
	if g.PublicJWK != nil {
		fmt.Fprintf(c.stdout, "public: %s\n", g.PublicJWK)
	}
	return nil
}

// exportSecret exports k with its secret through the keys package's
// explicit secret exports: SecretPASERK for PASETO keys and, for JWT keys
// (which have no single-key secret JWK export), the entry Set.MarshalFile
// writes for a one-key set.
func exportSecret(k *keys.Key) (*generated, error) {
	g := &generated{Kid: k.ID(), Alg: k.Algorithm().String()}
	switch k.Algorithm() {
	case keys.V4Local, keys.V4Public:
		p, err := k.SecretPASERK()
		if err != nil {
			return nil, err
		}
		g.PASERK = p
		if k.Algorithm() == keys.V4Public {
			if g.PublicPASERK, err = k.PublicPASERK(); err != nil {
				return nil, err
			}
		}
		return g, nil
	}
	s, err := keys.NewSet(k)
	if err != nil {
		return nil, err
	}
	file, err := s.MarshalFile()
	if err != nil {
		return nil, err
	}
	var f struct {
		Keys []struct {
			JWK json.RawMessage `json:"jwk"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(file, &f); err != nil || len(f.Keys) != 1 || f.Keys[0].JWK == nil {
		return nil, errors.New("keys: unexpected key-set file layout") // unreachable: MarshalFile writes one entry
	}
	g.JWK, err = compactJSON(f.Keys[0].JWK)
	if err != nil {
		return nil, err
	}
	if k.Algorithm() != keys.HS256 {
		pub, err := k.PublicJWK()
		if err != nil {
			return nil, err
		}
		g.PublicJWK = pub
	}
	return g, nil
}

func compactJSON(raw []byte) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, fmt.Errorf("compacting JWK: %w", err)
	}
	return json.RawMessage(b.Bytes()), nil
}

// keyRow is one key as "keys list" and the writing commands print it:
// never its material.
type keyRow struct {
	Kid         string `json:"kid"`
	Alg         string `json:"alg"`
	State       string `json:"state"`
	CanIssue    bool   `json:"can_issue"`
	IssueFrom   string `json:"issue_from,omitempty"`
	VerifyUntil string `json:"verify_until,omitempty"`
}

var stateNames = map[keys.State]string{
	keys.StatePending:    "pending",
	keys.StatePrimary:    "primary",
	keys.StateVerifyOnly: "verify-only",
	keys.StateExpired:    "expired",
}

func rowOf(s *keys.Set, k *keys.Key, at time.Time) keyRow {
	r := keyRow{Kid: k.ID(), Alg: k.Algorithm().String(), CanIssue: k.CanIssue()}
	if st, err := s.State(k.ID(), at); err == nil {
		r.State = stateNames[st]
	}
	if t := k.IssueFrom(); !t.IsZero() {
		r.IssueFrom = formatTime(t)
	}
	if t := k.VerifyUntil(); !t.IsZero() {
		r.VerifyUntil = formatTime(t)
	}
	return r
}

func (c *cli) keysList(args []string) error {
	fs := c.flags("keys list", "FILE",
		"List the keys of a key-set file: key ID, algorithm, state, whether the file\n"+
			"holds the key's secret or private half, and its window. Never prints key\n"+
			"material. --at shows the states at another instant, to check a schedule.")
	var at instantFlag
	fs.Var(&at, "at", "show states at instant `WHEN`: now, +DURATION, -DURATION or RFC 3339")
	pos, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	s, err := loadSet(pos[0])
	if err != nil {
		return err
	}
	now := c.now()
	when := at.value(now, now)
	rows := make([]keyRow, 0, s.Len())
	for _, k := range s.Keys() {
		rows = append(rows, rowOf(s, k, when))
	}
	if fs.json {
		return c.writeJSON(struct {
			At   string   `json:"at"`
			Keys []keyRow `json:"keys"`
		}{formatTime(when), rows})
	}
	c.printRows(rows, when, now)
	return nil
}

func (c *cli) printRows(rows []keyRow, at, now time.Time) {
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tISSUES\tISSUE FROM\tVERIFY UNTIL")
	for _, r := range rows {
		issues := "yes"
		if !r.CanIssue {
			issues = "no (public only)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Kid, r.Alg, r.State, issues,
			withRelative(r.IssueFrom, "-", now), withRelative(r.VerifyUntil, "never", now))
	}
	tw.Flush()
	if !at.Equal(now) {
		fmt.Fprintf(c.stdout, "(states at %s, %s)\n", formatTime(at), relative(at, now))
	}
}

// withRelative prints an instant of a row with its distance from now, or
// empty when the row has none.
func withRelative(ts, empty string, now time.Time) string {
	if ts == "" {
		return empty
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return ts
	}
	return ts + " (" + relative(t, now) + ")"
}

func (c *cli) keysInit(args []string) error {
	fs := c.flags("keys init", "FILE",
		"Create a key-set file holding one fresh key, primary from now on (no window).\n"+
			"Refuses to overwrite an existing file. The file is written with mode 0600.")
	format := fs.String("format", "v4.local", formatUsage)
	pos, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	alg, err := parseFormat(fs.path, *format)
	if err != nil {
		return err
	}
	path := pos[0]
	if _, err := os.Lstat(path); err == nil {
		return failf("%s already exists; use keys add to add a key to it", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("checking %s: %w", path, err)
	}
	k, err := keys.Generate(alg)
	if err != nil {
		return err
	}
	s, err := keys.NewSet(k)
	if err != nil {
		return err
	}
	if err := keys.SaveFile(path, s); err != nil {
		return err
	}
	return c.printChanged(fs, "created "+path+" with", s, k)
}

// printChanged prints the key a writing command created or changed.
func (c *cli) printChanged(fs *flagSet, what string, s *keys.Set, k *keys.Key) error {
	now := c.now()
	row := rowOf(s, k, now)
	if fs.json {
		return c.writeJSON(row)
	}
	fmt.Fprintf(c.stdout, "%s key %s (%s), now %s\n", what, row.Kid, row.Alg, row.State)
	return nil
}

// loadSet reads a key-set file. A missing file is a negative answer (exit
// 1); a malformed one means the work cannot be done (exit 3).
func loadSet(path string) (*keys.Set, error) {
	s, err := keys.LoadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &failure{err: err}
	}
	return s, err
}

// replaceKey returns a set like s with the key of the same ID replaced by k.
func replaceKey(s *keys.Set, k *keys.Key) (*keys.Set, error) {
	ks := s.Keys()
	for i, o := range ks {
		if o.ID() == k.ID() {
			ks[i] = k
		}
	}
	return keys.NewSet(ks...)
}

// lookup finds kid in s; a missing key is a negative answer (exit 1).
func lookup(s *keys.Set, kid, path string) (*keys.Key, error) {
	k, err := s.Lookup(kid)
	if err != nil {
		return nil, failf("key %q is not in %s", truncate(kid, 64), path)
	}
	return k, nil
}

func (c *cli) keysAdd(args []string) error {
	fs := c.flags("keys add", "FILE",
		"Add a fresh key to a key-set file. It is published verify-only (pending)\n"+
			"until --issue-from, when every instance makes it primary at the same moment.\n"+
			"Leave enough time for the file to reach every instance first. The format\n"+
			"defaults to that of the file's current primary key.")
	format := fs.String("format", "", formatUsage+" (default: the current primary's)")
	var from instantFlag
	fs.Var(&from, "issue-from", "`WHEN` the key becomes primary: now, +DURATION or RFC 3339 (default +"+humanDuration(defaultPropagation)+")")
	pos, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	path := pos[0]
	s, err := loadSet(path)
	if err != nil {
		return err
	}
	now := c.now()
	var alg keys.Algorithm
	if *format != "" {
		if alg, err = parseFormat(fs.path, *format); err != nil {
			return err
		}
	} else if alg, err = defaultAlgorithm(s, now); err != nil {
		return usagef(fs.path, "%v", err)
	}
	issueFrom := from.value(now, now.Add(defaultPropagation))
	if from.set && from.raw[0] == '+' || !from.set {
		issueFrom = issueFrom.Truncate(time.Second) // a readable file
	}
	k, err := keys.Generate(alg)
	if err != nil {
		return err
	}
	k = k.WithValidity(issueFrom, time.Time{})
	next, err := keys.NewSet(append(s.Keys(), k)...)
	if err != nil {
		return err
	}
	// The new key must take over at issue-from; an earlier issue-from than
	// the current primary's would leave it pending behind that key.
	at := issueFrom
	if at.Before(now) {
		at = now
	}
	if st, _ := next.State(k.ID(), at); st != keys.StatePrimary {
		return failf("the new key would not become primary at %s: another key of its format issues from a later instant; give a later --issue-from", formatTime(at))
	}
	if !issueFrom.After(now) {
		fmt.Fprintf(c.stderr, "warning: the new key is primary at once; instances that have not reloaded %s will reject its tokens\n", path)
	}
	if err := keys.SaveFile(path, next); err != nil {
		return err
	}
	return c.printChanged(fs, "added", next, k)
}

// defaultAlgorithm is the algorithm "keys add" uses without --format: the
// current primary's, else the one algorithm of the file.
func defaultAlgorithm(s *keys.Set, now time.Time) (keys.Algorithm, error) {
	var alg keys.Algorithm
	for _, k := range s.Keys() {
		if st, _ := s.State(k.ID(), now); st == keys.StatePrimary {
			if alg != 0 && alg != k.Algorithm() {
				return 0, errors.New("the file has primary keys of several formats: give --format")
			}
			alg = k.Algorithm()
		}
	}
	if alg != 0 {
		return alg, nil
	}
	for _, k := range s.Keys() {
		if alg != 0 && alg != k.Algorithm() {
			return 0, errors.New("the file has no primary key and keys of several formats: give --format")
		}
		alg = k.Algorithm()
	}
	return alg, nil
}

func (c *cli) keysPromote(args []string) error {
	fs := c.flags("keys promote", "FILE KID",
		"Make a key primary now by setting its issue_from to the current time. The key\n"+
			"must hold its secret or private half and still verify. Use it to switch\n"+
			"earlier than scheduled, or to roll back to an older key.")
	pos, err := c.parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	path, kid := pos[0], pos[1]
	s, err := loadSet(path)
	if err != nil {
		return err
	}
	k, err := lookup(s, kid, path)
	if err != nil {
		return err
	}
	now := c.now()
	switch st, _ := s.State(kid, now); {
	case st == keys.StatePrimary:
		return c.printChanged(fs, "unchanged: already primary:", s, k)
	case !k.CanIssue():
		return failf("key %s holds only its public half and cannot issue", kid)
	case st == keys.StateExpired:
		return failf("key %s has expired (verify_until %s)", kid, formatTime(k.VerifyUntil()))
	}
	// The file's instants are written with nanoseconds; truncating to the
	// second keeps the file readable and costs nothing.
	k = k.WithValidity(now.Truncate(time.Second), k.VerifyUntil())
	next, err := replaceKey(s, k)
	if err != nil {
		return err
	}
	if st, _ := next.State(kid, now); st != keys.StatePrimary {
		return failf("key %s would still not be primary (another key of its format has the same issue_from)", kid)
	}
	if err := keys.SaveFile(path, next); err != nil {
		return err
	}
	return c.printChanged(fs, "promoted", next, k)
}

func (c *cli) keysRetire(args []string) error {
	fs := c.flags("keys retire", "FILE KID",
		"Retire a key: it stops issuing and verifies until --verify-until, by default\n"+
			"now + --max-token-lifetime, so every token it issued stays valid until it\n"+
			"expires. An asymmetric key's private half is removed from the file (unless\n"+
			"--keep-private). The current primary key cannot be retired: add and promote\n"+
			"its successor first. An earlier verify_until already set is kept unless\n"+
			"--verify-until is given.")
	var until instantFlag
	fs.Var(&until, "verify-until", "`WHEN` the key stops verifying: now, +DURATION or RFC 3339")
	maxLife := durationFlag{d: revocation.DefaultMaxTokenLifetime}
	fs.Var(&maxLife, "max-token-lifetime", "the longest lifetime of any token, refresh tokens included (`DURATION`: 90m, 36h, 90d)")
	keepPrivate := fs.Bool("keep-private", false, "keep an asymmetric key's private half in the file")
	pos, err := c.parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	path, kid := pos[0], pos[1]
	s, err := loadSet(path)
	if err != nil {
		return err
	}
	k, err := lookup(s, kid, path)
	if err != nil {
		return err
	}
	now := c.now()
	switch st, _ := s.State(kid, now); st {
	case keys.StatePrimary:
		return failf("key %s is the primary key of its format; add and promote its successor first (keys add, keys promote)", kid)
	case keys.StatePending:
		// A symmetric key cannot be kept from issuing once its
		// issue_from arrives: a pending key, which has issued nothing, is
		// cancelled by removing it.
		return failf("key %s is pending and has issued nothing: cancel it with keys remove", kid)
	}
	vu := until.value(now, now.Add(maxLife.d).Truncate(time.Second))
	if old := k.VerifyUntil(); !until.set && !old.IsZero() && old.Before(vu) {
		vu = old
	}
	k = k.WithValidity(k.IssueFrom(), vu)
	if k.Purpose() == keys.Public && k.CanIssue() && !*keepPrivate {
		if k, err = k.Public(); err != nil {
			return err
		}
	}
	next, err := replaceKey(s, k)
	if err != nil {
		if errors.Is(err, keys.ErrInvalidKey) {
			return failf("%v", err)
		}
		return err
	}
	if err := keys.SaveFile(path, next); err != nil {
		return err
	}
	return c.printChanged(fs, "retired", next, k)
}

func (c *cli) keysRemove(args []string) error {
	fs := c.flags("keys remove", "FILE KID",
		"Remove a key from a key-set file: an expired key (which changes nothing), a\n"+
			"pending key (which has issued nothing), or, to cut off a compromised key at\n"+
			"once, a verify-only key, whose tokens then all stop verifying. The primary\n"+
			"key cannot be removed: add and promote its successor first.")
	pos, err := c.parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	path, kid := pos[0], pos[1]
	s, err := loadSet(path)
	if err != nil {
		return err
	}
	k, err := lookup(s, kid, path)
	if err != nil {
		return err
	}
	now := c.now()
	st, _ := s.State(kid, now)
	if st == keys.StatePrimary {
		return failf("key %s is the primary key of its format; add and promote its successor first (keys add, keys promote)", kid)
	}
	var rest []*keys.Key
	for _, o := range s.Keys() {
		if o.ID() != kid {
			rest = append(rest, o)
		}
	}
	if len(rest) == 0 {
		return failf("key %s is the last key of %s", kid, path)
	}
	next, err := keys.NewSet(rest...)
	if err != nil {
		return err
	}
	if st == keys.StateVerifyOnly {
		fmt.Fprintf(c.stderr, "warning: every token issued by key %s stops verifying once %s is reloaded\n", kid, path)
	}
	if err := keys.SaveFile(path, next); err != nil {
		return err
	}
	row := rowOf(s, k, now)
	if fs.json {
		return c.writeJSON(row)
	}
	fmt.Fprintf(c.stdout, "removed key %s (%s, was %s)\n", row.Kid, row.Alg, row.State)
	return nil
}
