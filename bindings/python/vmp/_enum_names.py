"""NamedIntEnum: the base of the package's enums, so that they print by name on every
supported Python. Python 3.11 made IntEnum's str() and format() those of int: print(state) and
f"{state}" gave "2" there and "PaymentState.AUTHORIZED" (str) before. A till's log line must
say AUTHORIZED on every version."""

from __future__ import annotations

import enum

_NUMERIC_SPECS = tuple("bcdoxXneEfFgG%")


class NamedIntEnum(enum.IntEnum):
    """An IntEnum whose str() and format() are "Class.NAME"; a numeric format spec ("d", "03d",
    "x") still formats the number, and comparisons, arithmetic and json see the int."""

    def __str__(self) -> str:
        return "%s.%s" % (type(self).__name__, self.name)

    def __format__(self, spec: str) -> str:
        if spec.endswith(_NUMERIC_SPECS):
            return int.__format__(int(self), spec)
        return format(str(self), spec)
