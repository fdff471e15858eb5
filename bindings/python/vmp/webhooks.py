"""Webhook deliveries as the library takes them (vmp_webhook_delivery), and verification of a
delivery against a secret the host holds itself."""

from __future__ import annotations

import ctypes
from typing import Any, Mapping, Tuple

from ._native import WebhookDeliveryStruct, lib, text
from .errors import error_class
from .types import Status


def _header(headers: Mapping[str, str], name: str) -> bytes:
    for key, value in headers.items():
        if key.lower() == name:
            return value.encode("utf-8")
    return b""


def delivery(method: str, path_and_query: str, host: str, headers: Mapping[str, str],
             body: bytes) -> Tuple[WebhookDeliveryStruct, Any]:
    """The struct for a delivery, and what must stay alive while the library reads it. The
    signed headers are looked up in headers case-insensitively."""
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError("body must be bytes, not %s" % type(body).__name__)
    for name, value in (("method", method), ("path_and_query", path_and_query), ("host", host)):
        if not isinstance(value, str):
            raise TypeError("%s must be a str, not %s" % (name, type(value).__name__))
    buf = ctypes.create_string_buffer(bytes(body), len(body))
    d = WebhookDeliveryStruct()
    d.struct_size = ctypes.sizeof(WebhookDeliveryStruct)
    d.method = method.encode("utf-8")
    d.path_and_query = path_and_query.encode("utf-8")
    d.host = host.encode("utf-8")
    d.x_ms_date = _header(headers, "x-ms-date")
    d.x_ms_content_sha256 = _header(headers, "x-ms-content-sha256")
    d.authorization = _header(headers, "authorization")
    d.body = ctypes.cast(buf, ctypes.c_void_p)
    d.body_len = len(body)
    return d, buf


def verify_webhook(secret: str, *, path_and_query: str, host: str, headers: Mapping[str, str],
                   body: bytes, method: str = "POST", max_age: int = 0) -> None:
    """Verifies a delivery as Vipps signs it (HMAC-SHA256 with the secret's UTF-8 bytes over
    the method, path and query, x-ms-date, host and the body's SHA-256), and with max_age > 0
    (seconds) that x-ms-date is that recent. Raises UnverifiedError; needs no Client."""
    if not isinstance(secret, str):
        raise TypeError("secret must be a str, not %s" % type(secret).__name__)
    d, keep = delivery(method, path_and_query, host, headers, body)
    L = lib()
    st = L.vmp_webhook_verify(secret.encode("utf-8"), ctypes.byref(d), max_age)
    del keep
    if st != Status.OK:
        detail = text(L.vmp_last_error())
        raise error_class(st)(st, text(L.vmp_status_str(st)), detail)
