package keys

import (
	"fmt"
	"time"
)

// Provider gives the key set in force. A static [*Set] provides itself; a
// reloading holder returns its latest snapshot with one atomic load, so a
// reload never blocks a verification. Implementations must be safe for
// concurrent use and must never return nil.
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
//   - primary: the key that can issue with the latest IssueFrom ≤ now.
//   - verify-only: an older key, or one that cannot issue.
//   - expired: now ≥ VerifyUntil. It neither issues nor verifies.
//
// A Set is safe for concurrent use.
type Set struct {
	keys []*Key
	byID map[string]*Key
}

var _ Provider = (*Set)(nil)

// NewSet returns a set of the given keys. It refuses nil keys, keys of an
// invalid algorithm, two keys with the same ID, and windows that end before
// they begin.
func NewSet(ks ...*Key) (*Set, error) {
	s := &Set{keys: make([]*Key, 0, len(ks)), byID: make(map[string]*Key, len(ks))}
	for i, k := range ks {
		if k == nil || !k.alg.valid() || k.id == "" {
			return nil, fmt.Errorf("%w: key %d of the set is nil or invalid", ErrInvalidKey, i)
		}
		if _, dup := s.byID[k.id]; dup {
			return nil, fmt.Errorf("%w: key %s appears twice in the set", ErrInvalidKey, k.id)
		}
		if !k.verifyUntil.IsZero() && !k.issueFrom.IsZero() && !k.verifyUntil.After(k.issueFrom) {
			return nil, fmt.Errorf("%w: key %s stops verifying before it may issue", ErrInvalidKey, k.id)
		}
		s.keys = append(s.keys, k)
		s.byID[k.id] = k
	}
	return s, nil
}

// Current returns s itself, so a static set is a [Provider].
func (s *Set) Current() *Set { return s }

// Keys returns the keys of the set in the order they were given.
func (s *Set) Keys() []*Key { return append([]*Key(nil), s.keys...) }

// Len returns the number of keys in the set.
func (s *Set) Len() int { return len(s.keys) }

// Primary returns the key that issues at now: among keys that can issue
// and whose window contains now, the one with the latest IssueFrom (ties go
// to the key listed last). It fails with [ErrNoPrimary] when there is none.
func (s *Set) Primary(now time.Time) (*Key, error) {
	var best *Key
	for _, k := range s.keys {
		if !k.CanIssue() || !k.IssuesAt(now) {
			continue
		}
		if best == nil || !k.issueFrom.Before(best.issueFrom) {
			best = k
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w at %s", ErrNoPrimary, now.UTC().Format(time.RFC3339))
	}
	return best, nil
}

// Lookup returns the key with the given ID, whatever its window: callers
// that verify must also check [Key.VerifiesAt]. It fails with
// [ErrUnknownKey]. Lookup does not allocate.
func (s *Set) Lookup(id string) (*Key, error) {
	if k, ok := s.byID[id]; ok {
		return k, nil
	}
	return nil, ErrUnknownKey
}

// IssuesAt reports whether now is inside the key's issuing window:
// IssueFrom ≤ now < VerifyUntil. It does not check that the key can issue.
func (k *Key) IssuesAt(now time.Time) bool {
	return !now.Before(k.issueFrom) && k.VerifiesAt(now)
}

// VerifiesAt reports whether the key still verifies at now: now < VerifyUntil,
// or VerifyUntil is zero.
func (k *Key) VerifiesAt(now time.Time) bool {
	return k.verifyUntil.IsZero() || now.Before(k.verifyUntil)
}
