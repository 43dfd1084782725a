package sessiontoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// refreshData is what a refresh token carries under "data", beside the
// claims it shares with the access token. Refresh tokens are v4.local, so
// this is encrypted: only the issuing service reads it.
type refreshData struct {
	// Generation is the refresh generation this token was issued at: 0 at
	// login, then the value the store's counter returned.
	Generation uint64 `json:"g"`
	// Data is the subject's application data, copied into the next access
	// token.
	Data json.RawMessage `json:"d,omitempty"`
}

// Refresh exchanges a refresh token for a new pair in the same session
// and rotates the refresh token: the one presented is spent.
//
// The checks, in order:
//
//  1. The token verifies as a refresh token of this service (size, key,
//     cryptography, the refresh implicit assertion, exp: the idle
//     timeout). An access token fails here.
//  2. The session's absolute deadline (start + AbsoluteTimeout, the start
//     being the token's nbf) has not passed.
//  3. The session and subject are not revoked (Logout, LogoutAll,
//     Reissue, an earlier reuse detection).
//  4. The store's refresh counter for the session advances from the
//     token's generation (see [revocation.RefreshCounter]). A token one
//     generation old presented within RefreshGrace of the last refresh is
//     a concurrent retry and also gets a pair; an older one, or one
//     presented later, is reuse: the session is revoked and the error
//     matches [ErrRefreshReused].
//
// The new refresh token expires at the earlier of now + IdleTimeout and
// the absolute deadline, and so does the counter's entry in the store.
// Errors match [ErrInvalidToken], [ErrSessionExpired], [ErrRevoked],
// [ErrRefreshReused] or [ErrUnavailable]; a client should log in again on
// all but the last.
func (m *Manager) Refresh(ctx context.Context, raw string) (Pair, error) {
	c, err := m.refresh.Verify(raw)
	if err != nil {
		if errors.Is(err, token.ErrExpired) {
			// Its exp is the idle timeout or, at the end, the absolute one.
			return Pair{}, fmt.Errorf("%w: %w", ErrSessionExpired, tokenErr("refresh", err))
		}
		return Pair{}, tokenErr("refresh", err)
	}
	var rd refreshData
	if err := json.Unmarshal(c.Data, &rd); err != nil || c.NotBefore.IsZero() || c.SessionID.IsZero() || c.Subject == "" {
		// Authentic but not shaped like our refresh tokens: only a key
		// shared with another issuer could produce this.
		return Pair{}, fmt.Errorf("%w: refresh token: %w: missing session fields", ErrInvalidToken, token.ErrMalformed)
	}
	now := msTime(m.now())
	st := session{
		subject: Subject{ID: c.Subject, Roles: c.Roles, Scopes: c.Scopes, Data: rd.Data},
		sid:     c.SessionID,
		start:   c.NotBefore,
	}
	end := st.start.Add(m.cfg.AbsoluteTimeout)
	if !end.After(now) {
		return Pair{}, fmt.Errorf("%w: absolute timeout reached at %s", ErrSessionExpired, end.UTC().Format(time.RFC3339))
	}
	if err := m.store.Check(ctx, c); err != nil {
		return Pair{}, storeErr("refresh", err)
	}

	until := minTime(now.Add(m.cfg.IdleTimeout), end).Add(m.cfg.Leeway)
	gen, err := m.counter.AdvanceRefresh(ctx, c.SessionID, rd.Generation, now, m.cfg.RefreshGrace, until)
	if errors.Is(err, revocation.ErrRefreshReused) {
		return Pair{}, m.reused(ctx, c, rd.Generation, now, err)
	}
	if err != nil {
		m.log.LogAttrs(ctx, slog.LevelError, "sessiontoken: refresh counter unavailable", slog.Any("sid", c.SessionID), slog.String("error", err.Error()))
		return Pair{}, storeErr("refresh", err)
	}
	st.generation = gen
	p, err := m.issue(st, now)
	if err != nil {
		return Pair{}, err
	}
	if m.cfg.Sessions != nil {
		// Bookkeeping only: a failure is logged, the refresh stands.
		info := SessionInfo{SessionID: st.sid, Subject: st.subject.ID, Created: st.start, LastRefresh: now, ExpiresAt: p.RefreshExpiresAt}
		if err := m.cfg.Sessions.Touch(ctx, info); err != nil {
			m.log.LogAttrs(ctx, slog.LevelWarn, "sessiontoken: session registry not updated", slog.Any("sid", st.sid), slog.String("error", err.Error()))
		}
	}
	return p, nil
}

// reused handles a refresh token presented after it was spent: the
// session is revoked, since either the client or someone who copied its
// token is replaying it and we cannot tell which.
func (m *Manager) reused(ctx context.Context, c *token.Claims, presented uint64, now time.Time, cause error) error {
	m.log.LogAttrs(ctx, slog.LevelWarn, "sessiontoken: refresh token reuse detected; revoking the session",
		slog.Any("sid", c.SessionID), slog.Uint64("generation", presented))
	if err := m.store.RevokeSession(ctx, c.SessionID, m.sessionEnd(c, now)); err != nil {
		m.log.LogAttrs(ctx, slog.LevelError, "sessiontoken: revoking a reused session failed", slog.Any("sid", c.SessionID), slog.String("error", err.Error()))
		return errors.Join(
			fmt.Errorf("%w: %w", ErrRefreshReused, cause),
			storeErr("revoking the reused session", err))
	}
	m.unregister(ctx, c.Subject, c.SessionID)
	return fmt.Errorf("%w: %w", ErrRefreshReused, cause)
}
