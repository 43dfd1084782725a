package demoapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/sessiontoken/sessiontoken"
	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// tokenResponse is the body of a successful /login, /refresh or /reissue,
// in the shape of an OAuth 2.0 token response (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
}

func (s *Server) writePair(w http.ResponseWriter, p sessiontoken.Pair) {
	now := s.now()
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken:      p.AccessToken,
		TokenType:        "Bearer",
		ExpiresIn:        int64(p.AccessExpiresAt.Sub(now).Round(time.Second) / time.Second),
		RefreshToken:     p.RefreshToken,
		RefreshExpiresIn: int64(p.RefreshExpiresAt.Sub(now).Round(time.Second) / time.Second),
	})
}

// login checks a demo password and starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	u, ok := s.checkPassword(req.Username, req.Password)
	if !ok {
		writeError(w, http.StatusUnauthorized, "invalid_credentials", "wrong username or password")
		return
	}
	sub := s.subject(u, nil)
	sub.Device = r.UserAgent() // shown by GET /sessions
	p, err := s.mgr.Login(r.Context(), sub)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writePair(w, p)
}

// checkPassword compares in constant time, and does the same work for an
// unknown user, so the response time tells nothing about which usernames
// exist.
func (s *Server) checkPassword(username, password string) (User, bool) {
	u, known := s.users[username]
	stored := "no such user: compare against something anyway"
	if known {
		stored = u.Password
	}
	a, b := sha256.Sum256([]byte(password)), sha256.Sum256([]byte(stored))
	match := subtle.ConstantTimeCompare(a[:], b[:]) == 1
	return u, known && match
}

func (s *Server) subject(u User, extra []string) sessiontoken.Subject {
	data, _ := json.Marshal(map[string]string{"name": u.Name})
	return sessiontoken.Subject{ID: u.ID, Roles: append(slices.Clone(u.Roles), extra...), Scopes: []string{"profile"}, Data: data}
}

// refresh exchanges a refresh token for a new pair.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	p, err := s.mgr.Refresh(r.Context(), req.RefreshToken)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writePair(w, p)
}

// me shows the verified session.
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	var data struct {
		Name string `json:"name"`
	}
	_ = c.DecodeData(&data)
	writeJSON(w, http.StatusOK, map[string]any{
		"subject":    c.Subject,
		"name":       data.Name,
		"roles":      c.Roles,
		"scopes":     c.Scopes,
		"session":    c.SessionID.String(), // shortened: never echo full IDs into logs or pages
		"expires_at": c.ExpiresAt,
	})
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{"message": "hello, admin " + c.Subject})
}

// logout ends this session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	if err := s.mgr.Logout(r.Context(), c); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// logoutAll ends every session of the user, on every device.
func (s *Server) logoutAll(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	if err := s.mgr.LogoutAll(r.Context(), c.Subject); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// reissue is a privilege change: after re-entering the password
// (step-up authentication) the user gets a new session with their step-up
// roles, and the old session, with the old roles, is revoked.
func (s *Server) reissue(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	var req struct {
		Password string `json:"password"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	u, ok := s.checkPassword(c.Subject, req.Password)
	if !ok {
		writeError(w, http.StatusUnauthorized, "invalid_credentials", "wrong password")
		return
	}
	p, err := s.mgr.Reissue(r.Context(), c, s.subject(u, u.StepUp))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writePair(w, p)
}

// healthReporter is what /healthz asks the store, when it can answer
// (revocation.Redis does; Memory is always healthy).
type healthReporter interface {
	Health() revocation.Health
}

// healthz answers 200 when the server can authenticate requests: with
// Redis, once the revocation mirror is loaded and current; 503 otherwise,
// so a load balancer sends traffic elsewhere.
// sessions lists the caller's active sessions ("your devices"), marking
// the one making the request. Session IDs are returned in full: they are
// what DELETE /sessions/{id} takes, and only the session's owner sees them.
func (s *Server) sessions(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	list, err := s.mgr.Sessions(r.Context(), c.Subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type session struct {
		ID          token.SessionID `json:"id"`
		Device      string          `json:"device,omitempty"`
		Created     time.Time       `json:"created"`
		LastRefresh time.Time       `json:"last_refresh"`
		ExpiresAt   time.Time       `json:"expires_at"`
		Current     bool            `json:"current"`
	}
	out := make([]session, 0, len(list))
	for _, si := range list {
		out = append(out, session{ID: si.SessionID, Device: si.Device, Created: si.Created,
			LastRefresh: si.LastRefresh, ExpiresAt: si.ExpiresAt, Current: si.SessionID == c.SessionID})
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

// endSession ends one of the caller's own sessions, e.g. a lost phone.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	c, _ := middleware.SessionFrom(r.Context())
	sid, err := token.ParseSessionID(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no such session")
		return
	}
	if err := s.mgr.EndSession(r.Context(), c.Subject, sid); err != nil {
		if errors.Is(err, sessiontoken.ErrNoSuchSession) {
			writeError(w, http.StatusNotFound, "not_found", "no such session")
			return
		}
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if hr, ok := s.store.(healthReporter); ok {
		if err := hr.Health().Err; err != nil {
			s.log.Warn("unhealthy: revocation store", "error", err)
			w.Header().Set("Retry-After", "5")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// fail maps the Manager's errors to responses. The detail goes to the log
// and to Config.OnError; the client gets a code it can act on.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.onError(r, err)
	switch {
	case errors.Is(err, sessiontoken.ErrUnavailable):
		s.log.Error("revocation store unavailable", "path", r.URL.Path, "error", err)
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again shortly")
	case errors.Is(err, sessiontoken.ErrRefreshReused):
		s.log.Warn("refresh token reuse: session revoked", "error", err)
		writeError(w, http.StatusBadRequest, "invalid_grant", "refresh token reused; the session was revoked, log in again")
	case errors.Is(err, sessiontoken.ErrSessionExpired):
		writeError(w, http.StatusBadRequest, "invalid_grant", "session expired, log in again")
	case errors.Is(err, sessiontoken.ErrRevoked):
		writeError(w, http.StatusBadRequest, "invalid_grant", "session revoked, log in again")
	case errors.Is(err, sessiontoken.ErrInvalidToken):
		s.log.Info("invalid refresh token", "error", err)
		writeError(w, http.StatusBadRequest, "invalid_grant", "invalid refresh token")
	default:
		s.log.Error("request failed", "path", r.URL.Path, "error", err)
		writeError(w, http.StatusInternalServerError, "server_error", "internal error")
	}
}

// maxBody bounds request bodies: they hold a username and password or one
// token.
const maxBody = 8 << 10

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "body must be a small JSON object with the documented fields")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store") // tokens must not be cached (RFC 6749 §5.1)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}
