// Command mobile plays a mobile app against the sessiontoken example API
// and prints what happens at each step: it logs in, calls the API,
// refreshes when the access token expires, sends two refreshes at once,
// logs out, and shows what reuse detection does with a stolen refresh
// token.
//
//	go run ./examples/mobile                 # against an in-process server
//	go run ./examples/mobile -server http://127.0.0.1:8080   # against go run ./examples/api
//
// Without -server it serves examples/api's own handler
// (examples/internal/demoapi) in this process, with 30-second access
// tokens and a simulated clock: waiting for an expiry or for the end of the refresh grace window
// moves that clock forward instead of sleeping, so the whole run takes
// well under a second. With -server the waits are real: the access token's
// expiry is waited for only if it is within -max-wait (examples/api issues
// 15-minute tokens, so the app refreshes early instead, as apps do shortly
// before expiry), and the grace window (-grace, examples/api's is the
// library's default of 5 seconds) is waited out for real.
//
// The program checks every answer against what the library promises and
// exits with status 1, saying which step differed, when one does not
// match.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

func main() {
	var o options
	flag.StringVar(&o.ServerURL, "server", "", "base URL of a running examples/api (default: an in-process server)")
	flag.StringVar(&o.User, "user", "alice", "demo user")
	flag.StringVar(&o.Password, "password", "alice-demo-password", "demo user's password")
	flag.DurationVar(&o.MaxWait, "max-wait", time.Minute, "with -server: longest wait for an access token to expire; beyond it the app refreshes early")
	flag.DurationVar(&o.Grace, "grace", 5*time.Second, "with -server: the server's refresh grace window (sessiontoken.Config.RefreshGrace)")
	flag.Parse()
	o.Clock = &clock{simulated: o.ServerURL == ""}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mobile:", err)
		os.Exit(1)
	}
}

// options configure run.
type options struct {
	ServerURL      string // empty: start an in-process server
	User, Password string
	MaxWait        time.Duration // longest wait for an access token to expire
	Grace          time.Duration // the server's refresh grace window (ignored in-process)
	Clock          *clock        // the client's clock, and the in-process server's
}

// In-process server settings: short enough that the transcript reads well.
const (
	demoAccessTTL = 30 * time.Second
	demoGrace     = 5 * time.Second
)

// printer writes the transcript; safe for concurrent use because the
// in-process server writes its notes from its own goroutines.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}

func (p *printer) step(title string) { p.printf("\n== %s\n", title) }

func (p *printer) say(who, format string, args ...any) {
	p.printf("   %-9s %s\n", who+":", fmt.Sprintf(format, args...))
}

func (p *printer) wait(clk *clock, d time.Duration, why string) {
	how := "waiting"
	if clk.simulated {
		how = "simulated clock jumps"
	}
	p.printf("   … %v pass (%s): %s\n", d, how, why)
	clk.Sleep(d)
}

// run plays the scenario and writes the transcript to w. It returns an
// error when the server's behaviour differs from what the library
// promises.
func run(ctx context.Context, o options, w io.Writer) error {
	out := &printer{w: w}
	hc := &http.Client{Timeout: 10 * time.Second}
	if o.Clock == nil {
		o.Clock = &clock{}
	}
	base, grace := o.ServerURL, o.Grace
	if base == "" {
		h, closeServer, err := newServer(serverConfig{
			Now: o.Clock.Now, AccessTTL: demoAccessTTL, Grace: demoGrace,
			Notes: func(s string) { out.say("server", "%s", s) },
		})
		if err != nil {
			return err
		}
		defer closeServer()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer func() { _ = srv.Close() }()
		base, grace = "http://"+ln.Addr().String(), demoGrace
		o.MaxWait = max(o.MaxWait, demoAccessTTL) // the simulated clock waits for free
		out.printf("In-process server at %s: access tokens live %v, refresh grace window %v, simulated clock.\n", base, demoAccessTTL, grace)
		out.printf("Lines marked server: show what the server knows and does not tell the client.\n")
	} else {
		out.printf("Server %s, refresh grace window %v (-grace).\n", base, grace)
	}
	app := &client{name: "app", base: base, hc: hc, clk: o.Clock, out: out}

	// 1. Log in.
	out.step("1. Log in")
	if err := app.login(ctx, o.User, o.Password); err != nil {
		return err
	}

	// 2. Call the API.
	out.step("2. Call the API with the access token")
	r, err := app.get(ctx, "/me")
	if err != nil {
		return err
	}
	if r.status != http.StatusOK {
		return fmt.Errorf("step 2: GET /me answered %d, want 200", r.status)
	}
	session := r.body["session"]

	// 3. The access token expires; the app refreshes and retries.
	out.step("3. The access token expires: the app refreshes and retries")
	oldRefresh := app.refresh
	if left := app.accessExpires.Sub(o.Clock.Now()); left <= o.MaxWait {
		out.wait(o.Clock, left.Round(time.Second)+time.Second, "the access token has expired")
		if r, err = app.get(ctx, "/me"); err != nil {
			return err
		}
	} else {
		out.say("app", "the access token expires in %v, longer than -max-wait %v: refreshing early, as an app does shortly before expiry", left.Round(time.Second), o.MaxWait)
		if _, ok, err := app.refreshWith(ctx, app.refresh); err != nil || !ok {
			return errors.Join(err, errors.New("step 3: refresh refused"))
		}
		if r, err = app.get(ctx, "/me"); err != nil {
			return err
		}
	}
	switch {
	case r.status != http.StatusOK:
		return fmt.Errorf("step 3: GET /me answered %d after the refresh, want 200", r.status)
	case app.refresh == oldRefresh:
		return errors.New("step 3: the refresh token did not rotate")
	case r.body["session"] != session:
		return fmt.Errorf("step 3: the refresh moved to session %v, want the same session %v", r.body["session"], session)
	}
	out.say("app", "same session %v, new tokens: the refresh token rotated", session)

	// 4. Two refreshes at once with the same refresh token.
	out.step("4. Two refreshes at once with the same refresh token (a retry on a flaky network)")
	if err := concurrentRefresh(ctx, app, grace); err != nil {
		return err
	}
	if r, err = app.get(ctx, "/me"); err != nil {
		return err
	}
	if r.status != http.StatusOK || r.body["session"] != session {
		return fmt.Errorf("step 4: GET /me answered %d for session %v, want 200 for %v", r.status, r.body["session"], session)
	}

	// 5. Log out: every token of the session stops working.
	out.step("5. Log out: every token of the session stops working")
	access, refresh := app.access, app.refresh
	if r, err = app.logout(ctx); err != nil {
		return err
	}
	if r.status != http.StatusNoContent {
		return fmt.Errorf("step 5: POST /logout answered %d, want 204", r.status)
	}
	if r, err = app.send(ctx, "GET", "/me", access, nil); err != nil {
		return err
	}
	out.say("app", "GET /me with the logged-out access token → %d, WWW-Authenticate: %s", r.status, r.challenge)
	if r.status != http.StatusUnauthorized {
		return fmt.Errorf("step 5: GET /me after logout answered %d, want 401", r.status)
	}
	if _, ok, err := app.refreshWith(ctx, refresh); err != nil || ok {
		return errors.Join(err, errors.New("step 5: the refresh token still works after logout"))
	}

	// 6. A stolen refresh token, used after the grace window.
	out.step("6. A stolen refresh token, used after the grace window")
	if err := app.login(ctx, o.User, o.Password); err != nil {
		return err
	}
	stolen := app.refresh
	attacker := &client{name: "attacker", base: base, hc: hc, clk: o.Clock, out: out}
	out.say("attacker", "copies refresh token %s from the device", fp(stolen))
	if _, ok, err := app.refreshWith(ctx, app.refresh); err != nil || !ok {
		return errors.Join(err, errors.New("step 6: the app's refresh was refused"))
	}
	out.say("app", "%s is now spent; the app holds %s", fp(stolen), fp(app.refresh))
	out.wait(o.Clock, grace+time.Second, "past the grace window")
	r, ok, err := attacker.refreshWith(ctx, stolen)
	if err != nil {
		return err
	}
	if ok {
		return errors.New("step 6: the stolen refresh token was accepted after the grace window")
	}
	out.say("attacker", "refused: the token had been spent, so the server treats it as stolen and revokes the whole session")
	if r, err = app.get(ctx, "/me"); err != nil {
		return err
	}
	if r.status != http.StatusUnauthorized || app.refresh != "" {
		return fmt.Errorf("step 6: the app's session survived reuse detection (GET /me: %d)", r.status)
	}
	out.printf("\nReuse detection cost the legitimate user their session too: that is the point.\n")
	out.printf("A refresh token is spent once; whoever presents it again, the thief or the app, ends the session for both.\n")
	return nil
}

// concurrentRefresh sends the app's refresh token twice at the same time,
// as an app does when it retries a refresh whose answer was lost. Both
// succeed (the second inside the grace window), in the same session; the
// app keeps one pair.
func concurrentRefresh(ctx context.Context, app *client, grace time.Duration) error {
	spent := app.refresh
	var (
		wg      sync.WaitGroup
		replies [2]reply
		errs    [2]error
		start   = make(chan struct{})
	)
	for i := range replies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i], errs[i] = app.send(ctx, "POST", "/refresh", "", map[string]string{"refresh_token": spent})
		}()
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	for i, r := range replies {
		if r.status != http.StatusOK {
			app.out.say("app", "refresh %d of 2 with %s → %d %s", i+1, fp(spent), r.status, r.errorText())
			return fmt.Errorf("step 4: concurrent refresh %d answered %d, want 200 inside the %v grace window", i+1, r.status, grace)
		}
		at, _ := r.body["access_token"].(string)
		app.out.say("app", "refresh %d of 2 with %s → 200: access token %s", i+1, fp(spent), fp(at))
	}
	app.out.say("app", "both succeeded: the later one came within the %v grace window, so it is a retry, not theft", grace)
	desc, err := app.keep(replies[0])
	if err != nil {
		return err
	}
	app.out.say("app", "keeps the first answer: %s", desc)
	return nil
}
