package main

import (
	"bufio"
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
	assert.NoError(t, run(1, 200*time.Millisecond, 2))
}

func TestMedian(t *testing.T) {
	assert.Equal(t, 2.0, median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
}
