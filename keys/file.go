package keys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// FileVersion is the version of the key-set file format that [ParseSet]
// reads and [Set.MarshalFile] writes. Files of any other version are refused.
const FileVersion = 1

// MaxFileSize bounds a key-set file (or environment variable) in bytes.
// Larger input is refused before it is parsed; a thousand keys fit with
// room to spare.
const MaxFileSize = 1 << 20

// The key-set file (docs/keys.md has a full example):
//
//	{"version": 1, "keys": [
//	  {"kid": "k4.lid.…", "alg": "v4.local", "paserk": "k4.local.…",
//	   "issue_from": "2026-01-01T00:00:00Z", "verify_until": "2026-03-01T00:00:00Z"},
//	  {"kid": "<thumbprint>", "alg": "ES256", "jwk": {"kty": "EC", "crv": "P-256", "x": "…", "y": "…", "d": "…"}}]}
type fileSet struct {
	Version *int      `json:"version"`
	Keys    []fileKey `json:"keys"`
}

type fileKey struct {
	Kid         *string `json:"kid"`
	Alg         *string `json:"alg"`
	PASERK      *string `json:"paserk,omitempty"`
	JWK         *jwk    `json:"jwk,omitempty"`
	IssueFrom   *string `json:"issue_from,omitempty"`
	VerifyUntil *string `json:"verify_until,omitempty"`
}

// fileNames are all the member names the format has, at any depth. Any
// other name is refused before decoding, which closes encoding/json's
// case-insensitive matching ("Version", "KID") and its Unicode case folding.
var fileNames = map[string]bool{
	"version": true, "keys": true,
	"kid": true, "alg": true, "paserk": true, "jwk": true, "issue_from": true, "verify_until": true,
	"kty": true, "crv": true, "x": true, "y": true, "d": true, "k": true, "use": true,
}

// fileMaxDepth is the deepest nesting the format has: the set object, its
// keys array, a key object and its jwk object.
const fileMaxDepth = 4

// ParseSet parses a key-set file (format version 1, documented in the
// package overview and docs/keys.md) and returns the set it describes.
//
// Parsing is strict, since the file decides which keys are trusted:
// input larger than [MaxFileSize], trailing data, duplicate member names,
// unknown members (case-sensitive), null values, an unknown version or
// algorithm, a key whose material is not of its algorithm, a kid that is
// not the ID derived from the material, and a file with no key are all
// refused with [ErrInvalidSet] (and [ErrInvalidKey] as well when one key is
// at fault). Errors never quote key material.
func ParseSet(data []byte) (*Set, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidSet, len(data), MaxFileSize)
	}
	if err := checkJSON(data); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSet, err)
	}
	var f fileSet
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSet, jsonError(err))
	}
	if f.Version == nil {
		return nil, fmt.Errorf("%w: missing version", ErrInvalidSet)
	}
	if *f.Version != FileVersion {
		return nil, fmt.Errorf("%w: unsupported version %d, want %d", ErrInvalidSet, *f.Version, FileVersion)
	}
	if len(f.Keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrInvalidSet)
	}
	ks := make([]*Key, len(f.Keys))
	for i := range f.Keys {
		k, err := f.Keys[i].key()
		if err != nil {
			return nil, fmt.Errorf("%w: key %d: %w", ErrInvalidSet, i, err)
		}
		ks[i] = k
	}
	s, err := NewSet(ks...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSet, err)
	}
	return s, nil
}

// key makes the Key a file entry describes.
func (fk *fileKey) key() (*Key, error) {
	if fk.Kid == nil || fk.Alg == nil {
		return nil, fmt.Errorf("%w: kid and alg are required", ErrInvalidKey)
	}
	alg, err := ParseAlgorithm(*fk.Alg)
	if err != nil {
		return nil, err
	}
	var k *Key
	switch alg {
	case V4Local, V4Public:
		if fk.PASERK == nil || fk.JWK != nil {
			return nil, fmt.Errorf("%w: a %v key needs paserk and no jwk", ErrInvalidKey, alg)
		}
		if k, err = ParsePASERK(*fk.PASERK); err != nil {
			return nil, err
		}
		if k.alg != alg {
			return nil, fmt.Errorf("%w: paserk holds a %v key, alg says %v", ErrInvalidKey, k.alg, alg)
		}
	default:
		if fk.JWK == nil || fk.PASERK != nil {
			return nil, fmt.Errorf("%w: a %v key needs jwk and no paserk", ErrInvalidKey, alg)
		}
		if k, err = keyFromJWK(alg, fk.JWK); err != nil {
			return nil, err
		}
	}
	// The kid is redundant on purpose: it lets a reader of the file see
	// which key is which, and checking it catches a key pasted under the
	// wrong entry. Tokens name keys by the derived ID, never by this field.
	if *fk.Kid != k.id {
		// The given kid is not quoted: a key pasted into the wrong
		// member would otherwise be echoed into logs.
		return nil, fmt.Errorf("%w: kid is not the ID of the key's material (%s)", ErrInvalidKey, k.id)
	}
	var from, until time.Time
	if fk.IssueFrom != nil {
		if from, err = parseInstant(*fk.IssueFrom); err != nil {
			return nil, fmt.Errorf("%w: issue_from: %v", ErrInvalidKey, err)
		}
	}
	if fk.VerifyUntil != nil {
		if until, err = parseInstant(*fk.VerifyUntil); err != nil {
			return nil, fmt.Errorf("%w: verify_until: %v", ErrInvalidKey, err)
		}
	}
	return k.WithValidity(from, until), nil
}

// parseInstant parses an RFC 3339 instant with an explicit offset. The
// value is not quoted in errors, in case a key was pasted into it.
func parseInstant(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("not an RFC 3339 instant")
	}
	if t.IsZero() {
		// The zero instant means "no bound"; writing it out explicitly is
		// refused rather than silently read as "forever".
		return time.Time{}, errors.New("the zero instant; omit the member instead")
	}
	if err := checkYear(t); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// checkYear refuses instants whose UTC year RFC 3339 cannot write, so that
// whatever is read can be written back and read again.
func checkYear(t time.Time) error {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("year %d in UTC is outside 1–9999", y)
	}
	return nil
}

// MarshalFile returns the key-set file of s, secrets included: PASERK
// k4.local / k4.secret (or k4.public for verify-only keys) for PASETO keys,
// JWKs with their private members d or k for JWT keys. It is the one call
// that writes every secret of a set at once; store its output as you would
// the keys themselves (mode 0600, a secret manager), never in a log.
//
// The output is indented JSON, keys in set order, instants in UTC RFC 3339,
// and [ParseSet] of it returns an equivalent set. It fails with
// [ErrInvalidSet] for a nil or empty set.
func (s *Set) MarshalFile() ([]byte, error) {
	if s == nil || len(s.keys) == 0 {
		return nil, fmt.Errorf("%w: refusing to write a nil or empty set", ErrInvalidSet)
	}
	v := FileVersion
	f := fileSet{Version: &v, Keys: make([]fileKey, len(s.keys))}
	for i, k := range s.keys {
		id, alg := k.id, k.alg.String()
		fk := fileKey{Kid: &id, Alg: &alg}
		switch k.alg {
		case V4Local, V4Public:
			p, err := k.SecretPASERK()
			if err != nil {
				p, err = k.PublicPASERK()
			}
			if err != nil {
				return nil, fmt.Errorf("%w: key %s: %w", ErrInvalidSet, k.id, err)
			}
			fk.PASERK = &p
		default:
			j, err := k.secretJWK()
			if err != nil {
				return nil, fmt.Errorf("%w: key %s: %w", ErrInvalidSet, k.id, err)
			}
			fk.JWK = &j
		}
		for _, w := range []struct {
			t   time.Time
			dst **string
		}{{k.issueFrom, &fk.IssueFrom}, {k.verifyUntil, &fk.VerifyUntil}} {
			if w.t.IsZero() {
				continue
			}
			if err := checkYear(w.t); err != nil {
				return nil, fmt.Errorf("%w: key %s: %w: window %v", ErrInvalidSet, k.id, ErrInvalidKey, err)
			}
			v := w.t.UTC().Format(time.RFC3339Nano)
			*w.dst = &v
		}
		f.Keys[i] = fk
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSet, err)
	}
	return append(out, '\n'), nil
}

// LoadFile reads and parses the key-set file at path (see [ParseSet]).
// Files larger than [MaxFileSize] are refused without being read whole.
// LoadFile reads the file once; reloading it when it changes is the
// caller's (or a later file source's) job, with [Ring.Store].
func LoadFile(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keys: loading key set: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("keys: reading key set %s: %w", path, err)
	}
	s, err := ParseSet(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return s, nil
}

// SaveFile writes the key-set file of s ([Set.MarshalFile]) to path
// atomically: it writes a temporary file with mode 0600 in the same
// directory, syncs it and renames it over path, so a reader sees the old
// file or the new one, never a partial one, and a crash leaves no
// half-written keys behind. An existing file at path is replaced and ends
// with mode 0600 whatever its mode was; if path is a symbolic link, the link
// itself is replaced, not its target.
func SaveFile(path string, s *Set) error {
	data, err := s.MarshalFile()
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("keys: saving key set: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("keys: saving key set: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("keys: saving key set: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("keys: saving key set: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keys: saving key set: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("keys: saving key set: %w", err)
	}
	done = true
	// Make the rename durable; not every platform can sync a directory,
	// and the file is already in place, so a failure here is ignored.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// FromEnv parses the key-set file held in the environment variable name
// (see [ParseSet]). It fails with [ErrInvalidSet] when the variable is
// unset or empty.
//
// An environment variable is inherited by child processes and readable by
// the same user in /proc/<pid>/environ: prefer a file mounted from a secret
// store when you can.
func FromEnv(name string) (*Set, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return nil, fmt.Errorf("%w: environment variable %s is not set", ErrInvalidSet, name)
	}
	s, err := ParseSet([]byte(v))
	if err != nil {
		return nil, fmt.Errorf("%w (environment variable %s)", err, name)
	}
	return s, nil
}

// checkJSON walks data as a stream of JSON tokens and refuses what
// encoding/json would silently accept: duplicate member names (the last
// one would win), member names outside the format (it matches them
// case-insensitively), null values (decoded as "absent"), nesting deeper
// than the format, and anything after the top-level value.
func checkJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers are checked by the typed decode, not here
	// One frame per open object or array; seen is nil for arrays.
	type frame struct {
		seen    map[string]bool
		wantKey bool // in an object, the next token is a member name or '}'
	}
	var stack []*frame
	started := false
	for {
		if started && len(stack) == 0 {
			// The top-level value is complete: nothing may follow it.
			if _, err := dec.Token(); err != io.EOF {
				return errors.New("data after the key set")
			}
			return nil
		}
		tok, err := dec.Token()
		if err == io.EOF {
			if !started {
				return errors.New("empty input")
			}
			return errors.New("unexpected end of input")
		}
		if err != nil {
			return jsonError(err)
		}
		started = true
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.seen != nil && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			name, ok := tok.(string)
			if !ok {
				return errors.New("malformed object")
			}
			if !fileNames[name] {
				return fmt.Errorf("unknown member %s", quoteShort(name))
			}
			if top.seen[name] {
				return fmt.Errorf("duplicate member %q", name)
			}
			top.seen[name] = true
			top.wantKey = false
			continue
		}
		if top != nil && top.seen != nil {
			top.wantKey = true // this token starts the member's value
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) == fileMaxDepth {
				return errors.New("nested too deep")
			}
			f := &frame{wantKey: true}
			if tok == json.Delim('{') {
				f.seen = map[string]bool{}
			}
			stack = append(stack, f)
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		case nil:
			return errors.New("null values are not allowed")
		}
	}
}

// jsonError describes a JSON error without quoting the input, which may be
// key material.
func jsonError(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("malformed JSON at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("member %q has the wrong JSON type (%s)", typ.Field, typ.Value)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("unexpected end of input")
	}
	return errors.New("malformed JSON")
}
