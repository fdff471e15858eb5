#!/usr/bin/env bash
# host-stress-bindings.sh - the bindings' part of the host stress: the CPython scenarios of
# bindings/python/tests/hosts.py (fork-based pools and os.fork() after vmp was loaded, spawn and
# forkserver pools, threads blocked in 600 s waits when the main thread ends, sales on short-lived
# threads under gc.collect()) and the C# exit scenarios under Mono (a thread blocked in a 10-minute
# wait when Main returns), each run RUNS times in its own process. A run that does not end in
# time is killed and counted as hung. Prints one table per runtime (ok / failed / hung, and the
# slowest end of a process after its main thread finished); exit status 1 on any failure or hang.
#
# Usage: scripts/host-stress-bindings.sh [RUNS [SECONDS]]   (default 20 runs, 5 s of selling in
#        the churn scenario; make host-stress passes HOST_STRESS_RUNS and _SECONDS, make test 3 2)
#        needs build/libvmp.so (make lib); builds the C# binding into build/csharp/
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
export VMP_HOSTS_CHURN_SECONDS=${2:-5}
PYTHON=${PYTHON:-python3}
status=0

echo "== CPython $($PYTHON -c 'import platform; print(platform.python_version())'): $RUNS runs of each scenario"
# Each run is bounded inside (VMP_HOSTS_TIMEOUT_S, default 90 s); timeout bounds the whole.
(cd bindings/python/tests && timeout $((RUNS * 12 * 100 + 300)) "$PYTHON" hosts.py runs "$RUNS") || status=1

echo "== $(mono --version | head -n 1 | cut -d'(' -f1): $RUNS runs of each exit scenario"
bindings/csharp/build.sh >/dev/null
(cd build/csharp && timeout $((RUNS * 3 * 70 + 300)) mono VmpTests.exe "$PWD/../.." exit-runs "$RUNS") || status=1

exit $status
