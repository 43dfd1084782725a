// Command loadtest measures the throughput cost of the middleware on a
// real net/http server (issue 7: at least 88% of the requests/s of the
// same server without authentication).
//
// It starts one server on 127.0.0.1 with two routes serving the same
// handler, /bare without authentication and /auth behind
// middleware.Require with a real v4.local token checked against
// revocation.Memory holding 1000 revoked sessions and subjects, then loads them alternately (bare, auth, auth, bare,
// … so that neither side always runs first) from keep-alive HTTP/1.1
// connections in this same process, like wrk on the same machine. Every
// request carries the same Authorization header, so both routes read the
// same bytes. It prints the requests/s of every round, the medians and
// their ratio.
//
// On a shared machine throughput swings with other processes' load, so it
// also prints the process CPU time per request (server and load generator
// together, user+system): that figure is far less sensitive to
// neighbours, and cpu/req(bare) ÷ cpu/req(auth) estimates the throughput
// ratio on a dedicated machine.
//
// With -gen wrk the load comes from wrk (https://github.com/wg/wrk) in a
// separate process instead, one wrk run per round and side (two threads,
// or one with -conns 1; the same connections and Authorization header),
// in the same alternating order; the requests/s are wrk's. Rounds must
// then be whole seconds (wrk's -d), and the process CPU time is the
// server's alone, so it is printed as server CPU per request and the
// CPU-bound ratio is the server's. wrk must be on PATH.
//
//	go run ./middleware/loadtest                 # 6 rounds of 2 s each side, 64 connections
//	go run ./middleware/loadtest -rounds 10 -round 3s -conns 32
//	go run ./middleware/loadtest -gen wrk -rounds 8 -round 2s
//
// It is bounded: at most 20 rounds of at most 10 s per side, 512
// connections, and it only ever connects to the loopback server it
// started.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

func main() { os.Exit(mainCode()) }

// mainCode runs the program and returns its exit status, so that deferred
// calls (the profile) run before os.Exit.
func mainCode() int {
	rounds := flag.Int("rounds", 6, "rounds per side (1–20)")
	round := flag.Duration("round", 2*time.Second, "duration of one round (≤ 10s)")
	conns := flag.Int("conns", 64, "concurrent keep-alive connections (1–512)")
	gen := flag.String("gen", "go", "load generator: go (in this process) or wrk (a separate process)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *rounds < 1 || *rounds > 20 || *round <= 0 || *round > 10*time.Second || *conns < 1 || *conns > 512 {
		fmt.Fprintln(os.Stderr, "loadtest: -rounds 1–20, -round up to 10s, -conns 1–512")
		return 2
	}
	var wrkPath string
	switch *gen {
	case "go":
	case "wrk":
		if *round%time.Second != 0 {
			fmt.Fprintf(os.Stderr, "loadtest: -gen wrk needs -round in whole seconds (wrk's -d), not %v\n", *round)
			return 2
		}
		p, err := exec.LookPath("wrk")
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest: -gen wrk: wrk is not on PATH (Debian/Ubuntu: apt-get install wrk):", err)
			return 1
		}
		wrkPath = p
	default:
		fmt.Fprintf(os.Stderr, "loadtest: -gen is go or wrk, not %q\n", *gen)
		return 2
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*rounds, *round, *conns, wrkPath); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		return 1
	}
	return 0
}

// okBody is what both routes answer: a small JSON document.
const okBody = `{"ok":true}`

// loadResult is what one round of load measured.
type loadResult struct {
	rps      float64 // completed requests per second
	requests int64   // completed requests
}

// run measures both routes; with wrkPath empty the load comes from this
// process (load), otherwise from the wrk binary at wrkPath (wrkLoad).
func run(rounds int, round time.Duration, conns int, wrkPath string) error {
	gen, cpuWhose := "in-process load", "CPU"
	generate := load
	if wrkPath != "" {
		gen, cpuWhose = "wrk", "server CPU"
		generate = func(addr, path, tok string, conns int, d time.Duration) (loadResult, error) {
			return wrkLoad(wrkPath, addr, path, tok, conns, d)
		}
	}
	key, err := keys.Generate(keys.V4Local)
	if err != nil {
		return err
	}
	set, err := keys.NewSet(key)
	if err != nil {
		return err
	}
	codec, err := token.New(token.Config{Keys: set, Issuer: "https://api.example.com", Audience: []string{"mobile"}})
	if err != nil {
		return err
	}
	tok, err := codec.Issue(token.Claims{Subject: "user-12345", Roles: []string{"user", "admin"}})
	if err != nil {
		return fmt.Errorf("issuing the test token: %w", err)
	}
	store, err := revocation.NewMemory(revocation.MemoryConfig{})
	if err != nil {
		return err
	}
	defer store.Close()
	// A list with revoked sessions and subjects, so the check is a real
	// lookup, not an empty-map shortcut.
	for i := 0; i < 1000; i++ {
		sid, err := token.NewSessionID()
		if err != nil {
			return err
		}
		if err := store.RevokeSession(context.Background(), sid, time.Now().Add(time.Hour)); err != nil {
			return err
		}
		if err := store.RevokeSubject(context.Background(), "user-"+strconv.Itoa(i), time.Now()); err != nil {
			return err
		}
	}
	mw, err := middleware.New(middleware.Config{
		Verifier:    codec,
		Revocations: store,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Hook:        new(middleware.Counter),
	})
	if err != nil {
		return err
	}

	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, okBody)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /bare", ok)
	mux.Handle("GET /auth", mw.Require(ok))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}()
	addr := ln.Addr().String()

	fmt.Printf("go %s, GOMAXPROCS %d, %s, %d connections, %d rounds × %v per side, token %d bytes (v4.local)\n",
		runtime.Version(), runtime.GOMAXPROCS(0), gen, conns, rounds, round, len(tok))

	// Warm up both routes (connections, caches, GC pacing) for half a
	// round; wrk takes whole seconds, so at least one.
	warm := round / 2
	if wrkPath != "" {
		warm = max(time.Second, warm.Truncate(time.Second))
	}
	for _, path := range []string{"/bare", "/auth"} {
		if _, err := generate(addr, path, tok, conns, warm); err != nil {
			return err
		}
	}
	var bare, auth, bareCPU, authCPU []float64
	for i := 0; i < rounds; i++ {
		order := []string{"/bare", "/auth"}
		if i%2 == 1 {
			order = []string{"/auth", "/bare"}
		}
		for _, path := range order {
			cpu0, cpuOK := processCPU()
			res, err := generate(addr, path, tok, conns, round)
			if err != nil {
				return err
			}
			rps := res.rps
			cpu1, _ := processCPU()
			// µs of CPU per request: CPU time over requests served. With
			// wrk this process is the server alone.
			perReq := float64(cpu1-cpu0) / float64(time.Microsecond) / float64(res.requests)
			if path == "/bare" {
				bare, bareCPU = append(bare, rps), append(bareCPU, perReq)
			} else {
				auth, authCPU = append(auth, rps), append(authCPU, perReq)
			}
			if cpuOK {
				fmt.Printf("round %2d %-5s %9.0f req/s %6.1f µs %s/req\n", i+1, path, rps, perReq, cpuWhose)
			} else {
				fmt.Printf("round %2d %-5s %9.0f req/s\n", i+1, path, rps)
			}
		}
	}
	mb, ma := median(bare), median(auth)
	fmt.Printf("median bare %.0f req/s, auth %.0f req/s, ratio %.1f%% (target ≥ 88%%)\n", mb, ma, 100*ma/mb)
	if _, ok := processCPU(); ok {
		cb, ca := median(bareCPU), median(authCPU)
		fmt.Printf("median %s/request bare %.1f µs, auth %.1f µs (+%.1f µs): %s-bound ratio %.1f%%\n", cpuWhose, cb, ca, ca-cb, cpuWhose, 100*cb/ca)
	}
	return nil
}

// load runs conns keep-alive connections against path for d and returns
// the completed requests and requests per second. Any answer but 200 is
// an error: a benchmark of rejections would measure the wrong thing.
func load(addr, path, tok string, conns int, d time.Duration) (loadResult, error) {
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: loadtest\r\nAuthorization: Bearer " + tok + "\r\nUser-Agent: loadtest\r\n\r\n")
	var (
		stop     atomic.Bool
		total    atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	start := time.Now()
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	defer timer.Stop()
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := worker(addr, req, &stop)
			total.Add(n)
			if err != nil {
				errOnce.Do(func() { firstErr = err; stop.Store(true) })
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return loadResult{}, firstErr
	}
	n := total.Load()
	if n == 0 {
		return loadResult{}, fmt.Errorf("no request to %s completed in %v", path, d)
	}
	return loadResult{rps: float64(n) / elapsed.Seconds(), requests: n}, nil
}

// worker sends req on one connection, one at a time, until stop, and
// returns how many 200 answers it read.
func worker(addr string, req []byte, stop *atomic.Bool) (int64, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	br := bufio.NewReaderSize(c, 4096)
	var n int64
	for !stop.Load() {
		if _, err := c.Write(req); err != nil {
			return n, err
		}
		if err := readResponse(br); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// readResponse reads one HTTP/1.1 response with a Content-Length body and
// fails unless its status is 200.
func readResponse(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) < 12 || string(line[9:12]) != "200" {
		return fmt.Errorf("unexpected status line %q", strings.TrimSpace(string(line)))
	}
	length := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if len(line) > 16 && strings.EqualFold(string(line[:15]), "content-length:") {
			length, err = strconv.Atoi(strings.TrimSpace(string(line[15:])))
			if err != nil {
				return err
			}
		}
	}
	if length < 0 {
		return errors.New("response without Content-Length")
	}
	_, err = br.Discard(length)
	return err
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
