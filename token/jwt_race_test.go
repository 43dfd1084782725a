//go:build race

package token_test

// The race detector changes allocation counts (sync.Pool drops items at
// random under it), so allocation budgets are checked only without it.
const jwtRaceEnabled = true
