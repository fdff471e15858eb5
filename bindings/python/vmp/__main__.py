"""python -m vmp: one checkout on the embedded simulator - checkout, wait for the customer,
capture - printing each step and the library's log records. Exit status 0 when captured."""

from __future__ import annotations

import argparse
import logging
import sys

from . import Client, PaymentState, VmpError, version


def say(line: str) -> None:
    """One write per line, so the log thread's lines never cut into it."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vmp", description=__doc__)
    parser.add_argument("--amount", type=int, default=49900, help="minor units (default 49900 = 499.00)")
    parser.add_argument("--phone", default="4791234567", help="the simulated customer's phone number")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warn", "error", "off"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG, format="log: %(levelname)-7s %(message)s", stream=sys.stdout)
    say("vmp %s - one checkout on the embedded Vipps simulator (Python)" % version())
    try:
        with Client(log_level=args.log_level, simulator={"approve_delay_ms": 500}) as till:
            ref = till.checkout(args.amount, phone_number=args.phone, description="python -m vmp")
            say("checkout started    reference=%s" % ref)
            p = till.status(ref, wait=60)
            say("customer answered   state=%s" % p.state.name)
            if p.state is not PaymentState.AUTHORIZED:
                return 1
            p = till.capture(ref, p.amount, operation_id="python-m-vmp")
            say("captured            %d.%02d %s" % (p.captured // 100, p.captured % 100, p.currency))
    except VmpError as e:
        print("failed: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
