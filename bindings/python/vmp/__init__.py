"""vmp - Vipps MobilePay in-store payments for point-of-sale software, from Python.

A thin ctypes binding of libvmp (include/vmp.h), standard library only::

    import vmp
    with vmp.Client() as till:                     # the embedded simulator
        ref = till.checkout(49900, phone_number="4791234567")
        p = till.status(ref, wait=60)
        if p.state is vmp.PaymentState.AUTHORIZED:
            till.capture(ref, p.amount, operation_id="receipt-0001")

The library is found next to this package, in build/ of the source tree, or at $VMP_LIBRARY.

Processes: in a process forked after vmp was loaded (multiprocessing's default "fork" start
method on Linux, os.fork()) every vmp call raises ForkedError at once - create clients after the
fork, or use the "spawn" or "forkserver" start method. When the main thread finishes, open
clients are closed before Python waits for non-daemon threads, so a thread blocked in a long wait
does not keep the process alive.
"""

from __future__ import annotations

from ._native import BINDING_VERSION, LibraryError, lib, text
from .client import Client, logger
from .errors import (AlreadyAuthorizedError, CaptureMismatchError, ClientClosedError,
                     CustomerNotFoundError, ForkedError, InvalidArgumentError, NewJournalError,
                     PushNotAllowedError, RejectedError, UnknownOutcomeError, UnverifiedError,
                     VmpError)
from .types import (CodeKind, Enrollment, EnrollmentState, LogLevel, LogRecord, Payment,
                    PaymentState, PendingOperation, PendingReport, QrFormat, RecoveryReport, Scan,
                    ScanEvent, ScanSource, Status)
from .webhooks import verify_webhook

__version__ = "%d.%d.0" % BINDING_VERSION


def version() -> str:
    """The loaded library's version, "MAJOR.MINOR.PATCH". Like every function of the package it
    raises ForkedError in a process forked after the library was loaded."""
    return text(lib().vmp_version())


def status_str(status: int) -> str:
    """The name of a status, e.g. "VMP_ERR_REJECTED"."""
    return text(lib().vmp_status_str(status))


def state_str(state: int) -> str:
    """The name of a payment state, e.g. "AUTHORIZED"."""
    return text(lib().vmp_state_str(state))


def scan_event_str(event: int) -> str:
    return text(lib().vmp_scan_event_str(event))


def code_kind_str(kind: int) -> str:
    return text(lib().vmp_code_kind_str(kind))


def enrollment_state_str(state: int) -> str:
    return text(lib().vmp_enrollment_state_str(state))


def log_level_str(level: int) -> str:
    return text(lib().vmp_log_level_str(level))


__all__ = ["Client", "VmpError", "InvalidArgumentError", "ClientClosedError", "RejectedError",
           "UnknownOutcomeError", "AlreadyAuthorizedError", "CaptureMismatchError", "LibraryError",
           "Payment", "PaymentState", "Scan", "ScanEvent", "ScanSource", "CodeKind", "LogRecord",
           "LogLevel", "Enrollment", "EnrollmentState", "PendingOperation", "PendingReport",
           "RecoveryReport", "QrFormat", "Status", "logger", "version", "status_str", "state_str",
           "scan_event_str", "code_kind_str", "enrollment_state_str", "log_level_str",
           "UnverifiedError", "ForkedError", "NewJournalError", "CustomerNotFoundError",
           "PushNotAllowedError", "verify_webhook"]
