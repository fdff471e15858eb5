"""A small till in Python: the in-store payment (checkout, wait for the customer, capture,
partial refund) and, on a simulator, the customer-club flow (scan the personal QR, identify, the
POS's own membership check, loyalty check-in, enrollment by consent, pay). The library's log
records are printed as "log:" lines through the logging module.

The configuration (vmp_init's JSON) comes from VMP_CONFIG: the JSON itself when its first
non-blank character is "{", else the path of a file holding it. Without VMP_CONFIG the till runs
on the embedded Vipps simulator. VMP_PHONE is the customer's phone number (in Vipps' test
environment: your test user's). The first line says which environment is used; the examples
refuse "production" (they move money).

Run from the source tree after `make lib`:  python3 examples/python/till.py
(or with the package installed: pip install bindings/python)."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Dict, Tuple

try:
    import vmp
except ImportError:  # running from the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
    import vmp

MEMBERS = {"4790000010"}  # the POS's own customer-club register
PHONE = os.environ.get("VMP_PHONE") or "+47 912 34 567"  # a customer the simulators approve for

#: The till's own configuration when VMP_CONFIG is not set: the embedded simulator.
BUILT_IN: Dict[str, Any] = {"store_id": "store1", "pos_id": "till-py", "simulator": {"approve_delay_ms": 300}}
DEFAULT_URLS = {"test": "https://apitest.vipps.no", "production": "https://api.vipps.no"}


def load_config() -> Tuple[Dict[str, Any], str]:
    """The configuration and where it came from (VMP_CONFIG: JSON or a file's path)."""
    value = os.environ.get("VMP_CONFIG", "").strip()
    if not value:
        return BUILT_IN, "built in (VMP_CONFIG is not set)"
    if value.startswith("{"):
        return json.loads(value), "VMP_CONFIG (JSON)"
    with open(value, encoding="utf-8") as f:
        return json.load(f), "VMP_CONFIG (file %s)" % value


def scheme_and_host(url: str) -> str:
    """scheme://host:port of a URL: no user info, path or query (where a secret could be)."""
    scheme, _, rest = url.partition("://")
    for end in "/?#":
        rest = rest.split(end, 1)[0]
    return "%s://%s" % (scheme, rest.rpartition("@")[2])


def describe(config: Dict[str, Any]) -> str:
    """Which environment the configuration means - never its keys."""
    env = config.get("environment", "simulator")
    url = config.get("base_url") or DEFAULT_URLS.get(env)
    if env == "simulator" and not url:
        return "embedded simulator"
    return "%s at %s" % (env, scheme_and_host(str(url)))


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def in_store_payment(till: vmp.Client) -> bool:
    ref = till.checkout(49900, phone_number=PHONE, description="Groceries at store 1")
    say("checkout started       reference=%s (499.00 NOK sent to the customer's phone)" % ref)
    p = till.status(ref, wait=60)
    say("customer answered      state=%s" % p.state.name)
    if p.state is not vmp.PaymentState.AUTHORIZED:
        return False
    p = till.capture(ref, p.amount, operation_id="receipt-py-0001")
    say("captured 499.00        captured=%d" % p.captured)
    p = till.refund(ref, 10000, operation_id="return-py-0001")
    say("refunded 100.00        refunded=%d" % p.refunded)
    return p.captured == 49900 and p.refunded == 10000


def club_payment(till: vmp.Client, scanned: str) -> bool:
    till.submit_scan(scanned)  # a keyboard-wedge scanner; a serial one queues the same events
    scan = till.next_scan(wait=5)
    if scan is None or not scan.kind.is_personal_qr:
        say("no personal QR scanned")
        return False
    msisdn = till.identify_customer(scan.code)
    member = msisdn in MEMBERS
    say("customer identified    %s******%s member=%s" % (msisdn[:2], msisdn[-2:], member))
    till.loyalty_check_in(msisdn, member)
    if not member:
        enrollment = till.start_enrollment(msisdn, binding_message="CLUB-1")
        e = till.poll_enrollment(enrollment, wait=30)
        say("enrollment             %s" % e.state.name)
        if e.state is vmp.EnrollmentState.CONSENTED:
            MEMBERS.add(msisdn)  # the POS enrolls them with the profile they shared (not printed)
    ref = till.checkout(24900, phone_number=msisdn, description="Club purchase")
    p = till.status(ref, wait=60)
    if p.state is not vmp.PaymentState.AUTHORIZED:
        return False
    p = till.capture(ref, p.amount, operation_id="receipt-py-club-" + msisdn[-2:])
    say("club purchase captured captured=%d" % p.captured)
    return p.captured == 24900


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="log: %(levelname)-7s %(message)s", stream=sys.stdout)
    config, source = load_config()
    say("environment: %s - configuration %s" % (describe(config), source))
    if config.get("environment") == "production":
        say("the example till moves money: it does not run in production")
        return 2
    say("vmp %s - Python till" % vmp.version())
    with vmp.Client(config) as till:
        ok = in_store_payment(till)
        if config.get("environment", "simulator") == "simulator":
            say("-- customer club: a new customer scans the personal QR in the app")
            ok = club_payment(till, "https://qr.vipps.no/p/sim-4790000011") and ok
            say("-- customer club: a member")
            ok = club_payment(till, "https://qr.vipps.no/28/2/01/031/4790000010?v=1") and ok
        else:
            say("-- customer club: skipped (its customers and personal QR codes are the simulator's)")
    say("till finished" if ok else "till FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
