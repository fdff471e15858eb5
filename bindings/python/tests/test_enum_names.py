"""The enums print by name on every supported Python: str(), "%s", f"{}" and format() give
"PaymentState.AUTHORIZED", never "2" (Python 3.11 made IntEnum's str() and format() those of
int). Numeric format specs and arithmetic still see the number."""

from __future__ import annotations

import enum
import json
import unittest

import support  # noqa: F401  (puts the package on sys.path)
import vmp

ENUMS = [vmp.Status, vmp.PaymentState, vmp.ScanEvent, vmp.CodeKind, vmp.ScanSource,
         vmp.EnrollmentState, vmp.LogLevel, vmp.QrFormat]


class EnumNamesTest(unittest.TestCase):
    def test_every_enum_of_the_package_is_listed_here(self) -> None:
        found = {v for v in vars(vmp).values() if isinstance(v, type) and issubclass(v, enum.Enum)}
        self.assertEqual(found, set(ENUMS))

    def test_a_state_prints_by_name(self) -> None:
        s = vmp.PaymentState.AUTHORIZED
        self.assertEqual(str(s), "PaymentState.AUTHORIZED")
        self.assertEqual("%s" % s, "PaymentState.AUTHORIZED")
        self.assertEqual(f"{s}", "PaymentState.AUTHORIZED")
        self.assertEqual("{}".format(s), "PaymentState.AUTHORIZED")
        self.assertEqual(format(s), "PaymentState.AUTHORIZED")
        self.assertEqual(f"{s:<25}|", "PaymentState.AUTHORIZED  |")

    def test_every_member_prints_by_name(self) -> None:
        for cls in ENUMS:
            for m in cls:
                want = "%s.%s" % (cls.__name__, m.name)
                self.assertEqual((str(m), f"{m}", "%s" % m), (want, want, want))

    def test_numbers_stay_numbers(self) -> None:
        s = vmp.PaymentState.AUTHORIZED
        self.assertEqual(f"{s:d}", "2")
        self.assertEqual(f"{s:03d}", "002")
        self.assertEqual("%d" % s, "2")
        self.assertEqual(int(s), 2)
        self.assertEqual(s + 1, 3)
        self.assertEqual(json.dumps({"state": s}), '{"state": 2}')
        self.assertEqual(repr(s), "<PaymentState.AUTHORIZED: 2>")
        self.assertIs(vmp.PaymentState(2), s)


if __name__ == "__main__":
    unittest.main()
