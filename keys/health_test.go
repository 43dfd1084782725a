package keys

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetCheck(t *testing.T) {
	now := fileClock
	week := 7 * 24 * time.Hour
	fresh := mustGenerate(t, V4Local).WithValidity(now.Add(-time.Hour), time.Time{})
	stale := mustGenerate(t, V4Local).WithValidity(now.Add(-2*week), time.Time{})
	noWindow := mustGenerate(t, V4Local)
	ending := mustGenerate(t, V4Local).WithValidity(now.Add(-time.Hour), now.Add(time.Hour))
	successor := mustGenerate(t, V4Local).WithValidity(now.Add(30*time.Minute), time.Time{})
	pendingOnly := mustGenerate(t, HS256).WithValidity(now.Add(time.Hour), time.Time{})
	publicOnly := mustPublic(t, mustGenerate(t, EdDSA))

	tests := []struct {
		name string
		keys []*Key
		cfg  HealthConfig
		want []error // each must match; nil: healthy
	}{
		{name: "fresh primary", keys: []*Key{fresh}, cfg: HealthConfig{RotationPeriod: week}},
		{name: "late rotation", keys: []*Key{stale}, cfg: HealthConfig{RotationPeriod: week}, want: []error{ErrKeyTooOld}},
		{name: "age not checked without a period", keys: []*Key{stale}},
		{name: "age unknown", keys: []*Key{noWindow}, cfg: HealthConfig{RotationPeriod: week}, want: []error{ErrKeyTooOld}},
		{name: "near end without successor", keys: []*Key{ending}, want: []error{ErrKeyNearEnd}},
		{name: "near end with a successor", keys: []*Key{ending, successor}},
		{name: "near end, NearEnd shorter", keys: []*Key{ending}, cfg: HealthConfig{NearEnd: 30 * time.Minute}},
		{name: "JWT format has no primary yet", keys: []*Key{fresh, pendingOnly}, want: []error{ErrNoPrimary}},
		{name: "verify-only keys need no primary", keys: []*Key{fresh, publicOnly}},
		{name: "two findings", keys: []*Key{stale.WithValidity(stale.IssueFrom(), now.Add(time.Hour))}, cfg: HealthConfig{RotationPeriod: week},
			want: []error{ErrKeyTooOld, ErrKeyNearEnd}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := mustSet(t, tc.keys...).Check(now, tc.cfg)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				assert.True(t, errors.Is(err, w), "%v does not match %v", err, w)
			}
		})
	}
}
