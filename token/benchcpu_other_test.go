//go:build !unix

package token

// cpuTime is unavailable here; benchmarks then report wall time only.
func cpuTime() int64 { return 0 }
