"""vmp.Client: one open connection to Vipps (or to the embedded simulator)."""

from __future__ import annotations

import ctypes
import json
import logging
import threading
import weakref
from ctypes import byref, c_int32, c_size_t, c_void_p, create_string_buffer, sizeof
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from . import _abi, _native
from ._native import LogRecordStruct, PaymentStruct, ScanStruct, lib, text
from .errors import ClientClosedError, VmpError, error_class
from .webhooks import delivery
from .types import (CodeKind, Enrollment, EnrollmentState, LogLevel, LogRecord, Payment,
                    PaymentState, PendingOperation, PendingReport, QrFormat, RecoveryReport, Scan,
                    ScanEvent, ScanSource, Status, _enum, _time)

#: The logger the library's records go to; each record carries vmp_component, vmp_fields and
#: vmp_sequence as attributes.
logger = logging.getLogger("vmp")
logger.addHandler(logging.NullHandler())  # a library's logger prints nothing until the host configures logging

_LOGGING_LEVELS = {LogLevel.DEBUG: logging.DEBUG, LogLevel.INFO: logging.INFO,
                   LogLevel.WARN: logging.WARNING, LogLevel.ERROR: logging.ERROR}

#: How long a binding thread waits in one vmp_next_* call; bounds how long close() waits for it.
PUMP_WAIT_MS = 250
#: How long close() waits for a binding thread to end.
PUMP_JOIN_S = 5.0

CANCEL_TRANSACTION_ONLY = _abi.CANCEL_TRANSACTION_ONLY

ScanHandler = Callable[[Scan], None]
LogHandler = Callable[[LogRecord], None]


# ---- Calling the library -------------------------------------------------------------------------

def check(status: int, *, payment: Optional[Payment] = None, reference: Optional[str] = None) -> None:
    """Raises the VmpError of a failed call, with the calling thread's vmp_last_error()."""
    if status == Status.OK:
        return
    L = lib()
    detail = text(L.vmp_last_error())  # the same thread, before any other vmp call
    answer = _native.VippsErrorStruct(struct_size=sizeof(_native.VippsErrorStruct))
    L.vmp_last_vipps_error(byref(answer))  # plain C, leaves the last error as it is
    raise error_class(status)(status, text(L.vmp_status_str(status)), detail, payment=payment,
                              reference=reference, http_status=answer.http_status,
                              vipps_error_code=text(answer.error_code), vipps_title=text(answer.title),
                              trace_id=text(answer.trace_id))


def _bytes(value: Optional[str], name: str, *, optional: bool = False) -> Optional[bytes]:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (name, type(value).__name__))
    return value.encode("utf-8")


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be an int, not %s" % (name, type(value).__name__))
    return value


def _wait_ms(wait: Union[int, float], name: str = "wait") -> int:
    """Seconds (int or float) to the library's wait_ms; the library checks the range."""
    if isinstance(wait, bool) or not isinstance(wait, (int, float)):
        raise TypeError("%s must be a number of seconds, not %s" % (name, type(wait).__name__))
    ms = round(wait * 1000)
    return max(min(ms, 2**31 - 1), -(2**31))


def _json(value: Union[Mapping[str, Any], str], name: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, Mapping):
        return json.dumps(value, separators=(",", ":")).encode("utf-8")
    raise TypeError("%s must be a dict or a JSON str, not %s" % (name, type(value).__name__))


def _new_payment() -> PaymentStruct:
    p = PaymentStruct()
    p.struct_size = ctypes.sizeof(PaymentStruct)
    return p


def _payment(p: PaymentStruct) -> Payment:
    return Payment(reference=p.reference.decode(), state=_enum(PaymentState, p.state), amount=p.amount,
                   authorized=p.authorized_amount, captured=p.captured_amount,
                   refunded=p.refunded_amount, cancelled=p.cancelled_amount,
                   currency=p.currency.decode(), psp_reference=p.psp_reference.decode(),
                   created_at=_time(p.created_at_ms) if p.created_at_ms else None,
                   last_changed=_time(p.last_changed_ms) if p.last_changed_ms else None)


def _query_json(query: Optional[Mapping[str, Any]], criteria: Mapping[str, Any]) -> bytes:
    """A find/totals query as JSON: the mapping and the keyword criteria ("from_" is "from")."""
    d = dict(query or {})
    d.update({("from" if k == "from_" else k): v for k, v in criteria.items()})
    return json.dumps(d).encode()


def _take_json(ptr: c_void_p) -> Any:
    return json.loads(_native.take_string(ptr).decode("utf-8"))


def next_scan(handle: int, wait_ms: int) -> Optional[Scan]:
    """vmp_next_scan on a handle: the next scan event, None when none came in time."""
    out = ScanStruct()
    out.struct_size = ctypes.sizeof(ScanStruct)
    size = 1025
    for _ in range(2):
        buf = create_string_buffer(size)
        st = lib().vmp_next_scan(handle, wait_ms, byref(out), buf, size)
        if st == Status.BUFFER_TOO_SMALL and size < out.text_len + 1:
            size = out.text_len + 1  # the event stays queued: take it with a buffer that fits
            wait_ms = 0
            continue
        check(st)
        if out.event == ScanEvent.NONE:
            return None
        return Scan(event=_enum(ScanEvent, out.event), kind=_enum(CodeKind, out.kind),
                    source=_enum(ScanSource, out.source), sequence=out.sequence,
                    time=_time(out.time_unix_ms), aim_id=out.aim_id.decode("ascii", "replace"),
                    text=buf.raw[:out.text_len])
    raise AssertionError("unreachable: a scan event did not fit a buffer of its own size")


def next_log(handle: int, wait_ms: int) -> Optional[LogRecord]:
    """vmp_next_log on a handle: the next log record, None when none came in time."""
    out = LogRecordStruct()
    out.struct_size = ctypes.sizeof(LogRecordStruct)
    buf = create_string_buffer(_native.LOG_TEXT_SIZE)
    check(lib().vmp_next_log(handle, wait_ms, byref(out), buf, _native.LOG_TEXT_SIZE))
    if out.level == LogLevel.NONE:
        return None
    try:
        fields = json.loads(text(out.fields_json))
    except ValueError:
        fields = {}
    return LogRecord(level=_enum(LogLevel, out.level), sequence=out.sequence,
                     time=_time(out.time_unix_ms), component=text(out.component),
                     message=text(out.message), fields=fields)


# ---- The binding's own threads ---------------------------------------------------------------------

class _Pump:
    """A thread of the binding that pulls events with a vmp_next_* function and hands them to
    Python code - so Python never runs on a thread of the library. It holds the handle, not the
    Client, so an unreferenced Client can still be collected (and closed by its finalizer)."""

    def __init__(self, name: str, handle: int, take: Callable[[int, int], Any],
                 deliver: Callable[[Any], None]) -> None:
        self._stop = threading.Event()
        self._handle, self._take, self._deliver = handle, take, deliver
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._take(self._handle, PUMP_WAIT_MS)
            except ClientClosedError:
                return  # vmp_close ended the wait
            except Exception:  # pragma: no cover - a bug; keep the thread alive, but slowly
                logger.exception("vmp: %s failed", self.thread.name)
                self._stop.wait(0.1)
                continue
            if item is None or self._stop.is_set():
                continue
            try:
                self._deliver(item)
            except Exception:
                logger.exception("vmp: a handler called from %s raised", self.thread.name)

    def stop(self) -> None:
        """Asks the thread to end (it does within PUMP_WAIT_MS, or at once after vmp_close)."""
        self._stop.set()

    def join(self) -> None:
        if self.thread is not threading.current_thread():
            self.thread.join(PUMP_JOIN_S)


class _Shared:
    """What a Client and its threads share (the threads must not hold the Client)."""

    def __init__(self, to_logging: bool) -> None:
        self.lock = threading.Lock()
        self.to_logging = to_logging
        self.log_handlers: List[LogHandler] = []
        self.scan_handler: Optional[ScanHandler] = None
        self.scan_pump: Optional[_Pump] = None
        self.log_pump: Optional[_Pump] = None

    def deliver_log(self, record: LogRecord) -> None:
        if self.to_logging:
            logger.log(_LOGGING_LEVELS.get(record.level, logging.INFO), "%s", record.message,
                       extra={"vmp_component": record.component, "vmp_fields": record.fields,
                              "vmp_sequence": record.sequence, "vmp_time": record.time})
        with self.lock:
            handlers = list(self.log_handlers)
        for h in handlers:
            h(record)

    def deliver_scan(self, scan: Scan) -> None:
        handler = self.scan_handler
        if handler is not None:
            handler(scan)


def _close_handle(handle: int, shared: _Shared) -> None:
    """Closes a handle and ends the binding's threads: vmp_close ends their waits at once. In a
    process forked after the library was loaded it does nothing: the handle is the parent's, and
    the library cannot run there (closing it at the child's exit would hang the child)."""
    if _native.forked():
        return
    pumps = [p for p in (shared.log_pump, shared.scan_pump) if p is not None]
    for p in pumps:
        p.stop()
    lib().vmp_close(handle)
    for p in pumps:
        p.join()


# ---- Closing at exit ---------------------------------------------------------------------------------
#
# Python waits for non-daemon threads when the main thread has finished, and only then runs atexit
# (where weakref.finalize would close a forgotten client). A non-daemon thread blocked in
# status(ref, wait=600) or next_scan(wait=600) would hold the process that long. So every open
# handle is closed when the main thread finishes, before that wait: blocked calls return at once
# with ClientClosedError and the process exits.

#: The handles opened (sales units included), in order: handle -> the Client (weakly: a forgotten
#: client may still be collected) and its finalizer. Closed ones are pruned by _register, never by
#: the finalizer, which the garbage collector may run on a thread that holds _open_lock.
_open: Dict[int, Tuple["weakref.ref[Client]", weakref.finalize]] = {}
_open_lock = threading.Lock()
_exit_hook_installed = False


def _close_all_at_exit() -> None:
    """Closes every open client, the newest (sales units) first."""
    if _native.forked():
        return
    with _open_lock:
        entries = list(_open.values())
    for ref, finalizer in reversed(entries):
        client = ref()
        if client is not None:
            client.close()
        elif finalizer.alive:
            finalizer()


def _watch_main_thread() -> None:
    threading.main_thread().join()  # returns once it has finished, before the non-daemon threads are joined
    _close_all_at_exit()


def _register(client: "Client", handle: int) -> None:
    """Lists an open handle for _close_all_at_exit, installing that hook on first use."""
    global _exit_hook_installed
    with _open_lock:
        for closed in [h for h, (_, f) in _open.items() if not f.alive]:
            del _open[closed]
        _open[handle] = (weakref.ref(client), client._finalizer)
        if _exit_hook_installed:
            return
        _exit_hook_installed = True
    register = getattr(threading, "_register_atexit", None)  # CPython 3.9+: runs before the join
    if register is not None:
        # These hooks run newest first, and concurrent.futures joins its workers (a
        # ThreadPoolExecutor's, asyncio's default executor's) in one of its own, registered when
        # it is imported: imported now, it runs after ours, when their waits have ended.
        import concurrent.futures.thread  # noqa: F401
        register(_close_all_at_exit)
    else:
        threading.Thread(target=_watch_main_thread, name="vmp-exit", daemon=True).start()


# ---- The client ---------------------------------------------------------------------------------------

class Client:
    """A vmp client: the whole in-store flow on one handle. Safe to use from many threads.

    config is the JSON configuration of vmp_init (docs/CONFIGURATION.md) as a dict or a JSON
    string; keyword arguments are added to it: ``Client(environment="simulator", log_level="debug")``.
    Without arguments it starts the embedded simulator.

    The library's log records go to the standard logging module (logger "vmp") and to handlers
    added with on_log, from a thread of the binding that pulls them (vmp_next_log); with
    logs=False no such thread runs and the caller takes them with next_log.

    Close it with close() or a with block; a Client that is garbage-collected is closed then.
    When the main thread finishes, every Client still open is closed before Python waits for the
    remaining non-daemon threads: a thread blocked in a long wait (status(ref, wait=600),
    next_scan(wait=600)) gets ClientClosedError at once instead of holding the process, and a
    thread still selling gets ClientClosedError - finish the sales (join those threads) before
    the main thread ends.

    In a process forked after vmp was loaded (multiprocessing's default "fork" start method on
    Linux, os.fork()), every call raises ForkedError at once, close() and the exit handling do
    nothing, and the parent is unaffected: create clients after the fork, or use the "spawn" or
    "forkserver" start method.
    """

    def __init__(self, config: Union[Mapping[str, Any], str, None] = None, *, logs: bool = True,
                 **fields: Any) -> None:
        if config is None:
            config = {}
        if isinstance(config, str):
            data = config.encode("utf-8") if not fields else _json(dict(json.loads(config), **fields), "config")
        elif isinstance(config, Mapping):
            data = _json(dict(config, **fields), "config")
        else:
            raise TypeError("config must be a dict or a JSON str, not %s" % type(config).__name__)
        L = lib()
        out = c_void_p()
        check(L.vmp_init(data, byref(out)))
        self._handle: Optional[int] = out.value
        self._shared = _Shared(to_logging=True)
        if logs:
            self._shared.log_pump = _Pump("vmp-logs", out.value, next_log, self._shared.deliver_log)
        self._finalizer = weakref.finalize(self, _close_handle, out.value, self._shared)
        self._close_lock = threading.Lock()
        _register(self, out.value)

    @classmethod
    def _unit(cls, handle: int) -> "Client":
        """A Client object for a sales-unit handle: no log thread (the records are the client's)."""
        self = cls.__new__(cls)
        self._handle = handle
        self._shared = _Shared(to_logging=False)
        self._finalizer = weakref.finalize(self, _close_handle, handle, self._shared)
        self._close_lock = threading.Lock()
        _register(self, handle)
        return self

    def sales_unit(self, name: str) -> "Client":
        """A handle acting for the named store of the config's "sales_units" ("" is the till's own):
        its payment calls carry that unit's MSN and keys; the scanner, logs, journal and club calls
        act on this client. Close it when done; that leaves this client open."""
        out = c_void_p()
        check(lib().vmp_sales_unit(self._h(), _bytes(name, "name"), byref(out)))
        return Client._unit(out.value)

    # -- lifetime --

    def close(self) -> None:
        """Closes the client: calls in progress on other threads return promptly, the binding's
        threads end. A second close is a no-op. Not from inside a handler of this client's
        binding thread, which it would wait for (it then does not wait). In a process forked
        after vmp was loaded it only marks this copy of the client closed (the parent's client
        stays open)."""
        with self._close_lock:
            self._handle = None
            self._finalizer()

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<vmp.Client %s>" % ("closed" if self.closed else "open")

    def _h(self) -> int:
        h = self._handle
        if h is None:
            raise ClientClosedError(Status.INVALID_HANDLE, "VMP_ERR_INVALID_HANDLE", "the client is closed")
        return h

    @property
    def simulator_url(self) -> Optional[str]:
        """The embedded simulator's base URL (for its /sim control API), e.g.
        "http://127.0.0.1:41234"; None when the client talks to Vipps. Asked of the library
        (vmp_simulator_url), so it does not depend on log_level or on logs."""
        out = create_string_buffer(_abi.SIMULATOR_URL_SIZE)
        check(lib().vmp_simulator_url(self._h(), out, _abi.SIMULATOR_URL_SIZE))
        return out.value.decode() or None

    # -- payments --

    def checkout(self, amount: int, *, phone_number: Optional[str] = None,
                 personal_qr: Optional[str] = None, currency: Optional[str] = None,
                 description: Optional[str] = None, reference: Optional[str] = None,
                 **fields: Any) -> str:
        """Sends a push payment request to the customer's phone and returns the payment's
        reference. Other checkout fields of vmp.h (e.g. flow="qr", receipt={...}) go in fields.
        On UnknownOutcomeError the reference is in the exception: ask for its status, or repeat
        the same checkout. On PushNotAllowedError with a reference (config "push_fallback": "qr")
        a QR checkout was started instead: show checkout_qr(e.reference)."""
        body: Dict[str, Any] = {"amount": _int(amount, "amount")}
        for name, value in (("phone_number", phone_number), ("personal_qr", personal_qr),
                            ("currency", currency), ("description", description),
                            ("reference", reference)):
            if value is not None:
                _bytes(value, name)
                body[name] = value
        body.update(fields)
        ref = create_string_buffer(_native.REFERENCE_SIZE)
        st = lib().vmp_start_checkout(self._h(), _json(body, "checkout"), ref, _native.REFERENCE_SIZE)
        check(st, reference=ref.value.decode() or None)
        return ref.value.decode()

    def status(self, reference: str, wait: float = 0) -> Payment:
        """The payment's state; with wait > 0 (seconds, at most 600) returns as soon as it is final
        or when wait has passed."""
        out = _new_payment()
        check(lib().vmp_poll_status(self._h(), _bytes(reference, "reference"), _wait_ms(wait), byref(out)))
        return _payment(out)

    def capture(self, reference: str, amount: int, operation_id: Optional[str] = None) -> Payment:
        """Captures amount (minor units) of an authorized payment. Give operation_id (e.g. the
        receipt number) so a repeat after UnknownOutcomeError can never capture twice."""
        return self._movement(lib().vmp_capture, reference, _int(amount, "amount"), operation_id)

    def refund(self, reference: str, amount: int, operation_id: Optional[str] = None) -> Payment:
        """Refunds amount (minor units) of what was captured."""
        return self._movement(lib().vmp_refund, reference, _int(amount, "amount"), operation_id)

    def cancel(self, reference: str, *, transaction_only: bool = False,
               operation_id: Optional[str] = None) -> Payment:
        """Cancels the payment (before approval: TERMINATED; after: releases the rest). With
        transaction_only, only if the customer has not approved yet: AlreadyAuthorizedError
        (with the payment) otherwise."""
        return self._movement(lib().vmp_cancel, reference, CANCEL_TRANSACTION_ONLY if transaction_only else 0,
                              operation_id)

    def _movement(self, fn: Any, reference: str, arg: int, operation_id: Optional[str]) -> Payment:
        out = _new_payment()
        st = fn(self._h(), _bytes(reference, "reference"), arg,
                                _bytes(operation_id, "operation_id", optional=True), byref(out))
        if st in (Status.ALREADY_AUTHORIZED, Status.CAPTURE_MISMATCH):
            check(st, payment=_payment(out))
        check(st)
        return _payment(out)

    # -- the journal --

    def pending(self) -> PendingReport:
        """Operations still open, and finished ones whose outcome the till has not seen."""
        out = c_void_p()
        check(lib().vmp_pending(self._h(), byref(out)))
        d = _take_json(out)
        journal = d.get("journal") or {}
        return PendingReport(open=[PendingOperation.from_json(e) for e in d.get("open") or []],
                             unacknowledged=[PendingOperation.from_json(e) for e in d.get("unacknowledged") or []],
                             journal_new=bool(journal.get("new")), journal_new_since=journal.get("new_since"),
                             uncaptured=list(d.get("uncaptured") or []), ledger=d.get("ledger"))

    def recover(self, wait: float = 0) -> RecoveryReport:
        """Tries, for at most wait seconds, to resolve every open operation."""
        out = c_void_p()
        check(lib().vmp_recover(self._h(), _wait_ms(wait), byref(out)))
        d = _take_json(out)
        return RecoveryReport(resolved=[PendingOperation.from_json(e) for e in d.get("resolved") or []],
                              still_open=[PendingOperation.from_json(e) for e in d.get("still_open") or []],
                              uncaptured=list(d.get("uncaptured") or []))

    def acknowledge(self, operation: str) -> None:
        """Records that the till has dealt with a finished operation listed by pending(); with
        "payment:<reference>", that it knows the payment is left uncaptured."""
        check(lib().vmp_acknowledge(self._h(), _bytes(operation, "operation")))

    # -- finding payments --

    def find_payments(self, query: Optional[Mapping[str, Any]] = None, **criteria: Any) -> Dict[str, Any]:
        """Finds payments (vmp_find_payments): criteria such as reference=, receipt_number=,
        operation_id=, msn=, state=, amount=, date="2026-12-05" or from_=/to= (RFC 3339),
        limit=, source="chain". Returns {"payments": [records, newest first], "truncated",
        "units": {msn: unit name}}."""
        out = c_void_p()
        check(lib().vmp_find_payments(self._h(), _query_json(query, criteria), byref(out)))
        return _take_json(out)

    def payment_totals(self, query: Optional[Mapping[str, Any]] = None, **criteria: Any) -> Dict[str, Any]:
        """A day's totals per store and currency (vmp_payment_totals): date="2026-12-05" (default
        today) or from_=/to=, msn=, source="chain". Returns {"from", "to", "totals": [...]}."""
        out = c_void_p()
        check(lib().vmp_payment_totals(self._h(), _query_json(query, criteria), byref(out)))
        return _take_json(out)

    # -- the scanner --

    def submit_scan(self, text: str) -> None:
        """Hands in a code typed or read by a keyboard-wedge scanner: it becomes a scan event."""
        check(lib().vmp_submit_scan(self._h(), _bytes(text, "text")))

    def next_scan(self, wait: float = 0) -> Optional[Scan]:
        """The next scan event, waiting up to wait seconds; None when none came. (While a handler
        is set with on_scan, its thread takes the events.)"""
        return next_scan(self._h(), _wait_ms(wait))

    def on_scan(self, handler: Optional[ScanHandler]) -> None:
        """Calls handler(scan) for every scan event, one at a time, from a thread of the binding
        that pulls them; None stops it (events then wait for next_scan)."""
        if handler is not None and not callable(handler):
            raise TypeError("handler must be callable or None")
        h = self._h()
        with self._shared.lock:
            self._shared.scan_handler = handler
            pump = self._shared.scan_pump
            if handler is not None and pump is None:
                self._shared.scan_pump = _Pump("vmp-scans", h, next_scan, self._shared.deliver_scan)
            elif handler is None and pump is not None:
                self._shared.scan_pump = None
        if handler is None and pump is not None:
            pump.stop()
            pump.join()

    # -- log records --

    def on_log(self, handler: LogHandler) -> None:
        """Also calls handler(record) for every log record, from the binding's log thread."""
        if not callable(handler):
            raise TypeError("handler must be callable")
        with self._shared.lock:
            self._shared.log_handlers.append(handler)

    def next_log(self, wait: float = 0) -> Optional[LogRecord]:
        """The next log record, waiting up to wait seconds; None when none came. Only for a
        Client made with logs=False (otherwise the binding's thread takes them)."""
        return next_log(self._h(), _wait_ms(wait))

    # -- customer club --

    def identify_customer(self, input: str) -> str:
        """The phone number (MSISDN, digits only) behind a scanned personal QR or a typed number."""
        out = create_string_buffer(_native.MSISDN_SIZE)
        check(lib().vmp_identify_customer(self._h(), _bytes(input, "input"), out, _native.MSISDN_SIZE))
        return out.value.decode()

    def loyalty_check_in(self, phone_number: str, is_member: bool) -> None:
        """Loyalty check-in with the POS's own answer to "is this customer a member?"."""
        if not isinstance(is_member, bool):
            raise TypeError("is_member must be a bool")
        check(lib().vmp_loyalty_check_in(self._h(), _bytes(phone_number, "phone_number"), int(is_member)))

    def start_enrollment(self, phone_number: str, *, scopes: Optional[List[str]] = None,
                         binding_message: Optional[str] = None, check_user_exists: Optional[bool] = None,
                         requested_expiry_s: Optional[int] = None) -> str:
        """Sends a consent request to the customer's app and returns the enrollment's id."""
        body: Dict[str, Any] = {"phone_number": phone_number}
        _bytes(phone_number, "phone_number")
        for name, value in (("scopes", scopes), ("binding_message", binding_message),
                            ("check_user_exists", check_user_exists), ("requested_expiry_s", requested_expiry_s)):
            if value is not None:
                body[name] = value
        out = create_string_buffer(_native.ENROLLMENT_ID_SIZE)
        check(lib().vmp_start_enrollment(self._h(), _json(body, "enrollment"), out, _native.ENROLLMENT_ID_SIZE))
        return out.value.decode()

    def poll_enrollment(self, enrollment_id: str, wait: float = 0) -> Enrollment:
        """Where the enrollment stands; with wait > 0 returns as soon as it is final. A failed
        enrollment raises its cause's error."""
        state = c_int32()
        profile = c_void_p()
        st = lib().vmp_poll_enrollment(self._h(), _bytes(enrollment_id, "enrollment_id"), _wait_ms(wait),
                                       byref(state), byref(profile))
        check(st)
        return Enrollment(id=enrollment_id, state=_enum(EnrollmentState, state.value),
                          profile=_take_json(profile) if profile.value else None)

    def cancel_enrollment(self, enrollment_id: str) -> None:
        """Stops following an enrollment (Vipps cannot withdraw the request from the app)."""
        check(lib().vmp_cancel_enrollment(self._h(), _bytes(enrollment_id, "enrollment_id")))

    # -- receipts and the customer-facing QR --

    def checkout_qr(self, reference: str, format: QrFormat = QrFormat.SVG, size_px: int = 256) -> bytes:
        """The QR code of a checkout made with flow="qr", drawn locally: URL, SVG, PNG or MATRIX."""
        out = c_void_p()
        n = c_size_t()
        check(lib().vmp_checkout_qr(self._h(), _bytes(reference, "reference"), _int(int(format), "format"),
                                    _int(size_px, "size_px"), byref(out), byref(n)))
        return _native.take_string(out, n.value)

    def attach_receipt(self, reference: str, receipt: Union[Mapping[str, Any], str]) -> None:
        """Attaches a receipt (Vipps' Receipt object) to a sale through Order Management."""
        check(lib().vmp_attach_receipt(self._h(), _bytes(reference, "reference"), _json(receipt, "receipt")))

    def payment_events(self, reference: str) -> List[Dict[str, Any]]:
        """The payment's event log as Vipps keeps it, read now: dicts with name (CREATED,
        AUTHORIZED, CAPTURED, ...), amount {currency, value}, timestamp, pspReference,
        idempotencyKey and success, oldest first."""
        out = c_void_p()
        check(lib().vmp_payment_events(self._h(), _bytes(reference, "reference"), byref(out)))
        return list(_take_json(out))

    def receipt_warnings(self, reference: str) -> List[str]:
        """What looked wrong in the receipt last sent for the payment (with its checkout or
        attach_receipt) and was sent anyway; [] when nothing did, or no receipt was sent."""
        out = c_void_p()
        check(lib().vmp_receipt_warnings(self._h(), _bytes(reference, "reference"), byref(out)))
        return list(_take_json(out))

    # -- webhooks --

    def handle_webhook(self, *, path_and_query: str, host: str, headers: Mapping[str, str], body: bytes,
                       method: str = "POST") -> None:
        """Hands in a delivery the host's own web server received: verified against the stored
        secrets, applied to its payment (a waiting status() returns). Answer Vipps 2xx when this
        returns, 401 on UnverifiedError, 400 on InvalidArgumentError. path_and_query and host are
        those Vipps addressed (the registered URL's)."""
        d, keep = delivery(method, path_and_query, host, headers, body)
        check(lib().vmp_webhook_handle(self._h(), byref(d)))
        del keep

    def webhook_receiver(self) -> Dict[str, Any]:
        """The webhook set-up: whether the receiver listens and where, the registered URL, the
        stored secrets' count, the start-up registration's outcome and the delivery counters."""
        out = c_void_p()
        check(lib().vmp_webhook_receiver(self._h(), byref(out)))
        return _take_json(out)

    def register_webhook(self, url: str, events: Optional[List[str]] = None) -> Dict[str, Any]:
        """Registers a webhook (default: every ePayment event); its secret is stored in the
        journal, never returned. Returns {"id", "url", "events", "secret_stored"}."""
        req: Dict[str, Any] = {"url": url}
        if events is not None:
            req["events"] = list(events)
        out = c_void_p()
        check(lib().vmp_webhook_register(self._h(), _json(req, "webhook"), byref(out)))
        return _take_json(out)

    def list_webhooks(self) -> List[Dict[str, Any]]:
        """The registrations at Vipps; "secret_stored": False marks an orphan."""
        out = c_void_p()
        check(lib().vmp_webhook_list(self._h(), byref(out)))
        return _take_json(out)

    def delete_webhook(self, webhook_id: str) -> None:
        """Deletes a registration and forgets its secret."""
        check(lib().vmp_webhook_delete(self._h(), _bytes(webhook_id, "webhook_id")))

    def reconcile_webhooks(self, wanted: Union[Mapping[str, Any], str, None] = None) -> Dict[str, Any]:
        """Makes the registrations equal to the wanted ones (default: the receiver's own),
        deleting duplicates and orphans; returns what was kept, registered, deleted and left."""
        out = c_void_p()
        data = None if wanted is None else _json(wanted, "wanted")
        check(lib().vmp_webhook_reconcile(self._h(), data, byref(out)))
        return _take_json(out)
