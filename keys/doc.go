// Package keys holds the keys that issue and verify session tokens: typed
// keys that know their algorithm, immutable key sets whose keys come and go
// on a schedule, and the file format they are stored in.
//
// Most programs need two calls: [LoadFile] (or [FromEnv]) to read a key-set
// file into a [*Set], and [NewRing] to hold that set where a token codec can
// read it while a reload replaces it; a server whose file changes uses
// [WatchFile] instead, which does both and reloads the file when it changes.
// To start, [Generate] a key and wrap it with [NewSet]:
//
//	k, err := keys.Generate(keys.V4Local)
//	set, err := keys.NewSet(k)
//	primary, err := set.Primary(time.Now()) // the key that issues now
//
// A [Key] has one [Algorithm] for life: PASETO v4.local ([V4Local]) or
// v4.public ([V4Public]), or JWT [HS256], [EdDSA] or [ES256]. A key of one
// algorithm is never used for another, and [NewSet] refuses the same
// material under two algorithms. Keys, sets and rings are immutable or
// atomic and safe for concurrent use.
//
// # Key IDs
//
// Every key's ID ([Key.ID]) is derived from its material, so an ID can
// never be attached to the wrong key and every process computes the same
// one:
//
//   - v4.local: the PASERK local ID, "k4.lid.…".
//   - v4.public: the PASERK public ID, "k4.pid.…", shared by the key pair
//     and its verify-only half ([Key.Public]). The secret half also has a
//     "k4.sid.…" ([Key.SecretKeyID]); tokens never carry it.
//   - HS256, EdDSA, ES256: the RFC 7638 JWK thumbprint (SHA-256).
//
// Tokens name their key by this ID (the PASETO footer's kid, the JWT
// header's kid), and [Set.Lookup] finds it. PASETO keys are written as
// PASERK ([ParsePASERK], [Key.PublicPASERK], [Key.SecretPASERK]); JWT public
// keys are published as JWKs ([Key.PublicJWK]).
//
// # Key states
//
// A key carries a validity window: [Key.IssueFrom], from which it may
// issue, and [Key.VerifyUntil], at which it stops verifying (set with
// [Key.WithValidity]; zero means unbounded). Its [State] at an instant
// follows from the window and the rest of the set alone, so every instance
// holding the same set agrees without talking to the others:
//
//   - [StatePending]: before IssueFrom. It verifies but does not issue, so
//     a new key can reach every instance before any instance issues with it.
//   - [StatePrimary]: the key that can issue with the latest IssueFrom not
//     after now, one per token format ([Set.PrimaryFor]; [Set.Primary]
//     when the set holds one format).
//   - [StateVerifyOnly]: superseded by a newer primary, or a public key
//     without its private half. It verifies tokens issued earlier.
//   - [StateExpired]: at or after VerifyUntil. Tokens it issued fail.
//
// [Set.State] reports the state of a key. Rotation is a matter of adding a
// key with a future IssueFrom and giving the old one a VerifyUntil later
// than the longest token lifetime after the switch; docs/keys.md walks
// through it.
//
// # Key-set file
//
// A key set is stored as JSON, version 1:
//
//	{
//	  "version": 1,
//	  "keys": [
//	    {
//	      "kid": "k4.lid.iVtYQDjr5gEijCSjJC3fQaJm7nCeQSeaty0Jixy8dbsk",
//	      "alg": "v4.local",
//	      "paserk": "k4.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8",
//	      "issue_from": "2026-02-01T00:00:00Z",
//	      "verify_until": "2026-06-01T00:00:00Z"
//	    },
//	    {
//	      "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
//	      "alg": "EdDSA",
//	      "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "11qY…", "d": "nWGx…"}
//	    }
//	  ]
//	}
//
// Each key has its alg ([Algorithm.String]), its kid, which must be the ID
// derived from the material, and its material: for v4 keys a "paserk"
// (k4.local, k4.secret, or k4.public for a verify-only key), for JWT keys a
// "jwk" (RFC 7517/7518/8037 members; d or k make a key that issues,
// HS256 requires k; optional kid, alg and use must agree with the key).
// issue_from and verify_until are optional RFC 3339 instants.
//
// [ParseSet] reads the format strictly (see its documentation), [LoadFile]
// and [FromEnv] read it from a file or an environment variable, and
// [Set.MarshalFile] and [SaveFile] write it. The file holds secrets: keep it
// mode 0600 (SaveFile does) or in a secret store.
//
// # Security
//
// Key material is copied in when a key is made and out only through calls
// named for it ([Key.ExportSecret], [Key.ExportPrivateKey],
// [Key.SecretPASERK], [Set.MarshalFile]). Every printed form of a Key, Set
// or Ring (String, every fmt verb, JSON, slog) shows algorithms and IDs
// only, and errors never quote key material. Fresh keys come from
// crypto/rand.
//
// Parsers bound their input before decoding, accept exactly one encoding
// per key (unpadded base64url with zero trailing bits, exact lengths), and
// check that the halves of a key pair belong together. An ID is a one-way
// hash of the key, but a JWK thumbprint or PASERK lid of a symmetric key
// lets anyone who sees a token test guesses of the key offline: symmetric
// keys must be random (use [Generate]), never derived from a password.
//
// # Live key sets
//
// A token codec reads keys through a [Provider]; a [Ring] is the holder a
// reload writes to, read with one atomic load. The sources fill one:
//
//   - [WatchFile] loads a key-set file and polls it ([FileSource]): a new
//     file replaces the set in force only when it parses and has a primary
//     key ([UsableConfig]); otherwise the old set stays and the reason goes
//     to a [log/slog.Logger] and an OnError hook. Polling follows symbolic
//     links at each look, which catches the "..data" swap Kubernetes uses
//     to update mounted secrets.
//   - [LoadEnv] loads an environment variable once: the environment cannot
//     change under a running process, so rotating means restarting.
//   - Package keys/redissource shares a set through Redis, with every secret
//     wrapped under a master key, and rotates it on a schedule. Importing
//     keys alone links no Redis.
//
// # Wrapping
//
// [Key.WrappedPASERK] wraps a v4.local or v4.public secret under a v4.local
// master key with PASERK k4.local-wrap.pie / k4.secret-wrap.pie, and
// [ParseWrappedPASERK] unwraps it, failing with [ErrUnwrap] for a wrong key
// or altered data. [Key.WrappedSecret] and [ParseWrappedSecret] extend the
// same construction to JWT keys, under this package's own headers.
//
// # Export and monitoring
//
// [JWKSHandler] serves /.well-known/jwks.json ([Set.JWKS]): EdDSA and ES256
// public keys as JWKs, v4.public keys as k4.public PASERKs under a separate
// "paserk" member, never a symmetric key, a private member or an expired
// key. [KeyUsage] counts the tokens each key verifies and warns when tokens
// still arrive under a key close to its end; [Set.Check] reports a primary
// key older than the rotation period, a missing primary, or a primary near
// its end with no successor.
//
// docs/keys.md has the rotation runbooks for files and for Redis.
package keys
