"""The embedded simulator's /sim control API, for the tests (127.0.0.1 only)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict, Optional


def call(base: str, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
    assert base.startswith("http://127.0.0.1:"), base
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def payment(base: str, reference: str) -> Dict[str, Any]:
    """The simulator's own record of a payment."""
    return call(base, "GET", "/sim/payments/" + reference)


def aggregate(record: Dict[str, Any], name: str) -> int:
    """An aggregate amount ("capturedAmount", ...) of a simulator record, in minor units."""
    return int(record["aggregate"][name]["value"])


def inject_fault(base: str, **fault: Any) -> str:
    return call(base, "POST", "/sim/faults", fault)["id"]
