"""The values the vmp API hands out: enums mirroring vmp.h and dataclasses."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._enum_names import NamedIntEnum


class Status(NamedIntEnum):
    """vmp_status: 0 is OK; values are never renumbered."""
    OK = 0
    INVALID_ARGUMENT = 1
    INVALID_HANDLE = 2
    BUFFER_TOO_SMALL = 3
    INVALID_JSON = 4
    INVALID_CONFIG = 5
    INVALID_AMOUNT = 6
    INVALID_REFERENCE = 7
    INVALID_CUSTOMER = 8
    NOT_FOUND = 9
    REJECTED = 10
    AUTH = 11
    NETWORK = 12
    UNKNOWN_OUTCOME = 13
    RATE_LIMITED = 14
    CONFLICT = 15
    UNAVAILABLE = 16
    INTERNAL = 17
    JOURNAL = 18
    CUSTOMER_NOT_FOUND = 19
    APP_TOO_OLD = 20
    ALREADY_AUTHORIZED = 21
    CAPTURE_MISMATCH = 22
    UNVERIFIED = 23
    FORKED = 24
    IN_CALLBACK = 25
    NEW_JOURNAL = 26


class PaymentState(NamedIntEnum):
    """vmp_payment_state. AUTHORIZED is final and stays so after capture, refund and cancel."""
    UNKNOWN = 0
    CREATED = 1
    AUTHORIZED = 2
    ABORTED = 3
    EXPIRED = 4
    TERMINATED = 5

    @property
    def final(self) -> bool:
        return self not in (PaymentState.UNKNOWN, PaymentState.CREATED)


class ScanEvent(NamedIntEnum):
    """vmp_scan_event"""
    NONE = 0
    CODE = 1
    DISCONNECTED = 2
    RECONNECTED = 3
    DROPPED = 4


class CodeKind(NamedIntEnum):
    """vmp_code_kind"""
    OTHER = 0
    PERSONAL_QR = 1
    VIPPS_LEGACY_QR = 2
    VIPPS_TOKEN_QR = 3
    EAN8 = 4
    EAN13 = 5
    UPCA = 6
    CODE128 = 7
    BARCODE = 8

    @property
    def is_personal_qr(self) -> bool:
        """The code identifies a customer: pass it as personal_qr or to identify_customer."""
        return CodeKind.PERSONAL_QR <= self <= CodeKind.VIPPS_TOKEN_QR

    @property
    def is_product(self) -> bool:
        return CodeKind.EAN8 <= self <= CodeKind.BARCODE


class ScanSource(NamedIntEnum):
    """vmp_scan_source"""
    NONE = 0
    SERIAL = 1
    SUBMITTED = 2


class EnrollmentState(NamedIntEnum):
    """vmp_enrollment_state"""
    UNKNOWN = 0
    PENDING = 1
    CONSENTED = 2
    DENIED = 3
    EXPIRED = 4
    CANCELLED = 5
    FAILED = 6

    @property
    def final(self) -> bool:
        return self not in (EnrollmentState.UNKNOWN, EnrollmentState.PENDING)


class LogLevel(NamedIntEnum):
    """vmp_log_level"""
    NONE = 0
    DEBUG = 1
    INFO = 2
    WARN = 3
    ERROR = 4


class QrFormat(NamedIntEnum):
    """VMP_QR_* formats of checkout_qr."""
    URL = 0
    SVG = 1
    PNG = 2
    MATRIX = 3


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


@dataclass(frozen=True)
class RecoveryReport:
    """vmp_recover: what it resolved and what is still open."""
    resolved: List[PendingOperation]
    still_open: List[PendingOperation]


@dataclass(frozen=True)
class Enrollment:
    """Where an enrollment stands; profile is the customer's consented profile (CONSENTED only).
    Personal data: do not log it."""
    id: str
    state: EnrollmentState
    profile: Optional[Dict[str, Any]] = None
