"""What vmp.h says in words about some of its enums, mixed into the generated IntEnums of
_abi.py (which cannot be subclassed once they have members), and their base, NamedIntEnum."""

from __future__ import annotations

import enum

_NUMERIC_SPECS = tuple("bcdoxXneEfFgG%")


class NamedIntEnum(enum.IntEnum):
    """The base of every generated enum: str() and format() are "Class.NAME" on every supported
    Python. Python 3.11 made IntEnum's str() and format() those of int, so print(state) and
    f"{state}" gave "2" there (and format() gave "2" before too); a till's log line must say
    AUTHORIZED on every version. A numeric format spec ("d", "03d", "x") still formats the
    number, and comparisons, arithmetic and json see the int."""

    def __str__(self) -> str:
        return "%s.%s" % (type(self).__name__, self.name)

    def __format__(self, spec: str) -> str:
        if spec.endswith(_NUMERIC_SPECS):
            return int.__format__(int(self), spec)
        return format(str(self), spec)


class PaymentStateBehaviour:
    """vmp_payment_state: AUTHORIZED is final and stays so after capture, refund and cancel."""

    @property
    def final(self) -> bool:
        """Vipps moves the payment out of this state on its own no more."""
        return getattr(self, "name") not in ("UNKNOWN", "CREATED")


class CodeKindBehaviour:
    """vmp_code_kind: VMP_CODE_IS_PERSONAL_QR and VMP_CODE_IS_PRODUCT of vmp.h."""

    @property
    def is_personal_qr(self) -> bool:
        """The code identifies a customer: pass it as personal_qr or to identify_customer."""
        return getattr(self, "name") in ("PERSONAL_QR", "VIPPS_LEGACY_QR", "VIPPS_TOKEN_QR")

    @property
    def is_product(self) -> bool:
        return getattr(self, "name") in ("EAN8", "EAN13", "UPCA", "CODE128", "BARCODE")


class EnrollmentStateBehaviour:
    """vmp_enrollment_state: every state but UNKNOWN and PENDING is final."""

    @property
    def final(self) -> bool:
        return getattr(self, "name") not in ("UNKNOWN", "PENDING")
