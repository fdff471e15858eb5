#!/bin/sh
# run.sh - builds libvmp.so and runs the C-side tests against it:
#   1. scripts/check-exports.sh: the library exports exactly the vmp_* functions of vmp.h;
#   2. header_test.c: vmp.h compiles clean as C99 and as C++11 and matches the library;
#   3. abi_test.c: every export with valid and invalid arguments, on the embedded simulator.
#   4. scan_test.c: the scanner calls, with a pseudo-terminal standing in for the scanner.
#   5. club_test.c: the customer-club calls (identify, check-in, enrollment), and the club demo
#      examples/c/club_till.c (scan, identify, check in, enroll, pay, capture).
#   -  vipps_error_test.c: Vipps' answer to a failed call as data (vmp_last_vipps_error), 7010
#      and 5080 (VMP_ERR_PUSH_NOT_ALLOWED, "push_fallback": "qr").
#   -  vipps_rules_test.c: Vipps' rules (rate limits per API, the unit's market, 6140, 6250,
#      failure amounts, the polling config, Login with partner keys) through the C ABI.
#   -  log_test.c: the log records (vmp_on_log, vmp_next_log), masking included.
#   -  callback_thread_test.c: callbacks run on a C thread that never runs Go, with the
#      registering thread's signal mask; vmp_close inside one answers VMP_ERR_IN_CALLBACK.
#   -  poll_memory_test.c: vmp_poll_status with wait 0 answered from C's copy of what the
#      library knows: the same answers as Go's, sales units, closed handles, 8 pollers, and
#      answered with every worker busy (600 waiting calls), which a close still ends at once.
#   -  pool_race_test.c, snapshot_race_test.c: the wall's handoff (capi/wall_pool.c and its
#      doorbells, Go's half modelled in C by pool_stub/workers_model.h) and that copy
#      (capi/wall_snapshot.c) compiled on their own under ThreadSanitizer and hammered.
#   -  webhook_test.c: webhook verification, the receiver, a host's own server, registration.
#   -  careless_test.c: what a careless caller does - closing a unit handle or its client while
#      threads wait through it, calls on a unit handle of a closed client, text that is not
#      UTF-8, inputs of absurd length - each case in a process of its own, killed and failed
#      when it hangs.
#   -  sweep_test.c: the hardening sweep - every function of vmp.h with every kind of bad
#      argument, then random calls from several threads - against an AddressSanitizer build
#      (go build -asan: the C shim and every Go access to C memory checked; this program with
#      -fsanitize=address,undefined). SWEEP_ITERATIONS, SWEEP_SECONDS, SWEEP_SEED tune it.
#
# Usage: tests/c/run.sh [--race]
#   --race  also runs the tests against a race-detector build. Go's race runtime
#           cannot map its shadow memory inside a c-shared library loaded by a PIE host, so
#           that build is a static c-archive linked into non-PIE test programs.
# Run from anywhere; everything is built in build/ at the repository root.
set -eu

cd "$(dirname "$0")/../.."
mkdir -p build

CC=${CC:-gcc}
CXX=${CXX:-g++}
WARN="-Wall -Wextra -Werror -pedantic"
# The tests sit next to the library in build/, so they find it without LD_LIBRARY_PATH.
LINK="-Lbuild -lvmp -Wl,-rpath,\$ORIGIN"

echo "== scripts/build-lib.sh linux-x64 build/libvmp.so"
scripts/build-lib.sh linux-x64 build/libvmp.so # exports exactly vmp.h's functions

echo "== check-exports"
scripts/check-exports.sh build/libvmp.so include/vmp.h

echo "== header_test (C99 and C++11)"
$CC -std=c99 $WARN -Iinclude tests/c/header_test.c -o build/header_test_c $LINK
$CXX -std=c++11 $WARN -x c++ -Iinclude tests/c/header_test.c -x none -o build/header_test_cxx $LINK
build/header_test_c
build/header_test_cxx

echo "== abi_test"
$CC -std=c99 $WARN -Iinclude tests/c/abi_test.c -o build/abi_test -pthread $LINK
timeout 120 build/abi_test

echo "== scan_test"
$CC -std=c99 $WARN -Iinclude tests/c/scan_test.c -o build/scan_test -pthread $LINK
timeout 120 build/scan_test

echo "== log_test"
$CC -std=c99 $WARN -Iinclude tests/c/log_test.c -o build/log_test -pthread $LINK
timeout 120 build/log_test

echo "== vipps_error_test"
$CC -std=c99 $WARN -Iinclude tests/c/vipps_error_test.c -o build/vipps_error_test -pthread $LINK
timeout 120 build/vipps_error_test

echo "== vipps_rules_test"
$CC -std=c99 $WARN -Iinclude tests/c/vipps_rules_test.c -o build/vipps_rules_test -pthread $LINK
timeout 120 build/vipps_rules_test

echo "== callback_thread_test"
$CC -std=c99 $WARN -Iinclude tests/c/callback_thread_test.c -o build/callback_thread_test -pthread $LINK
timeout 120 build/callback_thread_test

echo "== poll_memory_test"
$CC -std=c99 $WARN -Iinclude tests/c/poll_memory_test.c -o build/poll_memory_test -pthread $LINK
timeout 120 build/poll_memory_test

echo "== pool_race_test and snapshot_race_test with ThreadSanitizer"
$CC -std=c99 $WARN -O1 -g -fsanitize=thread -Itests/c/pool_stub -Icapi -Iinclude tests/c/pool_race_test.c \
  -o build/pool_race_test -pthread
TSAN_OPTIONS=halt_on_error=1 timeout 300 build/pool_race_test
$CC -std=c99 $WARN -O1 -g -fsanitize=thread -Icapi -Iinclude tests/c/snapshot_race_test.c \
  -o build/snapshot_race_test -pthread
TSAN_OPTIONS=halt_on_error=1 timeout 300 build/snapshot_race_test

echo "== club_test"
$CC -std=c99 $WARN -Iinclude tests/c/club_test.c -o build/club_test -pthread $LINK
timeout 120 build/club_test

echo "== webhook_test"
$CC -std=c99 $WARN -Iinclude tests/c/webhook_test.c -o build/webhook_test -pthread $LINK
timeout 120 build/webhook_test

echo "== careless_test"
$CC -std=c99 $WARN -Iinclude tests/c/careless_test.c -o build/careless_test -pthread $LINK
timeout 600 build/careless_test

echo "== sweep_test with AddressSanitizer and UndefinedBehaviorSanitizer"
CGO_ENABLED=1 go build -asan -buildmode=c-archive -o build/asan/libvmp.a ./capi
$CC -std=c99 $WARN -fsanitize=address,undefined -fno-omit-frame-pointer -g -Iinclude tests/c/sweep_test.c \
  -o build/asan/sweep_test -pthread build/asan/libvmp.a
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 timeout 600 \
  build/asan/sweep_test $(scripts/from-header.sh functions)

echo "== till demo (examples/c/till.c): push payment with receipt, QR checkout, refund for another store"
$CC -std=c99 $WARN -Iinclude examples/c/till.c -o build/till $LINK
(cd build && timeout 120 ./till)

echo "== club demo (examples/c/club_till.c)"
$CC -std=c99 $WARN -Iinclude examples/c/club_till.c -o build/club_till $LINK
timeout 120 build/club_till

if [ "${1:-}" = "--race" ]; then
  echo "== abi_test with the race detector"
  CGO_ENABLED=1 go build -race -buildmode=c-archive -o build/race/libvmp.a ./capi
  $CC -std=c99 $WARN -no-pie -Iinclude tests/c/abi_test.c -o build/race/abi_test -pthread \
    build/race/libvmp.a
  GORACE=halt_on_error=1 timeout 300 build/race/abi_test
  $CC -std=c99 $WARN -no-pie -Iinclude tests/c/scan_test.c -o build/race/scan_test -pthread \
    build/race/libvmp.a
  GORACE=halt_on_error=1 timeout 300 build/race/scan_test
  $CC -std=c99 $WARN -no-pie -Iinclude tests/c/log_test.c -o build/race/log_test -pthread \
    build/race/libvmp.a
  GORACE=halt_on_error=1 timeout 300 build/race/log_test
  $CC -std=c99 $WARN -no-pie -Iinclude tests/c/callback_thread_test.c -o build/race/callback_thread_test -pthread \
    build/race/libvmp.a
  GORACE=halt_on_error=1 timeout 300 build/race/callback_thread_test
  $CC -std=c99 $WARN -no-pie -Iinclude tests/c/club_test.c -o build/race/club_test -pthread \
    build/race/libvmp.a
  GORACE=halt_on_error=1 timeout 300 build/race/club_test
  $CC -std=c99 $WARN -no-pie -Iinclude tests/c/webhook_test.c -o build/race/webhook_test -pthread \
    build/race/libvmp.a
  GORACE=halt_on_error=1 timeout 300 build/race/webhook_test
  $CC -std=c99 $WARN -no-pie -Iinclude tests/c/careless_test.c -o build/race/careless_test -pthread \
    build/race/libvmp.a
  GORACE=halt_on_error=1 timeout 600 build/race/careless_test
  $CC -std=c99 $WARN -no-pie -Iinclude tests/c/sweep_test.c -o build/race/sweep_test -pthread \
    build/race/libvmp.a
  GORACE=halt_on_error=1 timeout 600 build/race/sweep_test $(scripts/from-header.sh functions)
fi
