"""A PEP 517 build backend for the vmp package, standard library only, so that
`pip install bindings/python` works offline: no setuptools or wheel is downloaded.

It builds one wheel: the vmp/ package plus the native library (libvmp.so, vmp.dll or
libvmp.dylib) copied into it, tagged for one platform. Where the library comes from: the
"library" config setting or the VMP_LIBRARY environment variable, a copy already in vmp/, or
build/ of the source tree. The platform tag: the "platform" config setting or VMP_WHEEL_PLATFORM
(e.g. win_amd64, win32, manylinux_2_34_x86_64), else this interpreter's platform; it also picks
the library's file name in the wheel (vmp.dll for win*). `make dist` builds the Linux and both
Windows wheels this way (scripts/package-python.sh), so one machine makes all three.
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
HOME_PAGE = "https://github.com/vmp-dev/vmp"
LICENSE = "none granted yet: all rights reserved (packaging/LICENSE.txt of the source tree)"


def _setting(config_settings: Optional[Dict[str, Any]], key: str, env: str) -> Optional[str]:
    value = (config_settings or {}).get(key) or os.environ.get(env)
    return str(value) if value else None


def _platform_tag(config_settings: Optional[Dict[str, Any]] = None) -> str:
    return (_setting(config_settings, "platform", "VMP_WHEEL_PLATFORM")
            or sysconfig.get_platform().replace("-", "_").replace(".", "_"))


def _library_name(tag: str) -> str:
    """The file name the package's loader (vmp/_native.py) looks for on the tag's platform."""
    if tag.startswith("win"):
        return "vmp.dll"
    if tag.startswith("macosx"):
        return "libvmp.dylib"
    return "libvmp.so"


def _find_library(name: str, config_settings: Optional[Dict[str, Any]] = None) -> Path:
    given = _setting(config_settings, "library", "VMP_LIBRARY")
    candidates = ([Path(given)] if given else []) + [ROOT / NAME / name, ROOT.parent.parent / "build" / name]
    for c in candidates:
        if c.is_file():
            return c
    raise RuntimeError("vmp_build: %s not found (looked at %s); run `make lib` first or set VMP_LIBRARY"
                       % (name, ", ".join(str(c) for c in candidates)))


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (arcname, digest, len(data))


def _sources() -> List[Path]:
    """The package's own files: its modules and the py.typed marker."""
    return [p for p in sorted((ROOT / NAME).rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".typed")]


def _files(tag: str, config_settings: Optional[Dict[str, Any]] = None) -> List[Tuple[str, bytes]]:
    files = [(p.relative_to(ROOT).as_posix(), p.read_bytes()) for p in _sources()]
    name = _library_name(tag)
    files.append(("%s/%s" % (NAME, name), _find_library(name, config_settings).read_bytes()))
    return files


def _write_wheel(wheel_directory: str, extra: Optional[List[Tuple[str, bytes]]] = None,
                 config_settings: Optional[Dict[str, Any]] = None) -> str:
    platform = _platform_tag(config_settings)
    tag = "py3-none-" + platform
    dist_info = "%s-%s.dist-info" % (NAME, VERSION)
    wheel_name = "%s-%s-%s.whl" % (NAME, VERSION, tag)
    metadata = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\nHome-page: %s\nLicense: %s\n"
                "Requires-Python: >=3.8\n" % (NAME, VERSION, SUMMARY, HOME_PAGE, LICENSE)).encode()
    wheel = ("Wheel-Version: 1.0\nGenerator: vmp_build\nRoot-Is-Purelib: false\nTag: %s\n" % tag).encode()
    files = (extra if extra is not None else _files(platform, config_settings)) + [
        (dist_info + "/METADATA", metadata), (dist_info + "/WHEEL", wheel)]
    record = [_record_line(n, d) for n, d in files] + [dist_info + "/RECORD,,"]
    os.makedirs(wheel_directory, exist_ok=True)
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files + [(dist_info + "/RECORD", ("\n".join(record) + "\n").encode())]:
            info = zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if n.endswith((".so", ".dylib", ".dll")) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, d)
    return wheel_name


# ---- PEP 517 hooks ---------------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def build_wheel(wheel_directory: str, config_settings: Optional[Dict[str, Any]] = None,
                metadata_directory: Optional[str] = None) -> str:
    return _write_wheel(wheel_directory, config_settings=config_settings)


def _sdist_entry(info: Any) -> Any:
    """Owner and time as in a release: the same tree makes the same sdist."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "1577836800"))
    return info


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    import tarfile
    base = "%s-%s" % (NAME, VERSION)
    name = base + ".tar.gz"
    os.makedirs(sdist_directory, exist_ok=True)
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for rel in ["pyproject.toml", "build_backend/vmp_build.py"] + [
                p.relative_to(ROOT).as_posix() for p in _sources()]:
            t.add(str(ROOT / rel), arcname=base + "/" + rel, filter=_sdist_entry)
    return name
