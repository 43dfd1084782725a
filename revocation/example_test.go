package revocation_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// A fixed clock and session ID keep the examples deterministic.
var (
	now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	sid = token.SessionID{0x5e, 0x55, 0x10, 0x4e, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
)

func ExampleMemory() {
	ctx := context.Background()
	store, err := revocation.NewMemory(revocation.MemoryConfig{
		MaxTokenLifetime: 24 * time.Hour,
		Now:              func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	defer store.Close()

	claims := &token.Claims{Subject: "user-42", SessionID: sid, IssuedAt: now.Add(-time.Minute)}
	fmt.Println("before logout:", store.Check(ctx, claims))

	// Logout: revoke the session until its last token would expire.
	if err := store.RevokeSession(ctx, sid, now.Add(15*time.Minute)); err != nil {
		panic(err)
	}
	err = store.Check(ctx, claims)
	fmt.Println("after logout:", errors.Is(err, revocation.ErrRevoked))
	// Output:
	// before logout: <nil>
	// after logout: true
}

func ExampleMemory_RevokeSubject() {
	ctx := context.Background()
	store, err := revocation.NewMemory(revocation.MemoryConfig{Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	defer store.Close()

	// Password change at now: every token issued before it is void.
	if err := store.RevokeSubject(ctx, "user-42", now); err != nil {
		panic(err)
	}
	old := &token.Claims{Subject: "user-42", IssuedAt: now.Add(-time.Millisecond)}
	fresh := &token.Claims{Subject: "user-42", IssuedAt: now.Add(time.Millisecond)} // logged in again, same second
	fmt.Println("old token revoked:", errors.Is(store.Check(ctx, old), revocation.ErrRevoked))
	fmt.Println("new token:", store.Check(ctx, fresh))
	// Output:
	// old token revoked: true
	// new token: <nil>
}

func ExampleMemory_AdvanceRefresh() {
	ctx := context.Background()
	store, err := revocation.NewMemory(revocation.MemoryConfig{Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	end := now.Add(30 * 24 * time.Hour)

	gen, _ := store.AdvanceRefresh(ctx, sid, 0, now, 10*time.Second, end)
	fmt.Println("new refresh token generation:", gen)
	_, err = store.AdvanceRefresh(ctx, sid, 0, now.Add(time.Hour), 10*time.Second, end)
	fmt.Println("old token presented again:", errors.Is(err, revocation.ErrRefreshReused))
	// Output:
	// new refresh token generation: 1
	// old token presented again: true
}
