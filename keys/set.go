package keys

import (
	"crypto/sha256"
	"fmt"
	"time"
)

// Provider gives the key set in force. A static [*Set] provides itself; a
// [Ring] returns its latest snapshot with one atomic load, so a reload never
// blocks a verification. Implementations must be safe for concurrent use
// and must never return nil.
type Provider interface {
	Current() *Set
}

// Set is an immutable snapshot of keys: at most one primary key issues at a
// given instant, and every key still inside its window verifies.
//
// A key's state follows from the clock and its window alone, so every
// process that holds the same set agrees on it without coordination:
//
//   - pending: now < IssueFrom. It verifies (so a new key can be published
//     before any instance issues with it) but does not issue yet.
//   - primary: the key that can issue with the latest IssueFrom ≤ now
//     (one per token format: see [Set.PrimaryFor] and [Set.State]).
//   - verify-only: an older key, or one that cannot issue.
//   - expired: now ≥ VerifyUntil. It neither issues nor verifies.
//
// A Set is safe for concurrent use.
type Set struct {
	keys []*Key
	byID map[string]*Key
}

var _ Provider = (*Set)(nil)

// NewSet returns a set of the given keys. It refuses, with [ErrInvalidKey],
// nil or zero keys, two keys with the same ID (which includes a key pair
// and its own public half), the same material under two algorithms (a
// v4.local secret reused as an HS256 secret, an Ed25519 key used for both
// v4.public and EdDSA: PASETO's algorithm lucidity), and windows that end
// before they begin. An empty set is allowed; it has no primary key.
func NewSet(ks ...*Key) (*Set, error) {
	s := &Set{keys: make([]*Key, 0, len(ks)), byID: make(map[string]*Key, len(ks))}
	material := make(map[[sha256.Size]byte]*Key, len(ks))
	for i, k := range ks {
		if k == nil || !k.alg.valid() || k.id == "" || k.m == nil {
			return nil, fmt.Errorf("%w: key %d of the set is nil or invalid", ErrInvalidKey, i)
		}
		if _, dup := s.byID[k.id]; dup {
			return nil, fmt.Errorf("%w: key %s appears twice in the set", ErrInvalidKey, k.id)
		}
		if !k.verifyUntil.IsZero() && !k.issueFrom.IsZero() && !k.verifyUntil.After(k.issueFrom) {
			return nil, fmt.Errorf("%w: key %s stops verifying before it may issue", ErrInvalidKey, k.id)
		}
		fp := k.materialFingerprint()
		if o, dup := material[fp]; dup {
			return nil, fmt.Errorf("%w: key %s (%v) and key %s (%v) share their material", ErrInvalidKey, o.id, o.alg, k.id, k.alg)
		}
		material[fp] = k
		s.keys = append(s.keys, k)
		s.byID[k.id] = k
	}
	return s, nil
}

// materialFingerprint hashes the key's material with its family (symmetric
// secret, Ed25519 or P-256 public key) but not its algorithm, so that the
// same bytes used under two algorithms collide. Hashing keeps secrets out
// of map keys and comparisons.
func (k *Key) materialFingerprint() [sha256.Size]byte {
	m := k.mat()
	h := sha256.New()
	switch {
	case m.secret != nil:
		h.Write([]byte("symmetric\x00"))
		h.Write(m.secret)
	case m.edPub != nil:
		h.Write([]byte("ed25519\x00"))
		h.Write(m.edPub)
	case m.ecPub != nil:
		h.Write([]byte("p256\x00"))
		raw, _ := m.ecPub.Bytes()
		h.Write(raw)
	}
	var fp [sha256.Size]byte
	h.Sum(fp[:0])
	return fp
}

// Current returns s itself, so a static set is a [Provider].
func (s *Set) Current() *Set { return s }

// Keys returns the keys of the set in the order they were given. The slice
// is a copy; the keys are immutable.
func (s *Set) Keys() []*Key { return append([]*Key(nil), s.keys...) }

// Len returns the number of keys in the set.
func (s *Set) Len() int { return len(s.keys) }

// Primary returns the key that issues at now: among keys that can issue
// and whose window contains now, the one with the latest IssueFrom (ties go
// to the key listed last). It fails with [ErrNoPrimary] when there is none.
//
// Primary considers keys of every algorithm. In a set that mixes token
// formats, an issuer asks [Set.PrimaryFor] with the algorithms of its format.
func (s *Set) Primary(now time.Time) (*Key, error) { return s.PrimaryFor(now) }

// PrimaryFor is [Set.Primary] among the keys whose algorithm is one of
// algs (every key when algs is empty): PrimaryFor(now, keys.V4Local) for a
// v4.local issuer, PrimaryFor(now, keys.HS256, keys.EdDSA, keys.ES256) for a
// JWT one. It does not allocate unless it fails.
func (s *Set) PrimaryFor(now time.Time, algs ...Algorithm) (*Key, error) {
	var best *Key
	for _, k := range s.keys {
		if !k.CanIssue() || !k.IssuesAt(now) || !algIn(k.alg, algs) {
			continue
		}
		if best == nil || !k.issueFrom.Before(best.issueFrom) {
			best = k
		}
	}
	if best == nil {
		if len(algs) > 0 {
			// Copy algs so that it does not escape: the caller's variadic
			// slice then stays on its stack on the success path.
			return nil, fmt.Errorf("%w among %v keys at %s", ErrNoPrimary, append([]Algorithm(nil), algs...), now.UTC().Format(time.RFC3339))
		}
		return nil, fmt.Errorf("%w at %s", ErrNoPrimary, now.UTC().Format(time.RFC3339))
	}
	return best, nil
}

func algIn(a Algorithm, algs []Algorithm) bool {
	if len(algs) == 0 {
		return true
	}
	for _, b := range algs {
		if a == b {
			return true
		}
	}
	return false
}

// formatOf returns the algorithms that issue tokens of the same format as
// a: one primary key is chosen per format, since a codec issues one format.
func formatOf(a Algorithm) []Algorithm {
	switch a {
	case V4Local:
		return []Algorithm{V4Local}
	case V4Public:
		return []Algorithm{V4Public}
	}
	return []Algorithm{HS256, EdDSA, ES256}
}

// Lookup returns the key with the given ID, whatever its window: callers
// that verify must also check [Key.VerifiesAt]. It fails with
// [ErrUnknownKey], unwrapped so that a miss does not allocate.
func (s *Set) Lookup(id string) (*Key, error) {
	if k, ok := s.byID[id]; ok {
		return k, nil
	}
	return nil, ErrUnknownKey
}

// State is where a key stands in its life at an instant; see [Set].
type State uint8

// The states of a key, in the order a key goes through them.
const (
	// StatePending: published, verifies, does not issue yet (now < IssueFrom).
	StatePending State = iota + 1
	// StatePrimary: the key [Set.Primary] returns.
	StatePrimary
	// StateVerifyOnly: verifies but does not issue (superseded by a newer
	// primary, or a public key without its private half).
	StateVerifyOnly
	// StateExpired: neither issues nor verifies (now ≥ VerifyUntil).
	StateExpired
)

// State returns the state at now of the key with the given ID. A key is
// primary when it is the primary of its token format: PASETO v4.local,
// PASETO v4.public, or JWT (HS256, EdDSA and ES256 together), so a set that
// mixes formats has one primary key per format. It fails with
// [ErrUnknownKey] when the set has no such key.
func (s *Set) State(id string, now time.Time) (State, error) {
	k, err := s.Lookup(id)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", err, truncate(id, 64))
	}
	switch {
	case !k.VerifiesAt(now):
		return StateExpired, nil
	case now.Before(k.issueFrom):
		return StatePending, nil
	}
	if p, err := s.PrimaryFor(now, formatOf(k.alg)...); err == nil && p == k {
		return StatePrimary, nil
	}
	return StateVerifyOnly, nil
}

// IssuesAt reports whether now is inside the key's issuing window:
// IssueFrom ≤ now < VerifyUntil. It does not check that the key can issue.
func (k *Key) IssuesAt(now time.Time) bool {
	return !now.Before(k.issueFrom) && k.VerifiesAt(now)
}

// VerifiesAt reports whether the key still verifies at now: now < VerifyUntil,
// or VerifyUntil is zero. A pending key (now < IssueFrom) verifies, so that
// a key can be published to every instance before any of them issues with it.
func (k *Key) VerifiesAt(now time.Time) bool {
	return k.verifyUntil.IsZero() || now.Before(k.verifyUntil)
}
