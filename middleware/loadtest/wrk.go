package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// wrkTimeout is wrk's per-request timeout (its default is 2s). A trivial
// handler on loopback answers in microseconds, but a shared machine can
// stall a process for a good while; 5s keeps such stalls from showing up
// as spurious timeouts while staying under the longest round (10s), so a
// request that really hangs is still reported.
const wrkTimeout = "5s"

// wrkLoad runs wrk (at path wrkPath) in its own process against path for d,
// which must be whole seconds, and returns what it measured. Like load,
// any answer but 2xx/3xx, or any socket error, is an error.
func wrkLoad(wrkPath, addr, path, tok string, conns int, d time.Duration) (loadResult, error) {
	if d <= 0 || d%time.Second != 0 {
		return loadResult{}, fmt.Errorf("wrk needs a duration in whole seconds, not %v", d)
	}
	// wrk refuses fewer connections than threads.
	threads := min(2, conns)
	// The deadline only guards against a wrk that never exits; it stops
	// by itself after d.
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	// The token on the command line is visible to ps; it is a throwaway,
	// signed with a key generated for this run and never stored.
	cmd := exec.CommandContext(ctx, wrkPath,
		"-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+strconv.Itoa(int(d/time.Second))+"s", "--timeout", wrkTimeout,
		"-H", "Authorization: Bearer "+tok,
		"http://"+addr+path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return loadResult{}, fmt.Errorf("wrk on %s: %w: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	res, err := parseWrk(stdout.String())
	if err != nil {
		return loadResult{}, fmt.Errorf("wrk on %s: %w", path, err)
	}
	return res, nil
}

// parseWrk reads wrk's report: the requests/s and the number of requests
// completed (the "N requests in T" line, which is what Requests/sec
// divides by wrk's own run time, so CPU per request needs the count, not
// rps × the nominal duration). A "Non-2xx or 3xx responses" or "Socket
// errors" line with a non-zero count is an error: a benchmark of
// rejections or broken connections measures the wrong thing.
func parseWrk(out string) (loadResult, error) {
	var (
		res            loadResult
		haveRPS, haveN bool
	)
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "Requests/sec:"):
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, "Requests/sec:")), 64)
			if err != nil {
				return loadResult{}, fmt.Errorf("parsing %q: %w", line, err)
			}
			res.rps, haveRPS = v, true
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(line, "Non-2xx or 3xx responses:")), 10, 64)
			if err != nil {
				return loadResult{}, fmt.Errorf("parsing %q: %w", line, err)
			}
			if n != 0 {
				return loadResult{}, fmt.Errorf("%d responses were not 2xx or 3xx", n)
			}
		case strings.HasPrefix(line, "Socket errors:"):
			// "Socket errors: connect 0, read 12522, write 0, timeout 0"
			for _, f := range strings.Split(strings.TrimPrefix(line, "Socket errors:"), ",") {
				_, count, ok := strings.Cut(strings.TrimSpace(f), " ")
				n, err := strconv.ParseInt(count, 10, 64)
				if !ok || err != nil {
					return loadResult{}, fmt.Errorf("parsing %q", line)
				}
				if n != 0 {
					return loadResult{}, fmt.Errorf("socket errors (%s)", strings.TrimSpace(strings.TrimPrefix(line, "Socket errors:")))
				}
			}
		case strings.Contains(line, " requests in "):
			// "34925 requests in 1.10s, 4.26MB read"
			n, err := strconv.ParseInt(line[:strings.IndexByte(line, ' ')], 10, 64)
			if err != nil {
				return loadResult{}, fmt.Errorf("parsing %q: %w", line, err)
			}
			res.requests, haveN = n, true
		}
	}
	if !haveRPS || !haveN {
		return loadResult{}, errors.New("no Requests/sec or request count in wrk's output")
	}
	if res.requests <= 0 || res.rps <= 0 || math.IsInf(res.rps, 0) || math.IsNaN(res.rps) {
		return loadResult{}, fmt.Errorf("wrk completed no requests (%d, %v req/s)", res.requests, res.rps)
	}
	return res, nil
}
