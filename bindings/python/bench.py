"""The cost of one vmp call from Python through ctypes, with no I/O: vmp_status_str, and
vmp_poll_status with wait 0 answered from the library's memory. `make bench` runs it (through
cmd/vmp-bench) and reads the lines "bench: <metric> <nanoseconds>"."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vmp  # noqa: E402


def per_call_ns(fn: Callable[[], object], n: int) -> float:
    best = float("inf")
    for _ in range(5):  # best of five rounds: the least disturbed by the rest of the machine
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter_ns() - t0) / n)
    return best


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    raw = vmp.lib().vmp_status_str
    print("bench: python_status_str_raw_ns %.0f" % per_call_ns(lambda: raw(10), n))
    print("bench: python_status_str_ns %.0f" % per_call_ns(lambda: vmp.status_str(10), n))
    with vmp.Client(simulator={"approve_delay_ms": 0}, log_level="warn") as c:
        ref = c.checkout(100, phone_number="4791234567")
        c.status(ref, wait=10)
        print("bench: python_poll_status_memory_ns %.0f" % per_call_ns(lambda: c.status(ref), max(n // 10, 100)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
