package token

import "errors"

// ErrInvalid matches every verification failure: test for it with
// [errors.Is] to ask "was this token rejected?", and for the more specific
// errors below to ask why. Every error returned by [Codec.Verify] matches
// ErrInvalid and exactly one of the specific errors.
var ErrInvalid = errors.New("token: invalid")

// The reasons a token is rejected. Each one also matches [ErrInvalid].
var (
	// ErrTooLarge: the token is longer than Config.MaxTokenSize. Checked
	// before any other work.
	ErrTooLarge error = &invalidError{"token: too large"}
	// ErrMalformed: the token is not a well-formed token of the configured
	// format (header, encoding, footer, JSON payload or a required claim).
	ErrMalformed error = &invalidError{"token: malformed"}
	// ErrUnknownKey: the key the token names is not in the key set, no
	// longer verifies, or is not a key of the configured format.
	ErrUnknownKey error = &invalidError{"token: unknown key"}
	// ErrBadSignature: the MAC, AEAD tag or signature does not verify.
	ErrBadSignature error = &invalidError{"token: bad signature"}
	// ErrExpired: the token's exp is in the past, beyond the leeway.
	ErrExpired error = &invalidError{"token: expired"}
	// ErrNotYetValid: the token's nbf or iat is in the future, beyond the leeway.
	ErrNotYetValid error = &invalidError{"token: not yet valid"}
	// ErrIssuer: the token's iss is not the configured issuer.
	ErrIssuer error = &invalidError{"token: wrong issuer"}
	// ErrAudience: none of the token's aud values is a configured audience.
	ErrAudience error = &invalidError{"token: wrong audience"}
)

// invalidError is a rejection reason that also matches ErrInvalid, so
// callers can test for the class or the reason.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return e.msg }

func (e *invalidError) Is(target error) bool { return target == ErrInvalid }
