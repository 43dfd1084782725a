// Package redissource keeps the key set of a fleet in Redis and rotates it
// automatically: every instance loads it into a [keys.Ring] and follows its
// changes without a restart, and one instance at a time publishes the next
// key on schedule.
//
// Most programs need one call, [New], and hand the [Source] to the token
// codec as its [keys.Provider]:
//
//	src, err := redissource.New(ctx, redissource.Config{
//	    Client:           rdb,            // redis.UniversalClient
//	    MasterKey:        master,         // v4.local, the same on every instance
//	    MaxTokenLifetime: 30 * 24 * time.Hour,
//	})
//	defer src.Close()
//
// Importing this package links go-redis; importing keys alone does not.
//
// # Layout
//
// The set is one Redis hash, <Prefix>{keyset}, with three fields: "doc",
// the key set as JSON; "mac", a BLAKE2b-256 MAC of the document and the
// prefix under a key derived from the master key; and "gen", a generation
// number that grows with every change. Every secret in the document is
// wrapped under the master key (PASERK k4.local-wrap.pie or
// k4.secret-wrap.pie, and for JWT keys the same construction under the keys
// package's own headers: [keys.Key.WrappedSecret]); nothing in Redis lets a
// reader issue a token, and nobody without the master key can add a key,
// change a window or move a set to another prefix: the MAC fails and every
// instance refuses the document, keeping the set in force. The rotation
// lock is <Prefix>{keyset}:lock. Both keys share a hash tag, so Redis
// Cluster works.
//
// # Rotation
//
// Every PollInterval an instance reads "gen" (one HGET) and loads the
// document when it changed, then asks whether the schedule calls for a
// change. If so, it takes the lock (SET NX PX, 30 s), re-reads the set,
// applies the change and publishes it with a script that checks that it
// still holds the lock and that the generation is the one it read; then it
// releases the lock with a compare-and-delete script, so a lock that
// expired and was taken by another instance is never deleted by the
// previous holder. The schedule ([Config]):
//
//   - A key is primary for RotationPeriod. PropagationDelay before its
//     successor is due, a new key is published pending (IssueFrom in the
//     future): it verifies everywhere before anyone issues with it.
//   - The superseded key gets VerifyUntil = the successor's IssueFrom +
//     MaxTokenLifetime + Leeway, so every token it issued expires before it
//     stops verifying.
//   - Keys past their VerifyUntil are pruned.
//
// Because key states follow from the clock, every instance switches to the
// new key at the same instant without coordination. The invariant holds as
// long as every instance loads a new set within PropagationDelay, which is
// why PropagationDelay must be at least twice PollInterval; a property test
// checks it under random schedules and reload orders.
//
// # Failure modes
//
//   - Redis unreachable: instances keep the set in force and keep issuing
//     with it; no rotation happens. [Source.Check] reports it after three
//     poll intervals. If the outage outlasts PropagationDelay while another
//     instance could still rotate, an isolated instance may not know a key
//     that others issue with, and reject its tokens until it reconnects;
//     tokens it keeps issuing with the old key after the switch may stop
//     verifying elsewhere before they expire.
//   - Redis restarted empty, or restored from an older backup: instances
//     keep their set, refuse the older generation, and the next rotation
//     check publishes their set again with a higher generation, so no
//     token is voided. A brand-new fleet (no instance holds a set) creates
//     its first key, which issues at once.
//   - Wrong master key: [New] fails with [ErrDocument]; a running instance
//     refuses the document and keeps its set.
//   - An attacker with write access to Redis but not the master key can
//     delete the set (restored as above) or store an older authentic
//     generation (refused by instances that saw a newer one), but cannot
//     add a key or extend a window.
//
// A Source is safe for concurrent use; its one goroutine stops on Close.
package redissource
