package redissource

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func testPolicy() policy {
	return policy{alg: keys.V4Local, period: 24 * time.Hour, propagation: 2 * time.Hour, retain: 4*time.Hour + time.Minute}
}

func mustKey(t testing.TB, alg keys.Algorithm) *keys.Key {
	t.Helper()
	k, err := keys.Generate(alg)
	require.NoError(t, err)
	return k
}

func TestPlan(t *testing.T) {
	p := testPolicy()
	first := mustKey(t, keys.V4Local).WithValidity(t0, time.Time{})
	other := mustKey(t, keys.EdDSA) // an operator's key of another algorithm
	expired := mustKey(t, keys.V4Local).WithValidity(t0.Add(-48*time.Hour), t0.Add(time.Hour))
	due := t0.Add(p.period)

	tests := []struct {
		name        string
		cur         []*keys.Key
		now         time.Time
		wantChanged bool
		wantLen     int
		wantNewFrom time.Time // zero: no new key
		wantOldEnd  time.Time // VerifyUntil of first, if it is kept
	}{
		{name: "bootstrap", cur: nil, now: t0, wantChanged: true, wantLen: 1, wantNewFrom: t0},
		{name: "only another algorithm: bootstrap", cur: []*keys.Key{other}, now: t0, wantChanged: true, wantLen: 2, wantNewFrom: t0},
		{name: "fresh primary: nothing", cur: []*keys.Key{first, other}, now: t0.Add(time.Hour), wantLen: 2},
		{name: "just before propagation", cur: []*keys.Key{first}, now: due.Add(-p.propagation - time.Nanosecond), wantLen: 1},
		{name: "at propagation", cur: []*keys.Key{first}, now: due.Add(-p.propagation), wantChanged: true, wantLen: 2,
			wantNewFrom: due, wantOldEnd: due.Add(p.retain)},
		{name: "late rotation waits the full propagation", cur: []*keys.Key{first}, now: due.Add(5 * time.Hour), wantChanged: true, wantLen: 2,
			wantNewFrom: due.Add(5*time.Hour + p.propagation), wantOldEnd: due.Add(5*time.Hour + p.propagation + p.retain)},
		{name: "prune expired", cur: []*keys.Key{expired, first}, now: t0.Add(2 * time.Hour), wantChanged: true, wantLen: 1},
		{name: "operator end brings rotation forward", cur: []*keys.Key{first.WithValidity(t0, t0.Add(10*time.Hour))},
			now: t0.Add(10*time.Hour - p.retain - p.propagation), wantChanged: true, wantLen: 2, wantNewFrom: t0.Add(10*time.Hour - p.retain)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next, changed, err := plan(tc.cur, tc.now, p, keys.Generate)
			require.NoError(t, err)
			assert.Equal(t, tc.wantChanged, changed)
			require.Len(t, next, tc.wantLen)
			_, err = keys.NewSet(next...)
			require.NoError(t, err, "the plan is always a valid set")
			if !tc.wantNewFrom.IsZero() {
				n := next[len(next)-1]
				assert.Equal(t, p.alg, n.Algorithm())
				assert.True(t, tc.wantNewFrom.Equal(n.IssueFrom()), "new key issues from %v, want %v", n.IssueFrom(), tc.wantNewFrom)
				assert.True(t, n.VerifyUntil().IsZero())
			}
			for _, k := range next {
				if k.ID() == first.ID() && !tc.wantOldEnd.IsZero() {
					assert.True(t, tc.wantOldEnd.Equal(k.VerifyUntil()), "old key ends %v, want %v", k.VerifyUntil(), tc.wantOldEnd)
				}
				assert.NotEqual(t, expired.ID(), k.ID(), "expired keys are pruned")
			}
		})
	}

	// Generation failures are reported, not swallowed.
	boom := errors.New("boom")
	_, _, err := plan(nil, t0, p, func(keys.Algorithm) (*keys.Key, error) { return nil, boom })
	assert.ErrorIs(t, err, boom)
}

// token is one issued token of the property test's model.
type token struct {
	kid string
	exp time.Time
}

// instance is one process of the model: a ring fed from the store at the
// moments the schedule chooses.
type instance struct {
	ring     keys.Ring
	gen      int64
	lastLoad time.Time
}

// store is the model of the Redis hash: the sealed document.
type store struct {
	doc []byte
	mac string
	gen int64
	set *keys.Set // the document opened once, for the checks
}

// TestRotationProperty runs a few hundred random rotation schedules over
// three instances that reload at random moments (each at least once per
// poll interval, as the background loop guarantees) and one of which, at
// random, runs the maintenance step. It checks, at every step, that
//
//   - every instance has a primary key (issuing never stops);
//   - every token still within its lifetime verifies at every instance,
//     whichever instance issued it and whatever each has loaded, where
//     "verifies" means its kid is in the instance's set and the key
//     VerifiesAt now;
//   - no token whose key was removed from the store verifies anywhere.
//
// Time comes from the schedule: nothing sleeps. Seeds are fixed.
func TestRotationProperty(t *testing.T) {
	cases := 300
	if testing.Short() || raceEnabled {
		cases = 40
	}
	master := mustKey(t, keys.V4Local)
	seal, err := newSealer(master, "prop:")
	require.NoError(t, err)
	var published int64
	var removed int
	for seed := uint64(1); seed <= uint64(cases); seed++ {
		p, r := runSchedule(t, seed, seal)
		if t.Failed() {
			t.Fatalf("seed %d failed", seed)
		}
		published += p
		removed += r
	}
	// The schedules must rotate and prune, or the test proves nothing.
	t.Logf("%d schedules: %d publications, %d keys removed", cases, published, removed)
	assert.Greater(t, published, int64(2*cases), "schedules rotate several times each")
	assert.Greater(t, removed, cases, "schedules prune keys")
}

// runSchedule runs one schedule and returns how many times the store was
// published after the first set and how many keys were removed from it.
func runSchedule(t *testing.T, seed uint64, seal *sealer) (published int64, removedKeys int) {
	rng := rand.New(rand.NewPCG(seed, 0x5e55))
	unit := time.Minute
	poll := time.Duration(1+rng.IntN(10)) * unit
	p := policy{alg: keys.V4Local}
	p.propagation = poll * time.Duration(2+rng.IntN(4))
	p.period = p.propagation + time.Duration(1+rng.IntN(15))*poll
	lifetime := time.Duration(1+rng.IntN(20)) * poll
	leeway := time.Duration(rng.IntN(3)) * unit
	p.retain = lifetime + leeway
	maxStep := poll / 8

	now := t0.Add(time.Duration(rng.IntN(1000)) * time.Second)
	var st store
	publish := func(ks []*keys.Key) {
		st.gen++
		doc, mac, err := seal.seal(ks, st.gen)
		require.NoError(t, err)
		st.doc, st.mac = doc, mac
		st.set, _, err = seal.open(doc, mac)
		require.NoError(t, err)
	}
	storedIDs := func() map[string]bool {
		ids := map[string]bool{}
		for _, k := range st.set.Keys() {
			ids[k.ID()] = true
		}
		return ids
	}
	// maintain is Rotate's locked part: plan on the stored set, publish.
	maintain := func() {
		next, changed, err := plan(st.set.Keys(), now, p, keys.Generate)
		require.NoError(t, err)
		if changed {
			publish(next)
		}
	}
	// load is Refresh: one look at the generation, the document opened
	// only when it changed.
	load := func(in *instance) {
		in.lastLoad = now
		if in.gen == st.gen {
			return
		}
		set, gen, err := seal.open(st.doc, st.mac)
		require.NoError(t, err)
		require.NoError(t, in.ring.Store(set))
		in.gen = gen
	}

	// Startup: the first instance creates the set, New loads it everywhere.
	first, _, err := plan(nil, now, p, keys.Generate)
	require.NoError(t, err)
	publish(first)
	insts := make([]*instance, 3)
	for i := range insts {
		insts[i] = &instance{}
		load(insts[i])
	}

	removed := map[string]bool{}  // keys removed from the store
	issuedBy := map[string]bool{} // keys that issued a token now expired
	var tokens []token
	lastMaint := now
	for step := 0; step < 500; step++ {
		now = now.Add(time.Duration(1 + rng.Int64N(int64(maxStep))))
		before := storedIDs()

		// Maintenance by a random instance, at random, and by someone at
		// least once per poll interval. Like Rotate, it first asks its
		// own (possibly stale) view whether anything is due.
		if rng.IntN(3) == 0 || now.Sub(lastMaint) > poll-maxStep {
			in := insts[rng.IntN(len(insts))]
			_, changed, err := plan(in.ring.Current().Keys(), now, p, func(keys.Algorithm) (*keys.Key, error) { return nil, errDryRun })
			if err != nil || changed || now.Sub(lastMaint) > poll-maxStep {
				maintain()
				lastMaint = now
			}
		}
		after := storedIDs()
		for id := range before {
			if !after[id] {
				removed[id] = true
			}
		}

		// Reloads in random order, each instance at least once per poll
		// interval.
		for _, i := range rng.Perm(len(insts)) {
			if in := insts[i]; rng.IntN(8) == 0 || now.Sub(in.lastLoad) > poll-maxStep {
				load(in)
			}
		}

		// Issue a few tokens from random instances.
		for n := rng.IntN(3); n > 0; n-- {
			in := insts[rng.IntN(len(insts))]
			k, err := in.ring.Current().PrimaryFor(now, p.alg)
			if !assert.NoError(t, err, "seed %d step %d: an instance cannot issue", seed, step) {
				return 0, 0
			}
			life := time.Duration(1 + rng.Int64N(int64(lifetime)))
			tokens = append(tokens, token{kid: k.ID(), exp: now.Add(life)})
		}

		// Every live token verifies at every instance.
		kept := tokens[:0]
		for _, tok := range tokens {
			if !now.Before(tok.exp) {
				issuedBy[tok.kid] = true
				continue // expired: only its key's removal is checked below
			}
			for i, in := range insts {
				k, err := in.ring.Current().Lookup(tok.kid)
				if err != nil || !k.VerifiesAt(now) {
					t.Errorf("seed %d step %d: instance %d (gen %d of %d) rejects a live token of %s (exp in %v); policy %+v poll %v",
						seed, step, i, in.gen, st.gen, tok.kid, tok.exp.Sub(now), p, poll)
					return 0, 0
				}
			}
			kept = append(kept, tok)
		}
		tokens = kept
		// No token of a removed key verifies anywhere: checked per key,
		// for every key that issued a token and was removed.
		for kid := range removed {
			if !issuedBy[kid] {
				continue
			}
			for i, in := range insts {
				if k, err := in.ring.Current().Lookup(kid); err == nil && k.VerifiesAt(now) {
					t.Errorf("seed %d step %d: instance %d verifies a token of removed key %s", seed, step, i, kid)
					return 0, 0
				}
			}
		}
	}
	return st.gen - 1, len(removed)
}
