package keys

import (
	"fmt"
	"time"
)

// Source is a [Provider] whose key set changes while the program runs (a
// watched file, a shared store), and which owns a background goroutine or
// a connection that [Source.Close] releases. Current is one atomic load and
// never blocks on a reload.
//
// Implementations must be safe for concurrent use; Close may be called more
// than once.
type Source interface {
	Provider
	// Close stops the source's background work and waits for it to end.
	// The last set loaded stays in force for callers still holding the
	// source.
	Close() error
}

// UsableConfig says what makes a newly loaded key set usable; the sources
// refuse a set that is not and keep the one in force.
type UsableConfig struct {
	// Now is the clock against which the primary key is chosen. If nil,
	// time.Now.
	Now func() time.Time

	// PrimaryFor lists the algorithms of the format the program issues
	// (see [Set.PrimaryFor]): the set must have a primary key among them
	// at the time it is loaded. If empty, a primary key of any algorithm
	// will do.
	PrimaryFor []Algorithm

	// AllowNoPrimary accepts a set with no key that can issue now, for a
	// program that only verifies (a set of public keys, a verifier of
	// another service's tokens). By default such a set is refused, because
	// loading it would stop every issuing call.
	AllowNoPrimary bool
}

func (c *UsableConfig) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// check returns an error matching [ErrInvalidSet] when s cannot replace the
// set in force: nil, empty, or without a primary key when one is required.
func (c *UsableConfig) check(s *Set) error {
	if s == nil || s.Len() == 0 {
		return fmt.Errorf("%w: the set holds no key", ErrInvalidSet)
	}
	if c.AllowNoPrimary {
		return nil
	}
	if _, err := s.PrimaryFor(c.now(), c.PrimaryFor...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSet, err)
	}
	return nil
}

// LoadEnv parses the key-set file held in the environment variable name
// ([FromEnv]), checks that it is usable (cfg, [UsableConfig]) and returns a
// [Ring] holding it.
//
// An environment variable is read once: a process's environment is fixed
// when it starts, so a set loaded from it cannot be reloaded. Rotating such
// keys means restarting every instance, so publish a new key pending (its
// issue_from later than the time the restart takes to roll out) and give
// the old one a verify_until past the longest token lifetime after that:
// the states make the rollout order irrelevant. Use [WatchFile] for keys
// that change without a restart.
func LoadEnv(name string, cfg UsableConfig) (*Ring, error) {
	s, err := FromEnv(name)
	if err != nil {
		return nil, err
	}
	if err := cfg.check(s); err != nil {
		return nil, fmt.Errorf("%w (environment variable %s)", err, name)
	}
	return NewRing(s)
}
