package token

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sessiontoken/sessiontoken/keys"
)

// Allocation budgets of issue 7, enforced deterministically.
func TestAllocationBudgets(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random")
	}
	for _, f := range []Format{V4Local, V4Public} {
		c := newTestCodec(t, f, nil)
		tok, err := c.Issue(fixtureClaims())
		require.NoError(t, err)
		var dst Claims
		cl := fixtureClaims()
		tests := []struct {
			name   string
			budget float64
			run    func()
		}{
			// Verify (issue 7 allows 3): the Claims with room for its slices, and the one
			// string that backs every claim string.
			{name: "Verify", budget: 2, run: func() {
				if _, err := c.Verify(tok); err != nil {
					t.Fatal(err)
				}
			}},
			{name: "VerifyTo", budget: 2, run: func() {
				if err := c.VerifyTo(&dst, tok); err != nil {
					t.Fatal(err)
				}
			}},
			// Issue: the token string (v4.public: and the signature
			// ed25519.Sign returns).
			{name: "Issue", budget: 2, run: func() {
				if _, err := c.Issue(cl); err != nil {
					t.Fatal(err)
				}
			}},
		}
		for _, tc := range tests {
			t.Run(f.String()+"/"+tc.name, func(t *testing.T) {
				got := testing.AllocsPerRun(200, tc.run)
				assert.LessOrEqual(t, got, tc.budget)
				t.Logf("%v allocations", got)
			})
		}
	}
}

// TestPooledBuffersCleared checks that nothing a verification or issue
// decrypted or encoded stays in a pooled buffer: after many operations on
// a token whose claims carry a marker, every buffer the pool hands out is
// all zeros up to its capacity.
func TestPooledBuffersCleared(t *testing.T) {
	const marker = "SECRET-MARKER-7f3a"
	for _, f := range []Format{V4Local, V4Public} {
		t.Run(f.String(), func(t *testing.T) {
			c := newTestCodec(t, f, nil)
			cl := fixtureClaims()
			cl.Subject = marker
			tok, err := c.Issue(cl)
			require.NoError(t, err)
			bad := tok[:len(tok)-100] + "AAAA" + tok[len(tok)-96:] // fails the MAC / signature
			for i := 0; i < 50; i++ {
				got, err := c.Verify(tok)
				require.NoError(t, err)
				require.Equal(t, marker, got.Subject)
				_, err = c.Verify(bad)
				require.Error(t, err)
				_, err = c.Issue(cl)
				require.NoError(t, err)
			}
			var held []*[]byte
			for i := 0; i < 8; i++ {
				bp := getBuffer()
				held = append(held, bp)
				b := (*bp)[:cap(*bp)]
				assert.False(t, bytes.Contains(b, []byte(marker)), "pooled buffer holds the plaintext")
				assert.Equal(t, make([]byte, len(b)), b, "pooled buffer not cleared")
			}
			for _, bp := range held {
				putBuffer(bp, (*bp)[:0])
			}
		})
	}
}

// flipProvider alternates between two sets on every call.
type flipProvider struct {
	mu   sync.Mutex
	n    int
	sets [2]*keys.Set
}

func (p *flipProvider) Current() *keys.Set {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	return p.sets[p.n%2]
}

// TestConcurrentVerify exercises the prepared-key cache and the pools from
// many goroutines while the provider switches between two sets that share
// the primary key (run with -race).
func TestConcurrentVerify(t *testing.T) {
	local, public := testKeys(t)
	extra, err := keys.Generate(keys.V4Local)
	require.NoError(t, err)
	set1, err := keys.NewSet(local, public)
	require.NoError(t, err)
	set2, err := keys.NewSet(extra.WithValidity(fixedNow.Add(time.Hour), time.Time{}), local, public)
	require.NoError(t, err)
	c, err := New(Config{Keys: &flipProvider{sets: [2]*keys.Set{set1, set2}}, Issuer: "https://api.example.com", Now: fixedClock})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				cl := fixtureClaims()
				cl.Subject = fmt.Sprintf("user-%d-%d", g, i)
				tok, err := c.Issue(cl)
				if !assert.NoError(t, err) {
					return
				}
				got, err := c.Verify(tok)
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, cl.Subject, got.Subject)
			}
		}(g)
	}
	wg.Wait()
}
