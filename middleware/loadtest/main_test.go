package main

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestReadResponse(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "ok", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX: y\r\n\r\nhi"},
		{name: "lower-case header", in: "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"},
		{name: "401 is an error", in: "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", wantErr: true},
		{name: "no length", in: "HTTP/1.1 200 OK\r\n\r\n", wantErr: true},
		{name: "truncated body", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := readResponse(bufio.NewReader(strings.NewReader(tc.in)))
			if tc.wantErr {
				assert.Error(t, err)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

// TestRunShort runs the whole program briefly: the server, the token, the
// middleware and both routes answer 200 (load fails on anything else).
func TestRunShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and loads it for about a second")
	}
	assert.NoError(t, run(1, 200*time.Millisecond, 2, ""))
}

// TestRunWrk is TestRunShort with wrk as the load generator: wrk's
// output is parsed and both routes answer only 2xx.
func TestRunWrk(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and runs wrk for about four seconds")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Skip("wrk is not on PATH")
	}
	assert.NoError(t, run(1, time.Second, 2, wrk))
	assert.Error(t, run(1, 1500*time.Millisecond, 2, wrk), "rounds must be whole seconds")
}

// Samples of wrk 4.1.0's output against a loopback Go server answering
// 200, 401, and closing the connection; wrkTimeouts is wrkOK edited to
// the format wrk prints timeouts in.
const (
	wrkOK = `Running 1s test @ http://127.0.0.1:18089/ok
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   165.14us  289.19us   4.38ms   94.21%
    Req/Sec    16.72k     1.86k   20.23k    66.67%
  34925 requests in 1.10s, 4.26MB read
Requests/sec:  31740.36
Transfer/sec:      3.87MB
`
	wrkNon2xx = `Running 1s test @ http://127.0.0.1:18089/401
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   202.22us  409.52us   5.93ms   93.15%
    Req/Sec    17.25k     1.94k   21.79k    68.18%
  37708 requests in 1.10s, 3.06MB read
  Non-2xx or 3xx responses: 37708
Requests/sec:  34319.56
Transfer/sec:      2.78MB
`
	wrkSocketErrors = `Running 1s test @ http://127.0.0.1:18089/close
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00      -nan%
  0 requests in 1.00s, 0.00B read
  Socket errors: connect 0, read 12522, write 0, timeout 0
Requests/sec:      0.00
Transfer/sec:       0.00B
`
	// A run that mostly worked but had a few timeouts is an error.
	wrkTimeouts = `Running 2s test @ http://127.0.0.1:18089/ok
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.21ms    2.02ms  48.12ms   91.02%
    Req/Sec    28.51k     2.11k   33.10k    71.00%
  113482 requests in 2.00s, 13.85MB read
  Socket errors: connect 0, read 0, write 0, timeout 3
Requests/sec:  56699.84
Transfer/sec:      6.92MB
`
)

func TestParseWrk(t *testing.T) {
	res, err := parseWrk(wrkOK)
	if assert.NoError(t, err) {
		assert.Equal(t, loadResult{rps: 31740.36, requests: 34925}, res)
	}
	// A Socket errors line with only zeros is not an error.
	res, err = parseWrk(strings.Replace(wrkOK, "Requests/sec:", "  Socket errors: connect 0, read 0, write 0, timeout 0\nRequests/sec:", 1))
	assert.NoError(t, err)
	assert.Equal(t, int64(34925), res.requests)

	for name, tc := range map[string]struct{ out, want string }{
		"non-2xx":       {wrkNon2xx, "37708 responses were not 2xx or 3xx"},
		"socket errors": {wrkSocketErrors, "socket errors (connect 0, read 12522, write 0, timeout 0)"},
		"timeouts":      {wrkTimeouts, "socket errors"},
		"garbage":       {"unable to connect to 127.0.0.1:1 Connection refused\n", "no Requests/sec"},
		"empty":         {"", "no Requests/sec"},
		"no count":      {"Requests/sec:  31740.36\n", "no Requests/sec"},
		"zero":          {strings.Replace(strings.Replace(wrkOK, "34925 requests", "0 requests", 1), "31740.36", "0.00", 1), "no requests"},
		"bad rps":       {strings.Replace(wrkOK, "31740.36", "31.7k", 1), "parsing"},
		"bad socket":    {strings.Replace(wrkTimeouts, "timeout 3", "timeout x", 1), "parsing"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseWrk(tc.out)
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), tc.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	assert.Equal(t, 2.0, median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
}
