package keys

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
)

// thumbprint computes the RFC 7638 JWK thumbprint (SHA-256, base64url) of
// the canonical JWK: the required members in lexicographic order, without
// whitespace. Callers build canonicalJWK from base64url values only, which
// need no JSON escaping.
func thumbprint(canonicalJWK string) string {
	sum := sha256.Sum256([]byte(canonicalJWK))
	return b64(sum[:])
}

// jwk is the JSON Web Key form (RFC 7517, 7518, 8037) of a JWT key: the
// public export and, with d or k, the key-set file's secret form.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	D   string `json:"d,omitempty"` // private: EdDSA seed, ES256 scalar
	K   string `json:"k,omitempty"` // private: HS256 secret
	Kid string `json:"kid,omitempty"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
}

// PublicJWK returns the public JSON Web Key of an EdDSA or ES256 key, as a
// JWKS endpoint publishes it: kty, crv, x (and y for ES256), kid (the
// key's ID, its RFC 7638 thumbprint), alg and use "sig". It never contains
// the private members d or k, whether or not the key can issue.
//
// It fails with [ErrWrongPurpose] for HS256 keys, whose only material is
// secret, and for PASETO keys, which are published as PASERK
// ([Key.PublicPASERK]).
func (k *Key) PublicJWK() ([]byte, error) {
	j, err := k.publicJWK()
	if err != nil {
		return nil, err
	}
	j.Kid, j.Alg, j.Use = k.id, k.alg.String(), "sig"
	return json.Marshal(j)
}

// publicJWK returns the public members of an EdDSA or ES256 key.
func (k *Key) publicJWK() (jwk, error) {
	m := k.mat()
	switch {
	case k.alg == EdDSA && m.edPub != nil:
		return jwk{Kty: "OKP", Crv: "Ed25519", X: b64(m.edPub)}, nil
	case k.alg == ES256 && m.ecPub != nil:
		raw, err := m.ecPub.Bytes()
		if err != nil {
			return jwk{}, fmt.Errorf("%w: ES256 public key: %v", ErrInvalidKey, err)
		}
		return jwk{Kty: "EC", Crv: "P-256", X: b64(raw[1:33]), Y: b64(raw[33:65])}, nil
	}
	return jwk{}, fmt.Errorf("%w: %v key has no public JWK", ErrWrongPurpose, k.alg)
}

// secretJWK returns the JWK of a JWT key with its private member when it
// has one (k for HS256, d for EdDSA and ES256), for the key-set file.
func (k *Key) secretJWK() (jwk, error) {
	m := k.mat()
	if k.alg == HS256 {
		return jwk{Kty: "oct", K: b64(m.secret)}, nil
	}
	j, err := k.publicJWK()
	if err != nil {
		return jwk{}, err
	}
	switch {
	case m.edPriv != nil:
		j.D = b64(m.edPriv.Seed())
	case m.ecPriv != nil:
		d, err := m.ecPriv.Bytes()
		if err != nil {
			return jwk{}, fmt.Errorf("%w: ES256 private key: %v", ErrInvalidKey, err)
		}
		j.D = b64(d)
	}
	return j, nil
}

// keyFromJWK makes a key of algorithm alg from its JWK. Members are checked
// strictly: the key type and curve must be those of alg, members of other
// key types must be absent, every value must be strict unpadded base64url of
// the exact size, and the optional kid, alg and use must agree with the key.
// A JWK with d or k yields a key that issues; without, a verify-only key
// (HS256 requires k).
func keyFromJWK(alg Algorithm, j *jwk) (*Key, error) {
	var k *Key
	switch alg {
	case HS256:
		if j.Kty != "oct" || j.Crv != "" || j.X != "" || j.Y != "" || j.D != "" {
			return nil, fmt.Errorf("%w: HS256 JWK must have kty \"oct\" and only k", ErrInvalidKey)
		}
		b, err := decodeB64(j.K)
		if err != nil {
			return nil, fmt.Errorf("%w: HS256 JWK k: %v", ErrInvalidKey, err)
		}
		if k, err = NewHS256(b); err != nil {
			return nil, err
		}
	case EdDSA:
		if j.Kty != "OKP" || j.Crv != "Ed25519" || j.Y != "" || j.K != "" {
			return nil, fmt.Errorf("%w: EdDSA JWK must have kty \"OKP\", crv \"Ed25519\", x and optionally d", ErrInvalidKey)
		}
		x, err := decodeExact(j.X, ed25519.PublicKeySize)
		if err != nil {
			return nil, fmt.Errorf("%w: EdDSA JWK x: %v", ErrInvalidKey, err)
		}
		if j.D == "" {
			if k, err = NewEdDSAVerifier(x); err != nil {
				return nil, err
			}
			break
		}
		d, err := decodeExact(j.D, ed25519.SeedSize)
		if err != nil {
			return nil, fmt.Errorf("%w: EdDSA JWK d: %v", ErrInvalidKey, err)
		}
		// NewEdDSA checks that x is the public key of the seed d.
		if k, err = NewEdDSA(append(d, x...)); err != nil {
			return nil, err
		}
	case ES256:
		if j.Kty != "EC" || j.Crv != "P-256" || j.K != "" {
			return nil, fmt.Errorf("%w: ES256 JWK must have kty \"EC\", crv \"P-256\", x, y and optionally d", ErrInvalidKey)
		}
		x, err := decodeExact(j.X, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: ES256 JWK x: %v", ErrInvalidKey, err)
		}
		y, err := decodeExact(j.Y, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: ES256 JWK y: %v", ErrInvalidKey, err)
		}
		point := append(append([]byte{4}, x...), y...)
		if k, err = newES256Point(point); err != nil {
			return nil, err
		}
		if j.D == "" {
			break
		}
		d, err := decodeExact(j.D, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: ES256 JWK d: %v", ErrInvalidKey, err)
		}
		// The private key's public half, computed from d, must be the
		// point (x, y): compare the IDs derived from both.
		priv, perr := parseES256Scalar(d)
		if perr != nil {
			return nil, perr
		}
		if priv.id != k.id {
			return nil, fmt.Errorf("%w: ES256 JWK d does not match x and y", ErrInvalidKey)
		}
		k = priv
	default:
		return nil, fmt.Errorf("%w: %v keys are not JWKs", ErrInvalidKey, alg)
	}
	if j.Alg != "" && j.Alg != alg.String() {
		return nil, fmt.Errorf("%w: JWK alg %s is not %v", ErrInvalidKey, quoteShort(j.Alg), alg)
	}
	if j.Use != "" && j.Use != "sig" {
		return nil, fmt.Errorf("%w: JWK use %s is not \"sig\"", ErrInvalidKey, quoteShort(j.Use))
	}
	if j.Kid != "" && j.Kid != k.id {
		return nil, fmt.Errorf("%w: JWK kid is not the key's thumbprint %s", ErrInvalidKey, k.id)
	}
	return k, nil
}
