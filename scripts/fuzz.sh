#!/usr/bin/env bash
# fuzz.sh - `make fuzz`: every Go fuzz target of the repository for a bounded time each, then
# the hardening sweep's random calls (tests/c/sweep_test.c) for longer than make test runs them,
# under AddressSanitizer. Targets are found by their "func FuzzX(" lines, so a new one joins by
# itself. An input that fails is written by Go to the package's testdata/fuzz/FuzzX/: fix the
# bug and commit the file as a seed.
#
# Usage: scripts/fuzz.sh          FUZZTIME (default 15s) per target, SWEEP_SECONDS (default 60)
#        FUZZTIME=2m scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
FUZZTIME=${FUZZTIME:-15s}
SWEEP_SECONDS=${SWEEP_SECONDS:-60}
CC=${CC:-gcc}

mapfile -t files < <(grep -rl --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*(' capi core scanner cmd tests 2>/dev/null | sort)
ran=0
for file in "${files[@]}"; do
  pkg=./$(dirname "$file")
  for target in $(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/p' "$file"); do
    echo "== $target ($pkg, $FUZZTIME)"
    # -fuzztime bounds the fuzzing; timeout bounds the build and a hung target too.
    timeout 900 go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
    ran=$((ran + 1))
  done
done
echo "fuzz: $ran Go fuzz targets ran for $FUZZTIME each"

echo "== the sweep's random calls under AddressSanitizer (${SWEEP_SECONDS} s)"
mkdir -p build/asan
CGO_ENABLED=1 go build -asan -buildmode=c-archive -o build/asan/libvmp.a ./capi
$CC -std=c99 -Wall -Wextra -Werror -pedantic -fsanitize=address,undefined -fno-omit-frame-pointer -g \
  -Iinclude tests/c/sweep_test.c -o build/asan/sweep_test -pthread build/asan/libvmp.a
SWEEP_ITERATIONS=${SWEEP_ITERATIONS:-10000000} SWEEP_SECONDS=$SWEEP_SECONDS \
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  timeout $((SWEEP_SECONDS + 600)) build/asan/sweep_test $(scripts/from-header.sh functions) >build/asan/sweep-fuzz.out || {
  grep -v '^ok ' build/asan/sweep-fuzz.out
  exit 1
}
grep -v '^ok ' build/asan/sweep-fuzz.out | tail -n 32
echo "fuzz: done"
