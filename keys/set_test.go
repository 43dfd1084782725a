package keys

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// t0 is the fixed instant the set tests are built around.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

// rotationSet is a set in the middle of a rotation, with one key in every
// state at day(10):
//
//	old:      issues [day 0, day 20): primary until new takes over, then verify-only
//	current:  issues from day 5, verifies forever
//	next:     issues from day 15 (pending at day 10)
//	retired:  stopped verifying at day 8 (expired at day 10)
//	verifier: the public half of an Ed25519 pair: never primary
type rotationSet struct {
	set                                   *Set
	old, current, next, retired, verifier *Key
}

func newRotationSet(t *testing.T) rotationSet {
	t.Helper()
	var r rotationSet
	r.old = mustGenerate(t, V4Local).WithValidity(day(0), day(20))
	r.current = mustGenerate(t, V4Local).WithValidity(day(5), time.Time{})
	r.next = mustGenerate(t, V4Local).WithValidity(day(15), time.Time{})
	r.retired = mustGenerate(t, V4Local).WithValidity(time.Time{}, day(8))
	r.verifier = mustPublic(t, mustGenerate(t, V4Public))
	s, err := NewSet(r.old, r.current, r.next, r.retired, r.verifier)
	require.NoError(t, err)
	r.set = s
	return r
}

func TestSetPrimary(t *testing.T) {
	r := newRotationSet(t)
	tests := []struct {
		name    string
		now     time.Time
		want    *Key
		wantErr error
	}{
		{name: "before every window: the retired key has no start", now: day(-1), want: r.retired},
		{name: "old becomes primary at its IssueFrom exactly", now: day(0), want: r.old},
		{name: "old is the latest start", now: day(4), want: r.old},
		{name: "current takes over at its IssueFrom", now: day(5), want: r.current},
		{name: "current while next is pending", now: day(10), want: r.current},
		{name: "next takes over", now: day(15), want: r.next},
		{name: "long after: next stays", now: day(1000), want: r.next},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.set.Primary(tc.now)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Same(t, tc.want, got)
		})
	}
}

func TestSetPrimaryNone(t *testing.T) {
	pending := mustGenerate(t, V4Local).WithValidity(day(5), time.Time{})
	expired := mustGenerate(t, HS256).WithValidity(time.Time{}, day(1))
	verifier := mustPublic(t, mustGenerate(t, ES256))
	empty, err := NewSet()
	require.NoError(t, err)
	tests := []struct {
		name string
		keys []*Key
		now  time.Time
	}{
		{name: "empty set", now: day(0)},
		{name: "only pending", keys: []*Key{pending}, now: day(0)},
		{name: "only expired", keys: []*Key{expired}, now: day(1)},
		{name: "only a verify-only public key", keys: []*Key{verifier}, now: day(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := empty
			if len(tc.keys) > 0 {
				s, err = NewSet(tc.keys...)
				require.NoError(t, err)
			}
			k, err := s.Primary(tc.now)
			assert.ErrorIs(t, err, ErrNoPrimary)
			assert.Nil(t, k)
		})
	}
}

func TestSetPrimaryTieGoesToLast(t *testing.T) {
	a := mustGenerate(t, V4Local).WithValidity(day(1), time.Time{})
	b := mustGenerate(t, V4Local).WithValidity(day(1), time.Time{})
	s, err := NewSet(a, b)
	require.NoError(t, err)
	got, err := s.Primary(day(2))
	require.NoError(t, err)
	assert.Same(t, b, got)
}

func TestSetStates(t *testing.T) {
	r := newRotationSet(t)
	now := day(10)
	tests := []struct {
		name        string
		key         *Key
		want        State
		wantIssues  bool
		wantVerifes bool
	}{
		{name: "old: superseded", key: r.old, want: StateVerifyOnly, wantIssues: true, wantVerifes: true},
		{name: "current", key: r.current, want: StatePrimary, wantIssues: true, wantVerifes: true},
		{name: "next: published ahead", key: r.next, want: StatePending, wantIssues: false, wantVerifes: true},
		{name: "retired", key: r.retired, want: StateExpired, wantIssues: false, wantVerifes: false},
		{name: "public half", key: r.verifier, want: StateVerifyOnly, wantIssues: true, wantVerifes: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.set.State(tc.key.ID(), now)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got, "got %v", got)
			assert.Equal(t, tc.wantIssues, tc.key.IssuesAt(now), "IssuesAt")
			assert.Equal(t, tc.wantVerifes, tc.key.VerifiesAt(now), "VerifiesAt")
		})
	}
	_, err := r.set.State("k4.lid.nope", now)
	assert.ErrorIs(t, err, ErrUnknownKey)
	assert.Equal(t, "pending primary verify-only expired State(0)",
		StatePending.String()+" "+StatePrimary.String()+" "+StateVerifyOnly.String()+" "+StateExpired.String()+" "+State(0).String())
}

func TestKeyWindows(t *testing.T) {
	k := mustGenerate(t, V4Local).WithValidity(day(1), day(3))
	tests := []struct {
		name             string
		now              time.Time
		issues, verifies bool
	}{
		{name: "before IssueFrom: pending verifies", now: day(0), issues: false, verifies: true},
		{name: "at IssueFrom", now: day(1), issues: true, verifies: true},
		{name: "inside", now: day(2), issues: true, verifies: true},
		{name: "a nanosecond before VerifyUntil", now: day(3).Add(-1), issues: true, verifies: true},
		{name: "at VerifyUntil", now: day(3), issues: false, verifies: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.issues, k.IssuesAt(tc.now))
			assert.Equal(t, tc.verifies, k.VerifiesAt(tc.now))
		})
	}
	open := mustGenerate(t, V4Local)
	assert.True(t, open.IssuesAt(time.Time{}))
	assert.True(t, open.VerifiesAt(day(1<<20)))
	assert.Equal(t, day(1), k.IssueFrom())
	assert.Equal(t, day(3), k.VerifyUntil())
}

func TestSetLookup(t *testing.T) {
	r := newRotationSet(t)
	for _, k := range []*Key{r.old, r.current, r.next, r.retired, r.verifier} {
		got, err := r.set.Lookup(k.ID())
		require.NoError(t, err)
		assert.Same(t, k, got, "Lookup returns the key whatever its window")
	}
	for _, id := range []string{"", "k4.lid.unknown", r.current.ID() + "x"} {
		k, err := r.set.Lookup(id)
		assert.ErrorIs(t, err, ErrUnknownKey)
		assert.Nil(t, k)
	}
	assert.Equal(t, 5, r.set.Len())
	ks := r.set.Keys()
	ks[0] = nil
	assert.NotNil(t, r.set.Keys()[0], "Keys returns a copy")
	assert.Same(t, r.set, r.set.Current())

	allocs := testing.AllocsPerRun(100, func() {
		_, _ = r.set.Lookup(r.current.ID())
		_, _ = r.set.Lookup("k4.lid.unknown")
	})
	assert.Zero(t, allocs, "Lookup is on the verify path")
}

func TestNewSetRejects(t *testing.T) {
	local := mustGenerate(t, V4Local)
	secret, err := local.ExportSecret()
	require.NoError(t, err)
	hsSameSecret, err := NewHS256(secret)
	require.NoError(t, err)
	pair := mustGenerate(t, V4Public)
	edPriv, err := pair.ExportPrivateKey()
	require.NoError(t, err)
	eddsaSamePair, err := NewEdDSA(edPriv.(ed25519.PrivateKey))
	require.NoError(t, err)

	tests := []struct {
		name string
		keys []*Key
	}{
		{name: "nil key", keys: []*Key{local, nil}},
		{name: "zero key", keys: []*Key{{}}},
		{name: "same key twice", keys: []*Key{local, local}},
		{name: "same key, other window", keys: []*Key{local, local.WithValidity(day(1), time.Time{})}},
		{name: "pair and its public half", keys: []*Key{pair, mustPublic(t, pair)}},
		{name: "v4.local secret reused for HS256", keys: []*Key{local, hsSameSecret}},
		{name: "Ed25519 pair reused for v4.public and EdDSA", keys: []*Key{pair, eddsaSamePair}},
		{name: "window ends before it starts", keys: []*Key{local.WithValidity(day(2), day(1))}},
		{name: "empty window", keys: []*Key{local.WithValidity(day(2), day(2))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSet(tc.keys...)
			assert.ErrorIs(t, err, ErrInvalidKey)
			assert.Nil(t, s)
		})
	}
}

func TestSetPrimaryForMixedFormats(t *testing.T) {
	local := mustGenerate(t, V4Local).WithValidity(day(0), time.Time{})
	public := mustGenerate(t, V4Public).WithValidity(day(1), time.Time{})
	hs := mustGenerate(t, HS256).WithValidity(day(2), time.Time{})
	es := mustGenerate(t, ES256).WithValidity(day(3), time.Time{})
	s := mustSet(t, local, public, hs, es)
	now := day(5)

	tests := []struct {
		name string
		algs []Algorithm
		want *Key
	}{
		{name: "any algorithm: the latest", algs: nil, want: es},
		{name: "v4.local", algs: []Algorithm{V4Local}, want: local},
		{name: "v4.public", algs: []Algorithm{V4Public}, want: public},
		{name: "JWT", algs: []Algorithm{HS256, EdDSA, ES256}, want: es},
		{name: "HS256 only", algs: []Algorithm{HS256}, want: hs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.PrimaryFor(now, tc.algs...)
			require.NoError(t, err)
			assert.Same(t, tc.want, got)
		})
	}
	_, err := s.PrimaryFor(now, EdDSA)
	assert.ErrorIs(t, err, ErrNoPrimary)

	// One primary per format: the v4.local key is primary although a
	// later key of another format exists; the HS256 key is superseded by
	// the later ES256 key of the same format.
	for _, tc := range []struct {
		key  *Key
		want State
	}{{local, StatePrimary}, {public, StatePrimary}, {hs, StateVerifyOnly}, {es, StatePrimary}} {
		got, err := s.State(tc.key.ID(), now)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%v: %v", tc.key, got)
	}

	allocs := testing.AllocsPerRun(100, func() { _, _ = s.PrimaryFor(now, V4Local) })
	assert.Zero(t, allocs)
}
