package revocation

import (
	"fmt"
	"sync"
	"time"

	"github.com/sessiontoken/sessiontoken/token"
)

// Pre-built errors keep Check free of allocations. They name what matched,
// never the session ID or the subject.
var (
	errSessionRevoked = fmt.Errorf("%w: session revoked", ErrRevoked)
	errSubjectRevoked = fmt.Errorf("%w: subject's tokens issued before a cutoff", ErrRevoked)
)

// maxFutureSkew is how far in the future a subject cutoff may lie: enough
// for clocks that disagree a little, not enough to void a subject's future
// logins by mistake.
const maxFutureSkew = time.Minute

// list is the in-process revocation list shared by Memory and the Redis
// mirror: revoked session IDs in a compact table, and subject cutoffs in a
// map (there are few subjects with a cutoff compared with sessions). It is
// safe for concurrent use; Check takes only the read lock.
type list struct {
	lifeMs int64 // MaxTokenLifetime in ms
	unitMs int64 // expiry unit of the table

	mu   sync.RWMutex
	tab  table
	subj map[string]int64 // subject -> cutoff, Unix ms
}

func newList(life time.Duration) *list {
	lifeMs := life.Milliseconds()
	// 16000 units span the longest accepted entry (a lifetime plus the
	// skew allowance), leaving the rest of the ±32768 range for the
	// mirror's window rounding (a quarter lifetime more) and for pruning.
	unit := (lifeMs + maxFutureSkew.Milliseconds() + 15999) / 16000
	if unit < 1 {
		unit = 1
	}
	return &list{lifeMs: lifeMs, unitMs: unit, tab: newTable(), subj: make(map[string]int64)}
}

// nowUnit is the current time in table units (rounded down).
func (l *list) nowUnit(nowMs int64) uint16 { return uint16(floorDiv(nowMs, l.unitMs)) }

// expUnit encodes an expiry instant, rounding up and avoiding the empty
// marker 0 by moving one unit later.
func (l *list) expUnit(untilMs int64) uint16 {
	e := uint16(-floorDiv(-untilMs, l.unitMs))
	if e == 0 {
		e = 1
	}
	return e
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// checkUntil validates a session revocation's end against the lifetime: an
// entry the table cannot hold must be refused, never shortened, or a token
// expiring after the shortened end would be accepted again.
func (l *list) checkUntil(untilMs, nowMs int64) error {
	if untilMs-nowMs > l.lifeMs+maxFutureSkew.Milliseconds() {
		return fmt.Errorf("%w: revocation ends %v from now, beyond MaxTokenLifetime %v",
			ErrInvalid, time.Duration(untilMs-nowMs)*time.Millisecond, time.Duration(l.lifeMs)*time.Millisecond)
	}
	return nil
}

func (l *list) checkCutoff(cutoffMs, nowMs int64) error {
	if cutoffMs-nowMs > maxFutureSkew.Milliseconds() {
		return fmt.Errorf("%w: subject cutoff %v in the future", ErrInvalid, time.Duration(cutoffMs-nowMs)*time.Millisecond)
	}
	return nil
}

// addSession records sid as revoked until untilMs. An entry already past
// is dropped: the tokens it would block have expired. Callers validate
// untilMs with checkUntil first; the mirror may add entries up to one
// Redis window later (see redis.go), which the table's range allows.
func (l *list) addSession(sid token.SessionID, untilMs, nowMs int64) {
	if untilMs <= nowMs {
		return
	}
	// Beyond ~1.9 lifetimes the 16-bit expiry would wrap and read as past.
	// Writers never go that far (checkUntil); an event from a tampered
	// stream is held as long as the table can instead of being dropped.
	if maxAhead := 30000 * l.unitMs; untilMs-nowMs > maxAhead {
		untilMs = nowMs + maxAhead
	}
	e, nowU := l.expUnit(untilMs), l.nowUnit(nowMs)
	l.mu.Lock()
	l.tab.put(sid, e, nowU)
	l.mu.Unlock()
}

// addSubject records a cutoff; a later cutoff always wins.
func (l *list) addSubject(sub string, cutoffMs, nowMs int64) {
	if cutoffMs+l.lifeMs <= nowMs {
		return
	}
	l.mu.Lock()
	if old, ok := l.subj[sub]; !ok || cutoffMs > old {
		l.subj[sub] = cutoffMs
	}
	l.mu.Unlock()
}

// check answers from memory. It does not allocate.
func (l *list) check(c *token.Claims, nowMs int64) error {
	nowU := l.nowUnit(nowMs)
	l.mu.RLock()
	if !c.SessionID.IsZero() {
		sid := [16]byte(c.SessionID)
		if i := l.tab.find(&sid); i >= 0 && live(l.tab.slots[i].exp, nowU) {
			l.mu.RUnlock()
			return errSessionRevoked
		}
	}
	cutoff, ok := l.subj[c.Subject]
	l.mu.RUnlock()
	// A zero IssuedAt reads as year 1 and so falls before every cutoff:
	// a token without iat cannot prove it was issued after one.
	if ok && c.IssuedAt.UnixMilli() < cutoff {
		return errSubjectRevoked
	}
	return nil
}

// pruneChunk is how many slots the pruner scans per lock acquisition, so a
// Check never waits behind a whole-table scan.
const pruneChunk = 16384

// prune drops expired sessions and cutoffs, chunk by chunk.
func (l *list) prune(nowMs int64) {
	nowU := l.nowUnit(nowMs)
	l.mu.Lock()
	gen := l.tab.gen
	for sub, c := range l.subj {
		if c+l.lifeMs <= nowMs {
			delete(l.subj, sub)
		}
	}
	l.mu.Unlock()
	for start := 0; ; start += pruneChunk {
		l.mu.Lock()
		if l.tab.gen != gen || start >= len(l.tab.slots) {
			l.mu.Unlock()
			break
		}
		end := min(start+pruneChunk, len(l.tab.slots))
		for i := start; i < end; {
			if s := &l.tab.slots[i]; s.exp != 0 && !live(s.exp, nowU) {
				l.tab.removeAt(i) // a following entry may now sit at i
				continue
			}
			i++
		}
		l.mu.Unlock()
	}
	l.mu.Lock()
	l.tab.maybeShrink()
	l.mu.Unlock()
}

// sessionEntry and subjectEntry are what the Redis mirror writes back
// after Redis lost its data.
type sessionEntry struct {
	sid     token.SessionID
	untilMs int64
}

type subjectEntry struct {
	sub      string
	cutoffMs int64
}

// snapshot copies the live entries, with expiries rounded up to the unit.
func (l *list) snapshot(nowMs int64) ([]sessionEntry, []subjectEntry) {
	nowU := l.nowUnit(nowMs)
	base := floorDiv(nowMs, l.unitMs)
	l.mu.RLock()
	defer l.mu.RUnlock()
	ss := make([]sessionEntry, 0, l.tab.n)
	for i := range l.tab.slots {
		s := &l.tab.slots[i]
		if s.exp != 0 && live(s.exp, nowU) {
			until := (base + int64(unitsAfter(s.exp, nowU))) * l.unitMs
			ss = append(ss, sessionEntry{sid: s.id, untilMs: until})
		}
	}
	us := make([]subjectEntry, 0, len(l.subj))
	for sub, c := range l.subj {
		if c+l.lifeMs > nowMs {
			us = append(us, subjectEntry{sub: sub, cutoffMs: c})
		}
	}
	return ss, us
}

// replace swaps in the contents of other, a list built by a full reload of
// the mirror; other must not be used afterwards.
func (l *list) replace(other *list) {
	other.mu.Lock()
	tab, subj := other.tab, other.subj
	other.mu.Unlock()
	l.mu.Lock()
	gen := l.tab.gen + 1 // tells a running prune its indexes are stale
	l.tab, l.subj = tab, subj
	l.tab.gen = gen
	l.mu.Unlock()
}

// len returns the number of session entries and subject cutoffs held,
// expired ones not yet pruned included.
func (l *list) len() (sessions, subjects int) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.tab.n, len(l.subj)
}
