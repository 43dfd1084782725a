package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiontoken/sessiontoken"
	"github.com/sessiontoken/sessiontoken/revocation"
)

// storeConfig says where revocations live.
type storeConfig struct {
	RedisAddr   string           // host:port; empty: in memory
	RedisPrefix string           // key prefix in Redis; empty: the library's default
	Now         func() time.Time // the Manager's clock (nil: time.Now): the store judges expiries with it
}

// backend is where the server keeps its state: the revocation list and the
// session registry, and a function that releases them.
type backend struct {
	Store    revocation.Store
	Sessions sessiontoken.Registry // nil: demoapi's in-memory default
	Close    func()
}

// openStore returns the revocation store and session registry.
//
// Without a Redis address the list is kept in memory: right for one
// process, lost on restart. With one, the list is in Redis, shared by every
// instance, and each instance checks tokens against its local mirror of it
// (no round trip per request). If Redis is unreachable at start the server
// still starts, and answers 503 on protected routes until the mirror has
// loaded: it never accepts a token it cannot check.
func openStore(ctx context.Context, cfg storeConfig, log *slog.Logger) (backend, error) {
	if cfg.RedisAddr == "" {
		m, err := revocation.NewMemory(revocation.MemoryConfig{Now: cfg.Now})
		if err != nil {
			return backend{}, err
		}
		log.Info("revocations kept in memory: this process only, lost on restart; set REDIS_ADDR to share them")
		return backend{Store: m, Close: func() { _ = m.Close() }}, nil
	}
	rdb := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr})
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		// Not fatal: the store retries in the background and fails closed
		// meanwhile. Say it loudly, though.
		log.Warn("Redis unreachable at start; protected routes answer 503 until it is back", "addr", cfg.RedisAddr, "error", err)
	}
	r, err := revocation.NewRedis(rdb, revocation.RedisConfig{KeyPrefix: cfg.RedisPrefix, Now: cfg.Now, Logger: log})
	if err != nil {
		_ = rdb.Close()
		return backend{}, fmt.Errorf("redis revocation store: %w", err)
	}
	var regPrefix string // empty: the library's default
	if cfg.RedisPrefix != "" {
		regPrefix = cfg.RedisPrefix + "reg:"
	}
	reg, err := sessiontoken.NewRedisRegistry(rdb, sessiontoken.RedisRegistryConfig{KeyPrefix: regPrefix, Now: cfg.Now})
	if err != nil {
		_ = r.Close()
		_ = rdb.Close()
		return backend{}, fmt.Errorf("redis session registry: %w", err)
	}
	log.Info("revocations and sessions kept in Redis, shared by every instance", "addr", cfg.RedisAddr)
	return backend{Store: r, Sessions: reg, Close: func() {
		_ = r.Close()
		_ = rdb.Close()
	}}, nil
}
