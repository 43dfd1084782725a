//go:build race

package redissource

// raceEnabled shortens the property test under the race detector, which
// slows it tenfold; the full run happens without -race.
const raceEnabled = true
