package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// client is what a mobile app keeps: the two tokens and when the access
// token expires by its own clock. It prints every exchange, showing
// tokens only as short fingerprints: a token is a credential, and a log is
// no place for one.
type client struct {
	name string // "app" or "attacker", in the transcript
	base string
	hc   *http.Client
	clk  *clock
	out  *printer

	access, refresh string
	accessExpires   time.Time
}

// reply is one HTTP answer.
type reply struct {
	status    int
	challenge string // WWW-Authenticate
	body      map[string]any
}

// errorText is the error code and description of an error answer.
func (r reply) errorText() string {
	s, _ := r.body["error"].(string)
	if d, ok := r.body["error_description"].(string); ok {
		s += fmt.Sprintf(" (%q)", d)
	}
	return s
}

// send makes one request with an optional bearer token and JSON body.
func (c *client) send(ctx context.Context, method, path, bearer string, body any) (reply, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return reply{}, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return reply{}, err
	}
	r := reply{status: resp.StatusCode, challenge: resp.Header.Get("WWW-Authenticate")}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			return reply{}, fmt.Errorf("%s %s: %d with a body that is not JSON", method, path, resp.StatusCode)
		}
	}
	return r, nil
}

// keep stores the pair of a successful /login or /refresh answer and
// describes it.
func (c *client) keep(r reply) (string, error) {
	access, _ := r.body["access_token"].(string)
	refresh, _ := r.body["refresh_token"].(string)
	expiresIn, _ := r.body["expires_in"].(float64)
	if access == "" || refresh == "" || expiresIn <= 0 {
		return "", fmt.Errorf("token response without tokens or expires_in: %v", r.body)
	}
	c.access, c.refresh = access, refresh
	ttl := time.Duration(expiresIn) * time.Second
	c.accessExpires = c.clk.Now().Add(ttl)
	return fmt.Sprintf("access token %s (expires in %v), refresh token %s", fp(access), ttl, fp(refresh)), nil
}

// login signs in and keeps the pair.
func (c *client) login(ctx context.Context, user, password string) error {
	r, err := c.send(ctx, "POST", "/login", "", map[string]string{"username": user, "password": password})
	if err != nil {
		return err
	}
	if r.status != http.StatusOK {
		c.out.say(c.name, "POST /login → %d %s", r.status, r.errorText())
		return fmt.Errorf("login: %d %s", r.status, r.errorText())
	}
	desc, err := c.keep(r)
	if err != nil {
		return err
	}
	c.out.say(c.name, "POST /login → 200: %s", desc)
	return nil
}

// refreshWith presents a refresh token and, on success, keeps the new
// pair. It returns the answer; ok is false when the server refused.
func (c *client) refreshWith(ctx context.Context, refresh string) (r reply, ok bool, err error) {
	r, err = c.send(ctx, "POST", "/refresh", "", map[string]string{"refresh_token": refresh})
	if err != nil {
		return reply{}, false, err
	}
	if r.status != http.StatusOK {
		c.out.say(c.name, "POST /refresh with %s → %d %s", fp(refresh), r.status, r.errorText())
		return r, false, nil
	}
	desc, err := c.keep(r)
	if err != nil {
		return reply{}, false, err
	}
	c.out.say(c.name, "POST /refresh with %s → 200: %s", fp(refresh), desc)
	return r, true, nil
}

// get calls a protected route the way an app does: when the access token
// is rejected as invalid (expired, or revoked: the server does not say
// which), refresh once and retry. A refused refresh means the session is
// over and the user must log in again; the tokens are then forgotten.
func (c *client) get(ctx context.Context, path string) (reply, error) {
	for attempt := 0; ; attempt++ {
		r, err := c.send(ctx, "GET", path, c.access, nil)
		if err != nil {
			return reply{}, err
		}
		label := "GET " + path
		if attempt > 0 {
			label += " (retry)"
		}
		if r.status == http.StatusOK {
			c.out.say(c.name, "%s → 200: subject %v, session %v", label, r.body["subject"], r.body["session"])
			return r, nil
		}
		c.out.say(c.name, "%s → %d, WWW-Authenticate: %s", label, r.status, r.challenge)
		if attempt > 0 || r.status != http.StatusUnauthorized || !strings.Contains(r.challenge, `error="invalid_token"`) {
			return r, nil
		}
		c.out.say(c.name, "the access token was refused: refreshing")
		if _, ok, err := c.refreshWith(ctx, c.refresh); err != nil || !ok {
			if err == nil {
				c.out.say(c.name, "refresh refused: logged out, the user must log in again")
				c.access, c.refresh = "", ""
			}
			return r, err
		}
	}
}

// logout ends the session on the server, then forgets the tokens.
func (c *client) logout(ctx context.Context) (reply, error) {
	r, err := c.send(ctx, "POST", "/logout", c.access, nil)
	if err != nil {
		return reply{}, err
	}
	c.out.say(c.name, "POST /logout → %d", r.status)
	return r, nil
}

// fp is a token's fingerprint for the transcript: enough to tell tokens
// apart, useless to anyone who reads it.
func fp(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return "#" + hex.EncodeToString(h[:3])
}
