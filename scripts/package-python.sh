#!/bin/sh
# package-python.sh - the Python packages of `make dist`, made by the repository's own build
# backend (bindings/python/build_backend/vmp_build.py, standard library only) from the libraries
# dist.sh built:
#
#   DIST/python/vmp-X.Y.Z-py3-none-manylinux_2_N_x86_64.whl   libvmp.so (the tag from
#                                                             scripts/wheel-platform.sh)
#   DIST/python/vmp-X.Y.Z-py3-none-win_amd64.whl               vmp.dll of windows-x64
#   DIST/python/vmp-X.Y.Z-py3-none-win32.whl                   vmp.dll of windows-x86
#   DIST/python/vmp-X.Y.Z.tar.gz                               the sdist (no library inside)
#
# Usage: scripts/package-python.sh DIST   (after dist.sh has built DIST/<platform>/)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${1:?usage: scripts/package-python.sh DIST}
case "$dist" in /*) ;; *) dist="$(pwd)/$dist" ;; esac
version=$("$root/scripts/from-header.sh" version "$root/include/vmp.h")
out="$dist/python"
rm -rf "$out"
mkdir -p "$out"
linux_tag=$("$root/scripts/wheel-platform.sh" -v "$dist/linux-x64/libvmp.so.$version")

build() { # PLATFORM-TAG LIBRARY
  python3 - "$root/bindings/python/build_backend" "$out" "$1" "$2" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import vmp_build
print("   " + vmp_build.build_wheel(sys.argv[2], {"platform": sys.argv[3], "library": sys.argv[4]}))
PY
}
build "$linux_tag" "$dist/linux-x64/libvmp.so.$version"
build win_amd64 "$dist/windows-x64/vmp.dll"
build win32 "$dist/windows-x86/vmp.dll"
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import vmp_build; print("   " + vmp_build.build_sdist(sys.argv[2]))' \
  "$root/bindings/python/build_backend" "$out"
