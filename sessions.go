package sessiontoken

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sessiontoken/sessiontoken/token"
)

// register records a new session in the registry, enforcing MaxSessions.
// Sessions evicted to make room are revoked. Any failure fails the login:
// a limit that cannot be enforced is not a limit.
func (m *Manager) register(ctx context.Context, s Subject, p Pair, now time.Time) error {
	reg := m.cfg.Sessions
	if reg == nil {
		return nil
	}
	info := SessionInfo{SessionID: p.SessionID, Subject: s.ID, Device: s.Device, Created: now, LastRefresh: now, ExpiresAt: p.RefreshExpiresAt}
	evicted, err := reg.Add(ctx, info, m.cfg.MaxSessions, m.cfg.EvictOldestSession)
	if errors.Is(err, ErrTooManySessions) {
		return err
	}
	if err != nil {
		return fmt.Errorf("%w: session registry: %v", ErrUnavailable, err)
	}
	for _, sid := range evicted {
		if err := m.store.RevokeSession(ctx, sid, m.registryEnd(time.Time{}, now)); err != nil {
			_ = reg.Remove(ctx, s.ID, p.SessionID)
			return storeErr("evicting the oldest session", err)
		}
		m.log.LogAttrs(ctx, slog.LevelInfo, "sessiontoken: oldest session evicted", slog.Any("sid", sid))
	}
	return nil
}

// unregister forgets a session in the registry, if any. The revocation
// has been recorded already; a registry failure is only logged.
func (m *Manager) unregister(ctx context.Context, sub string, sid token.SessionID) {
	if m.cfg.Sessions == nil {
		return
	}
	if err := m.cfg.Sessions.Remove(ctx, sub, sid); err != nil {
		m.log.LogAttrs(ctx, slog.LevelWarn, "sessiontoken: session registry not updated", slog.Any("sid", sid), slog.String("error", err.Error()))
	}
}

// registryEnd is how long to keep a session revoked when all we know is
// the registry's ExpiresAt (zero: unknown).
func (m *Manager) registryEnd(expires, now time.Time) time.Time {
	end := now.Add(max(m.cfg.IdleTimeout, m.cfg.AccessTTL))
	if !expires.IsZero() {
		end = now.Add(m.cfg.AccessTTL)
		if expires.After(end) {
			end = expires
		}
	}
	return end.Add(m.cfg.Leeway + inFlightSlack)
}

// Sessions lists subject's active sessions, oldest first, from the
// registry: where the user is logged in, for a "your devices" page. It
// fails with [ErrNoRegistry] without Config.Sessions.
func (m *Manager) Sessions(ctx context.Context, subject string) ([]SessionInfo, error) {
	if m.cfg.Sessions == nil {
		return nil, ErrNoRegistry
	}
	list, err := m.cfg.Sessions.List(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("%w: session registry: %v", ErrUnavailable, err)
	}
	return list, nil
}

// EndSession ends one of subject's sessions, for example on a lost device
// picked from [Manager.Sessions]. The session must be listed for that
// subject, so a user can end only their own sessions; otherwise the error
// matches [ErrNoSuchSession].
func (m *Manager) EndSession(ctx context.Context, subject string, sid token.SessionID) error {
	list, err := m.Sessions(ctx, subject)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.SessionID.Equal(sid) {
			return m.end(ctx, s)
		}
	}
	return fmt.Errorf("%w: %v", ErrNoSuchSession, sid)
}

// EndOtherSessions ends every session of the subject of c except c's own:
// "log out my other devices". Unlike [Manager.LogoutAll] it needs the
// registry, and it keeps the calling session.
func (m *Manager) EndOtherSessions(ctx context.Context, c *token.Claims) error {
	if c == nil || c.SessionID.IsZero() {
		return fmt.Errorf("%w: claims carry no session", ErrInvalidToken)
	}
	list, err := m.Sessions(ctx, c.Subject)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.SessionID.Equal(c.SessionID) {
			continue
		}
		if err := m.end(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// end revokes the session s and removes it from the registry.
func (m *Manager) end(ctx context.Context, s SessionInfo) error {
	if err := m.store.RevokeSession(ctx, s.SessionID, m.registryEnd(s.ExpiresAt, m.now())); err != nil {
		return storeErr("ending a session", err)
	}
	m.unregister(ctx, s.Subject, s.SessionID)
	return nil
}
