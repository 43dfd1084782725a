package redissource

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/internal/redistest"
	"github.com/sessiontoken/sessiontoken/keys"
)

// clock is a manual clock shared by the instances of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// fleet is what the instances of one test share.
type fleet struct {
	client redis.UniversalClient
	prefix string
	master *keys.Key
	clock  *clock
}

func newFleet(t *testing.T) *fleet {
	c, prefix := redistest.Client(t)
	return &fleet{client: c, prefix: prefix, master: mustKey(t, keys.V4Local), clock: &clock{t: t0}}
}

// config is the test schedule: a key is primary for a day, published two
// hours ahead, and verifies four hours and a minute after it stops issuing.
// PollInterval is long so that the background loop stays idle: tests drive
// Refresh and Rotate by hand.
func (f *fleet) config() Config {
	return Config{
		Client:           f.client,
		Prefix:           f.prefix,
		MasterKey:        f.master,
		RotationPeriod:   24 * time.Hour,
		PropagationDelay: 2 * time.Hour,
		MaxTokenLifetime: 4 * time.Hour,
		Leeway:           time.Minute,
		PollInterval:     time.Hour,
		Now:              f.clock.Now,
		Logger:           slog.New(slog.DiscardHandler),
	}
}

func (f *fleet) start(t *testing.T, cfg Config) *Source {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := New(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func ids(s *keys.Set) []string {
	var out []string
	for _, k := range s.Keys() {
		out = append(out, k.ID())
	}
	return out
}

func primary(t *testing.T, s *Source, now time.Time) string {
	t.Helper()
	k, err := s.Current().PrimaryFor(now, keys.V4Local)
	require.NoError(t, err)
	return k.ID()
}

func TestBootstrapAndFollow(t *testing.T) {
	f := newFleet(t)
	a := f.start(t, f.config())
	require.Equal(t, 1, a.Current().Len())
	first := a.Current().Keys()[0]
	assert.True(t, t0.Equal(first.IssueFrom()), "the first key issues at once")
	assert.Equal(t, first.ID(), primary(t, a, t0))

	b := f.start(t, f.config())
	assert.Equal(t, ids(a.Current()), ids(b.Current()), "a second instance loads the same set")
	ro := f.start(t, func() Config { c := f.config(); c.ReadOnly = true; return c }())
	assert.Equal(t, ids(a.Current()), ids(ro.Current()))
}

// TestNoSecretInRedis runs a rotation with every algorithm, reads
// everything the source wrote, and looks for the keys' secrets in every
// encoding. A second instance must load the same keys, able to issue.
func TestNoSecretInRedis(t *testing.T) {
	for _, alg := range []keys.Algorithm{keys.V4Local, keys.V4Public, keys.HS256, keys.EdDSA, keys.ES256} {
		t.Run(alg.String(), func(t *testing.T) {
			f := newFleet(t)
			cfg := f.config()
			cfg.Algorithm = alg
			a := f.start(t, cfg)
			f.clock.Set(t0.Add(23 * time.Hour))
			rotated, err := a.Rotate(context.Background())
			require.NoError(t, err)
			require.True(t, rotated)
			require.Equal(t, 2, a.Current().Len())
			b := f.start(t, cfg)
			require.Equal(t, ids(a.Current()), ids(b.Current()))
			for _, k := range b.Current().Keys() {
				assert.True(t, k.CanIssue())
				assert.Equal(t, alg, k.Algorithm())
			}

			vals, err := f.client.HGetAll(context.Background(), a.docKey).Result()
			require.NoError(t, err)
			var stored strings.Builder
			for k, v := range vals {
				stored.WriteString(k + "=" + v + "\n")
			}
			require.Contains(t, stored.String(), "-wrap.pie.")
			masterSecret, err := f.master.ExportSecret()
			require.NoError(t, err)
			secrets := [][]byte{masterSecret}
			for _, k := range a.Current().Keys() {
				if b, err := k.ExportSecret(); err == nil {
					secrets = append(secrets, b)
				}
				if p, err := k.ExportPrivateKey(); err == nil {
					switch p := p.(type) {
					case ed25519.PrivateKey:
						secrets = append(secrets, p.Seed())
					case *ecdsa.PrivateKey:
						d, err := p.Bytes()
						require.NoError(t, err)
						secrets = append(secrets, d)
					}
				}
				if p, err := k.SecretPASERK(); err == nil {
					assert.NotContains(t, stored.String(), p)
				}
			}
			require.Len(t, secrets, 3)
			for _, sec := range secrets {
				for _, enc := range []string{string(sec), base64.RawURLEncoding.EncodeToString(sec), base64.StdEncoding.EncodeToString(sec), hex.EncodeToString(sec)} {
					assert.NotContains(t, stored.String(), enc)
				}
			}
		})
	}
}

// TestRotationSchedule walks one rotation with two instances and a manual
// clock: publish pending, switch, retire, prune.
func TestRotationSchedule(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	a := f.start(t, f.config())
	b := f.start(t, f.config())
	old := a.Current().Keys()[0]
	due := t0.Add(24 * time.Hour)

	f.clock.Set(due.Add(-2*time.Hour - time.Second))
	rotated, err := a.Rotate(ctx)
	require.NoError(t, err)
	assert.False(t, rotated, "nothing is due before the propagation delay")

	f.clock.Set(due.Add(-2 * time.Hour))
	rotated, err = a.Rotate(ctx)
	require.NoError(t, err)
	require.True(t, rotated)
	require.Equal(t, 2, a.Current().Len())
	next := a.Current().Keys()[1]
	assert.True(t, due.Equal(next.IssueFrom()), "the new key issues at the due instant")
	oldNow, err := a.Current().Lookup(old.ID())
	require.NoError(t, err)
	assert.True(t, due.Add(4*time.Hour+time.Minute).Equal(oldNow.VerifyUntil()), "old key verifies for the longest lifetime plus leeway after it stops issuing")
	state, err := a.Current().State(next.ID(), f.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, keys.StatePending, state)
	assert.Equal(t, old.ID(), primary(t, a, f.clock.Now()))

	// b has not looked yet: its set is the old one until it refreshes.
	assert.Equal(t, 1, b.Current().Len())
	rotated, err = b.Rotate(ctx)
	require.NoError(t, err)
	assert.False(t, rotated, "b's own view says due, but the stored set is already rotated")
	assert.Equal(t, 2, b.Current().Len(), "a rotation check that finds a newer set loads it")
	require.NoError(t, b.Refresh(ctx))
	assert.Equal(t, ids(a.Current()), ids(b.Current()))

	f.clock.Set(due)
	assert.Equal(t, next.ID(), primary(t, a, due))
	assert.Equal(t, next.ID(), primary(t, b, due))

	f.clock.Set(oldNow.VerifyUntil())
	rotated, err = b.Rotate(ctx)
	require.NoError(t, err)
	require.True(t, rotated, "the expired key is pruned")
	assert.Equal(t, []string{next.ID()}, ids(b.Current()))
	require.NoError(t, a.Refresh(ctx))
	assert.Equal(t, []string{next.ID()}, ids(a.Current()))
}

// TestRotateOneAtATime runs the due rotation from many instances at once:
// exactly one publishes.
func TestRotateOneAtATime(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	srcs := make([]*Source, 6)
	for i := range srcs {
		srcs[i] = f.start(t, f.config())
	}
	f.clock.Set(t0.Add(23 * time.Hour))
	var wg sync.WaitGroup
	results := make([]bool, len(srcs))
	for i, s := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Rotate(ctx)
			assert.NoError(t, err)
			results[i] = r
		}()
	}
	wg.Wait()
	n := 0
	for _, r := range results {
		if r {
			n++
		}
	}
	assert.Equal(t, 1, n, "exactly one instance rotates")
	for _, s := range srcs {
		require.NoError(t, s.Refresh(ctx))
		assert.Equal(t, 2, s.Current().Len())
	}
	exists, err := f.client.Exists(ctx, srcs[0].lockKey).Result()
	require.NoError(t, err)
	assert.Zero(t, exists, "the lock is released")
}

func TestLockHeldByAnother(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	a := f.start(t, f.config())
	require.NoError(t, f.client.Set(ctx, a.lockKey, "another-instance", time.Minute).Err())
	f.clock.Set(t0.Add(23 * time.Hour))
	rotated, err := a.Rotate(ctx)
	require.NoError(t, err)
	assert.False(t, rotated)
	assert.Equal(t, 1, a.Current().Len())
	v, err := f.client.Get(ctx, a.lockKey).Result()
	require.NoError(t, err)
	assert.Equal(t, "another-instance", v, "only the holder releases the lock")

	// The release script never deletes another holder's lock.
	n, err := releaseScript.Run(ctx, f.client, []string{a.lockKey}, "not-the-token").Int()
	require.NoError(t, err)
	assert.Zero(t, n)
	n, err = releaseScript.Run(ctx, f.client, []string{a.lockKey}, "another-instance").Int()
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	rotated, err = a.Rotate(ctx)
	require.NoError(t, err)
	assert.True(t, rotated, "once the lock is free, the rotation happens")
}

// TestRefusedDocuments alters the stored set in ways only someone without
// the master key could: every change is refused and the set in force
// stays.
func TestRefusedDocuments(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	var errs []error
	var mu sync.Mutex
	cfg := f.config()
	cfg.OnError = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
	a := f.start(t, cfg)
	inForce := a.Current()
	saved, err := f.client.HGetAll(ctx, a.docKey).Result()
	require.NoError(t, err)

	tamper := []struct {
		name   string
		fields map[string]any
	}{
		{name: "window extended", fields: map[string]any{"doc": strings.Replace(saved["doc"], `"keys":[{`, `"keys":[{"verify_until":"2099-01-01T00:00:00Z",`, 1), "gen": 99}},
		{name: "mac replaced", fields: map[string]any{"mac": base64.RawURLEncoding.EncodeToString(make([]byte, 32)), "gen": 99}},
		{name: "doc removed", fields: map[string]any{"doc": "", "gen": 99}},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, f.client.HSet(ctx, a.docKey, tc.fields).Err())
			err := a.Refresh(ctx)
			assert.ErrorIs(t, err, ErrDocument)
			assert.Same(t, inForce, a.Current())
			require.NoError(t, f.client.HSet(ctx, a.docKey, saved).Err())
			require.NoError(t, a.Refresh(ctx))
			assert.Same(t, inForce, a.Current())
		})
	}

	// A wrong master key fails at startup.
	wrong := f.config()
	wrong.MasterKey = mustKey(t, keys.V4Local)
	_, err = New(ctx, wrong)
	assert.ErrorIs(t, err, ErrDocument)

	// The same document under another prefix does not load.
	other := f.config()
	other.Prefix = f.prefix + "copy:"
	require.NoError(t, f.client.HSet(ctx, other.Prefix+"{keyset}", saved).Err())
	t.Cleanup(func() { f.client.Del(context.Background(), other.Prefix+"{keyset}") })
	_, err = New(ctx, other)
	assert.ErrorIs(t, err, ErrDocument)
}

// TestRollbackAndLoss stores an older generation back, then loses the set
// entirely: instances keep theirs, and the next rotation check publishes
// it again rather than start over.
func TestRollbackAndLoss(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	a := f.start(t, f.config())
	gen1, err := f.client.HGetAll(ctx, a.docKey).Result()
	require.NoError(t, err)
	f.clock.Set(t0.Add(23 * time.Hour))
	rotated, err := a.Rotate(ctx)
	require.NoError(t, err)
	require.True(t, rotated)
	want := ids(a.Current())

	require.NoError(t, f.client.HSet(ctx, a.docKey, gen1).Err())
	assert.ErrorIs(t, a.Refresh(ctx), ErrDocument, "an older generation is refused")
	assert.Equal(t, want, ids(a.Current()))
	rotated, err = a.Rotate(ctx)
	require.NoError(t, err)
	assert.True(t, rotated, "the newer set is published again")

	require.NoError(t, f.client.Del(ctx, a.docKey).Err())
	require.NoError(t, a.Refresh(ctx), "a missing set is not an error; the set in force stays")
	assert.Equal(t, want, ids(a.Current()))
	rotated, err = a.Rotate(ctx)
	require.NoError(t, err)
	assert.True(t, rotated, "restored")

	b := f.start(t, f.config())
	assert.Equal(t, want, ids(b.Current()), "a new instance gets the restored keys, not a fresh set")
}

// TestBackgroundLoop lets the goroutine poll for real, with a short
// interval, and checks that Close stops it.
func TestBackgroundLoop(t *testing.T) {
	f := newFleet(t)
	cfg := f.config()
	cfg.PollInterval = 5 * time.Millisecond
	reloads := make(chan *keys.Set, 16)
	cfg.OnReload = func(s *keys.Set) {
		select {
		case reloads <- s:
		default:
		}
	}
	a := f.start(t, cfg)
	<-reloads // the first load
	b := f.start(t, f.config())

	// b rotates by hand; a's loop picks the new set up by itself.
	f.clock.Set(t0.Add(23 * time.Hour))
	rotated, err := b.Rotate(context.Background())
	require.NoError(t, err)
	require.True(t, rotated)
	require.Eventually(t, func() bool { return a.Current().Len() == 2 }, 5*time.Second, time.Millisecond)

	require.NoError(t, a.Close())
	select {
	case <-a.done:
	default:
		t.Fatal("the goroutine still runs after Close")
	}
	require.NoError(t, a.Close(), "Close twice is fine")
}

func TestReadOnlyWaitsForASet(t *testing.T) {
	f := newFleet(t)
	cfg := f.config()
	cfg.ReadOnly = true
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := New(ctx, cfg)
	assert.ErrorIs(t, err, ErrRedis, "no set and nobody to make one")

	done := make(chan *Source)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := New(ctx, cfg)
		assert.NoError(t, err)
		done <- s
	}()
	w := f.start(t, f.config())
	ro := <-done
	require.NotNil(t, ro)
	defer ro.Close()
	assert.Equal(t, ids(w.Current()), ids(ro.Current()))
	rotated, err := ro.Rotate(context.Background())
	assert.NoError(t, err)
	assert.False(t, rotated, "a read-only instance never writes")
}

func TestConfig(t *testing.T) {
	f := newFleet(t)
	base := f.config()
	tests := []struct {
		name   string
		modify func(*Config)
	}{
		{name: "no client", modify: func(c *Config) { c.Client = nil }},
		{name: "no master key", modify: func(c *Config) { c.MasterKey = nil }},
		{name: "master key is HS256", modify: func(c *Config) { c.MasterKey = mustKey(t, keys.HS256) }},
		{name: "unknown algorithm", modify: func(c *Config) { c.Algorithm = keys.Algorithm(42) }},
		{name: "no token lifetime", modify: func(c *Config) { c.MaxTokenLifetime = 0 }},
		{name: "negative leeway", modify: func(c *Config) { c.Leeway = -time.Second }},
		{name: "propagation shorter than two polls", modify: func(c *Config) { c.PollInterval = time.Hour; c.PropagationDelay = 90 * time.Minute }},
		{name: "period not longer than propagation", modify: func(c *Config) { c.RotationPeriod = 2 * time.Hour }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.modify(&cfg)
			_, err := New(context.Background(), cfg)
			assert.ErrorIs(t, err, ErrConfig)
		})
	}
	c, err := Config{Client: f.client, MasterKey: f.master, MaxTokenLifetime: time.Hour}.check()
	require.NoError(t, err)
	assert.Equal(t, DefaultPrefix, c.Prefix)
	assert.Equal(t, keys.V4Local, c.Algorithm)
	assert.Equal(t, DefaultRotationPeriod, c.RotationPeriod)
	assert.Equal(t, DefaultPropagationDelay, c.PropagationDelay)
	assert.Equal(t, DefaultPollInterval, c.PollInterval)
	assert.Equal(t, DefaultLeeway, c.Leeway)
}

func TestSourceCheck(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	a := f.start(t, f.config())
	assert.NoError(t, a.Check())

	// Nobody rotates (every instance read-only, say): the primary ages.
	f.clock.Set(t0.Add(26*time.Hour + time.Second))
	require.NoError(t, a.Refresh(ctx))
	assert.ErrorIs(t, a.Check(), keys.ErrKeyTooOld)
	rotated, err := a.Rotate(ctx)
	require.NoError(t, err)
	require.True(t, rotated)
	f.clock.Set(f.clock.Now().Add(2 * time.Hour))
	require.NoError(t, a.Refresh(ctx))
	assert.NoError(t, a.Check(), "the new key took over")

	// Redis lost the set.
	require.NoError(t, f.client.Del(ctx, a.docKey).Err())
	require.NoError(t, a.Refresh(ctx))
	assert.ErrorIs(t, a.Check(), ErrDocument)

	// Redis silent for three poll intervals.
	f.clock.Set(f.clock.Now().Add(3*time.Hour + time.Second))
	assert.ErrorIs(t, a.Check(), ErrRedis)
}

func TestRetire(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	a := f.start(t, f.config())
	b := f.start(t, f.config())
	first := a.Current().Keys()[0]
	f.clock.Set(t0.Add(23 * time.Hour))
	rotated, err := a.Rotate(ctx)
	require.NoError(t, err)
	require.True(t, rotated)
	pending := a.Current().Keys()[1]

	assert.ErrorIs(t, a.Retire(ctx, "k4.lid.nope"), ErrNotFound)

	// Retiring the pending key leaves the primary alone.
	require.NoError(t, a.Retire(ctx, pending.ID()))
	assert.Equal(t, []string{first.ID()}, ids(a.Current()))

	// Retiring the primary (compromised) replaces it at once.
	require.NoError(t, b.Retire(ctx, first.ID()))
	require.NoError(t, a.Refresh(ctx))
	for _, s := range []*Source{a, b} {
		_, err := s.Current().Lookup(first.ID())
		assert.ErrorIs(t, err, keys.ErrUnknownKey)
		p := primary(t, s, f.clock.Now())
		assert.NotEqual(t, first.ID(), p)
	}

	ro := f.config()
	ro.ReadOnly = true
	r := f.start(t, ro)
	assert.ErrorIs(t, r.Retire(ctx, primary(t, a, f.clock.Now())), ErrConfig)
}

// BenchmarkRefreshUnchanged is the steady-state poll: one HGET.
func BenchmarkRefreshUnchanged(b *testing.B) {
	c, prefix := redistest.Client(b)
	master, err := keys.Generate(keys.V4Local)
	require.NoError(b, err)
	ctx := context.Background()
	s, err := New(ctx, Config{Client: c, Prefix: prefix, MasterKey: master, MaxTokenLifetime: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
