package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiontoken/sessiontoken/internal/redistest"
	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

// BenchmarkRevocationStats runs "revocation stats" on a list of n revoked
// sessions and reports what it finds: Redis memory per revoked session
// (list and stream together) and the time one full load of the list takes,
// which is what every service pays at start.
//
//	go test ./cmd/sessiontoken -run '^$' -bench RevocationStats -benchtime 3x
func BenchmarkRevocationStats(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			rdb, prefix := redistest.Client(b)
			addr := rdb.(*redis.Client).Options().Addr
			b.Cleanup(func() { deleteTagged(rdb, prefix) })
			fill(b, rdb, prefix, n)
			args := []string{"revocation", "stats", "--json", "--redis", addr, "--prefix", prefix}
			var st stats
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var out, errb strings.Builder
				c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, now: time.Now, getenv: func(string) string { return "" }}
				if code := c.main(args); code != exitOK {
					b.Fatalf("exit %d: %s", code, errb.String())
				}
				if err := json.Unmarshal([]byte(out.String()), &st); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if st.Sessions != n {
				b.Fatalf("stats counted %d sessions, want %d", st.Sessions, n)
			}
			if st.Memory != nil {
				b.ReportMetric(float64(*st.Memory)/float64(n), "redis-bytes/session")
			}
			if st.Stream != nil {
				b.ReportMetric(float64(st.Stream.MemoryBytes)/float64(n), "stream-bytes/session")
			}
			b.ReportMetric(float64(st.LoadMs), "open+load-ms")
		})
	}
}

func fill(b *testing.B, rdb redis.UniversalClient, prefix string, n int) {
	b.Helper()
	store, err := revocation.NewRedis(rdb, revocation.RedisConfig{KeyPrefix: prefix, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	until := time.Now().Add(24 * time.Hour)
	for i := 0; i < n; i++ {
		sid, err := token.NewSessionID()
		if err != nil {
			b.Fatal(err)
		}
		if err := store.RevokeSession(ctx, sid, until); err != nil {
			b.Fatal(err)
		}
	}
}

// deleteTagged removes the revocation list's hash-tagged keys.
func deleteTagged(rdb redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	it := rdb.Scan(ctx, 0, globEscape("{"+prefix+"}")+"*", 500).Iterator()
	for it.Next(ctx) {
		rdb.Del(ctx, it.Val())
	}
}
