//go:build race

package sessiontoken

// raceEnabled: the race detector changes allocation counts (sync.Pool
// drops items at random), so allocation budgets are skipped under it.
const raceEnabled = true
