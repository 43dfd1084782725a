package keys

import (
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// DefaultPollInterval is how often a [FileSource] looks at its file when
// [FileSourceConfig.Interval] is zero.
const DefaultPollInterval = 5 * time.Second

// rehashEvery is how many polls may pass without reading the file when its
// metadata has not changed: every rehashEvery-th poll reads and hashes it
// anyway, which catches a rewrite in place that kept its size within one
// tick of the filesystem's modification time.
const rehashEvery = 12

// FileSourceConfig configures [WatchFile]. The zero value polls every
// [DefaultPollInterval], requires a primary key of any algorithm and logs
// to slog.Default().
type FileSourceConfig struct {
	// UsableConfig decides which sets may replace the one in force (the
	// clock, the algorithms that need a primary key). A set that is not
	// usable is refused and the old one stays.
	UsableConfig

	// Interval is the time between two looks at the file. If zero,
	// [DefaultPollInterval]. If negative, the source starts no goroutine
	// and the file is only read again when [FileSource.Reload] is called
	// (on SIGHUP, say, or in a test).
	Interval time.Duration

	// Logger receives one line per reload and per refused file. If nil,
	// slog.Default(). Lines carry key IDs, never key material.
	Logger *slog.Logger

	// OnError, if set, is called with each new reason a file is refused or
	// cannot be read (the same reason is reported once, not on every
	// poll). It is called from the polling goroutine and must not block.
	OnError func(error)

	// OnReload, if set, is called with each set that replaces the one in
	// force, after the replacement. It must not block.
	OnReload func(*Set)
}

// FileSource keeps a [Ring] loaded with the key-set file at a path and
// reloads it when the file changes: the way mounted secrets are rotated.
//
// Each poll stats the path, following symbolic links, and reads the file
// when its identity (device and inode), size or modification time changed,
// and in any case every few polls; it then compares a SHA-256 of the
// content with the last content it saw. Following the link at each poll is
// what catches Kubernetes' update of a mounted secret, which writes a new
// directory and swaps the "..data" symbolic link to it: the file's own
// inode never changes, so watching it with inotify misses the update.
//
// A new file is parsed ([ParseSet]) and checked ([UsableConfig]) before it
// replaces the set in force: a file that is malformed, empty, without a
// usable primary key or unreadable (for example removed for a moment) is
// refused, the old set stays in force, and the reason goes to the logger
// and to OnError. Tokens are never verified against a half-written or
// broken file.
//
// A FileSource is safe for concurrent use. Close stops its goroutine.
type FileSource struct {
	path string
	cfg  FileSourceConfig
	log  *slog.Logger
	ring Ring

	mu      sync.Mutex // serialises reloads; guards the fields below
	info    os.FileInfo
	polls   int
	applied [sha256.Size]byte // content of the set in force
	refused [sha256.Size]byte // content last refused, if lastErr != nil
	lastErr error             // reason last reported, nil once the file is fine again

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

var _ Source = (*FileSource)(nil)

// WatchFile loads the key-set file at path into a [Ring] and, unless
// cfg.Interval is negative, starts a goroutine that reloads it when it
// changes (see [FileSource]). The first load must succeed: WatchFile fails,
// with the reason, when the file cannot be read, parsed or used.
// Call [FileSource.Close] to stop the goroutine.
func WatchFile(path string, cfg FileSourceConfig) (*FileSource, error) {
	if cfg.Interval == 0 {
		cfg.Interval = DefaultPollInterval
	}
	s := &FileSource{path: path, cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	info, sum, set, err := s.load()
	if err != nil {
		return nil, err
	}
	if err := s.ring.Store(set); err != nil {
		return nil, err
	}
	s.info, s.applied = info, sum
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	if cfg.Interval < 0 {
		close(s.done)
		return s, nil
	}
	go s.run()
	return s, nil
}

// Current returns the set in force, with one atomic load.
func (s *FileSource) Current() *Set { return s.ring.Current() }

// Ring returns the ring the source stores into, for code that wants a
// [*Ring] rather than a [Provider].
func (s *FileSource) Ring() *Ring { return &s.ring }

// Close stops the polling goroutine and waits for it to return. The set in
// force stays available through Current. Close always returns nil.
func (s *FileSource) Close() error {
	s.closeOnce.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *FileSource) run() {
	defer close(s.done)
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			_ = s.poll(false)
		}
	}
}

// Reload looks at the file now, as a poll would but reading it whatever its
// metadata says, and replaces the set in force if the content changed and
// is usable. It returns nil when the set in force is the file's content,
// and the reason otherwise (the old set then stays in force); a reason is
// reported to the logger and OnError only the first time it is seen.
func (s *FileSource) Reload() error { return s.poll(true) }

func (s *FileSource) poll(force bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.polls++
	if !force && s.polls%rehashEvery != 0 && s.info != nil {
		// Stat follows the symbolic links, so a swapped "..data" link
		// shows up as another inode.
		if info, err := os.Stat(s.path); err == nil && sameStamp(s.info, info) {
			return s.lastErr
		}
	}
	info, sum, set, err := s.load()
	switch {
	case err == nil:
		s.info = info
		if sum == s.applied {
			s.lastErr = nil // touched, or restored to the content in force
			return nil
		}
		if err := s.ring.Store(set); err != nil { // unreachable: load checked the set
			return s.refuse(sum, err)
		}
		s.applied, s.lastErr = sum, nil
		s.log.Info("keys: key set reloaded", slog.String("path", s.path), slog.Int("keys", set.Len()), primaryAttr(set, s.cfg.now(), s.cfg.PrimaryFor))
		if s.cfg.OnReload != nil {
			s.cfg.OnReload(set)
		}
		return nil
	case info != nil:
		// Read but refused: remember the content so it is not parsed
		// and reported again on every poll.
		s.info = info
		return s.refuse(sum, err)
	default:
		return s.refuse([sha256.Size]byte{}, err)
	}
}

// refuse keeps the set in force and reports err unless the same content
// was already refused for the same reason.
func (s *FileSource) refuse(sum [sha256.Size]byte, err error) error {
	if s.lastErr != nil && sum == s.refused && s.lastErr.Error() == err.Error() {
		return s.lastErr
	}
	s.refused, s.lastErr = sum, err
	s.log.Error("keys: key set file refused; the previous set stays in force", slog.String("path", s.path), slog.String("error", err.Error()))
	if s.cfg.OnError != nil {
		s.cfg.OnError(err)
	}
	return err
}

// load reads, hashes, parses and checks the file. info is non-nil when the
// file was read, even if its content was refused.
func (s *FileSource) load() (os.FileInfo, [sha256.Size]byte, *Set, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(s.path)
	if err != nil {
		return nil, sum, nil, fmt.Errorf("keys: loading key set: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, sum, nil, fmt.Errorf("keys: loading key set: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, sum, nil, fmt.Errorf("keys: reading key set %s: %w", s.path, err)
	}
	sum = sha256.Sum256(data)
	set, err := ParseSet(data)
	if err == nil {
		err = s.cfg.check(set)
	}
	if err != nil {
		return info, sum, nil, fmt.Errorf("%w (file %s)", err, s.path)
	}
	return info, sum, set, nil
}

// sameStamp reports whether two stats describe the same file in the same
// state as far as metadata tells.
func sameStamp(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && a.Mode() == b.Mode()
}

// primaryAttr names the primary key of s at now for a log line.
func primaryAttr(s *Set, now time.Time, algs []Algorithm) slog.Attr {
	if k, err := s.PrimaryFor(now, algs...); err == nil {
		return slog.String("primary", k.ID())
	}
	return slog.String("primary", "none")
}
