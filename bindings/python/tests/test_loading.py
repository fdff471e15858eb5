"""Finding and loading the library: the right one for the process, and a clear LibraryError -
not a crash - for a missing file, one built for another architecture (the classic
BadImageFormatException case on Windows) or another version. Each case runs in a fresh
interpreter, since a process loads the library once."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path
from typing import Dict, Optional, Tuple

import support
from vmp import _native


def run(code: str, env: Optional[Dict[str, str]] = None) -> Tuple[int, str]:
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["PYTHONPATH"] = str(support.PACKAGE_ROOT)
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full_env, capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def elf(bits: int, machine: int) -> bytes:
    """The first bytes of an ELF shared object for a machine (enough for the header check)."""
    head = bytearray(64)
    head[:4] = b"\x7fELF"
    head[4] = 2 if bits == 64 else 1
    head[5] = 1  # little-endian
    head[6] = 1
    head[16:18] = struct.pack("<H", 3)  # ET_DYN
    head[18:20] = struct.pack("<H", machine)
    return bytes(head)


def pe(machine: int) -> bytes:
    """The first bytes of a PE DLL for a machine."""
    head = bytearray(256)
    head[:2] = b"MZ"
    head[60:64] = struct.pack("<I", 128)
    head[128:132] = b"PE\0\0"
    head[132:134] = struct.pack("<H", machine)
    return bytes(head)


LOAD = """
import vmp
try:
    print("loaded", vmp.version())
except vmp.LibraryError as e:
    print("LibraryError:", e)
"""


class LoadingTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="vmp-load-"))

    def write(self, name: str, data: bytes) -> Path:
        path = self.dir / name
        path.write_bytes(data)
        return path

    def test_the_library_is_found_without_configuration(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != _native.LIBRARY_ENV}
        p = subprocess.run([sys.executable, "-c", LOAD], env=dict(env, PYTHONPATH=str(support.PACKAGE_ROOT)),
                           capture_output=True, text=True, timeout=60)
        self.assertIn("loaded 0.", p.stdout, p.stdout + p.stderr)

    def test_a_library_for_another_architecture_is_a_clear_error(self) -> None:
        other = "x86" if _native.process_arch() == "x64" else "x64"
        for name, data in ((_native.library_file_name(), elf(32, 0x03) if other == "x86" else elf(64, 0x3E)),
                           ("vmp.dll", pe(0x014C if other == "x86" else 0x8664))):
            path = self.write(name, data)
            code, out = run(LOAD, {_native.LIBRARY_ENV: str(path)})
            self.assertEqual(code, 0, out)
            self.assertIn("LibraryError: %s is built for %s, but this Python process is %s" % (path, other,
                          _native.process_arch()), out)

    def test_the_architecture_is_read_from_elf_and_pe_headers(self) -> None:
        self.assertEqual(_native.binary_arch(self.write("a.so", elf(64, 0x3E))), "x64")
        self.assertEqual(_native.binary_arch(self.write("b.so", elf(32, 0x03))), "x86")
        self.assertEqual(_native.binary_arch(self.write("c.so", elf(64, 0xB7))), "arm64")
        self.assertEqual(_native.binary_arch(self.write("a.dll", pe(0x8664))), "x64")
        self.assertEqual(_native.binary_arch(self.write("b.dll", pe(0x014C))), "x86")
        self.assertIsNone(_native.binary_arch(self.write("t.txt", b"not a library")))
        self.assertEqual(_native.binary_arch(Path(_native.find_library())), _native.process_arch())

    def test_the_windows_layout_is_searched_per_architecture(self) -> None:
        paths = [str(p) for p in _native.candidate_paths("x86")]
        self.assertTrue(any(p.endswith(os.path.join("x86", _native.library_file_name())) for p in paths))
        self.assertTrue(any(p.endswith(os.path.join("runtimes", "win-x86", "native", _native.library_file_name()))
                            for p in paths))
        self.assertFalse(any("x64" in p for p in paths))
        self.assertTrue(any(p.endswith(os.path.join("dist", ("windows-x86" if sys.platform == "win32" else "linux-x86"),
                                                    _native.library_file_name())) for p in paths))

    def test_a_missing_file_is_a_clear_error(self) -> None:
        code, out = run(LOAD, {_native.LIBRARY_ENV: str(self.dir / "nothing.so")})
        self.assertIn("LibraryError: VMP_LIBRARY=%s: no such file" % (self.dir / "nothing.so"), out)

    def test_a_file_that_is_no_library_is_a_clear_error(self) -> None:
        path = self.write(_native.library_file_name(), b"garbage, not a shared object")
        code, out = run(LOAD, {_native.LIBRARY_ENV: str(path)})
        self.assertIn("LibraryError: cannot load %s" % path, out)

    def test_another_major_minor_version_is_refused(self) -> None:
        code, out = run("""
            import vmp
            from vmp import _native
            _native.BINDING_VERSION = (9, 9)
            try:
                vmp.version()
            except vmp.LibraryError as e:
                print("LibraryError:", e)
        """)
        self.assertIn("but this binding was written for vmp 9.9", out)


if __name__ == "__main__":
    unittest.main()
