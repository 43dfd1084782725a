package token

// Exported for the external test package (token_test), whose benchmarks
// also use revocation: revocation imports token, so only an external test
// package can import both, and it sees these through this file only.
var (
	BenchLocal = benchLocal
	Measure    = measure
	FixedClock = fixedClock
)
