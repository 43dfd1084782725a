// Package paseto implements the PASETO v4 constructions the token package
// needs: Pre-Authentication Encoding, v4.local (XChaCha20 + keyed BLAKE2b)
// and v4.public (Ed25519), with strict unpadded base64url.
//
// It works on bytes and knows nothing of claims or key sets. The token
// package chooses the key (by the footer's kid) and parses the payload.
//
// # Speed
//
// A [LocalKey] holds the BLAKE2b chaining values of the two key
// derivations with the key block already compressed, so opening a token
// costs one BLAKE2b compression for each derivation, one for the MAC's key
// block and one per 128 bytes of pre-authentication encoding, then
// XChaCha20; it allocates nothing: scratch comes from a pool and is
// scrubbed before it goes back.
//
// The primitives are this package's own where that is measurably faster
// and plain golang.org/x/crypto elsewhere: BLAKE2b (blake2b.go) with an
// AVX2 compression function (blake2b_amd64.s) or unrolled plain Go;
// XChaCha20 with an AVX2 keystream kernel (chacha_amd64.s) or
// golang.org/x/crypto/chacha20; strict base64url with an AVX2 decoder
// (b64_amd64.s) in front of the plain Go one. The assembly runs only on
// amd64 CPUs with AVX2 and not under the purego build tag; the tests and
// fuzzers hold every kernel to its plain Go or x/crypto counterpart, byte
// for byte.
package paseto
