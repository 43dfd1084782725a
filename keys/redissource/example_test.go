package redissource_test

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/keys/redissource"
)

// A fleet shares its keys through Redis; each instance is given the master
// key (here from an environment variable holding a k4.local PASERK).
// This example needs a Redis server, so it is compiled but not run.
func ExampleNew() {
	master, err := keys.ParsePASERK(os.Getenv("SESSIONTOKEN_MASTER_KEY"))
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	src, err := redissource.New(ctx, redissource.Config{
		Client:           rdb,
		MasterKey:        master,
		MaxTokenLifetime: 30 * 24 * time.Hour, // the refresh token's lifetime
		RotationPeriod:   7 * 24 * time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()

	// src is the keys.Provider of the token codec. Publish the public keys
	// and report the rotation's health:
	http.Handle("GET /.well-known/jwks.json", keys.JWKSHandler(src, keys.JWKSConfig{}))
	http.HandleFunc("GET /healthz/keys", func(w http.ResponseWriter, r *http.Request) {
		if err := src.Check(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
}
