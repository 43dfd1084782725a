package redissource

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/sessiontoken/sessiontoken/keys"
)

// documentVersion is the version of the stored key-set format.
const documentVersion = 1

// The stored key set (the "doc" field of the hash), authenticated as a
// whole by the "mac" field:
//
//	{"version": 1, "gen": 7, "keys": [
//	  {"kid": "k4.lid.…", "alg": "v4.local", "wrapped": "k4.local-wrap.pie.…",
//	   "issue_from": "2026-01-01T00:00:00Z", "verify_until": "2026-03-01T00:00:00Z"}]}
//
// Secret material is only ever stored wrapped under the master key
// ([keys.Key.WrappedSecret]: PASERK PIE for v4 keys, the same construction
// under the keys package's own headers for JWT keys); verify-only v4.public
// keys are stored as their k4.public PASERK in "public".
type document struct {
	Version int      `json:"version"`
	Gen     int64    `json:"gen"`
	Keys    []docKey `json:"keys"`
}

type docKey struct {
	Kid         string `json:"kid"`
	Alg         string `json:"alg"`
	Wrapped     string `json:"wrapped,omitempty"`
	Public      string `json:"public,omitempty"`
	IssueFrom   string `json:"issue_from,omitempty"`
	VerifyUntil string `json:"verify_until,omitempty"`
}

// sealer wraps and authenticates documents under one master key, for one
// prefix.
type sealer struct {
	master *keys.Key
	macKey []byte
	prefix string
}

// macLabel separates this MAC key from every other use of the master key.
const macLabel = "sessiontoken redissource v1: key-set MAC key"

func newSealer(master *keys.Key, prefix string) (*sealer, error) {
	secret, err := master.ExportSecret()
	if err != nil {
		return nil, fmt.Errorf("%w: MasterKey: %v", ErrConfig, err)
	}
	h, err := blake2b.New256(secret)
	if err != nil {
		return nil, fmt.Errorf("%w: MasterKey: %v", ErrConfig, err)
	}
	h.Write([]byte(macLabel))
	return &sealer{master: master, macKey: h.Sum(nil), prefix: prefix}, nil
}

// mac authenticates doc together with the prefix it is stored under, so a
// document copied to another prefix (another fleet with the same master
// key) does not load.
func (s *sealer) mac(doc []byte) string {
	h, _ := blake2b.New256(s.macKey) // 32-byte key: cannot fail
	fmt.Fprintf(h, "%d:%s", len(s.prefix), s.prefix)
	h.Write(doc)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// seal encodes ks as generation gen and returns the document and its MAC.
func (s *sealer) seal(ks []*keys.Key, gen int64) (doc []byte, mac string, err error) {
	d := document{Version: documentVersion, Gen: gen, Keys: make([]docKey, 0, len(ks))}
	for _, k := range ks {
		dk := docKey{Kid: k.ID(), Alg: k.Algorithm().String()}
		switch {
		case k.CanIssue():
			if dk.Wrapped, err = k.WrappedSecret(s.master); err != nil {
				return nil, "", fmt.Errorf("%w: key %s: %v", ErrDocument, k.ID(), err)
			}
		default:
			if dk.Public, err = k.PublicPASERK(); err != nil {
				return nil, "", fmt.Errorf("%w: key %s: %v", ErrDocument, k.ID(), err)
			}
		}
		if t := k.IssueFrom(); !t.IsZero() {
			dk.IssueFrom = t.UTC().Format(time.RFC3339Nano)
		}
		if t := k.VerifyUntil(); !t.IsZero() {
			dk.VerifyUntil = t.UTC().Format(time.RFC3339Nano)
		}
		d.Keys = append(d.Keys, dk)
	}
	doc, err = json.Marshal(d)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrDocument, err)
	}
	return doc, s.mac(doc), nil
}

// open checks the MAC of doc, in constant time and before anything else,
// then decodes and unwraps it. Every error matches [ErrDocument] and quotes
// nothing from doc.
func (s *sealer) open(doc []byte, mac string) (*keys.Set, int64, error) {
	if len(doc) > keys.MaxFileSize {
		return nil, 0, fmt.Errorf("%w: %d bytes", ErrDocument, len(doc))
	}
	if subtle.ConstantTimeCompare([]byte(mac), []byte(s.mac(doc))) != 1 {
		return nil, 0, fmt.Errorf("%w: it does not authenticate under the master key (wrong MasterKey or Prefix, or altered in Redis)", ErrDocument)
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var d document
	if err := dec.Decode(&d); err != nil {
		return nil, 0, fmt.Errorf("%w: malformed", ErrDocument)
	}
	if d.Version != documentVersion {
		return nil, 0, fmt.Errorf("%w: format version %d", ErrDocument, d.Version)
	}
	ks := make([]*keys.Key, 0, len(d.Keys))
	for i, dk := range d.Keys {
		k, err := s.openKey(dk)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: key %d: %v", ErrDocument, i, err)
		}
		ks = append(ks, k)
	}
	set, err := keys.NewSet(ks...)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrDocument, err)
	}
	return set, d.Gen, nil
}

func (s *sealer) openKey(dk docKey) (*keys.Key, error) {
	alg, err := keys.ParseAlgorithm(dk.Alg)
	if err != nil {
		return nil, err
	}
	var k *keys.Key
	switch {
	case dk.Wrapped != "" && dk.Public == "":
		k, err = keys.ParseWrappedSecret(dk.Wrapped, s.master)
	case dk.Public != "" && dk.Wrapped == "":
		k, err = keys.ParsePASERK(dk.Public)
	default:
		return nil, fmt.Errorf("exactly one of wrapped and public is required")
	}
	if err != nil {
		return nil, err
	}
	if k.Algorithm() != alg || k.ID() != dk.Kid {
		return nil, fmt.Errorf("alg or kid does not match the key")
	}
	var from, until time.Time
	if dk.IssueFrom != "" {
		if from, err = time.Parse(time.RFC3339Nano, dk.IssueFrom); err != nil {
			return nil, fmt.Errorf("issue_from is not RFC 3339")
		}
	}
	if dk.VerifyUntil != "" {
		if until, err = time.Parse(time.RFC3339Nano, dk.VerifyUntil); err != nil {
			return nil, fmt.Errorf("verify_until is not RFC 3339")
		}
	}
	return k.WithValidity(from, until), nil
}
