//go:build race

package middleware

// raceEnabled: the race detector changes escape analysis and allocates on
// its own, so allocation budgets are enforced only without it.
const raceEnabled = true
