package revocation

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiontoken/sessiontoken/token"
)

// follow is the mirror's one goroutine: it loads, follows the stream,
// watches the epoch and prunes, until Close.
// The result of the first load goes to firstTry.
func (r *Redis) follow(ctx context.Context, firstTry chan<- error) {
	defer close(r.done)
	var (
		lastID      string
		seen        int64
		mustReload  = true
		checkResume = false
		backoff     = 50 * time.Millisecond
		// Scheduling uses the monotonic clock, not cfg.Now, which tests
		// may freeze.
		lastEpoch time.Time
		lastPrune = time.Now()
	)
	fail := func(err error) bool {
		if ctx.Err() != nil {
			return false // closing
		}
		r.markErr(err)
		select {
		case <-r.stop:
			return false
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
		return true
	}
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		startMs := r.cfg.Now().UnixMilli()
		if mustReload {
			err := r.start(ctx)
			if firstTry != nil {
				firstTry <- err
				firstTry = nil
			}
			if err != nil {
				if errors.Is(err, ErrInvalid) {
					r.cfg.Logger.Error("revocation: cannot follow Redis", "err", err)
				}
				if !fail(err) {
					return
				}
				continue
			}
			lastID, seen, mustReload, checkResume = r.loadedID, r.loadedSeen, false, false
			r.markOK(startMs)
			backoff = 50 * time.Millisecond
		}
		if checkResume {
			trimmed, err := r.trimmedPast(ctx, lastID, seen)
			if err != nil {
				if !fail(err) {
					return
				}
				continue
			}
			checkResume = false
			if trimmed {
				r.cfg.Logger.Info("revocation: event stream trimmed past the mirror; reloading")
				mustReload = true
				continue
			}
		}
		// The epoch is checked every PollInterval, and at once when a
		// write or strict check saw another one.
		nudged := false
		select {
		case <-r.resync:
			nudged = true
		default:
		}
		if nudged || time.Since(lastEpoch) >= r.cfg.PollInterval {
			changed, err := r.checkEpoch(ctx)
			if err != nil {
				checkResume = true
				if !fail(err) {
					return
				}
				continue
			}
			lastEpoch = time.Now()
			if changed {
				mustReload = true
				continue
			}
		}
		streams, err := r.rdb.XRead(ctx, &redis.XReadArgs{
			Streams: []string{r.stream, lastID}, Count: 1000, Block: r.cfg.PollInterval,
		}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			checkResume = true
			if !fail(fmt.Errorf("%w: reading revocation events: %v", ErrUnavailable, err)) {
				return
			}
			continue
		}
		backoff = 50 * time.Millisecond
		nowMs := r.cfg.Now().UnixMilli()
		for _, s := range streams {
			for _, m := range s.Messages {
				r.apply(m.Values, nowMs)
				lastID = m.ID
				seen++
			}
		}
		r.markOK(startMs)
		r.setErr(nil)
		if time.Since(lastPrune) >= time.Minute {
			r.list.prune(nowMs)
			lastPrune = time.Now()
		}
	}
}

// apply adds one stream event to the mirror. Unknown events are ignored so
// that a newer writer does not stop an older reader.
func (r *Redis) apply(v map[string]any, nowMs int64) {
	str := func(k string) string { s, _ := v[k].(string); return s }
	switch str("t") {
	case "s":
		id, until := str("i"), str("u")
		ms, err := strconv.ParseInt(until, 10, 64)
		if len(id) == 16 && err == nil {
			r.list.addSession(token.SessionID([]byte(id)), ms, nowMs)
		}
	case "u":
		ms, err := strconv.ParseInt(str("c"), 10, 64)
		if sub := str("s"); sub != "" && err == nil {
			r.list.addSubject(sub, ms, nowMs)
		}
	case "b": // a batch written back after a data loss: 24-byte records
		d := str("d")
		for ; len(d) >= 24; d = d[24:] {
			r.list.addSession(token.SessionID([]byte(d[:16])), int64(binary.BigEndian.Uint64([]byte(d[16:24]))), nowMs)
		}
	}
}

// trimmedPast reports whether the stream lost events the mirror has not
// read: seen is the stream's entries-added counter at the mirror's position
// lastID. Trimming removes the oldest entries first, so events were lost
// exactly when the first remaining entry is after lastID and fewer entries
// remain than were added since.
func (r *Redis) trimmedPast(ctx context.Context, lastID string, seen int64) (bool, error) {
	info, err := r.rdb.XInfoStream(ctx, r.stream).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return false, nil // nothing to replay; a lost list is the epoch's business
		}
		return false, fmt.Errorf("%w: reading stream info: %v", ErrUnavailable, err)
	}
	first := info.RecordedFirstEntryID
	if info.Length == 0 || !streamIDLess(lastID, first) {
		return info.Length == 0 && info.EntriesAdded > seen, nil
	}
	return info.EntriesAdded-seen > info.Length, nil
}

// streamPosition returns the stream's last ID and entries-added counter,
// read together, or "0-0" and 0 when the stream does not exist.
func (r *Redis) streamPosition(ctx context.Context) (string, int64, error) {
	info, err := r.rdb.XInfoStream(ctx, r.stream).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return "0-0", 0, nil
		}
		return "", 0, fmt.Errorf("%w: reading stream position: %v", ErrUnavailable, err)
	}
	return info.LastGeneratedID, info.EntriesAdded, nil
}

// streamIDLess compares "ms-seq" stream IDs.
func streamIDLess(a, b string) bool {
	am, as := splitStreamID(a)
	bm, bs := splitStreamID(b)
	return am < bm || (am == bm && as < bs)
}

func splitStreamID(id string) (uint64, uint64) {
	ms, seq, _ := strings.Cut(id, "-")
	m, _ := strconv.ParseUint(ms, 10, 64)
	s, _ := strconv.ParseUint(seq, 10, 64)
	return m, s
}

// checkEpoch runs syncEpoch; a changed epoch means the caller reloads, to
// pick up what other mirrors wrote back.
func (r *Redis) checkEpoch(ctx context.Context) (bool, error) {
	return r.syncEpoch(ctx)
}

// restore writes the mirror's entries back to Redis, in pipelined batches,
// announcing each batch of sessions with one stream event.
func (r *Redis) restore(ctx context.Context) error {
	nowMs := r.cfg.Now().UnixMilli()
	sessions, subjects := r.list.snapshot(nowMs)
	if err := r.loadScripts(ctx); err != nil {
		return err
	}
	for len(sessions) > 0 {
		n := min(len(sessions), restoreBatch)
		batch := sessions[:n]
		sessions = sessions[n:]
		pipe := r.rdb.Pipeline()
		rec := make([]byte, 0, 24*n)
		for _, e := range batch {
			_ = r.writeSession(ctx, pipe, e.sid, e.untilMs, nowMs, false)
			rec = append(rec, e.sid[:]...)
			rec = binary.BigEndian.AppendUint64(rec, uint64(e.untilMs))
		}
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: r.stream, MinID: r.minID(nowMs), Approx: true, Values: []any{"t", "b", "d", string(rec)}})
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("%w: writing back revocations: %v", ErrUnavailable, err)
		}
	}
	if len(subjects) > 0 {
		pipe := r.rdb.Pipeline()
		for _, s := range subjects {
			_ = r.writeSubject(ctx, pipe, s.sub, s.cutoffMs, nowMs, true)
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("%w: writing back subject cutoffs: %v", ErrUnavailable, err)
		}
	}
	return nil
}

// loadScripts makes sure the write scripts are cached before they are
// pipelined (a pipelined EVALSHA cannot fall back to EVAL, and a restarted
// Redis has forgotten them).
func (r *Redis) loadScripts(ctx context.Context) error {
	for _, s := range []*redis.Script{scriptRevokeSession, scriptRevokeSubject} {
		if err := s.Load(ctx, r.rdb).Err(); err != nil {
			return fmt.Errorf("%w: loading scripts: %v", ErrUnavailable, err)
		}
	}
	return nil
}

// fullLoad reads the whole list into a new table and swaps it in. The
// stream position is taken first, so events written during the load are
// replayed afterwards (adding an entry twice is harmless).
func (r *Redis) fullLoad(ctx context.Context) error {
	lastID, seen, err := r.streamPosition(ctx)
	if err != nil {
		return err
	}
	nowMs := r.cfg.Now().UnixMilli()
	fresh := newList(time.Duration(r.lifeMs) * time.Millisecond)
	w0, w1 := r.liveWindows(nowMs)
	for w := w0; w <= w1; w++ {
		ws := strconv.FormatInt(w, 10)
		pipe := r.rdb.Pipeline()
		meta := pipe.HMGet(ctx, r.tag+"m:"+ws, "k", "s")
		subs := pipe.HGetAll(ctx, r.tag+"u:"+ws)
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("%w: loading window: %v", ErrUnavailable, err)
		}
		for sub, c := range subs.Val() {
			if ms, err := strconv.ParseInt(c, 10, 64); err == nil {
				fresh.addSubject(sub, ms, nowMs)
			}
		}
		mv := meta.Val()
		if len(mv) != 2 || mv[0] == nil {
			continue
		}
		k, _ := strconv.Atoi(fmt.Sprint(mv[0]))
		s, _ := strconv.Atoi(fmt.Sprint(mv[1]))
		untilMs := w * r.windowMs
		for a0 := 0; a0 < 1<<k+s; a0 += loadBatch {
			pipe := r.rdb.Pipeline()
			cmds := make([]*redis.StringSliceCmd, 0, loadBatch)
			for a := a0; a < min(a0+loadBatch, 1<<k+s); a++ {
				cmds = append(cmds, pipe.HKeys(ctx, r.tag+"b:"+ws+":"+strconv.Itoa(a)))
			}
			if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
				return fmt.Errorf("%w: loading buckets: %v", ErrUnavailable, err)
			}
			for _, c := range cmds {
				for _, id := range c.Val() {
					if len(id) == 16 {
						fresh.addSession(token.SessionID([]byte(id)), untilMs, nowMs)
					}
				}
			}
		}
	}
	// Keep what this process wrote meanwhile; replay covers the others.
	sessions, subjects := r.list.snapshot(nowMs)
	for _, e := range sessions {
		fresh.addSession(e.sid, e.untilMs, nowMs)
	}
	for _, e := range subjects {
		fresh.addSubject(e.sub, e.cutoffMs, nowMs)
	}
	r.list.replace(fresh)
	r.loadedID, r.loadedSeen = lastID, seen
	r.loaded.Store(true)
	return nil
}
