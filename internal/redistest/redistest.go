// Package redistest gives tests a real Redis to talk to.
//
// Most tests call [Client]: it returns a client and a unique key prefix, so
// that tests sharing one server never see each other's keys. The server is,
// in order of preference:
//
//  1. the one at REDIS_ADDR, when that variable is set (an unreachable
//     REDIS_ADDR fails the test: the caller asked for that server);
//  2. a redis-server started for the test on a spare port, when the binary
//     is on PATH (stopped by t.Cleanup);
//  3. miniredis, in process, with a log line saying so (it lacks some
//     commands and all of the memory behaviour of a real server).
//
// Fault and cluster tests need servers they may kill, restart and flush:
// [StartServer] and [StartCluster] start their own redis-server processes
// and skip the test, saying why, when the binary is missing.
//
// Never FLUSHDB a server you did not start: the one at REDIS_ADDR is shared.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Client returns a client for the test's Redis (see the package doc) and a
// key prefix unique to this call, ending in ':'. Keys containing the prefix
// on a shared server (also inside a hash tag, "{prefix}…") are deleted
// when the test ends.
func Client(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	prefix := Prefix(t)
	if addr := os.Getenv("REDIS_ADDR"); addr != "" {
		c := redis.NewClient(&redis.Options{Addr: addr})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := c.Ping(ctx).Err(); err != nil {
			_ = c.Close()
			t.Fatalf("redistest: REDIS_ADDR=%s is set but unreachable: %v", addr, err)
		}
		t.Cleanup(func() {
			deletePrefix(c, prefix)
			_ = c.Close()
		})
		return c, prefix
	}
	if _, err := exec.LookPath("redis-server"); err == nil {
		s := StartServer(t)
		return s.Client(t), prefix
	}
	m := miniredis.RunT(t)
	t.Logf("redistest: no REDIS_ADDR and no redis-server on PATH: using in-process miniredis (not a real Redis)")
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	return c, prefix
}

// Prefix returns a fresh random key prefix such as "test:3f9a0c1d2e4b5a69:".
func Prefix(t testing.TB) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return "test:" + hex.EncodeToString(b[:]) + ":"
}

// deletePrefix removes a test's keys from a shared server, best effort.
func deletePrefix(c *redis.Client, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// "*prefix*": stores may wrap the prefix in a hash tag ("{prefix}…").
	iter := c.Scan(ctx, 0, "*"+escapeGlob(prefix)+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == 500 {
			c.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		c.Unlink(ctx, batch...)
	}
}

func escapeGlob(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
	return r.Replace(s)
}

// Binary returns the path of redis-server, or "" when it is not on PATH.
func Binary() string {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return ""
	}
	return p
}

// RequireBinary skips the test when redis-server is not on PATH.
func RequireBinary(t testing.TB) string {
	t.Helper()
	p := Binary()
	if p == "" {
		t.Skip("redistest: redis-server not found on PATH; this test starts its own server processes")
	}
	return p
}

// Server is a redis-server process owned by one test. Its data lives in
// memory only (no RDB, no AOF), so a restart comes back empty, like a
// cache node without persistence.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	args []string

	proc   *os.Process // nil when not running
	waitCh chan error  // receives the exit of proc
}

// StartServer starts a redis-server on a spare loopback port with the extra
// arguments given (for example "--maxmemory", "100mb") and stops it when
// the test ends. It skips the test when the binary is missing.
func StartServer(t testing.TB, args ...string) *Server {
	t.Helper()
	s := &Server{t: t, bin: RequireBinary(t), dir: t.TempDir(), args: args}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if s.port, err = SparePort(); err != nil {
			continue
		}
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("redistest: starting redis-server: %v", err)
	}
	t.Cleanup(s.Kill)
	return s
}

// SparePort returns a loopback TCP port that was free a moment ago.
func SparePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start() error {
	args := append([]string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning",
		"--logfile", filepath.Join(s.dir, "redis.log"),
	}, s.args...)
	cmd := exec.Command(s.bin, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("redis-server exited: %v: %s", err, lastLines(string(log), 5))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			s.proc, s.waitCh = cmd.Process, exited
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server on port %d did not answer PING: %v", s.port, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Port returns the server's port.
func (s *Server) Port() int { return s.port }

// Client returns a new client for this server, closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Kill stops the server with SIGKILL (no shutdown save) and waits for it.
// Killing a stopped server does nothing.
func (s *Server) Kill() {
	if s.proc == nil {
		return
	}
	_ = s.proc.Kill()
	<-s.waitCh
	s.proc = nil
}

// Restart kills the server and starts a new, empty one on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond) // the port may linger briefly
	}
	s.t.Fatalf("redistest: restarting redis-server: %v", err)
}

// Start starts a killed server again on the same port, empty.
func (s *Server) Start() {
	s.t.Helper()
	if s.proc != nil {
		return
	}
	s.Restart()
}

// Flush runs FLUSHALL on this (private) server.
func (s *Server) Flush() {
	s.t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer c.Close()
	if err := c.FlushAll(context.Background()).Err(); err != nil {
		s.t.Fatalf("redistest: FLUSHALL: %v", err)
	}
}
