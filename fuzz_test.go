package sessiontoken

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzRefresh feeds arbitrary strings to Refresh and Verify: they never
// panic, nothing is accepted as both kinds of token, only genuine tokens
// are accepted, and every error wraps one of our sentinels.
func FuzzRefresh(f *testing.F) {
	clk := newClock()
	m := newManager(f, newMemory(f, clk.Now), clk, nil)
	p, err := m.Login(context.Background(), alice)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"", "v4.local.", "v4.local.AAAA", "v4.public.AAAA", "eyJhbGciOiJub25lIn0.e30.",
		p.AccessToken, p.RefreshToken,
		p.RefreshToken[:len(p.RefreshToken)-1],
		strings.Replace(p.RefreshToken, "v4.local.", "v4.public.", 1),
		p.RefreshToken + "." + p.RefreshToken,
		strings.Repeat("A", 5000),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ctx := context.Background()
		clk.Advance(time.Millisecond)
		np, rerr := m.Refresh(ctx, raw)
		c, verr := m.Verify(ctx, raw)
		if rerr == nil && verr == nil {
			t.Fatalf("%q accepted both as a refresh token and as an access token", raw)
		}
		// Only a genuine token can verify (the key is fixed, so seeds from
		// other fuzzing processes are genuine too): it names our subject.
		if rerr == nil && np.SessionID.IsZero() {
			t.Fatalf("Refresh accepted %q without a session", raw)
		}
		if verr == nil && (c.Subject != alice.ID || c.SessionID.IsZero()) {
			t.Fatalf("Verify accepted %q with claims %+v", raw, c)
		}
		for name, err := range map[string]error{"Refresh": rerr, "Verify": verr} {
			if err != nil && !errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrSessionExpired) && !errors.Is(err, ErrRefreshReused) && !errors.Is(err, ErrRevoked) {
				t.Fatalf("%s: error %v wraps none of our token errors", name, err)
			}
		}
	})
}
