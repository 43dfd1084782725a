package keys

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustSet(t testing.TB, ks ...*Key) *Set {
	t.Helper()
	s, err := NewSet(ks...)
	require.NoError(t, err)
	return s
}

func TestRing(t *testing.T) {
	a := mustSet(t, mustGenerate(t, V4Local))
	b := mustSet(t, mustGenerate(t, V4Local))
	empty := mustSet(t)

	_, err := NewRing(nil)
	assert.ErrorIs(t, err, ErrInvalidSet)
	_, err = NewRing(empty)
	assert.ErrorIs(t, err, ErrInvalidSet)

	r, err := NewRing(a)
	require.NoError(t, err)
	assert.Same(t, a, r.Current())

	require.NoError(t, r.Store(b))
	assert.Same(t, b, r.Current())

	assert.ErrorIs(t, r.Store(nil), ErrInvalidSet)
	assert.ErrorIs(t, r.Store(empty), ErrInvalidSet)
	assert.Same(t, b, r.Current(), "a refused Store keeps the set in force")

	var zero Ring
	require.NotNil(t, zero.Current(), "Current never returns nil")
	assert.Zero(t, zero.Current().Len())
	_, err = zero.Current().Primary(time.Now())
	assert.ErrorIs(t, err, ErrNoPrimary)

	allocs := testing.AllocsPerRun(100, func() { _ = r.Current() })
	assert.Zero(t, allocs)
}

// TestRingConcurrent stores and reads concurrently; run with -race. Every
// reader sees one of the stored sets, whole.
func TestRingConcurrent(t *testing.T) {
	sets := make([]*Set, 4)
	for i := range sets {
		sets[i] = mustSet(t, mustGenerate(t, V4Local), mustGenerate(t, HS256))
	}
	r, err := NewRing(sets[0])
	require.NoError(t, err)
	valid := map[*Set]bool{}
	for _, s := range sets {
		valid[s] = true
	}

	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				s := r.Current()
				if !valid[s] || s.Len() != 2 {
					t.Errorf("reader saw a set that was never stored")
					return
				}
				if _, err := s.Primary(time.Now()); err != nil {
					t.Errorf("Primary: %v", err)
					return
				}
			}
		}()
	}
	for i := 0; i < 2000; i++ {
		require.NoError(t, r.Store(sets[i%len(sets)]))
	}
	wg.Wait()
}
