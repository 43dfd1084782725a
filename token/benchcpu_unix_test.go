//go:build unix

package token

import "syscall"

// cpuTime returns the user+system CPU time of the process in
// nanoseconds. Benchmarks report it beside wall time because this
// machine is shared: CPU time per operation does not count the time the
// benchmark waited for a core.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
