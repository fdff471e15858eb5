"""The exceptions of vmp: one type, VmpError, carrying the status and vmp_last_error(); a
subclass where a caller would branch."""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

from .types import Payment, Status


class VmpError(Exception):
    """A vmp call failed. status is the vmp_status (an int; a Status when this binding knows it),
    status_name its name ("VMP_ERR_REJECTED"), detail the library's vmp_last_error() text (never
    holds secrets or full phone numbers). payment is the payment where the status comes with one
    (ALREADY_AUTHORIZED, CAPTURE_MISMATCH); reference the checkout's where it may exist
    (UNKNOWN_OUTCOME) or was started instead (PUSH_NOT_ALLOWED with push_fallback).

    What Vipps answered, when the failure carries an answer (vmp_last_vipps_error): http_status
    (0 when Vipps gave none), vipps_error_code (Vipps' ErrorCode, e.g. "7010"), vipps_title and
    trace_id (for Vipps' support); "" when absent. Branch on vipps_error_code, not on detail."""

    def __init__(self, status: int, status_name: str, detail: str, *,
                 payment: Optional[Payment] = None, reference: Optional[str] = None,
                 http_status: int = 0, vipps_error_code: str = "", vipps_title: str = "",
                 trace_id: str = "") -> None:
        super().__init__("%s: %s" % (status_name, detail) if detail else status_name)
        try:
            self.status: int = Status(status)
        except ValueError:
            self.status = status
        self.status_name = status_name
        self.detail = detail
        self.payment = payment
        self.reference = reference
        self.http_status = http_status
        self.vipps_error_code = vipps_error_code
        self.vipps_title = vipps_title
        self.trace_id = trace_id

    def __reduce__(self) -> Any:
        # Picklable, so that an error raised in a multiprocessing worker reaches the parent as
        # itself (the default would call the class with the message alone, and the pool's result
        # thread would die on it).
        return (type(self), (int(self.status), self.status_name, self.detail),
                {"payment": self.payment, "reference": self.reference, "http_status": self.http_status,
                 "vipps_error_code": self.vipps_error_code, "vipps_title": self.vipps_title,
                 "trace_id": self.trace_id})


class InvalidArgumentError(VmpError, ValueError):
    """The call was wrong (a value, JSON, config, amount, reference or customer); nothing was
    sent. Fix the input."""


class ClientClosedError(VmpError):
    """The client is closed (VMP_ERR_INVALID_HANDLE)."""


class RejectedError(VmpError):
    """Vipps refused the operation (VMP_ERR_REJECTED; the detail names its ErrorCode). Do not
    retry unchanged."""


class CustomerNotFoundError(RejectedError):
    """The customer cannot pay or log in with Vipps MobilePay (VMP_ERR_CUSTOMER_NOT_FOUND; at
    checkout Vipps' ErrorCode 7010: unknown number, cannot pay businesses, under age). Ask for
    another means of payment; do not tell the customer the number is wrong."""


class PushNotAllowedError(VmpError):
    """The sales unit may not send push requests (VMP_ERR_PUSH_NOT_ALLOWED, Vipps' ErrorCode
    5080). With "push_fallback": "qr" in the config a QR checkout was started instead: reference
    is its reference - show Client.checkout_qr(reference) on the customer display and poll it as
    any payment. Without the fallback reference is None and no payment exists."""


class UnknownOutcomeError(VmpError):
    """Sent, but no answer came: it may have happened. Ask for the status, or repeat the call
    with the same operation id - never with a new one."""


class AlreadyAuthorizedError(VmpError):
    """A transaction-only cancel lost the race: the customer approved first. payment holds the
    AUTHORIZED payment: capture it or cancel it fully."""


class CaptureMismatchError(VmpError):
    """The capture happened, but Vipps' captured amount differs from what this till captured;
    payment holds Vipps' view. Check before handing over goods."""


class UnverifiedError(VmpError):
    """A webhook delivery failed verification (signature, content hash, date or a missing
    header); nothing was changed. Answer the delivery 401."""


class ForkedError(VmpError):
    """This process was forked after vmp was loaded (VMP_ERR_FORKED): the library's threads did
    not come along, so nothing of vmp works here - every call raises this, at once, and the
    parent's clients, journal and payments are untouched. Start vmp after the fork (create the
    Client in the child), or use multiprocessing's "spawn" or "forkserver" start method."""


#: The message of ForkedError (the library's own detail says the same).
FORKED_MESSAGE = ("this process was forked after vmp was loaded; start vmp after fork, "
                  "or use spawn/forkserver")


def forked_error() -> ForkedError:
    """The error every call raises in a process forked after the library was loaded."""
    return ForkedError(Status.FORKED, "VMP_ERR_FORKED", FORKED_MESSAGE)


# VMP_ERR_IN_CALLBACK has no subclass: the binding registers no callbacks (vmp_on_scan and
# vmp_on_log are pulled instead), so it never gets that status.
class NewJournalError(VmpError):
    """The journal is new (vmp_pending's "journal"): a capture, refund or cancel without an
    operation_id on a payment it does not know was refused, since it could repeat a call
    recorded in a journal that was lost. Use an operation_id, or acknowledge "new-journal"
    once you know no journal was lost."""


_BY_STATUS: Dict[int, Type[VmpError]] = {
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.BUFFER_TOO_SMALL: InvalidArgumentError,
    Status.INVALID_JSON: InvalidArgumentError,
    Status.INVALID_CONFIG: InvalidArgumentError,
    Status.INVALID_AMOUNT: InvalidArgumentError,
    Status.INVALID_REFERENCE: InvalidArgumentError,
    Status.INVALID_CUSTOMER: InvalidArgumentError,
    Status.INVALID_HANDLE: ClientClosedError,
    Status.REJECTED: RejectedError,
    Status.CUSTOMER_NOT_FOUND: CustomerNotFoundError,
    Status.PUSH_NOT_ALLOWED: PushNotAllowedError,
    Status.UNKNOWN_OUTCOME: UnknownOutcomeError,
    Status.ALREADY_AUTHORIZED: AlreadyAuthorizedError,
    Status.CAPTURE_MISMATCH: CaptureMismatchError,
    Status.UNVERIFIED: UnverifiedError,
    Status.FORKED: ForkedError,
    Status.NEW_JOURNAL: NewJournalError,
}


def error_class(status: int) -> Type[VmpError]:
    """The exception class for a status."""
    return _BY_STATUS.get(status, VmpError)
