package redissource

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiontoken/sessiontoken/keys"
)

// Errors returned by this package. Test for them with [errors.Is].
var (
	// ErrConfig reports a [Config] that [New] cannot use.
	ErrConfig = errors.New("redissource: invalid config")
	// ErrRedis reports a failed Redis command. The set in force stays.
	ErrRedis = errors.New("redissource: redis failure")
	// ErrDocument reports a key set stored in Redis that is refused: it does
	// not authenticate under the master key (a wrong master key, or data
	// altered by someone without it), it is malformed, or it is older than
	// the set in force. The set in force stays.
	ErrDocument = errors.New("redissource: stored key set refused")
)

// Defaults for the zero fields of [Config].
const (
	DefaultPrefix           = "sessiontoken:keys:"
	DefaultRotationPeriod   = 30 * 24 * time.Hour
	DefaultPropagationDelay = time.Hour
	DefaultPollInterval     = 10 * time.Second
	DefaultLeeway           = time.Minute
)

// lockTTL bounds how long a crashed rotator can hold the rotation lock. A
// rotation takes a few Redis round trips; the lock is also checked inside
// the publishing script, so a rotator that outlives its lock cannot
// publish.
const lockTTL = 30 * time.Second

// opTimeout bounds each background Redis operation.
const opTimeout = 5 * time.Second

// Config configures a [Source]. Client, MasterKey and MaxTokenLifetime are
// required; every other zero field takes the default its comment gives.
type Config struct {
	// Client is the Redis client (single node, Sentinel or Cluster). The
	// source's keys share one hash tag, so Cluster works. The caller owns
	// the client; Close does not close it.
	Client redis.UniversalClient

	// Prefix starts every Redis key of this key set. If empty,
	// [DefaultPrefix]. Fleets that must not share keys use distinct
	// prefixes.
	Prefix string

	// MasterKey is the v4.local key every secret in Redis is wrapped under
	// (PASERK k4.local-wrap.pie / k4.secret-wrap.pie), and from which the
	// key that authenticates the stored set is derived. Every instance of
	// the fleet is given the same MasterKey (a mounted secret, an
	// environment variable); Redis never sees it. Required.
	MasterKey *keys.Key

	// Algorithm is the algorithm of the keys the source generates and
	// rotates, the one the token codec issues with. If zero,
	// [keys.V4Local].
	Algorithm keys.Algorithm

	// RotationPeriod is how long a key is primary before the next one
	// takes over. If zero, [DefaultRotationPeriod].
	RotationPeriod time.Duration

	// PropagationDelay is how long a new key is published, verify-only,
	// before it becomes primary: every instance must have loaded it by
	// then, or it would reject the new key's tokens. It must be at least
	// twice PollInterval and shorter than RotationPeriod. If zero,
	// [DefaultPropagationDelay].
	PropagationDelay time.Duration

	// MaxTokenLifetime is the longest lifetime of any token issued with
	// these keys (the refresh token's, if refresh tokens use them). A key
	// that stops issuing keeps verifying for MaxTokenLifetime + Leeway.
	// Required: too short a value logs users out at each rotation.
	MaxTokenLifetime time.Duration

	// Leeway is added to MaxTokenLifetime for clock skew between instances
	// and the codec's own leeway. If zero, [DefaultLeeway]; it cannot be
	// negative.
	Leeway time.Duration

	// PollInterval is how often an instance looks for a new key set (one
	// HGET) and checks whether a rotation or a pruning is due. If zero,
	// [DefaultPollInterval].
	PollInterval time.Duration

	// ReadOnly makes an instance that follows the stored set but never
	// writes it: no bootstrap, no rotation, no pruning, no restore. Use it
	// for verifiers, or to leave rotation to a few instances.
	ReadOnly bool

	// Now is the clock. If nil, time.Now.
	Now func() time.Time

	// Logger receives rotations, reloads and refusals. If nil,
	// slog.Default(). Lines carry key IDs, never key material.
	Logger *slog.Logger

	// OnError, if set, is called with each error of the background loop
	// (Redis failures, refused sets). It must not block.
	OnError func(error)

	// OnReload, if set, is called with each set that replaces the one in
	// force. It must not block.
	OnReload func(*keys.Set)
}

// check copies cfg with its defaults filled in, or reports what is wrong.
func (cfg Config) check() (Config, error) {
	if cfg.Client == nil {
		return cfg, fmt.Errorf("%w: Client is required", ErrConfig)
	}
	if cfg.MasterKey == nil || cfg.MasterKey.Algorithm() != keys.V4Local || !cfg.MasterKey.CanIssue() {
		return cfg, fmt.Errorf("%w: MasterKey must be a v4.local key", ErrConfig)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	switch cfg.Algorithm {
	case 0:
		cfg.Algorithm = keys.V4Local
	case keys.V4Local, keys.V4Public, keys.HS256, keys.EdDSA, keys.ES256:
	default:
		return cfg, fmt.Errorf("%w: unknown Algorithm %v", ErrConfig, cfg.Algorithm)
	}
	if cfg.RotationPeriod == 0 {
		cfg.RotationPeriod = DefaultRotationPeriod
	}
	if cfg.PropagationDelay == 0 {
		cfg.PropagationDelay = DefaultPropagationDelay
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	switch {
	case cfg.MaxTokenLifetime <= 0:
		return cfg, fmt.Errorf("%w: MaxTokenLifetime is required", ErrConfig)
	case cfg.Leeway < 0:
		return cfg, fmt.Errorf("%w: Leeway is negative", ErrConfig)
	case cfg.PollInterval < 0, cfg.RotationPeriod < 0, cfg.PropagationDelay < 0:
		return cfg, fmt.Errorf("%w: negative duration", ErrConfig)
	case cfg.PropagationDelay < 2*cfg.PollInterval:
		return cfg, fmt.Errorf("%w: PropagationDelay %v is less than twice PollInterval %v: instances might not load a new key before it issues", ErrConfig, cfg.PropagationDelay, cfg.PollInterval)
	case cfg.RotationPeriod <= cfg.PropagationDelay:
		return cfg, fmt.Errorf("%w: RotationPeriod %v is not longer than PropagationDelay %v", ErrConfig, cfg.RotationPeriod, cfg.PropagationDelay)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, nil
}

// policy is the part of the configuration the rotation plan depends on.
func (cfg *Config) policy() policy {
	return policy{
		alg:         cfg.Algorithm,
		period:      cfg.RotationPeriod,
		propagation: cfg.PropagationDelay,
		retain:      cfg.MaxTokenLifetime + cfg.Leeway,
	}
}
