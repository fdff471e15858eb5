"""Refund in another store, through the chain ledger: store A's till sells (receipt A-0042) and
captures; store B's till finds that sale in the chain ledger by its receipt number, opens the
sales unit the ledger's answer names (the MSN comes from the record, nothing is typed), refunds
part of it, and the ledger shows the refund under store A's payment.

Both tills run in this process, on one embedded Vipps simulator (store A's), and publish to the
PostgreSQL database of VMP_LEDGER (a connection string: postgres://user:password@host/db). The
first line says which database (host and database only, never credentials).

Run from the source tree after `make lib`:
    VMP_LEDGER=postgres://vmp@127.0.0.1:5432/postgres python3 examples/python/chain_refund.py"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

try:
    import vmp
except ImportError:  # running from the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
    import vmp

STORE_A, STORE_B = "123456", "234567"  # the simulator's default sales unit, and a second store


def main() -> int:
    ledger = os.environ.get("VMP_LEDGER", "")
    if not ledger:
        print("set VMP_LEDGER to the chain's PostgreSQL connection string", file=sys.stderr)
        return 2
    where = urlsplit(ledger) if "://" in ledger else None
    print("ledger: PostgreSQL at %s%s" % (where.hostname if where else "(key=value string)",
                                          where.path if where else ""))
    chain = {"postgres": ledger, "chain": "example-%d" % os.getpid()}
    store_a = vmp.Client(store_id="storeA", pos_id="till1", simulator={"approve_delay_ms": 300},
                         sales_units=[{"name": "store-b", "msn": STORE_B}], ledger=chain)
    # Store B's till acts for store A with the chain's partner keys (here the simulator's own).
    partner = {"client_id": "sim-client-id", "client_secret": "sim-client-secret", "subscription_key": "sim-subscription-key"}
    store_b = vmp.Client(environment="simulator", base_url=store_a.simulator_url, msn=STORE_B, partner=partner,
                         store_id="storeB", pos_id="till1", sales_units=[{"name": "store-a", "msn": STORE_A}],
                         ledger=chain)
    with store_a, store_b:
        receipt = {"orderLines": [{"name": "Shoes", "id": "9", "totalAmount": 5000, "totalAmountExcludingTax": 4000,
                                   "totalTaxAmount": 1000, "taxPercentage": 25}],
                   "bottomLine": {"currency": "NOK", "receiptNumber": "A-0042"}}
        ref = store_a.checkout(5000, phone_number="+47 912 34 567", receipt=receipt)
        store_a.status(ref, wait=30)
        store_a.capture(ref, 5000)
        print("store A sold and captured 50.00 NOK, receipt A-0042 (%s)" % ref)

        found = wait_for(lambda: store_b.find_payments(source="chain", receipt_number="A-0042"),
                         lambda r: r["payments"])
        record = found["payments"][0]
        unit_name = found["units"][record["msn"]]
        print("store B found it in the ledger: %s, store %s (unit %r), captured %d"
              % (record["reference"], record["msn"], unit_name, record["captured"]))
        with store_b.sales_unit(unit_name) as unit:
            p = unit.refund(record["reference"], 1500, operation_id="return-A-0042")
        print("store B refunded 15.00 NOK: refunded %d" % p.refunded)

        after = wait_for(lambda: store_a.find_payments(source="chain", reference=ref),
                         lambda r: r["payments"] and r["payments"][0]["refunded"] == 1500)
        shown = after["payments"][0]
        ops = ", ".join("%s %d %s" % (o["operation"], o["amount"], o["state"]) for o in shown["operations"])
        print("the ledger shows under store A's payment: captured %d, refunded %d (%s)"
              % (shown["captured"], shown["refunded"], ops))
        totals = store_b.payment_totals(source="chain", msn=STORE_A)["totals"]
        print("store A's totals today, chain-wide: %s" % totals)
    return 0


def wait_for(ask, ready, seconds: float = 30):
    """Asks until ready(answer): the ledger is published a moment after the journal."""
    deadline = time.monotonic() + seconds
    while True:
        answer = ask()
        if ready(answer) or time.monotonic() > deadline:
            if not ready(answer):
                raise SystemExit("the ledger did not show it in %d s: %r" % (seconds, answer))
            return answer
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
