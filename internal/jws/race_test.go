//go:build race

package jws

// The race detector changes allocation counts (sync.Pool drops items at
// random under it), so allocation budgets are checked only without it.
const raceEnabled = true
