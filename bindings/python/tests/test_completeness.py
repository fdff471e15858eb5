"""Every vmp_* function of include/vmp.h is declared in the binding with its types, and either
called by the Pythonic API or listed, with the reason, as deliberately unwrapped."""

from __future__ import annotations

import re
import unittest
from pathlib import Path
from typing import Dict, Iterable, List

import support  # noqa: F401  (puts the package on sys.path)
from vmp import Status, _native

DECLARATION = re.compile(r"VMP_API[^;{}()]*VMP_CALL\s+(vmp_[A-Za-z0-9_]+)\s*\(")


def declared_functions(header_text: str) -> List[str]:
    """The functions a header declares, as scripts/check-exports.sh reads them."""
    return sorted(set(DECLARATION.findall(header_text.replace("\n", " "))))


def package_sources() -> str:
    pkg = Path(_native.__file__).parent
    return "\n".join(p.read_text() for p in sorted(pkg.glob("*.py")))


def missing_functions(header_text: str, signatures: Dict[str, object], unwrapped: Dict[str, str],
                      sources: str) -> List[str]:
    """Header functions the binding lacks: not declared, or neither called nor listed as unwrapped."""
    missing = []
    for name in declared_functions(header_text):
        called = re.search(r"\.%s\b" % re.escape(name), sources)  # lib().vmp_x(...), L.vmp_x
        if name not in signatures or not (called or name in unwrapped):
            missing.append(name)
    return missing


STATUS_ITEM = re.compile(r"X\((VMP_(?:OK|ERR_[A-Z0-9_]+)),\s*(\d+),")


def header_statuses(header_text: str) -> Dict[str, int]:
    """The statuses of vmp.h's VMP_STATUS_LIST: name -> value."""
    return {name: int(value) for name, value in STATUS_ITEM.findall(header_text)}


def binding_statuses() -> Dict[str, int]:
    return {("VMP_OK" if s == 0 else "VMP_ERR_" + s.name): int(s) for s in Status}


class CompletenessTest(unittest.TestCase):
    def test_the_status_enum_is_the_header_s_status_list(self) -> None:
        header = header_statuses(support.HEADER.read_text())
        self.assertGreater(len(header), 20)
        self.assertEqual(binding_statuses(), header,
                         "vmp/types.py Status and vmp.h's VMP_STATUS_LIST differ (names or values)")

    def test_a_status_added_to_the_header_is_reported_missing(self) -> None:
        header = support.HEADER.read_text().replace('#define VMP_STATUS_LIST(X)', '#define VMP_STATUS_LIST(X) X(VMP_ERR_FUTURE_THING, 99, "x")')
        self.assertIn("VMP_ERR_FUTURE_THING", set(header_statuses(header)) - set(binding_statuses()))

    def test_the_enums_are_named_as_the_library_names_them(self) -> None:
        # vmp/_abi.py is generated from vmp.h's lists (internal/cmd/vmpgen checks that it is up
        # to date); the library's *_str functions are expanded from the same lists.
        from vmp import CodeKind, EnrollmentState, LogLevel, PaymentState, ScanEvent
        lib = _native.lib()
        for enum_type, fn in [(PaymentState, lib.vmp_state_str), (ScanEvent, lib.vmp_scan_event_str),
                              (CodeKind, lib.vmp_code_kind_str), (EnrollmentState, lib.vmp_enrollment_state_str),
                              (LogLevel, lib.vmp_log_level_str)]:
            for member in enum_type:
                self.assertEqual(fn(int(member)).decode(), member.name, "%s.%s" % (enum_type.__name__, member.name))
        for status in Status:
            self.assertEqual(lib.vmp_status_str(int(status)).decode(),
                             "VMP_OK" if status == 0 else "VMP_ERR_" + status.name)

    def test_every_function_of_the_header_is_in_the_binding(self) -> None:
        header = support.HEADER.read_text()
        self.assertGreater(len(declared_functions(header)), 20)
        self.assertEqual(missing_functions(header, _native.SIGNATURES, _native.UNWRAPPED, package_sources()), [],
                         "vmp.h declares functions this binding does not bind: add them to "
                         "vmp/_native.py SIGNATURES and wrap them")

    def test_the_binding_declares_nothing_the_header_lacks(self) -> None:
        self.assertEqual(sorted(set(_native.SIGNATURES) - set(declared_functions(support.HEADER.read_text()))), [])

    def test_a_function_added_to_the_header_is_reported_missing(self) -> None:
        header = support.HEADER.read_text()
        before = missing_functions(header, _native.SIGNATURES, _native.UNWRAPPED, package_sources())
        header += "\nVMP_API vmp_status VMP_CALL vmp_future_thing(vmp_client *c);\n"
        self.assertEqual(missing_functions(header, _native.SIGNATURES, _native.UNWRAPPED, package_sources()),
                         sorted(before + ["vmp_future_thing"]))

    def test_a_declared_but_unused_function_is_reported_missing(self) -> None:
        header = support.HEADER.read_text()
        before = missing_functions(header, _native.SIGNATURES, _native.UNWRAPPED, package_sources())
        sources = package_sources().replace(".vmp_identify_customer(", ".vmp_renamed(")
        self.assertEqual(missing_functions(header, _native.SIGNATURES, _native.UNWRAPPED, sources),
                         sorted(before + ["vmp_identify_customer"]))

    def test_the_unwrapped_ones_say_why(self) -> None:
        for name, why in _native.UNWRAPPED.items():
            self.assertIn(name, _native.SIGNATURES)
            self.assertTrue(why)


if __name__ == "__main__":
    unittest.main()
