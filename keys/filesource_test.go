package keys

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for a logger writing from a goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// errSink collects the errors given to OnError.
type errSink struct {
	mu   sync.Mutex
	errs []error
}

func (e *errSink) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, err)
}

func (e *errSink) all() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

var fileClock = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// watchHarness is a watched file with its logger, error sink and reload
// record.
type watchHarness struct {
	path    string
	src     *FileSource
	log     *syncBuffer
	errs    *errSink
	mu      sync.Mutex
	reloads []*Set
}

func (h *watchHarness) reloaded() []*Set {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*Set(nil), h.reloads...)
}

func newWatch(t *testing.T, path string, interval time.Duration) *watchHarness {
	t.Helper()
	h := &watchHarness{path: path, log: &syncBuffer{}, errs: &errSink{}}
	src, err := WatchFile(path, FileSourceConfig{
		UsableConfig: UsableConfig{Now: func() time.Time { return fileClock }},
		Interval:     interval,
		Logger:       slog.New(slog.NewTextHandler(h.log, nil)),
		OnError:      h.errs.add,
		OnReload: func(s *Set) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.reloads = append(h.reloads, s)
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, src.Close()) })
	h.src = src
	return h
}

func writeSet(t *testing.T, path string, ks ...*Key) *Set {
	t.Helper()
	s := mustSet(t, ks...)
	require.NoError(t, SaveFile(path, s))
	return s
}

func TestWatchFileReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	a, b := mustGenerate(t, V4Local), mustGenerate(t, V4Local)
	writeSet(t, path, a)
	h := newWatch(t, path, -1)
	require.Equal(t, 1, h.src.Current().Len())

	// Unchanged file: nothing happens.
	require.NoError(t, h.src.Reload())
	assert.Empty(t, h.reloaded())

	// Touched, same content: no reload either.
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(path, later, later))
	require.NoError(t, h.src.Reload())
	assert.Empty(t, h.reloaded())

	writeSet(t, path, a.WithValidity(time.Time{}, fileClock.AddDate(0, 1, 0)), b.WithValidity(fileClock.Add(time.Hour), time.Time{}))
	require.NoError(t, h.src.Reload())
	cur := h.src.Current()
	assert.Equal(t, 2, cur.Len())
	assert.Equal(t, []*Set{cur}, h.reloaded())
	assert.Same(t, cur, h.src.Ring().Current())
	p, err := cur.Primary(fileClock)
	require.NoError(t, err)
	assert.Equal(t, a.ID(), p.ID())
	assert.Contains(t, h.log.String(), "key set reloaded")
	assert.Contains(t, h.log.String(), a.ID())
	assert.Empty(t, h.errs.all())
}

func TestWatchFileRefuses(t *testing.T) {
	good := mustGenerate(t, V4Local)
	pendingOnly := mustGenerate(t, V4Local).WithValidity(fileClock.Add(time.Hour), time.Time{})
	expired := mustGenerate(t, V4Local).WithValidity(time.Time{}, fileClock.Add(-time.Hour))
	verifyOnly := mustPublic(t, mustGenerate(t, EdDSA))
	marshal := func(ks ...*Key) []byte {
		b, err := mustSet(t, ks...).MarshalFile()
		require.NoError(t, err)
		return b
	}

	tests := []struct {
		name    string
		write   func(path string) // nil: the file is removed
		wantErr error
	}{
		{name: "malformed JSON", write: writeBytes([]byte(`{"version": 1, "keys": [`)), wantErr: ErrInvalidSet},
		{name: "empty file", write: writeBytes(nil), wantErr: ErrInvalidSet},
		{name: "no keys", write: writeBytes([]byte(`{"version": 1, "keys": []}`)), wantErr: ErrInvalidSet},
		{name: "unknown version", write: writeBytes(bytes.Replace(marshal(good), []byte(`"version": 1`), []byte(`"version": 2`), 1)), wantErr: ErrInvalidSet},
		{name: "only a pending key", write: writeBytes(marshal(pendingOnly)), wantErr: ErrNoPrimary},
		{name: "only an expired key", write: writeBytes(marshal(expired)), wantErr: ErrNoPrimary},
		{name: "only a verify-only key", write: writeBytes(marshal(verifyOnly)), wantErr: ErrNoPrimary},
		{name: "removed", write: nil, wantErr: os.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.json")
			before := writeSet(t, path, good)
			h := newWatch(t, path, -1)
			inForce := h.src.Current()
			require.Equal(t, before.Len(), inForce.Len())

			if tc.write == nil {
				require.NoError(t, os.Remove(path))
			} else {
				tc.write(path)
			}
			err := h.src.Reload()
			require.ErrorIs(t, err, tc.wantErr)
			assert.Same(t, inForce, h.src.Current(), "the old set stays in force")
			assert.Empty(t, h.reloaded())
			require.Len(t, h.errs.all(), 1)
			assert.ErrorIs(t, h.errs.all()[0], tc.wantErr)
			assert.Contains(t, h.log.String(), "refused")

			// The same broken file is reported once, not on every poll.
			assert.ErrorIs(t, h.src.Reload(), tc.wantErr)
			assert.Len(t, h.errs.all(), 1)

			// Restoring the file clears the error without a reload.
			writeSet(t, path, good)
			assert.NoError(t, h.src.Reload())
			assert.Same(t, inForce, h.src.Current())
		})
	}
}

func writeBytes(b []byte) func(string) {
	return func(path string) {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			panic(err)
		}
	}
}

func TestWatchFileInitialLoad(t *testing.T) {
	dir := t.TempDir()
	_, err := WatchFile(filepath.Join(dir, "missing.json"), FileSourceConfig{Interval: -1})
	assert.ErrorIs(t, err, os.ErrNotExist)

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("{}"), 0o600))
	_, err = WatchFile(bad, FileSourceConfig{Interval: -1})
	assert.ErrorIs(t, err, ErrInvalidSet)

	// A set with only public keys: refused by default, accepted by a
	// program that only verifies.
	pub := filepath.Join(dir, "pub.json")
	writeSet(t, pub, mustPublic(t, mustGenerate(t, ES256)))
	_, err = WatchFile(pub, FileSourceConfig{Interval: -1})
	assert.ErrorIs(t, err, ErrNoPrimary)
	src, err := WatchFile(pub, FileSourceConfig{Interval: -1, UsableConfig: UsableConfig{AllowNoPrimary: true}})
	require.NoError(t, err)
	assert.Equal(t, 1, src.Current().Len())
	require.NoError(t, src.Close())

	// PrimaryFor: a v4.local issuer needs a v4.local primary.
	jwt := filepath.Join(dir, "jwt.json")
	writeSet(t, jwt, mustGenerate(t, HS256))
	_, err = WatchFile(jwt, FileSourceConfig{Interval: -1, UsableConfig: UsableConfig{PrimaryFor: []Algorithm{V4Local}}})
	assert.ErrorIs(t, err, ErrNoPrimary)
}

// TestWatchFileKubernetesSwap reproduces how the kubelet updates a mounted
// secret: the file is a symbolic link through "..data", which is swapped
// atomically to a new timestamped directory. The polling goroutine must
// see the new content.
func TestWatchFileKubernetesSwap(t *testing.T) {
	dir := t.TempDir()
	a, b := mustGenerate(t, V4Local), mustGenerate(t, V4Local)

	publish := func(version string, ks ...*Key) {
		vdir := filepath.Join(dir, "..2026_01_15_12_00_00."+version)
		require.NoError(t, os.Mkdir(vdir, 0o700))
		writeSet(t, filepath.Join(vdir, "keys.json"), ks...)
		tmp := filepath.Join(dir, "..data_tmp")
		require.NoError(t, os.Symlink(filepath.Base(vdir), tmp))
		require.NoError(t, os.Rename(tmp, filepath.Join(dir, "..data")))
	}
	publish("1", a)
	path := filepath.Join(dir, "keys.json")
	require.NoError(t, os.Symlink(filepath.Join("..data", "keys.json"), path))

	h := newWatch(t, path, 2*time.Millisecond)
	require.True(t, h.src.Current().Len() == 1)
	_, err := h.src.Current().Lookup(a.ID())
	require.NoError(t, err)

	publish("2", a, b)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "..2026_01_15_12_00_00.1")))
	require.Eventually(t, func() bool { return h.src.Current().Len() == 2 }, 5*time.Second, time.Millisecond)
	_, err = h.src.Current().Lookup(b.ID())
	assert.NoError(t, err)
	assert.Len(t, h.reloaded(), 1)
	assert.Empty(t, h.errs.all())

	// A broken update is refused by the polling goroutine: reported once,
	// the set in force stays.
	inForce := h.src.Current()
	vdir := filepath.Join(dir, "..2026_01_15_12_00_00.3")
	require.NoError(t, os.Mkdir(vdir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(vdir, "keys.json"), []byte(`{"version": 1, "keys": []}`), 0o600))
	tmp := filepath.Join(dir, "..data_tmp")
	require.NoError(t, os.Symlink(filepath.Base(vdir), tmp))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "..data")))
	require.Eventually(t, func() bool { return len(h.errs.all()) == 1 }, 5*time.Second, time.Millisecond)
	assert.ErrorIs(t, h.errs.all()[0], ErrInvalidSet)
	assert.Same(t, inForce, h.src.Current())
}

// TestWatchFileRewriteInPlace rewrites the file in place with the same size
// and modification time: only the periodic content hash can see it.
func TestWatchFileRewriteInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	a, b := mustGenerate(t, V4Local), mustGenerate(t, V4Local)
	writeSet(t, path, a)
	info, err := os.Stat(path)
	require.NoError(t, err)

	h := newWatch(t, path, 2*time.Millisecond)
	data, err := mustSet(t, b).MarshalFile()
	require.NoError(t, err)
	require.Equal(t, info.Size(), int64(len(data)), "two v4.local sets have the same size")
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(data, 0)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, os.Chtimes(path, info.ModTime(), info.ModTime()))

	require.Eventually(t, func() bool {
		_, err := h.src.Current().Lookup(b.ID())
		return err == nil
	}, 5*time.Second, time.Millisecond)
}

func TestWatchFileClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	writeSet(t, path, mustGenerate(t, V4Local))
	src, err := WatchFile(path, FileSourceConfig{Interval: time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, src.Close())
	select {
	case <-src.done:
	default:
		t.Fatal("the polling goroutine is still running after Close")
	}
	require.NoError(t, src.Close(), "Close twice is fine")
	assert.Equal(t, 1, src.Current().Len(), "the set stays available after Close")
}

// TestWatchFileConcurrent reloads while readers verify; run with -race.
func TestWatchFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	writeSet(t, path, mustGenerate(t, V4Local))
	h := newWatch(t, path, -1)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := h.src.Current().Primary(fileClock); err != nil {
					t.Errorf("reader saw a set without a primary: %v", err)
					return
				}
			}
		}()
	}
	for i := 0; i < 20; i++ {
		writeSet(t, path, mustGenerate(t, V4Local))
		require.NoError(t, h.src.Reload())
		if i%5 == 0 {
			writeBytes([]byte("broken"))(path)
			require.Error(t, h.src.Reload())
		}
	}
	close(stop)
	wg.Wait()
	assert.Len(t, h.reloaded(), 20)
}

func TestLoadEnv(t *testing.T) {
	k := mustGenerate(t, V4Local)
	data, err := mustSet(t, k).MarshalFile()
	require.NoError(t, err)
	t.Setenv("SESSIONTOKEN_TEST_KEYS", string(data))
	r, err := LoadEnv("SESSIONTOKEN_TEST_KEYS", UsableConfig{})
	require.NoError(t, err)
	_, err = r.Current().Lookup(k.ID())
	assert.NoError(t, err)

	_, err = LoadEnv("SESSIONTOKEN_TEST_UNSET", UsableConfig{})
	assert.ErrorIs(t, err, ErrInvalidSet)

	pending, err := mustSet(t, k.WithValidity(fileClock.Add(time.Hour), time.Time{})).MarshalFile()
	require.NoError(t, err)
	t.Setenv("SESSIONTOKEN_TEST_KEYS", string(pending))
	_, err = LoadEnv("SESSIONTOKEN_TEST_KEYS", UsableConfig{Now: func() time.Time { return fileClock }})
	assert.ErrorIs(t, err, ErrNoPrimary)
	assert.True(t, errors.Is(err, ErrInvalidSet))
}
