"""Stress: 16 host threads run payment lifecycles and scans on one client at once for a bounded
time, with garbage collection forced in between; then every payment is checked at the
simulator, and the process must exit by itself (the caller bounds it with a timeout: a hang at
exit fails). Prints "stress: N payments, M scans accounted for" and exits 0 on success.

Usage: python3 stress.py [seconds]"""

from __future__ import annotations

import gc
import sys
import threading
import time
from typing import Dict, List, Tuple

import simctl
import support  # noqa: F401
import vmp

THREADS = 16
MAX_PAYMENTS_PER_THREAD = 200  # bounds the loops in count as well as in time


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    errors: List[str] = []
    payments: Dict[str, Tuple[int, int]] = {}  # reference -> (captured, refunded) as the till asked
    scans_seen: List[int] = []
    submitted = [0]
    lock = threading.Lock()
    client = vmp.Client(support.FAST, timeouts={"operation_ms": 20000})
    client.on_scan(lambda s: scans_seen.append(s.sequence))
    sim = client.simulator_url
    deadline = time.monotonic() + seconds

    def worker(n: int) -> None:
        for i in range(MAX_PAYMENTS_PER_THREAD):
            if time.monotonic() > deadline:
                return
            try:
                amount = 1000 + n * 10 + i
                ref = client.checkout(amount, phone_number="47912345%02d" % n)
                if client.status(ref, wait=30).state is not vmp.PaymentState.AUTHORIZED:
                    raise AssertionError("%s not authorized" % ref)
                client.capture(ref, amount, operation_id="r-%d-%d" % (n, i))
                refund = i % 3
                if refund:
                    client.refund(ref, refund, operation_id="ret-%d-%d" % (n, i))
                client.submit_scan("https://qr.vipps.no/28/2/01/031/47912345%02d?v=1" % n)
                with lock:
                    payments[ref] = (amount, refund)
                    submitted[0] += 1
                if i % 5 == 0:
                    gc.collect()
            except Exception as e:  # noqa: BLE001 - reported below
                with lock:
                    errors.append("thread %d: %r" % (n, e))
                return

    threads = [threading.Thread(target=worker, args=(n,), name="till-%d" % n) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    gc.collect()
    hung = [t.name for t in threads if t.is_alive()]
    wait_scans = time.monotonic() + 10
    while len(scans_seen) < submitted[0] and time.monotonic() < wait_scans:
        time.sleep(0.01)
    # Every payment, as the simulator itself recorded it.
    for ref, (captured, refunded) in payments.items():
        record = simctl.payment(sim, ref)
        got = (simctl.aggregate(record, "capturedAmount"), simctl.aggregate(record, "refundedAmount"))
        if record["state"] != "AUTHORIZED" or got != (captured, refunded):
            errors.append("%s at the simulator: %s %s, want %s" % (ref, record["state"], got, (captured, refunded)))
    client.close()
    gc.collect()
    if hung:
        errors.append("threads still running: %s" % hung)
    if len(scans_seen) != submitted[0]:
        errors.append("%d scans delivered of %d" % (len(scans_seen), submitted[0]))
    if not payments:
        errors.append("no payment completed")
    for e in errors[:20]:
        print("stress: FAIL", e)
    print("stress: %d payments, %d scans accounted for, %d errors" % (len(payments), len(scans_seen), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
