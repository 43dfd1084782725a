// Package jws signs and verifies JSON Web Signatures in the compact
// serialisation (RFC 7515) for the three algorithms sessiontoken issues:
// HS256, EdDSA (Ed25519) and ES256. It knows nothing of claims: the
// payload is opaque bytes.
//
// Verification is two calls. [Parse] splits a token and checks its
// protected header, which yields the kid to look the key up by; then
// [Key.Verify] with that key checks the signature and returns the payload.
// The algorithm always comes from the key: a header whose alg differs from
// the key's is refused, and no key is ever taken from the token (jku, jwk,
// x5u and x5c are ignored, never fetched).
//
// # Strictness
//
// Exactly three non-empty segments; unpadded base64url with zero trailing
// bits, so every value has one spelling ('=', '+', '/', '?' and whitespace
// are refused); a header that is a JSON object in valid UTF-8 with no
// duplicate member names and no trailing data; alg exactly "HS256",
// "EdDSA" or "ES256" ("none" and every other value are refused); kid
// required; typ, when present, "JWT" or "at+jwt"; crit and b64 refused.
// ES256 signatures are the 64-byte r‖s of RFC 7518 §3.4 with r and s in
// [1, n-1]; DER signatures are refused.
//
// # Performance
//
// A [Key] holds prepared state: HS256 keeps a pool of keyed HMAC
// instances (each used by one goroutine at a time) whose inner and outer
// states are precomputed. Parse and Verify decode into caller or stack
// buffers; verifying allocates only the kid string.
//
// Keys and the package's functions are safe for concurrent use.
package jws
