#!/bin/bash
# run.sh - host-stress: vmp inside host runtimes that stop, signal and fork their threads
# (issue 21). Each scenario runs RUNS times; a run that crashes, fails a check or does not end
# within its time limit counts against it, and any such run fails the whole target.
#
#   mono-gc         tests/hosts/MonoStress.cs under Mono: 16 threads of sales through the C#
#                   binding while a thread forces a collection every 3 ms
#   mono-gc-hybrid  the same with MONO_THREADS_SUSPEND=hybrid
#   mono-warm       every thread made one call before the collections start
#   mono-churn      each sale on a new short-lived thread, a collection every 100 ms
#                   (each Mono run must also be gone within EXIT_MS of Main returning)
#   coreclr-loaded  tests/hosts/signal_host.c: a host that signals 8 threads as CoreCLR's GC does
#                   (SIGRTMIN without SA_ONSTACK, 16 KiB alternate stacks, a 24 KiB handler) every
#                   50 us; vmp loaded, the threads never call it
#   coreclr-calls   the signalled threads call vmp
#   coreclr-process the signals go to the process: each must land on a thread of the host
#   coreclr-flags   the host's handler flags and masks after dlopen and the first calls
#   fork            tests/hosts/fork_test.c: children forked while a parent thread is inside vmp
#   callbacks       tests/c/callback_thread_test.c: callbacks on a C thread that never runs Go
#
# Usage: tests/hosts/run.sh [RUNS [SECONDS]]   (default 3 runs of 2 s: what make test runs;
#        make host-stress runs 20 of 5 s)
# Environment: VMP_HOST_STRESS_LIB  the library to test (default build/libvmp.so: make lib)
#              EXIT_MS              the Mono exit bound (default 1000)
#              SCENARIOS            a space-separated subset of the scenarios above
set -u

cd "$(dirname "$0")/../.."
root=$(pwd)
runs=${1:-3}
seconds=${2:-2}
lib=$(realpath "${VMP_HOST_STRESS_LIB:-build/libvmp.so}")
exit_ms=${EXIT_MS:-1000}
out="$root/build/hosts"
mkdir -p "$out"
WARN="-std=c99 -Wall -Wextra -Werror -pedantic -O2"

# The C tests link libvmp.so from their own folder, so that folder gets the library under test.
ln -sf "$lib" "$out/libvmp.so"
gcc $WARN -Iinclude tests/hosts/signal_host.c -o "$out/signal_host" -pthread -ldl || exit 1
gcc $WARN -Iinclude tests/hosts/fork_test.c -o "$out/fork_test" -pthread -L"$out" -lvmp -Wl,-rpath,'$ORIGIN' || exit 1
gcc $WARN -Iinclude tests/c/callback_thread_test.c -o "$out/callback_thread_test" -pthread -L"$out" -lvmp \
  -Wl,-rpath,'$ORIGIN' || exit 1
# Mono binds [DllImport("vmp")] to the libvmp.so beside the program (VMP_LIBRARY does not
# change that on Linux), so the C# program gets a folder of its own with the library under test.
mono=0
if command -v mcs >/dev/null 2>&1 && command -v mono >/dev/null 2>&1; then
  bindings/csharp/build.sh >/dev/null || exit 1
  mkdir -p "$out/csharp"
  cp build/csharp/Vmp.dll "$out/csharp/"
  ln -sf "$lib" "$out/csharp/libvmp.so"
  mcs -langversion:7 -warnaserror+ -r:"$out/csharp/Vmp.dll" -out:"$out/csharp/MonoStress.exe" tests/hosts/MonoStress.cs || exit 1
  mono=1
fi

all="mono-gc mono-gc-hybrid mono-warm mono-churn coreclr-loaded coreclr-calls coreclr-process coreclr-flags fork callbacks"
limit=$((seconds * 4 + 60)) # a run still going after this is a hang
total_bad=0
log="$out/last-failure.log"
: >"$log"

# One run: prints ok, hang, crash (signal N), slow-exit or failed (status N).
run_once() {
  local scenario=$1 tmp status
  tmp=$(mktemp)
  case $scenario in
  coreclr-*)
    timeout -k 5 $limit "$out/signal_host" "$lib" "${scenario#coreclr-}" "$seconds" >"$tmp" 2>&1
    status=$?
    ;;
  fork)
    timeout -k 5 $limit "$out/fork_test" 12 >"$tmp" 2>&1
    status=$?
    ;;
  callbacks)
    timeout -k 5 $limit "$out/callback_thread_test" >"$tmp" 2>&1
    status=$?
    ;;
  esac
  if [ $status -eq 124 ] || [ $status -eq 137 ]; then
    echo hang
  elif [ $status -gt 128 ]; then
    echo "crash (signal $((status - 128)))"
  elif [ $status -ne 0 ]; then
    echo "failed (status $status)"
  else
    echo ok
  fi
  if [ $status -ne 0 ]; then
    { echo "==== $scenario: status $status"; tail -n 40 "$tmp"; } >>"$log"
  fi
  rm -f "$tmp"
}

# Mono's exit is timed by a wrapper that stamps the "main returning" line as it passes.
run_mono() {
  local scenario=$1 args env="" tmp status returned ended
  case $scenario in
  mono-gc) args=gc ;;
  mono-gc-hybrid) args=gc env="MONO_THREADS_SUSPEND=hybrid" ;;
  mono-warm) args=warm ;;
  mono-churn) args=churn ;;
  esac
  tmp=$(mktemp)
  returned=0
  status=$( (cd "$out/csharp" && env $env timeout -k 5 $limit mono MonoStress.exe $args "$seconds" 2>&1
    echo "exit-status $?") | while IFS= read -r line; do
    case $line in
    "main returning") date +%s%N >"$tmp.returned" ;;
    "exit-status "*) date +%s%N >"$tmp.ended"; echo "${line#exit-status }" ;;
    *) echo "$line" >>"$tmp" ;;
    esac
  done)
  if [ -s "$tmp.returned" ] && [ -s "$tmp.ended" ]; then
    returned=$((($(cat "$tmp.ended") - $(cat "$tmp.returned")) / 1000000))
  fi
  if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    echo hang
  elif [ "$status" -gt 128 ] 2>/dev/null; then
    echo "crash (signal $((status - 128)))"
  elif [ "$status" != 0 ]; then
    echo "failed (status $status)"
  elif [ "$returned" -gt "$exit_ms" ]; then
    echo "slow-exit (${returned} ms after Main returned)"
    status=slow
  else
    echo ok
  fi
  if [ "$status" != 0 ]; then
    { echo "==== $scenario: $status"; tail -n 40 "$tmp"; } >>"$log"
  fi
  rm -f "$tmp" "$tmp.returned" "$tmp.ended"
}

printf '%-16s %5s %5s %6s %6s %7s\n' scenario runs ok hangs crashes failed
for scenario in ${SCENARIOS:-$all}; do
  case $scenario in mono-*) [ $mono = 1 ] || { echo "$scenario: mono or mcs not installed; skipped"; continue; } ;; esac
  ok=0 hangs=0 crashes=0 fails=0
  for i in $(seq "$runs"); do
    case $scenario in
    mono-*) result=$(run_mono "$scenario") ;;
    *) result=$(run_once "$scenario") ;;
    esac
    case $result in
    ok) ok=$((ok + 1)) ;;
    hang) hangs=$((hangs + 1)) ;;
    crash*) crashes=$((crashes + 1)) ;;
    *) fails=$((fails + 1)) ;;
    esac
    [ "$result" = ok ] || echo "  $scenario run $i: $result"
  done
  printf '%-16s %5d %5d %6d %6d %7d\n' "$scenario" "$runs" "$ok" "$hangs" "$crashes" "$fails"
  total_bad=$((total_bad + hangs + crashes + fails))
done
if [ $total_bad -ne 0 ]; then
  echo "host-stress: $total_bad bad runs (the last lines of each are in build/hosts/last-failure.log)"
  exit 1
fi
echo "host-stress: every run clean"
