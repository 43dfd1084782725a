package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertInOrder checks that each of want appears in out, after the
// previous one.
func assertInOrder(t *testing.T, out string, want ...string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if !assert.GreaterOrEqual(t, i, 0, "missing, or out of order: %q\n--- transcript:\n%s", w, out) {
			return
		}
		rest = rest[i+len(w):]
	}
}

// theScenario is what every successful run prints, in order, whichever
// server it plays against.
var theScenario = []string{
	"== 1. Log in",
	"app:      POST /login → 200",
	"== 2. Call the API",
	"app:      GET /me → 200: subject alice, session sid:",
	"== 3. The access token expires",
	"new tokens: the refresh token rotated",
	"== 4. Two refreshes at once",
	"refresh 1 of 2 with #",
	"refresh 2 of 2 with #",
	"both succeeded",
	"app:      GET /me → 200",
	"== 5. Log out",
	"app:      POST /logout → 204",
	`app:      GET /me with the logged-out access token → 401, WWW-Authenticate: Bearer realm="example", error="invalid_token"`,
	`→ 400 invalid_grant ("session revoked, log in again")`,
	"== 6. A stolen refresh token",
	"app:      POST /login → 200",
	"attacker: copies refresh token #",
	"pass (simulated clock jumps): past the grace window",
	`attacker: POST /refresh with #`,
	`→ 400 invalid_grant ("refresh token reused; the session was revoked, log in again")`,
	`app:      GET /me → 401`,
	`app:      POST /refresh with #`,
	`→ 400 invalid_grant ("session revoked, log in again")`,
	"app:      refresh refused: logged out, the user must log in again",
}

// TestInProcess runs the program as `go run ./examples/mobile` does: its
// own server, a simulated clock.
func TestInProcess(t *testing.T) {
	var out bytes.Buffer
	start := time.Now()
	err := run(context.Background(), options{User: "alice", Password: "alice-demo-password", Clock: &clock{simulated: true}}, &out)
	require.NoError(t, err, out.String())
	assert.Less(t, time.Since(start), 5*time.Second, "the simulated clock makes the run fast")
	assertInOrder(t, out.String(), theScenario...)
	// What only the in-process server can tell: the reasons behind the
	// client's identical 401s and 400s.
	assertInOrder(t, out.String(),
		"31s pass (simulated clock jumps): the access token has expired",
		"server:   rejected the access token: expired",
		`app:      GET /me → 401, WWW-Authenticate: Bearer realm="example", error="invalid_token"`,
		"app:      the access token was refused: refreshing",
		"app:      GET /me (retry) → 200: subject alice",
		"== 5.",
		"server:   rejected the access token: revoked",
		"== 6.",
		"server:   POST /refresh failed: sessiontoken: refresh token reused; session revoked",
		"server:   rejected the access token: revoked",
	)
	assert.NotContains(t, out.String(), "v4.local.", "no token is ever printed")
}

// TestAgainstServer runs the program with -server, against a real HTTP
// server sharing the test's simulated clock, with access tokens short
// enough to wait for and as long as examples/api's.
func TestAgainstServer(t *testing.T) {
	tests := []struct {
		name      string
		accessTTL time.Duration
		want      []string // how step 3 goes
	}{
		{name: "short access tokens: wait for expiry", accessTTL: 20 * time.Second, want: []string{
			"21s pass (simulated clock jumps): the access token has expired",
			`app:      GET /me → 401, WWW-Authenticate: Bearer realm="example", error="invalid_token"`,
			"app:      POST /refresh with #",
			"app:      GET /me (retry) → 200: subject alice",
		}},
		{name: "15-minute access tokens: refresh early", accessTTL: 15 * time.Minute, want: []string{
			"the access token expires in 15m0s, longer than -max-wait 1m0s: refreshing early",
			"app:      POST /refresh with #",
			"app:      GET /me → 200: subject alice",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{simulated: true}
			h, closeServer, err := newServer(serverConfig{Now: clk.Now, AccessTTL: tc.accessTTL, Grace: 5 * time.Second})
			require.NoError(t, err)
			t.Cleanup(closeServer)
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)

			var out bytes.Buffer
			err = run(context.Background(), options{
				ServerURL: srv.URL, User: "alice", Password: "alice-demo-password",
				MaxWait: time.Minute, Grace: 5 * time.Second, Clock: clk,
			}, &out)
			require.NoError(t, err, out.String())
			assertInOrder(t, out.String(), "Server "+srv.URL+", refresh grace window 5s")
			assertInOrder(t, out.String(), theScenario...)
			assertInOrder(t, out.String(), append(append([]string{"== 3."}, tc.want...), "== 4.")...)
			assert.NotContains(t, out.String(), "server:", "an external server's reasons are not visible")
		})
	}
}

// TestDetectsMisbehaviour: the program's checks fail a run whose server
// does not do what the library promises.
func TestDetectsMisbehaviour(t *testing.T) {
	tests := []struct {
		name    string
		cfg     serverConfig
		user    string
		wantErr string
	}{
		{
			name:    "grace window longer than the client waits: the stolen token works",
			cfg:     serverConfig{AccessTTL: time.Minute, Grace: time.Hour},
			user:    "alice",
			wantErr: "step 6: the stolen refresh token was accepted after the grace window",
		},
		{
			name:    "wrong password",
			cfg:     serverConfig{AccessTTL: time.Minute, Grace: 5 * time.Second},
			user:    "mallory",
			wantErr: "login: 401 invalid_credentials",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{simulated: true}
			tc.cfg.Now = clk.Now
			h, closeServer, err := newServer(tc.cfg)
			require.NoError(t, err)
			t.Cleanup(closeServer)
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			var out bytes.Buffer
			err = run(context.Background(), options{
				ServerURL: srv.URL, User: tc.user, Password: "alice-demo-password",
				MaxWait: time.Minute, Grace: 5 * time.Second, Clock: clk,
			}, &out)
			require.Error(t, err, out.String())
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}
