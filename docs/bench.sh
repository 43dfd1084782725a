#!/usr/bin/env bash
# Reproduces every figure in docs/benchmarks.md in under five minutes
# (about four without wrk).
# Ratios are only meaningful between benchmarks of the same run: compare
# within this output, never against figures from another machine or day.
#
#   bash docs/bench.sh [OUTDIR]      (default: a new temp dir)
#
# Needs Redis for the Redis figures: REDIS_ADDR, else a redis-server on
# PATH (the tests start one), else the Redis benchmarks are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
echo "results in $out"
# The model name alone ("AMD EPYC") hides the generation, and which
# BLAKE2b is faster depends on it: record family, model and AVX2.
{
	go version; uname -m; nproc
	grep -m3 -E '^(model name|cpu family|model)[[:space:]]*:' /proc/cpuinfo || true
	grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo "avx2: yes (AVX2 kernels in use)" || echo "avx2: no (plain Go)"
	uptime
} | tee "$out/machine.txt"

# bench NAME PKG REGEX ROUNDS BENCHTIME: builds the package's test binary
# once and runs every matching benchmark once per round, ROUNDS times, so
# the benchmarks are interleaved and a burst of load elsewhere on the
# machine touches all of them alike (go test -count would run each one
# ROUNDS times in a row). benchstat takes the medians.
bench() {
	echo "== $1: $3 in $2, $4 interleaved rounds of $5 (at ${SECONDS}s)"
	go test -c -o "$out/$1.test" "$2"
	: > "$out/$1.txt"
	for _ in $(seq "$4"); do
		(cd "$2" && "$out/$1.test" -test.run '^$' -test.bench "$3" -test.benchmem -test.benchtime="$5") >> "$out/$1.txt"
	done
	grep -E '^Benchmark' "$out/$1.txt" | sort -s -k1,1 || true
}

# Tokens (issue 2 and 7): ours beside go-paseto, golang-jwt and the raw
# primitives, all in one test binary so the ratios come from one run.
bench token ./token 'Local|Public|Ed25519|ParseClaims|JWT' 6 300ms
# Revocation: in-process table vs a plain map, Redis mirror/strict vs EXISTS.
bench revocation ./revocation 'MemoryCheck|MapBaseline|Redis' 6 300ms
# Middleware: a request through Require beside a bare handler.
bench middleware ./middleware '.' 6 300ms
# Session lifecycle (root package).
bench sessions . '.' 6 200ms

# HTTP throughput with and without the middleware, alternating rounds.
echo "== load: go run ./middleware/loadtest -rounds 6 -round 2s (at ${SECONDS}s)"
go run ./middleware/loadtest -rounds 6 -round 2s | tee "$out/load.txt" | tail -3
if command -v wrk >/dev/null 2>&1; then
	echo "== load: go run ./middleware/loadtest -gen wrk -rounds 6 -round 2s (at ${SECONDS}s)"
	go run ./middleware/loadtest -gen wrk -rounds 6 -round 2s | tee "$out/load-wrk.txt" | tail -3
fi

# Redis memory per revoked session (its own redis-server; ~3 minutes for 1M).
if [ "${BENCH_MEMORY:-0}" = 1 ]; then
	echo "== memory: go run ./internal/cmd/revocation-memory -n 1000000"
	go run ./internal/cmd/revocation-memory -n 1000000 | tee "$out/memory.txt"
fi

# ratio FILE A B: B's time over A's, per round (both from the same test
# binary run, seconds apart), then the median and range over the rounds.
# These are the figures to compare with issue 7's targets.
ratio() {
	awk -v a="$2" -v b="$3" '
		/^goos:/ { if (ta && tb) print tb / ta; ta = tb = 0 }
		$1 ~ "^"a"(-[0-9]+)?$" { ta = $3 }
		$1 ~ "^"b"(-[0-9]+)?$" { tb = $3 }
		END { if (ta && tb) print tb / ta }' "$1" | sort -g |
		awk -v a="$2" -v b="$3" '{ v[NR] = $1 }
			END { if (NR) printf "%-40s / %-34s median %.3f (%.3f-%.3f, %d rounds)\n", b, a,
				(NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR], NR }'
}
echo "== ratios per round (issue 7)" | tee "$out/ratios.txt"
{
	ratio "$out/token.txt" BenchmarkRawLocalOpen BenchmarkLocalVerify
	ratio "$out/token.txt" BenchmarkLocalVerify BenchmarkGoPasetoLocalDecrypt
	ratio "$out/token.txt" BenchmarkRawLocalOpen BenchmarkLocalVerifyAndCheck/memory
	ratio "$out/token.txt" BenchmarkRawLocalOpen BenchmarkLocalVerifyAndCheck/redis-mirror
	ratio "$out/token.txt" BenchmarkRawLocalSeal BenchmarkLocalIssue
	ratio "$out/token.txt" BenchmarkLocalIssue BenchmarkGoPasetoLocalEncrypt
	ratio "$out/token.txt" BenchmarkRawEd25519Verify BenchmarkPublicVerify
	ratio "$out/token.txt" BenchmarkPublicVerify BenchmarkGoPasetoPublicVerify
	ratio "$out/token.txt" BenchmarkJWTVerify/HS256/ours BenchmarkJWTVerify/HS256/golang-jwt
	ratio "$out/token.txt" BenchmarkJWTVerify/EdDSA/ours BenchmarkJWTVerify/EdDSA/golang-jwt
	ratio "$out/token.txt" BenchmarkJWTVerify/ES256/ours BenchmarkJWTVerify/ES256/golang-jwt
} | tee -a "$out/ratios.txt"

export PATH="$PATH:$(go env GOPATH)/bin"
if command -v benchstat >/dev/null 2>&1; then
	for f in token revocation middleware sessions; do benchstat "$out/$f.txt" > "$out/$f.stat.txt"; done
	echo "benchstat summaries: $out/*.stat.txt"
fi
echo "done in ${SECONDS}s" | tee -a "$out/machine.txt"
