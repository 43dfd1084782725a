//go:build !race

package token_test

const jwtRaceEnabled = false
