"""A PEP 517 build backend for the vmp package, standard library only, so that
`pip install bindings/python` works offline: no setuptools or wheel is downloaded.

It builds one wheel: the vmp/ package plus the native library (libvmp.so, vmp.dll or
libvmp.dylib) copied into it, tagged for this platform. Where the library comes from: the
VMP_LIBRARY environment variable, a copy already in vmp/, or build/ of the source tree.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

NAME = "vmp"
VERSION = "0.2.0"
ROOT = Path(__file__).resolve().parent.parent  # bindings/python
SUMMARY = "Vipps MobilePay in-store payments for point-of-sale software (ctypes binding of libvmp)"


def _library_name() -> str:
    if sys.platform == "win32":
        return "vmp.dll"
    if sys.platform == "darwin":
        return "libvmp.dylib"
    return "libvmp.so"


def _find_library() -> Path:
    name = _library_name()
    env = os.environ.get("VMP_LIBRARY")
    candidates = ([Path(env)] if env else []) + [ROOT / NAME / name, ROOT.parent.parent / "build" / name]
    for c in candidates:
        if c.is_file():
            return c
    raise RuntimeError("vmp_build: %s not found (looked at %s); run `make lib` first or set VMP_LIBRARY"
                       % (name, ", ".join(str(c) for c in candidates)))


def _platform_tag() -> str:
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (arcname, digest, len(data))


def _files() -> List[Tuple[str, bytes]]:
    files = []
    for path in sorted((ROOT / NAME).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".typed"):
            files.append((path.relative_to(ROOT).as_posix(), path.read_bytes()))
    lib = _find_library()
    files.append(("%s/%s" % (NAME, _library_name()), lib.read_bytes()))
    return files


def _write_wheel(wheel_directory: str, extra: Optional[List[Tuple[str, bytes]]] = None) -> str:
    tag = "py3-none-" + _platform_tag()
    dist_info = "%s-%s.dist-info" % (NAME, VERSION)
    wheel_name = "%s-%s-%s.whl" % (NAME, VERSION, tag)
    metadata = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\nRequires-Python: >=3.8\n"
                % (NAME, VERSION, SUMMARY)).encode()
    wheel = ("Wheel-Version: 1.0\nGenerator: vmp_build\nRoot-Is-Purelib: false\nTag: %s\n" % tag).encode()
    files = (extra if extra is not None else _files()) + [
        (dist_info + "/METADATA", metadata), (dist_info + "/WHEEL", wheel)]
    record = [_record_line(n, d) for n, d in files] + [dist_info + "/RECORD,,"]
    os.makedirs(wheel_directory, exist_ok=True)
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files:
            info = zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if n.endswith((".so", ".dylib", ".dll")) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, d)
        z.writestr(dist_info + "/RECORD", "\n".join(record) + "\n")
    return wheel_name


# ---- PEP 517 hooks ---------------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def build_wheel(wheel_directory: str, config_settings: Optional[Dict[str, Any]] = None,
                metadata_directory: Optional[str] = None) -> str:
    return _write_wheel(wheel_directory)


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    import tarfile
    base = "%s-%s" % (NAME, VERSION)
    name = base + ".tar.gz"
    os.makedirs(sdist_directory, exist_ok=True)
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for rel in ["pyproject.toml", "build_backend/vmp_build.py"] + [
                p.relative_to(ROOT).as_posix() for p in sorted((ROOT / NAME).rglob("*.py"))]:
            t.add(str(ROOT / rel), arcname=base + "/" + rel)
    return name
