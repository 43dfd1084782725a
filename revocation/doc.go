// Package revocation gives stateless tokens their logout back: a list of
// revoked sessions and per-subject cutoffs that every verified token is
// checked against.
//
// Most users need two calls: create a store with [NewMemory] (one process)
// or [NewRedis] (a fleet), then call [Store.Check] with the verified
// claims on every request; [Store.RevokeSession] at logout and
// [Store.RevokeSubject] for "log out everywhere". The root package's
// Manager and the middleware do both for you.
//
//	store, err := revocation.NewRedis(rdb, revocation.RedisConfig{})
//	...
//	if err := store.Check(ctx, claims); err != nil {
//		// errors.Is(err, revocation.ErrRevoked): 401
//		// errors.Is(err, revocation.ErrUnavailable): 503, never "fine"
//	}
//
// # What is revoked
//
// A session is revoked until an instant: the latest expiry of any of its
// tokens, after which the entry is forgotten because the tokens have
// expired anyway. A subject cutoff voids every token of that subject
// whose iat is strictly before it, to the millisecond: a login right after
// a logout-everywhere, even in the same second, gets a working token. A
// cutoff is kept for MaxTokenLifetime. Nothing grows without bound, and an
// entry that cannot be kept as long as asked is refused ([ErrInvalid]),
// never silently shortened.
//
// Check looks at the session ID and at the subject and iat; it does not
// check signatures, expiry or audience: verify the token first.
//
// # Memory
//
// [Memory] keeps the list in a compact open-addressing table: about 21
// bytes per revoked session (a map[[16]byte]int64 costs ~56), and a
// lookup that takes a shared lock and does not allocate. One goroutine
// prunes expired entries; [Memory.Close] stops it.
//
// # Redis
//
// [Redis] stores raw 16-byte session IDs in small hashes that Redis keeps
// as listpacks (~22 bytes per session in used_memory; the event stream adds
// ~42 bytes per event while it is retained, see RedisConfig.StreamRetention),
// grouped by expiry window so each group expires as a whole, and appends
// every revocation to a Redis Stream. Each process keeps a local mirror: it loads the list
// at start, then follows the stream, so Check is a memory lookup with no
// round trip; a revocation reaches the other processes in a few
// milliseconds. RedisConfig.Strict asks Redis on every Check instead, in
// one round trip.
//
// Faults are explicit. When Redis is unreachable, Check returns
// [ErrUnavailable]: at once by default, or after RedisConfig.MaxStaleness
// if you accept that window. A write that Redis did not acknowledge
// returns an error. A Redis that restarted empty or was flushed is
// detected by an epoch marker, and every mirror writes back what it holds.
// See docs/revocation.md for the key layout, sizing and Cluster/Sentinel
// setup.
//
// # Refresh tokens
//
// Both stores also implement [RefreshCounter], the per-session generation
// counter behind refresh-token rotation with reuse detection.
//
// All stores are safe for concurrent use.
package revocation
