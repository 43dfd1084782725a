package redissource

import (
	"time"

	"github.com/sessiontoken/sessiontoken/keys"
)

// policy is what decides a rotation: which algorithm to generate, how long
// a key is primary, how long a new key waits before it issues, and how long
// a key keeps verifying after it stops issuing.
type policy struct {
	alg         keys.Algorithm
	period      time.Duration
	propagation time.Duration
	retain      time.Duration // longest token lifetime + leeway
}

// plan returns the key list that should be stored at now, and whether it
// differs from cur. It is a pure function of its inputs (generate is called
// at most once, for the new key), so the rotation schedule can be tested
// without Redis and every instance computes the same decision:
//
//  1. Prune: keys whose VerifyUntil has passed verify nothing and are
//     dropped.
//  2. Bootstrap: when no key of the managed algorithm can issue now or
//     later, a key is generated that issues from now. This happens only
//     when the set is new (or every key has expired): no instance can issue
//     before it exists, so there is nothing to propagate first.
//  3. Rotate: the newest key that can issue (the latest IssueFrom) is due
//     to hand over at IssueFrom + period. From propagation before that
//     instant, a new key is published with IssueFrom = max(due, now +
//     propagation): pending, it verifies everywhere before anyone issues
//     with it. Every older managed key without an end gets VerifyUntil =
//     the new key's IssueFrom + retain: it stops issuing when the new key
//     takes over, and its last tokens expire within retain of that. A
//     newest key that already has a VerifyUntil is due no later than
//     VerifyUntil - retain.
//
// Keys of other algorithms (added by an operator) are kept and pruned, but
// never rotated.
func plan(cur []*keys.Key, now time.Time, p policy, generate func(keys.Algorithm) (*keys.Key, error)) ([]*keys.Key, bool, error) {
	next := make([]*keys.Key, 0, len(cur)+1)
	changed := false
	var newest *keys.Key
	for _, k := range cur {
		if !k.VerifiesAt(now) {
			changed = true // pruned
			continue
		}
		next = append(next, k)
		if k.Algorithm() != p.alg || !k.CanIssue() {
			continue
		}
		if newest == nil || !k.IssueFrom().Before(newest.IssueFrom()) {
			newest = k
		}
	}

	var issueFrom time.Time
	if newest == nil {
		issueFrom = now // bootstrap
	} else {
		due := newest.IssueFrom().Add(p.period)
		if vu := newest.VerifyUntil(); !vu.IsZero() && vu.Add(-p.retain).Before(due) {
			// An operator gave the newest key an end: it must stop
			// issuing early enough for its tokens to expire in time.
			due = vu.Add(-p.retain)
		}
		if now.Before(due.Add(-p.propagation)) {
			return next, changed, nil
		}
		issueFrom = due
		if earliest := now.Add(p.propagation); issueFrom.Before(earliest) {
			issueFrom = earliest
		}
	}

	k, err := generate(p.alg)
	if err != nil {
		return nil, false, err
	}
	until := issueFrom.Add(p.retain)
	for i, o := range next {
		if o.Algorithm() == p.alg && o.CanIssue() && o.VerifyUntil().IsZero() && o.IssueFrom().Before(issueFrom) {
			next[i] = o.WithValidity(o.IssueFrom(), until)
		}
	}
	return append(next, k.WithValidity(issueFrom, time.Time{})), true, nil
}
