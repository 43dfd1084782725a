package sessiontoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// Defaults applied by [New] to zero Config fields.
const (
	DefaultAccessTTL       = 15 * time.Minute
	DefaultIdleTimeout     = 30 * 24 * time.Hour
	DefaultAbsoluteTimeout = 90 * 24 * time.Hour
	DefaultRefreshGrace    = 5 * time.Second
)

// The PASETO implicit assertions that bind each kind of token to its
// purpose. They are authenticated with every token but not carried in it,
// so an access token never verifies as a refresh token, nor the reverse,
// whatever its claims say. A service that verifies this Manager's PASETO
// access tokens with its own [token.Codec] sets
// Config.ImplicitAssertion to []byte(AccessAssertion).
const (
	AccessAssertion  = "sessiontoken/access/v1"
	RefreshAssertion = "sessiontoken/refresh/v1"
)

// inFlightSlack is added to how long a logged-out session stays revoked.
// A refresh bases its new token's expiry on the clock it read before its
// revocation check; a logout whose clock read falls between that read and
// the check's answer (a store round trip) revokes until a little before
// that expiry. The slack covers such a round trip, and stays well inside
// the minute of skew the revocation stores allow beyond their
// MaxTokenLifetime.
const inFlightSlack = 10 * time.Second

// Config configures a [Manager]. The zero value of every field but Keys and
// Revocations is a safe default; [New] copies the Config, so later changes
// to it have no effect.
type Config struct {
	// Keys provides the keys that issue and verify access tokens (the
	// primary key of the configured Format issues). Required. A
	// [*keys.Set] provides itself; a reloading holder is read with one
	// atomic load per call. Keys of other formats in the set are ignored
	// for access tokens.
	Keys keys.Provider

	// RefreshKeys provides the v4.local keys for refresh tokens. Refresh
	// tokens are always PASETO v4.local: only this service reads them, so
	// they are encrypted (their contents stay private) and symmetric. If
	// nil, the v4.local keys of Keys are used; New fails when there are
	// none, which happens when Keys holds only v4.public or JWT keys.
	RefreshKeys keys.Provider

	// Revocations is the revocation list: it is checked on Verify and
	// Refresh and written by Logout, LogoutAll, Reissue and reuse
	// detection. It must also implement [revocation.RefreshCounter] (the
	// package's Memory and Redis stores do), which holds the one counter
	// per session that refresh rotation needs. Required.
	//
	// The store's longest token lifetime (revocation's MaxTokenLifetime)
	// must be at least IdleTimeout + Leeway: a refresh token lives that
	// long, so a logout is kept that long, and a LogoutAll cutoff
	// forgotten earlier would let an old refresh token work again.
	Revocations revocation.Store

	// Issuer is written as iss in every token and required on verify. If
	// empty, tokens carry none and none is checked.
	Issuer string

	// Audience is written as aud in every token and, when non-empty, a
	// verified token must name at least one of these audiences.
	Audience []string

	// Format is the access token format. If zero, PASETO v4.local. Refresh
	// tokens are v4.local whatever this is.
	Format token.Format

	// AccessTTL is the lifetime of an access token. If zero,
	// DefaultAccessTTL (15 minutes). An access token never outlives its
	// session's absolute timeout.
	AccessTTL time.Duration

	// IdleTimeout is the lifetime of a refresh token, renewed on each
	// refresh: a session unused for this long ends. If zero,
	// DefaultIdleTimeout (30 days).
	IdleTimeout time.Duration

	// AbsoluteTimeout is the longest a session can last from its login,
	// however often it is refreshed. If zero, DefaultAbsoluteTimeout (90
	// days). Must not be shorter than AccessTTL.
	AbsoluteTimeout time.Duration

	// RefreshGrace is how long after a refresh the refresh token it
	// replaced is still accepted, so two concurrent refreshes
	// from one device (a mobile app retrying on a flaky network) both
	// succeed. A replaced token presented after the grace window is taken
	// as theft and revokes the session. If zero, DefaultRefreshGrace (5
	// seconds).
	RefreshGrace time.Duration

	// Leeway is the clock skew tolerated on exp, nbf and iat when
	// verifying. If zero, none. Must not be negative.
	Leeway time.Duration

	// Logger receives reuse detections and store failures. Tokens and full
	// session IDs are never logged. If nil, nothing is logged.
	Logger *slog.Logger

	// Now returns the current time. If nil, time.Now. Tests inject a fixed
	// clock here.
	Now func() time.Time

	// Sessions, if not nil, records each subject's active sessions (see
	// [Registry]) for Manager.Sessions, EndSession and EndOtherSessions and
	// for MaxSessions. It is written at login, refresh, logout and reissue
	// only. If nil, no registry is kept and those calls fail.
	Sessions Registry

	// MaxSessions limits the active sessions of one subject; it needs
	// Sessions. If zero, no limit. A login beyond it is refused with
	// ErrTooManySessions unless EvictOldestSession is set.
	MaxSessions int

	// EvictOldestSession makes a login beyond MaxSessions end the
	// subject's oldest session (by login time) instead of being refused.
	EvictOldestSession bool

	// Middleware configures the HTTP middleware returned by
	// [Manager.Middleware] (realm, cookie transport, hook…). Its Verifier
	// and Revocations must be left empty, and InsecureSkipRevocationCheck
	// false: the Manager sets them to its access-token codec and store.
	// Its Logger and Now default to this Config's.
	Middleware middleware.Config
}

// Subject is who a session belongs to and what its tokens say about them.
// It has no session ID field on purpose: the Manager always generates one,
// so no caller input can fix a session's ID (session fixation).
type Subject struct {
	// ID is the subject (sub), usually the user ID. Required.
	ID string
	// Roles and Scopes are copied into every token of the session.
	Roles  []string
	Scopes []string
	// Data is application data carried in every token of the session: one
	// JSON value, usually an object, read back with [token.Claims.DecodeData].
	// If empty, tokens carry none. Keep it small: it is in every token.
	Data json.RawMessage
	// Device labels the session in the session registry (a device name, a
	// user agent) so the user can recognise it. It is never put in tokens.
	Device string
}

// Pair is what Login, Refresh and Reissue return: an access token for API
// calls and a refresh token to get the next pair.
//
// Its String, GoString and LogValue forms redact both tokens, so logging a
// Pair by accident leaks neither.
type Pair struct {
	AccessToken      string
	RefreshToken     string
	AccessExpiresAt  time.Time
	RefreshExpiresAt time.Time
	SessionID        token.SessionID
}

// String shows the session (shortened) and the expiry times, never the tokens.
func (p Pair) String() string {
	return fmt.Sprintf("sessiontoken.Pair{%v, access until %s, refresh until %s}",
		p.SessionID, p.AccessExpiresAt.UTC().Format(time.RFC3339), p.RefreshExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is like String, so %#v does not print the tokens either.
func (p Pair) GoString() string { return p.String() }

// LogValue implements slog.LogValuer without the tokens.
func (p Pair) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("sid", p.SessionID),
		slog.Time("access_expires_at", p.AccessExpiresAt),
		slog.Time("refresh_expires_at", p.RefreshExpiresAt))
}

var (
	_ fmt.Stringer   = Pair{}
	_ fmt.GoStringer = Pair{}
	_ slog.LogValuer = Pair{}
)

// Manager runs the lifecycle of sessions: Login, Refresh, Logout,
// LogoutAll, Reissue, and Verify for callers that are not behind the
// middleware. It holds no per-session state of its own; everything it
// must remember is in the revocation store, so any number of Managers
// sharing keys and a store serve the same sessions. It is safe for
// concurrent use.
type Manager struct {
	cfg     Config
	access  *token.Codec
	refresh *token.Codec
	store   revocation.Store
	counter revocation.RefreshCounter
	log     *slog.Logger
	mw      *middleware.Middleware

	// floor is a Unix millisecond instant below which this Manager's clock
	// never reads (0: none). LogoutAll raises it to its cutoff, so a token
	// issued right after a LogoutAll, even within the same millisecond,
	// carries an iat at or after the cutoff and stays valid, while every
	// token issued before it has an earlier iat and is revoked.
	floor atomic.Int64
}

// New checks cfg, applies its defaults and returns a Manager.
func New(cfg Config) (*Manager, error) {
	if cfg.Keys == nil {
		return nil, errors.New("sessiontoken: Config.Keys is required")
	}
	if cfg.Revocations == nil {
		return nil, errors.New("sessiontoken: Config.Revocations is required")
	}
	counter, ok := cfg.Revocations.(revocation.RefreshCounter)
	if !ok {
		return nil, fmt.Errorf("sessiontoken: Config.Revocations (%T) does not implement revocation.RefreshCounter", cfg.Revocations)
	}
	if cfg.AccessTTL < 0 || cfg.IdleTimeout < 0 || cfg.AbsoluteTimeout < 0 || cfg.RefreshGrace < 0 || cfg.Leeway < 0 {
		return nil, errors.New("sessiontoken: Config durations must not be negative")
	}
	if cfg.AccessTTL == 0 {
		cfg.AccessTTL = DefaultAccessTTL
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.AbsoluteTimeout == 0 {
		cfg.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	if cfg.RefreshGrace == 0 {
		cfg.RefreshGrace = DefaultRefreshGrace
	}
	if cfg.MaxSessions < 0 {
		return nil, errors.New("sessiontoken: Config.MaxSessions must not be negative")
	}
	if (cfg.MaxSessions > 0 || cfg.EvictOldestSession) && cfg.Sessions == nil {
		return nil, errors.New("sessiontoken: Config.MaxSessions and EvictOldestSession need Config.Sessions")
	}
	if cfg.AbsoluteTimeout < cfg.AccessTTL {
		return nil, fmt.Errorf("sessiontoken: Config.AbsoluteTimeout (%v) is shorter than AccessTTL (%v)", cfg.AbsoluteTimeout, cfg.AccessTTL)
	}
	// A refresh token lives up to IdleTimeout (+ Leeway): a store that
	// forgets a logout or a LogoutAll cutoff sooner would let an old
	// refresh token work again, silently. Refuse it here rather than at
	// the first Logout.
	if s, ok := cfg.Revocations.(interface{ MaxTokenLifetime() time.Duration }); ok {
		if need := cfg.IdleTimeout + cfg.Leeway; s.MaxTokenLifetime() < need {
			return nil, fmt.Errorf("sessiontoken: the revocation store keeps entries for %v, less than IdleTimeout + Leeway (%v): a LogoutAll would be forgotten while refresh tokens it voids still live", s.MaxTokenLifetime(), need)
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	mwc := cfg.Middleware
	if mwc.Verifier != nil || mwc.Revocations != nil || mwc.InsecureSkipRevocationCheck {
		return nil, errors.New("sessiontoken: Config.Middleware.Verifier, Revocations and InsecureSkipRevocationCheck are set by the Manager; leave them empty")
	}
	if mwc.Logger == nil {
		mwc.Logger = cfg.Logger // may be nil: the middleware then uses slog.Default
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Audience = append([]string(nil), cfg.Audience...)
	if cfg.RefreshKeys == nil {
		cfg.RefreshKeys = cfg.Keys
	}
	if !hasIssuer(cfg.Keys, cfg.Format) {
		return nil, fmt.Errorf("sessiontoken: Config.Keys holds no %v key that can issue access tokens", cfg.Format)
	}
	if !hasIssuer(cfg.RefreshKeys, token.V4Local) {
		return nil, errors.New("sessiontoken: no v4.local key for refresh tokens: add one to Config.Keys or set Config.RefreshKeys")
	}

	m := &Manager{cfg: cfg, store: cfg.Revocations, counter: counter, log: cfg.Logger}
	var assertion []byte
	if cfg.Format != token.JWT { // JWT has no implicit assertion; the format itself differs from the refresh tokens'
		assertion = []byte(AccessAssertion)
	}
	var err error
	m.access, err = token.New(token.Config{
		Keys: cfg.Keys, Format: cfg.Format,
		Issuer: cfg.Issuer, Audience: cfg.Audience, TTL: cfg.AccessTTL, Leeway: cfg.Leeway,
		ImplicitAssertion: assertion, Now: m.now,
	})
	if err != nil {
		return nil, fmt.Errorf("sessiontoken: access token codec: %w", err)
	}
	m.refresh, err = token.New(token.Config{
		Keys: cfg.RefreshKeys, Format: token.V4Local,
		Issuer: cfg.Issuer, Audience: cfg.Audience, TTL: cfg.IdleTimeout, Leeway: cfg.Leeway,
		ImplicitAssertion: []byte(RefreshAssertion), Now: m.now,
	})
	if err != nil {
		return nil, fmt.Errorf("sessiontoken: refresh token codec: %w", err)
	}
	mwc.Verifier, mwc.Revocations = m.access, m.store
	if mwc.Now == nil {
		mwc.Now = m.now
	}
	m.mw, err = middleware.New(mwc)
	if err != nil {
		return nil, fmt.Errorf("sessiontoken: %w", err)
	}
	return m, nil
}

// Middleware returns the net/http middleware for this Manager's access
// tokens: it verifies the bearer token (or cookie, if configured), checks
// the revocation store, and puts the claims in the request context, where
// middleware.SessionFrom finds them. Use its method values per route:
//
//	mux.Handle("GET /me", mgr.Middleware().Require(me))
//	mux.Handle("DELETE /users/{id}", mgr.Middleware().RequireRoles("admin")(del))
//
// The same Middleware is returned on every call.
func (m *Manager) Middleware() *middleware.Middleware { return m.mw }

// AccessCodec returns the codec that issues and verifies this Manager's
// access tokens, for code that verifies tokens itself (a gRPC interceptor,
// a websocket upgrade). It does not check revocation: call
// [Manager.Verify] for both, or the store's Check after it.
func (m *Manager) AccessCodec() *token.Codec { return m.access }

// now is the Manager's clock: the configured one, never below the floor
// set by the latest LogoutAll.
func (m *Manager) now() time.Time {
	t := m.cfg.Now()
	if f := m.floor.Load(); f != 0 && t.UnixMilli() < f {
		return time.UnixMilli(f).UTC()
	}
	return t
}

// raiseFloor makes the Manager's clock read at least ms from now on.
func (m *Manager) raiseFloor(ms int64) {
	for {
		cur := m.floor.Load()
		if cur >= ms || m.floor.CompareAndSwap(cur, ms) {
			return
		}
	}
}

// session is everything the tokens of one session carry.
type session struct {
	subject    Subject
	sid        token.SessionID
	start      time.Time // login instant, millisecond precision
	generation uint64    // refresh generation of the refresh token to issue
}

// Login starts a session for s and returns its first pair of tokens. The
// session ID is always a fresh random one. Login writes nothing to the
// revocation store: a session costs no storage until it is refreshed or
// revoked.
func (m *Manager) Login(ctx context.Context, s Subject) (Pair, error) {
	if err := checkSubject(&s); err != nil {
		return Pair{}, err
	}
	sid, err := token.NewSessionID()
	if err != nil {
		return Pair{}, fmt.Errorf("sessiontoken: login: %w", err)
	}
	now := msTime(m.now())
	p, err := m.issue(session{subject: s, sid: sid, start: now}, now)
	if err != nil {
		return Pair{}, err
	}
	if err := m.register(ctx, s, p, now); err != nil {
		return Pair{}, err
	}
	return p, nil
}

// checkSubject validates s and copies its slices, so the caller may reuse
// them.
func checkSubject(s *Subject) error {
	if s.ID == "" {
		return fmt.Errorf("%w: empty ID", ErrInvalidSubject)
	}
	if len(s.Data) > 0 && !json.Valid(s.Data) {
		return fmt.Errorf("%w: Data is not valid JSON", ErrInvalidSubject)
	}
	s.Roles = append([]string(nil), s.Roles...)
	s.Scopes = append([]string(nil), s.Scopes...)
	s.Data = append(json.RawMessage(nil), s.Data...)
	return nil
}

// issue returns a pair for st at now. Both tokens carry the session start
// as nbf (so every token of a session knows its absolute deadline), and
// neither expires after start + AbsoluteTimeout.
func (m *Manager) issue(st session, now time.Time) (Pair, error) {
	end := st.start.Add(m.cfg.AbsoluteTimeout)
	if !end.After(now) {
		return Pair{}, fmt.Errorf("%w: absolute timeout reached at %s", ErrSessionExpired, end.UTC().Format(time.RFC3339))
	}
	accessExp := minTime(now.Add(m.cfg.AccessTTL), end)
	refreshExp := minTime(now.Add(m.cfg.IdleTimeout), end)

	ac := token.Claims{
		Subject: st.subject.ID, SessionID: st.sid,
		IssuedAt: now, NotBefore: st.start, ExpiresAt: accessExp,
		Roles: st.subject.Roles, Scopes: st.subject.Scopes, Data: st.subject.Data,
	}
	access, err := m.access.Issue(ac)
	if err != nil {
		return Pair{}, fmt.Errorf("sessiontoken: issuing access token: %w", err)
	}
	data, err := json.Marshal(refreshData{Generation: st.generation, Data: st.subject.Data})
	if err != nil {
		return Pair{}, fmt.Errorf("sessiontoken: encoding refresh token: %w", err)
	}
	rc := ac
	rc.ExpiresAt, rc.Data = refreshExp, data
	refresh, err := m.refresh.Issue(rc)
	if err != nil {
		return Pair{}, fmt.Errorf("sessiontoken: issuing refresh token: %w", err)
	}
	if len(access) > token.DefaultMaxTokenSize || len(refresh) > token.DefaultMaxTokenSize {
		return Pair{}, fmt.Errorf("%w: tokens exceed %d bytes (too many roles or too much Data)", ErrInvalidSubject, token.DefaultMaxTokenSize)
	}
	return Pair{
		AccessToken: access, RefreshToken: refresh,
		AccessExpiresAt: accessExp, RefreshExpiresAt: refreshExp,
		SessionID: st.sid,
	}, nil
}

// Verify checks an access token and its revocation status, in that order:
// the token's size, format, key, cryptography and claims (see
// [token.Codec.Verify]), then the revocation store. Errors match
// [ErrInvalidToken] (with the token package's reason), [ErrRevoked] or
// [ErrUnavailable]. HTTP services use [Manager.Middleware] instead.
func (m *Manager) Verify(ctx context.Context, raw string) (*token.Claims, error) {
	c, err := m.access.Verify(raw)
	if err != nil {
		return nil, tokenErr("access", err)
	}
	if err := m.store.Check(ctx, c); err != nil {
		return nil, storeErr("checking revocation", err)
	}
	return c, nil
}

// Logout ends the session of the verified claims c (from
// middleware.SessionFrom or [Manager.Verify]): every access and refresh
// token of that session stops working, on every instance sharing the
// store. The revocation is kept until the latest instant any token of the
// session could still be valid, then forgotten.
func (m *Manager) Logout(ctx context.Context, c *token.Claims) error {
	if c == nil || c.SessionID.IsZero() {
		return fmt.Errorf("%w: claims carry no session", ErrInvalidToken)
	}
	if err := m.store.RevokeSession(ctx, c.SessionID, m.sessionEnd(c, m.now())); err != nil {
		m.log.LogAttrs(ctx, slog.LevelError, "sessiontoken: logout not recorded", slog.Any("sid", c.SessionID), slog.String("error", err.Error()))
		return storeErr("logout", err)
	}
	m.unregister(ctx, c.Subject, c.SessionID)
	return nil
}

// sessionEnd is the latest instant a token of the session of c, issued at
// or before now, can be accepted: a refresh token issued now lives
// IdleTimeout, nothing lives past the absolute timeout (known from nbf,
// the session start), plus the verification leeway and a margin for a
// refresh in flight.
func (m *Manager) sessionEnd(c *token.Claims, now time.Time) time.Time {
	end := now.Add(max(m.cfg.IdleTimeout, m.cfg.AccessTTL))
	if !c.NotBefore.IsZero() {
		end = minTime(end, c.NotBefore.Add(m.cfg.AbsoluteTimeout))
	}
	if c.ExpiresAt.After(end) {
		end = c.ExpiresAt
	}
	return end.Add(m.cfg.Leeway + inFlightSlack)
}

// LogoutAll revokes every token of subject issued until now, on every
// device: logout everywhere, password change, account disabled. A token
// issued after LogoutAll returns, even within the same millisecond, is not
// affected.
//
// How the millisecond works: tokens carry iat to the millisecond, and the
// store voids tokens whose iat is strictly before the cutoff. LogoutAll
// sets the cutoff one millisecond after the current one, so every token
// issued so far (iat at most the current millisecond) is void, then moves
// this Manager's clock up to the cutoff, so the next token it issues has
// iat at the cutoff and is valid. The clock moves by at most a millisecond
// per LogoutAll; another instance's clock is not moved, and its clock skew
// is larger than a millisecond anyway.
func (m *Manager) LogoutAll(ctx context.Context, subject string) error {
	if subject == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalidSubject)
	}
	cutoff := msTime(m.now()).Add(time.Millisecond)
	m.raiseFloor(cutoff.UnixMilli())
	if err := m.store.RevokeSubject(ctx, subject, cutoff); err != nil {
		m.log.LogAttrs(ctx, slog.LevelError, "sessiontoken: logout-all not recorded", slog.String("error", err.Error()))
		return storeErr("logout all", err)
	}
	if m.cfg.Sessions != nil {
		if err := m.cfg.Sessions.RemoveAll(ctx, subject); err != nil {
			m.log.LogAttrs(ctx, slog.LevelWarn, "sessiontoken: session registry not updated", slog.String("error", err.Error()))
		}
	}
	return nil
}

// Reissue replaces the session of the verified claims c after a privilege
// change (roles granted or dropped, step-up authentication): the old
// session is revoked first, then a new session with a new ID is issued
// for s. The new session keeps the old one's absolute deadline, so a
// privilege change never extends a session.
//
// s.ID may be empty (the session's subject is kept); any other value must
// equal c.Subject. If the revocation cannot be recorded nothing is issued
// and the error matches [ErrUnavailable]: a dropped privilege must not
// survive in the old tokens.
func (m *Manager) Reissue(ctx context.Context, c *token.Claims, s Subject) (Pair, error) {
	if c == nil || c.SessionID.IsZero() || c.Subject == "" {
		return Pair{}, fmt.Errorf("%w: claims carry no session", ErrInvalidToken)
	}
	if s.ID == "" {
		s.ID = c.Subject
	}
	if s.ID != c.Subject {
		return Pair{}, fmt.Errorf("%w: Reissue cannot move a session to another subject", ErrInvalidSubject)
	}
	if err := checkSubject(&s); err != nil {
		return Pair{}, err
	}
	if err := m.store.Check(ctx, c); err != nil {
		return Pair{}, storeErr("reissue", err)
	}
	now := msTime(m.now())
	start := now
	if !c.NotBefore.IsZero() && !c.NotBefore.After(now) {
		start = c.NotBefore
	}
	if err := m.store.RevokeSession(ctx, c.SessionID, m.sessionEnd(c, now)); err != nil {
		return Pair{}, storeErr("reissue: revoking the old session", err)
	}
	m.unregister(ctx, c.Subject, c.SessionID)
	sid, err := token.NewSessionID()
	if err != nil {
		return Pair{}, fmt.Errorf("sessiontoken: reissue: %w", err)
	}
	p, err := m.issue(session{subject: s, sid: sid, start: start}, now)
	if err != nil {
		return Pair{}, err
	}
	if err := m.register(ctx, s, p, now); err != nil {
		return Pair{}, err
	}
	return p, nil
}

// msTime truncates t to the millisecond, the precision tokens carry.
func msTime(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// hasIssuer reports whether p currently offers at least one key of format
// f that can issue, whatever its window.
func hasIssuer(p keys.Provider, f token.Format) bool {
	for _, k := range p.Current().Keys() {
		if f.Accepts(k.Algorithm()) && k.CanIssue() {
			return true
		}
	}
	return false
}
