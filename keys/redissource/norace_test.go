//go:build !race

package redissource

const raceEnabled = false
