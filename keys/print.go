package keys

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// This file holds every printed form of Key, Set and Ring. None of them
// reads key material: they print the algorithm and the ID, which is derived
// from the material by a one-way hash and is what tokens carry anyway.

// String returns the key's algorithm and ID, for example
// "v4.local(kid=k4.lid.…)", with ", verify-only" for the public half of a
// key pair. It never includes key material.
func (k Key) String() string {
	if !k.alg.valid() {
		return "keys.Key(invalid)"
	}
	s := k.alg.String() + "(kid=" + k.id
	if k.Purpose() == Public && !k.CanIssue() {
		s += ", verify-only"
	}
	return s + ")"
}

// GoString is like String, so %#v does not print the material either.
func (k Key) GoString() string { return k.String() }

// Format implements fmt.Formatter so that every verb, %x and %q included,
// prints [Key.String] and never the material.
func (k Key) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(k.String())) }

// MarshalJSON encodes the key's ID and algorithm only, never its material.
// Use [Set.MarshalFile] to serialise keys.
func (k Key) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kid string `json:"kid"`
		Alg string `json:"alg"`
	}{k.id, k.alg.String()})
}

// LogValue implements slog.LogValuer with the key's ID and algorithm only.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.id), slog.String("alg", k.alg.String()))
}

var (
	_ fmt.Stringer   = Key{}
	_ fmt.GoStringer = Key{}
	_ fmt.Formatter  = Key{}
	_ json.Marshaler = Key{}
	_ slog.LogValuer = Key{}
)

// String lists the set's keys as printed by [Key.String], for example
// "keys.Set[v4.local(kid=k4.lid.…), v4.local(kid=k4.lid.…)]".
func (s *Set) String() string {
	if s == nil {
		return "keys.Set(nil)"
	}
	var b strings.Builder
	b.WriteString("keys.Set[")
	for i, k := range s.keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k.String())
	}
	b.WriteString("]")
	return b.String()
}

// GoString is like String.
func (s *Set) GoString() string { return s.String() }

// Format prints [Set.String] for every verb.
func (s *Set) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(s.String())) }

// MarshalJSON encodes the IDs and algorithms of the keys, never their
// material. It is a summary for logs; the key-set file is written by
// [Set.MarshalFile].
func (s *Set) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		Keys []*Key `json:"keys"`
	}{s.keys})
}

// LogValue implements slog.LogValuer with the number of keys and their IDs.
func (s *Set) LogValue() slog.Value {
	if s == nil {
		return slog.StringValue("keys.Set(nil)")
	}
	ids := make([]string, len(s.keys))
	for i, k := range s.keys {
		ids[i] = k.id
	}
	return slog.GroupValue(slog.Int("len", len(s.keys)), slog.String("kids", strings.Join(ids, ",")))
}

var (
	_ fmt.Stringer   = (*Set)(nil)
	_ fmt.Formatter  = (*Set)(nil)
	_ json.Marshaler = (*Set)(nil)
	_ slog.LogValuer = (*Set)(nil)
)

// String prints the current set, as [Set.String] does.
func (r *Ring) String() string {
	if r == nil {
		return "keys.Ring(nil)"
	}
	return "keys.Ring(" + r.Current().String() + ")"
}

// GoString is like String.
func (r *Ring) GoString() string { return r.String() }

// Format prints [Ring.String] for every verb.
func (r *Ring) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(r.String())) }

// MarshalJSON encodes the current set as [Set.MarshalJSON] does: IDs and
// algorithms only.
func (r *Ring) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	return r.Current().MarshalJSON()
}

// LogValue implements slog.LogValuer as [Set.LogValue] does for the
// current set.
func (r *Ring) LogValue() slog.Value {
	if r == nil {
		return slog.StringValue("keys.Ring(nil)")
	}
	return r.Current().LogValue()
}

var (
	_ fmt.Stringer   = (*Ring)(nil)
	_ fmt.Formatter  = (*Ring)(nil)
	_ json.Marshaler = (*Ring)(nil)
	_ slog.LogValuer = (*Ring)(nil)
)

// State names are also used by the CLI and the docs.
func (st State) String() string {
	switch st {
	case StatePending:
		return "pending"
	case StatePrimary:
		return "primary"
	case StateVerifyOnly:
		return "verify-only"
	case StateExpired:
		return "expired"
	}
	return "State(" + strconv.Itoa(int(st)) + ")"
}
