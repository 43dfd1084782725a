package keys

import (
	"fmt"
	"sync/atomic"
)

// Ring holds the key set in force and lets it be replaced while tokens are
// being issued and verified: [Ring.Current] is one atomic load, so a reload
// never blocks a verification, and every caller sees either the old set or
// the new one, never a mix. It is the [Provider] to hand to a codec when
// keys change at run time (a reloaded key-set file, a rotation).
//
// A Ring is safe for concurrent use. Make one with [NewRing].
type Ring struct {
	cur atomic.Pointer[Set]
}

var _ Provider = (*Ring)(nil)

// emptySet is what the zero Ring provides before its first Store, so that
// Current never returns nil. It is never modified.
var emptySet = &Set{byID: map[string]*Key{}}

// NewRing returns a ring holding s. It fails with [ErrInvalidSet] when s is
// nil or holds no key.
func NewRing(s *Set) (*Ring, error) {
	r := new(Ring)
	if err := r.Store(s); err != nil {
		return nil, err
	}
	return r, nil
}

// Current returns the set in force. It never returns nil: a zero Ring
// provides an empty set, which has no primary key and verifies nothing.
func (r *Ring) Current() *Set {
	if s := r.cur.Load(); s != nil {
		return s
	}
	return emptySet
}

// Store makes s the set in force for every later call to Current. It fails
// with [ErrInvalidSet], and keeps the current set, when s is nil or holds no
// key: replacing the keys with nothing would stop every verification, which
// is never what a reload means.
func (r *Ring) Store(s *Set) error {
	if s == nil || s.Len() == 0 {
		return fmt.Errorf("%w: refusing to store a nil or empty set", ErrInvalidSet)
	}
	r.cur.Store(s)
	return nil
}
