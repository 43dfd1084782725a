// Command api is a small JSON API that logs users in with sessiontoken:
// login, a protected route, refresh with rotation and reuse detection,
// logout, logout everywhere, a privilege change (step-up) and a health
// check. It runs on a fresh machine with only Go:
//
//	go run ./examples/api
//
// With no configuration it keeps revocations in memory and generates a
// development key at start (tokens die with the process). Environment:
//
//	ADDR        listen address (default 127.0.0.1:8080)
//	KEYS_FILE   a key-set file (keys.WatchFile: reloaded when it changes)
//	            instead of a development key
//	REDIS_ADDR  host:port of a Redis server for the revocation list, shared
//	            by every instance (default: in memory, this process only)
//	REDIS_PREFIX  key prefix in Redis (default: the library's)
//	ACCESS_TTL  access-token lifetime, a Go duration such as 30s
//	            (default 15m)
//
// The routes and handlers are in examples/internal/demoapi, which
// examples/mobile also serves.
//
// README.md in this directory walks through it with curl.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sessiontoken/sessiontoken/examples/internal/demoapi"
	"github.com/sessiontoken/sessiontoken/keys"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

// run starts the server and blocks until ctx is done, then shuts down
// gracefully: in-flight requests get shutdownGrace to finish. ready, when
// not nil, is called with the address once the server listens.
func run(ctx context.Context, getenv func(string) string, stderr io.Writer, ready func(addr string)) error {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	addr := getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	accessTTL, err := parseAccessTTL(getenv("ACCESS_TTL"))
	if err != nil {
		return err
	}

	ring, closeKeys, err := loadKeys(getenv("KEYS_FILE"), log)
	if err != nil {
		return err
	}
	defer closeKeys()
	be, err := openStore(ctx, storeConfig{RedisAddr: getenv("REDIS_ADDR"), RedisPrefix: getenv("REDIS_PREFIX")}, log)
	if err != nil {
		return err
	}
	defer be.Close()

	api, err := demoapi.New(demoapi.Config{Keys: ring, Revocations: be.Store, Sessions: be.Sessions, AccessTTL: accessTTL, Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "Demo users (development only):")
	for _, u := range demoapi.DemoUsers() {
		fmt.Fprintf(stderr, "  %-6s password %q  roles %v  step-up roles %v\n", u.ID, u.Password, u.Roles, u.StepUp)
	}

	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", "http://"+ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

const shutdownGrace = 10 * time.Second

// parseAccessTTL reads ACCESS_TTL: a Go duration ("30s", "15m"), or empty
// for the default.
func parseAccessTTL(v string) (time.Duration, error) {
	if v == "" {
		return demoapi.DefaultAccessTTL, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("ACCESS_TTL %q: want a positive duration such as 30s or 15m", v)
	}
	return d, nil
}

// loadKeys returns the keys and a function that releases them: the
// key-set file at path, reloaded when it changes (a rotated mounted
// secret), or a fresh development key when path is empty.
func loadKeys(path string, log *slog.Logger) (keys.Provider, func(), error) {
	if path != "" {
		src, err := keys.WatchFile(path, keys.FileSourceConfig{
			// Access and refresh tokens are both v4.local here: a file
			// without a v4.local key that can issue is refused.
			UsableConfig: keys.UsableConfig{PrimaryFor: []keys.Algorithm{keys.V4Local}},
			Logger:       log,
		})
		if err != nil {
			return nil, nil, err
		}
		log.Info("keys loaded; the file is watched for changes", "file", path, "keys", src.Current().Len())
		return src, func() { _ = src.Close() }, nil
	}
	set, err := demoapi.DevelopmentKeys()
	if err != nil {
		return nil, nil, err
	}
	k, err := set.Primary(time.Now())
	if err != nil {
		return nil, nil, err
	}
	log.Warn("!!! DEVELOPMENT KEY: generated at start and never saved; every token dies with this process and no other instance can verify it. Set KEYS_FILE for anything real. !!!", "kid", k.ID())
	return set, func() {}, nil
}
