//go:build !race

package sessiontoken

const raceEnabled = false
