package keys

import (
	"errors"
	"fmt"
	"time"
)

// Health warnings returned by [Set.Check]. Test for them with [errors.Is].
var (
	// ErrKeyTooOld reports a primary key that has issued for longer than
	// the rotation period (or whose age is unknown because it has no
	// IssueFrom): the rotation is late.
	ErrKeyTooOld = errors.New("keys: primary key older than the rotation period")
	// ErrKeyNearEnd reports a primary key that stops verifying soon with
	// no successor published: issuing will stop at its VerifyUntil.
	ErrKeyNearEnd = errors.New("keys: primary key near its end with no successor")
)

// HealthConfig configures [Set.Check].
type HealthConfig struct {
	// RotationPeriod is how long a key should stay primary. A primary key
	// whose IssueFrom is older (or absent) is reported with
	// [ErrKeyTooOld]. If zero, the age is not checked.
	RotationPeriod time.Duration

	// NearEnd reports, with [ErrKeyNearEnd], a primary key whose
	// VerifyUntil is closer than this when no key of its format is
	// published to follow it. If zero, [DefaultNearEnd].
	NearEnd time.Duration
}

// Check reports what needs an operator's attention in the set at now, for
// a health endpoint or a periodic log line; nil means nothing. For each
// token format (v4.local, v4.public, JWT) that has a key able to issue, it
// reports a missing primary ([ErrNoPrimary]), a primary older than the
// rotation period ([ErrKeyTooOld]), and a primary near its end without a
// successor ([ErrKeyNearEnd]). Several findings are joined with
// [errors.Join].
//
// Check does not look at which keys tokens use; [KeyUsage] does.
func (s *Set) Check(now time.Time, cfg HealthConfig) error {
	nearEnd := cfg.NearEnd
	if nearEnd <= 0 {
		nearEnd = DefaultNearEnd
	}
	var errs []error
	for _, format := range [][]Algorithm{{V4Local}, {V4Public}, {HS256, EdDSA, ES256}} {
		canIssue := false
		for _, k := range s.keys {
			if algIn(k.alg, format) && k.CanIssue() && k.VerifiesAt(now) {
				canIssue = true
			}
		}
		if !canIssue {
			continue // nothing of this format issues here: nothing to check
		}
		p, err := s.PrimaryFor(now, format...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if cfg.RotationPeriod > 0 {
			switch {
			case p.issueFrom.IsZero():
				errs = append(errs, fmt.Errorf("%w: %s has no issue_from, so its age is unknown", ErrKeyTooOld, p.id))
			case now.Sub(p.issueFrom) > cfg.RotationPeriod:
				errs = append(errs, fmt.Errorf("%w: %s has been primary for %v, more than %v", ErrKeyTooOld, p.id, now.Sub(p.issueFrom).Round(time.Second), cfg.RotationPeriod))
			}
		}
		if !p.verifyUntil.IsZero() && !now.Before(p.verifyUntil.Add(-nearEnd)) && !s.hasSuccessor(p, format) {
			errs = append(errs, fmt.Errorf("%w: %s stops verifying in %v", ErrKeyNearEnd, p.id, p.verifyUntil.Sub(now).Round(time.Second)))
		}
	}
	return errors.Join(errs...)
}

// hasSuccessor reports whether a key of the format that can issue takes
// over from p later.
func (s *Set) hasSuccessor(p *Key, format []Algorithm) bool {
	for _, k := range s.keys {
		if k != p && algIn(k.alg, format) && k.CanIssue() && k.issueFrom.After(p.issueFrom) {
			return true
		}
	}
	return false
}
