"""The one loader of libvmp: finds the library, checks that it suits this process, declares the
argument and return types of every vmp_* function of include/vmp.h, and checks the version.

Everything else in the package calls the library through :func:`lib`. The library is loaded
once, on first use, and never unloaded (it contains a Go runtime). In a process forked after it
was loaded, :func:`lib` raises ForkedError instead: the child has none of the library's threads,
so no call may enter it.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
import sys
import threading
from ctypes import (POINTER, Structure, c_char, c_char_p, c_int32, c_int64, c_size_t,
                    c_uint32, c_uint64, c_void_p)
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from . import _abi
from .errors import forked_error

#: The library version this binding was written for: the loaded library's MAJOR.MINOR must match.
BINDING_VERSION = (_abi.VERSION_MAJOR, _abi.VERSION_MINOR)

#: Environment variable naming the library file to load instead of searching for it.
LIBRARY_ENV = "VMP_LIBRARY"

REFERENCE_SIZE = _abi.REFERENCE_SIZE
MSISDN_SIZE = _abi.MSISDN_SIZE
ENROLLMENT_ID_SIZE = _abi.ENROLLMENT_ID_SIZE
AIM_ID_SIZE = _abi.AIM_ID_SIZE
LOG_TEXT_SIZE = _abi.LOG_TEXT_SIZE
SCAN_TEXT_SIZE = 65537   # scanner.max_frame_length's largest value (65536) + NUL


class LibraryError(RuntimeError):
    """libvmp could not be used: not found, built for another architecture, or of another
    version than this binding. The message says which file and what to do."""


# ---- Structs of vmp.h, field by field ----------------------------------------------------------

class PaymentStruct(Structure):
    """vmp_payment"""
    _fields_ = [("struct_size", c_uint32), ("state", c_int32), ("amount", c_int64),
                ("authorized_amount", c_int64), ("captured_amount", c_int64),
                ("refunded_amount", c_int64), ("cancelled_amount", c_int64),
                ("currency", c_char * 4), ("reference", c_char * REFERENCE_SIZE),
                ("created_at_ms", c_int64), ("last_changed_ms", c_int64),
                ("psp_reference", c_char * _abi.PSP_REFERENCE_SIZE)]


class VippsErrorStruct(Structure):
    """vmp_vipps_error"""
    _fields_ = [("struct_size", c_uint32), ("http_status", c_int32),
                ("error_code", c_char * _abi.VIPPS_ERROR_CODE_SIZE), ("title", c_char * _abi.VIPPS_TITLE_SIZE),
                ("trace_id", c_char * _abi.VIPPS_TRACE_ID_SIZE)]


class ScanStruct(Structure):
    """vmp_scan"""
    _fields_ = [("struct_size", c_uint32), ("event", c_int32), ("kind", c_int32),
                ("source", c_int32), ("sequence", c_uint64), ("time_unix_ms", c_int64),
                ("aim_id", c_char * AIM_ID_SIZE), ("text_len", c_size_t), ("text", c_void_p)]


class LogRecordStruct(Structure):
    """vmp_log_record"""
    _fields_ = [("struct_size", c_uint32), ("level", c_int32), ("sequence", c_uint64),
                ("time_unix_ms", c_int64), ("component", c_char_p), ("message", c_char_p),
                ("fields_json", c_char_p), ("text_len", c_size_t)]


class WebhookDeliveryStruct(Structure):
    """vmp_webhook_delivery"""
    _fields_ = [("struct_size", c_uint32), ("method", c_char_p), ("path_and_query", c_char_p),
                ("host", c_char_p), ("x_ms_date", c_char_p), ("x_ms_content_sha256", c_char_p),
                ("authorization", c_char_p), ("body", c_void_p), ("body_len", c_size_t)]


#: The callback types of vmp.h. The binding never registers one (callbacks would come from Go
#: threads); they are declared so that the signatures of vmp_on_scan / vmp_on_log are exact.
SCAN_FN = ctypes.CFUNCTYPE(None, c_void_p, POINTER(ScanStruct))
LOG_FN = ctypes.CFUNCTYPE(None, c_void_p, POINTER(LogRecordStruct))

_handle = c_void_p          # vmp_client *
_status = c_int32           # vmp_status
_out_ptr = POINTER(c_void_p)  # char **, uint8_t **, vmp_client ** (freed / kept as addresses)

#: Every function of include/vmp.h: name -> (restype, argtypes). tests/test_completeness.py
#: fails when vmp.h declares a function that is missing here.
SIGNATURES: Dict[str, Tuple[object, List[object]]] = {
    "vmp_version": (c_char_p, []),
    "vmp_status_str": (c_char_p, [_status]),
    "vmp_state_str": (c_char_p, [c_int32]),
    "vmp_last_error": (c_char_p, []),
    "vmp_last_vipps_error": (_status, [POINTER(VippsErrorStruct)]),
    "vmp_free": (None, [c_void_p]),
    "vmp_init": (_status, [c_char_p, _out_ptr]),
    "vmp_close": (_status, [_handle]),
    "vmp_simulator_url": (_status, [_handle, c_char_p, c_size_t]),
    "vmp_start_checkout": (_status, [_handle, c_char_p, c_char_p, c_size_t]),
    "vmp_poll_status": (_status, [_handle, c_char_p, c_int32, POINTER(PaymentStruct)]),
    "vmp_capture": (_status, [_handle, c_char_p, c_int64, c_char_p, POINTER(PaymentStruct)]),
    "vmp_refund": (_status, [_handle, c_char_p, c_int64, c_char_p, POINTER(PaymentStruct)]),
    "vmp_cancel": (_status, [_handle, c_char_p, c_uint32, c_char_p, POINTER(PaymentStruct)]),
    "vmp_pending": (_status, [_handle, _out_ptr]),
    "vmp_recover": (_status, [_handle, c_int32, _out_ptr]),
    "vmp_acknowledge": (_status, [_handle, c_char_p]),
    "vmp_find_payments": (_status, [_handle, c_char_p, _out_ptr]),
    "vmp_payment_totals": (_status, [_handle, c_char_p, _out_ptr]),
    "vmp_on_scan": (_status, [_handle, SCAN_FN, c_void_p]),
    "vmp_next_scan": (_status, [_handle, c_int32, POINTER(ScanStruct), c_char_p, c_size_t]),
    "vmp_submit_scan": (_status, [_handle, c_char_p]),
    "vmp_scan_event_str": (c_char_p, [c_int32]),
    "vmp_code_kind_str": (c_char_p, [c_int32]),
    "vmp_enrollment_state_str": (c_char_p, [c_int32]),
    "vmp_identify_customer": (_status, [_handle, c_char_p, c_char_p, c_size_t]),
    "vmp_loyalty_check_in": (_status, [_handle, c_char_p, c_int32]),
    "vmp_start_enrollment": (_status, [_handle, c_char_p, c_char_p, c_size_t]),
    "vmp_poll_enrollment": (_status, [_handle, c_char_p, c_int32, POINTER(c_int32), _out_ptr]),
    "vmp_cancel_enrollment": (_status, [_handle, c_char_p]),
    "vmp_checkout_qr": (_status, [_handle, c_char_p, c_int32, c_int32, _out_ptr, POINTER(c_size_t)]),
    "vmp_attach_receipt": (_status, [_handle, c_char_p, c_char_p]),
    "vmp_receipt_warnings": (_status, [_handle, c_char_p, _out_ptr]),
    "vmp_payment_events": (_status, [_handle, c_char_p, _out_ptr]),
    "vmp_on_log": (_status, [_handle, LOG_FN, c_void_p]),
    "vmp_next_log": (_status, [_handle, c_int32, POINTER(LogRecordStruct), c_char_p, c_size_t]),
    "vmp_log_level_str": (c_char_p, [c_int32]),
    "vmp_sales_unit": (_status, [_handle, c_char_p, _out_ptr]),
    "vmp_webhook_verify": (_status, [c_char_p, POINTER(WebhookDeliveryStruct), c_int32]),
    "vmp_webhook_handle": (_status, [_handle, POINTER(WebhookDeliveryStruct)]),
    "vmp_webhook_receiver": (_status, [_handle, _out_ptr]),
    "vmp_webhook_register": (_status, [_handle, c_char_p, _out_ptr]),
    "vmp_webhook_list": (_status, [_handle, _out_ptr]),
    "vmp_webhook_delete": (_status, [_handle, c_char_p]),
    "vmp_webhook_reconcile": (_status, [_handle, c_char_p, _out_ptr]),
}

#: Functions declared above that the Pythonic API deliberately does not call, and why.
UNWRAPPED: Dict[str, str] = {
    "vmp_on_scan": "callbacks would run Python on a Go thread; Client.on_scan pulls with vmp_next_scan "
                   "on a thread of the binding",
    "vmp_on_log": "callbacks would run Python on a Go thread; records are pulled with vmp_next_log "
                  "on a thread of the binding",
}

# ---- Finding the library -------------------------------------------------------------------------

_ELF_MACHINES = {0x03: "x86", 0x3E: "x64", 0x28: "arm", 0xB7: "arm64"}
_PE_MACHINES = {0x014C: "x86", 0x8664: "x64", 0xAA64: "arm64", 0x01C4: "arm"}


def process_arch() -> str:
    """The architecture of this process: "x64", "x86", "arm64", "arm" (or the machine name).
    On Windows a 32-bit Python on a 64-bit system is "x86": the pointer size decides."""
    bits = struct.calcsize("P") * 8
    machine = platform.machine().lower()
    if machine in ("amd64", "x86_64", "i386", "i486", "i586", "i686", "x86", ""):
        return "x64" if bits == 64 else "x86"
    if machine in ("arm64", "aarch64", "armv8l", "armv7l", "arm"):
        return "arm64" if bits == 64 else "arm"
    return machine


def library_file_name() -> str:
    """The library's file name on this system."""
    if sys.platform == "win32":
        return "vmp.dll"
    if sys.platform == "darwin":
        return "libvmp.dylib"
    return "libvmp.so"


def candidate_paths(arch: Optional[str] = None) -> List[Path]:
    """Where the library is looked for, in order, when VMP_LIBRARY is not set: inside the
    package (an installed wheel), in per-architecture folders next to it (x64/, win-x64/,
    runtimes/win-x64/native/, ...), in the release layout of `make dist` (windows-x64/,
    windows-x86/, linux-x64/ at the top of a package or under dist/), then build/ of the source
    tree."""
    arch = arch or process_arch()
    name = library_file_name()
    here = Path(__file__).resolve().parent
    dirs = [here, here / "lib"]
    for base in (here, here.parent):
        dirs += [base / arch, base / ("win-" + arch), base / "runtimes" / ("win-" + arch) / "native",
                 base / ("linux-" + arch)]
    # The `make dist` layout: windows-x64/, windows-x86/, linux-x64/ at the top of an unpacked
    # release package (beside bindings/) and under dist/ of the source tree.
    plat = ("windows-" if sys.platform == "win32" else "linux-") + arch
    for parent in list(here.parents)[:4]:
        dirs += [parent / plat, parent / "dist" / plat, parent / "build"]
    return [d / name for d in dirs]


def binary_arch(path: Path) -> Optional[str]:
    """The architecture a shared library was built for, from its ELF or PE header; None when
    the header is neither (or unreadable)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if head[:4] == b"\x7fELF" and len(head) >= 20:
                order = "<" if head[5] == 1 else ">"
                machine = struct.unpack(order + "H", head[18:20])[0]
                return _ELF_MACHINES.get(machine, "elf-machine-0x%x" % machine)
            if head[:2] == b"MZ" and len(head) >= 64:
                f.seek(struct.unpack("<I", head[60:64])[0])
                pe = f.read(6)
                if pe[:4] == b"PE\0\0":
                    machine = struct.unpack("<H", pe[4:6])[0]
                    return _PE_MACHINES.get(machine, "pe-machine-0x%x" % machine)
    except OSError:
        return None
    return None


def check_arch(path: Path, arch: Optional[str] = None) -> None:
    """Raises LibraryError when the library at path is for another architecture than this
    process - the case that would otherwise end in a cryptic OSError (Windows: "%1 is not a
    valid Win32 application", the BadImageFormatException of .NET)."""
    arch = arch or process_arch()
    found = binary_arch(path)
    if found is not None and found != arch:
        raise LibraryError(
            "%s is built for %s, but this Python process is %s (%d-bit): use the %s build of vmp "
            "(release packages have one folder per architecture), or set %s to it"
            % (path, found, arch, struct.calcsize("P") * 8, arch, LIBRARY_ENV))


def find_library() -> Path:
    """The library file to load: VMP_LIBRARY when set, else the first candidate that exists."""
    env = os.environ.get(LIBRARY_ENV)
    if env:
        path = Path(env)
        if not path.is_file():
            raise LibraryError("%s=%s: no such file" % (LIBRARY_ENV, env))
        return path
    for path in candidate_paths():
        if path.is_file():
            return path
    raise LibraryError(
        "%s not found for %s: looked in %s. Install the vmp package built with the library "
        "(pip install bindings/python after make lib), or set %s to the library's path"
        % (library_file_name(), process_arch(), ", ".join(str(p.parent) for p in candidate_paths()),
           LIBRARY_ENV))


# ---- Loading ---------------------------------------------------------------------------------------

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_forked = False


def _after_fork_in_child() -> None:
    global _forked
    if _lib is not None:
        _forked = True


# The child of a fork has only the thread that forked: the library's own threads (the Go
# runtime's) stay behind, and a call that entered the library would wait for them for ever. A
# child forked before the library was loaded may load it itself. (Windows has no fork.)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def forked() -> bool:
    """Whether this process was forked after the library was loaded: then no call may enter it."""
    return _forked


def load(path: Path) -> ctypes.CDLL:
    """Loads the library at path and declares every function; raises LibraryError when the file
    does not suit this process, lacks a function, or is of another MAJOR.MINOR."""
    check_arch(path)
    try:
        handle = ctypes.CDLL(str(path))
    except OSError as e:
        raise LibraryError("cannot load %s: %s" % (path, e)) from e
    missing = [name for name in SIGNATURES if not hasattr(handle, name)]
    if missing:
        raise LibraryError("%s lacks %s: it is older than this binding (written for vmp %d.%d)"
                           % (path, ", ".join(missing), *BINDING_VERSION))
    for name, (restype, argtypes) in SIGNATURES.items():
        fn = getattr(handle, name)
        fn.restype = restype
        fn.argtypes = argtypes
    version = handle.vmp_version().decode()
    if tuple(int(p) for p in version.split(".")[:2]) != BINDING_VERSION:
        raise LibraryError("%s is vmp %s, but this binding was written for vmp %d.%d: install the "
                           "binding that came with the library" % (path, version, *BINDING_VERSION))
    return handle


def lib() -> ctypes.CDLL:
    """The loaded library (loading it on first use); raises ForkedError in a process forked
    after it was loaded."""
    global _lib
    if _forked:
        raise forked_error()
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib = load(find_library())
    return _lib


def text(p: Optional[bytes]) -> str:
    """A library string (UTF-8 bytes or None) as str."""
    return p.decode("utf-8", "replace") if p else ""


def take_string(ptr: c_void_p, length: Optional[int] = None) -> bytes:
    """Copies a library-allocated buffer and frees it with vmp_free."""
    if not ptr.value:
        return b""
    try:
        if length is None:
            return ctypes.string_at(ptr.value)
        return ctypes.string_at(ptr.value, length)
    finally:
        lib().vmp_free(ptr)


__all__ = ["LibraryError", "SIGNATURES", "UNWRAPPED", "lib", "forked", "find_library", "process_arch",
           "binary_arch", "check_arch", "candidate_paths", "BINDING_VERSION", "LIBRARY_ENV",
           "PaymentStruct", "ScanStruct", "LogRecordStruct"]
