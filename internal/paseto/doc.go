// Package paseto implements the PASETO v4 constructions the token package
// needs: Pre-Authentication Encoding, v4.local (XChaCha20 + keyed BLAKE2b)
// and v4.public (Ed25519), with strict unpadded base64url.
//
// It works on bytes and knows nothing of claims or key sets. The token
// package chooses the key (by the footer's kid) and parses the payload.
//
// # Speed
//
// A [LocalKey] holds the two keyed BLAKE2b states a v4.local key needs
// (the key block already compressed and the domain-separation prefix
// already absorbed), so opening a token costs one BLAKE2b block for each
// derivation, the MAC and XChaCha20, and allocates nothing: digests and
// scratch come from a pool and are scrubbed before they go back.
//
// The keyed states are built through the documented
// encoding.BinaryMarshaler form of golang.org/x/crypto/blake2b digests:
// the package refuses to marshal a keyed digest, so the state a keyed
// digest has right after Reset (parameter block with the key length,
// padded key as the first block) is written into the marshalled form of an
// unkeyed digest of the same size. The official vectors and a comparison
// with blake2b.New(size, key) in the tests check that the two agree.
package paseto
