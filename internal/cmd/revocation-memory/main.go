// Command revocation-memory measures the Redis memory the revocation list
// costs per revoked session.
//
// It starts its own redis-server (never a shared one: it reads used_memory
// of the whole instance), revokes -n sessions through revocation.Redis
// with expiries spread over the token lifetime, and prints used_memory per
// entry: for the list alone (buckets and their metadata) and with the
// event stream, which is kept for -retention.
//
//	go run ./internal/cmd/revocation-memory -n 1000000
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiontoken/sessiontoken/revocation"
	"github.com/sessiontoken/sessiontoken/token"
)

func main() {
	n := flag.Int("n", 1_000_000, "revoked sessions to write")
	workers := flag.Int("workers", 32, "concurrent writers")
	life := flag.Duration("lifetime", revocation.DefaultMaxTokenLifetime, "MaxTokenLifetime; expiries are spread over it")
	retention := flag.Duration("retention", 0, "StreamRetention (0: the lifetime, the default)")
	bin := flag.String("redis-server", "redis-server", "redis-server binary")
	flag.Parse()
	if err := run(*n, *workers, *life, *retention, *bin); err != nil {
		log.Fatal(err)
	}
}

func run(n, workers int, life, retention time.Duration, bin string) error {
	port, err := sparePort()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "revocation-memory")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()

	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), PoolSize: workers + 4})
	defer rdb.Close()
	for i := 0; rdb.Ping(ctx).Err() != nil; i++ {
		if i > 200 {
			return errors.New("redis-server did not start")
		}
		time.Sleep(25 * time.Millisecond)
	}
	version := infoField(ctx, rdb, "server", "redis_version")
	limits, _ := rdb.ConfigGet(ctx, "hash-max-listpack-*").Result()

	store, err := revocation.NewRedis(rdb, revocation.RedisConfig{
		MaxTokenLifetime: life, StreamRetention: retention,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return err
	}
	defer store.Close()
	// Open every pooled connection first: each costs the server some
	// buffers, which must not count as list memory.
	var warm sync.WaitGroup
	for w := 0; w < workers; w++ {
		warm.Add(1)
		go func() { defer warm.Done(); _ = rdb.Do(ctx, "BLPOP", "revocation-memory:warm", "0.05").Err() }()
	}
	warm.Wait()
	before := usedMemory(ctx, rdb)

	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				var sid token.SessionID
				_, _ = rand.Read(sid[:])
				// Expiries spread evenly over the lifetime, as sessions
				// revoked at random points of their life would be.
				until := time.Now().Add(time.Hour + time.Duration(i%1000)*(life-2*time.Hour)/1000)
				if err := store.RevokeSession(ctx, sid, until); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	elapsed := time.Since(start)
	total := usedMemory(ctx, rdb)

	// How long a new process takes to load the whole list into its mirror.
	loadStart := time.Now()
	second, err := revocation.NewRedis(rdb, revocation.RedisConfig{
		MaxTokenLifetime: life, StreamRetention: retention,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return err
	}
	for second.Health().Err != nil {
		if time.Since(loadStart) > 5*time.Minute {
			return fmt.Errorf("second mirror never loaded: %v", second.Health().Err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	loadTime := time.Since(loadStart)
	loaded := second.Health().Sessions
	_ = second.Close()

	// The stream is one key: measure the list without it.
	streamLen := rdb.XLen(ctx, "{sessiontoken:rv:}x").Val()
	if err := rdb.Del(ctx, "{sessiontoken:rv:}x").Err(); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond) // lazy frees settle
	list := usedMemory(ctx, rdb)

	buckets, encodings := 0, map[string]int{}
	iter := rdb.Scan(ctx, 0, "{sessiontoken:rv:}b:*", 1000).Iterator()
	for iter.Next(ctx) {
		buckets++
		if buckets%50 == 1 {
			encodings[rdb.ObjectEncoding(ctx, iter.Val()).Val()]++
		}
	}
	h := store.Health()

	fmt.Printf("redis %s, hash-max-listpack-entries %s, -value %s\n", version, limits["hash-max-listpack-entries"], limits["hash-max-listpack-value"])
	fmt.Printf("revoked %d sessions through revocation.Redis in %v (%.0f/s, %d writers)\n", n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), workers)
	fmt.Printf("buckets: %d (%.0f IDs each), sampled encodings %v\n", buckets, float64(n)/float64(buckets), encodings)
	fmt.Printf("used_memory per revoked session, list only (buckets + metadata): %.1f B\n", float64(list-before)/float64(n))
	fmt.Printf("used_memory per revoked session, with the event stream (%d events): %.1f B\n", streamLen, float64(total-before)/float64(n))
	fmt.Printf("mirror in this process: %d sessions, state err=%v\n", h.Sessions, h.Err)
	fmt.Printf("a new process loaded %d sessions into its mirror in %v\n", loaded, loadTime.Round(time.Millisecond))
	return nil
}

func usedMemory(ctx context.Context, rdb *redis.Client) int64 {
	v, _ := strconv.ParseInt(infoField(ctx, rdb, "memory", "used_memory"), 10, 64)
	return v
}

func infoField(ctx context.Context, rdb *redis.Client, section, field string) string {
	info := rdb.Info(ctx, section).Val()
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	return ""
}

func sparePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
