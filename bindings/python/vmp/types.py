"""The values the vmp API hands out: the enums of vmp.h (generated into _abi.py) and dataclasses."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._abi import (CodeKind, EnrollmentState, LogLevel, PaymentState, QrFormat, ScanEvent,  # noqa: F401
                   ScanSource, Status)


def _enum(cls: Any, value: int) -> Any:
    try:
        return cls(value)
    except ValueError:  # a value from a newer library
        return value


def _time(ms: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ms / 1000.0, tz=_dt.timezone.utc)


@dataclass(frozen=True)
class Payment:
    """A payment as last known by the library; amounts in minor units (49900 is 499.00)."""
    reference: str
    state: PaymentState
    amount: int
    authorized: int
    captured: int
    refunded: int
    cancelled: int
    currency: str
    #: Vipps' pspReference; "" until the library has read it.
    psp_reference: str = ""
    #: When the payment was created (Vipps' event log once read, else when this library's
    #: checkout was answered); None when unknown.
    created_at: Optional[_dt.datetime] = None
    #: When the library saw the state or an aggregate change (its own clock); None when unknown.
    last_changed: Optional[_dt.datetime] = None


@dataclass(frozen=True)
class Scan:
    """One scanner event. text is the code as scanned (bytes: a scanner may send any byte);
    a personal QR is personal data - do not log it."""
    event: ScanEvent
    kind: CodeKind
    source: ScanSource
    sequence: int
    time: _dt.datetime
    aim_id: str
    text: bytes

    @property
    def code(self) -> str:
        """The text as str (undecodable bytes replaced)."""
        return self.text.decode("utf-8", "replace")


@dataclass(frozen=True)
class LogRecord:
    """One log record of the library: masked, safe to store."""
    level: LogLevel
    sequence: int
    time: _dt.datetime
    component: str
    message: str
    fields: Dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    status: str
    http_status: int = 0
    vipps_error_code: str = ""
    message: str = ""


@dataclass(frozen=True)
class JournalPayment:
    state: str
    currency: str
    amount: int
    authorized: int
    captured: int
    refunded: int
    cancelled: int


@dataclass(frozen=True)
class PendingOperation:
    """One journal entry of vmp_pending / vmp_recover."""
    id: str
    operation: str
    reference: str
    state: str
    attempts: int
    amount: int = 0
    currency: str = ""
    operation_id: str = ""
    created_at: str = ""
    updated_at: str = ""
    outcome: Optional[Outcome] = None
    payment: Optional[JournalPayment] = None

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "PendingOperation":
        outcome = d.get("outcome")
        payment = d.get("payment")
        return cls(id=d["id"], operation=d["operation"], reference=d["reference"], state=d["state"],
                   attempts=int(d.get("attempts", 0)), amount=int(d.get("amount", 0)),
                   currency=d.get("currency", ""), operation_id=d.get("operation_id", ""),
                   created_at=d.get("created_at", ""), updated_at=d.get("updated_at", ""),
                   outcome=Outcome(**{k: outcome.get(k, Outcome.__dataclass_fields__[k].default)
                                      for k in Outcome.__dataclass_fields__}) if outcome else None,
                   payment=JournalPayment(**{k: payment.get(k, "" if k in ("state", "currency") else 0)
                                             for k in JournalPayment.__dataclass_fields__}) if payment else None)


@dataclass(frozen=True)
class PendingReport:
    """vmp_pending: operations still open, and finished ones the till has not seen."""
    open: List[PendingOperation]
    unacknowledged: List[PendingOperation]
    # The journal is new (since journal_new_since): calls without an operation id on payments it
    # does not know are refused (NewJournalError) until acknowledge("new-journal").
    journal_new: bool = False
    journal_new_since: Optional[str] = None
    # Payments this till created that may still hold the customer's money (AUTHORIZED and not
    # fully captured or cancelled, or last seen CREATED): payment records as find_payments
    # returns them. Capture, cancel or acknowledge("payment:<reference>") each.
    uncaptured: List[Dict[str, Any]] = field(default_factory=list)
    # With config "ledger": how far the chain ledger is behind ({"backlog", "lag_ms", ...}).
    ledger: Optional[Dict[str, Any]] = None


@dataclass(frozen=True)
class RecoveryReport:
    """vmp_recover: what it resolved and what is still open."""
    resolved: List[PendingOperation]
    still_open: List[PendingOperation]
    # The payments left uncaptured, as Vipps reported them during the call.
    uncaptured: List[Dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Enrollment:
    """Where an enrollment stands; profile is the customer's consented profile (CONSENTED only).
    Personal data: do not log it."""
    id: str
    state: EnrollmentState
    profile: Optional[Dict[str, Any]] = None
