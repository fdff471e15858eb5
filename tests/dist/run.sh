#!/bin/sh
# run.sh - checks the release packages `make dist` wrote, as a vendor receives them: each archive
# is unpacked and must hold include/vmp.h, README.md, docs/, the bindings and examples as they are
# in this tree, and its platform's libraries, which must:
#   - export exactly the vmp_* functions of vmp.h (scripts/check-exports.sh; DLLs: undecorated
#     names, imports from Windows system DLLs only) and be built for the right machine;
#   - come with import libraries (vmp.lib, MSVC format; libvmp.dll.a, mingw) that name every
#     function as a caller compiled against vmp.h references it (x86 cdecl: _name);
#   - on Linux carry the SONAME libvmp.so.MAJOR with the libvmp.so.MAJOR and libvmp.so links,
#     and a pkg-config file that builds examples/c/till.c from the package, which then runs.
# Then check-exports.sh itself must reject a library linked the naive way (no .def, no version
# script): its vmpgo_* and Go runtime exports and its mingw runtime import.
#
# Usage: tests/dist/run.sh [DIST_DIR]   (default dist; `make test-dist` builds it first)
set -eu

cd "$(dirname "$0")/../.."
root=$(pwd)
dist=${1:-dist}
version=$(scripts/from-header.sh version include/vmp.h)
major=$(scripts/from-header.sh major include/vmp.h)
pkg="vmp-$version"
work="$root/build/dist-test"
rm -rf "$work"
mkdir -p "$work"

# shellcheck source=tests/lib/check.sh
. "$root/tests/lib/check.sh"

scripts/from-header.sh functions include/vmp.h >"$work/functions"
git ls-files --cached --others --exclude-standard -- bindings docs examples 2>/dev/null |
  while read -r f; do [ -f "$f" ] && echo "$f"; done | LC_ALL=C sort >"$work/sources"

# Every name a caller of the import library links against, in nm's listing of it.
names_in_import_lib() { # LIB PREFIX
  nm "$1" 2>/dev/null | awk '{print $NF}' | LC_ALL=C sort -u >"$work/lib-symbols"
  missing=""
  while read -r f; do
    grep -qx "__imp_$2$f" "$work/lib-symbols" || missing="$missing __imp_$2$f"
    grep -qx "$2$f" "$work/lib-symbols" || missing="$missing $2$f"
  done <"$work/functions"
  [ -z "$missing" ] || {
    echo "missing:$missing"
    return 1
  }
}

same_sources() { # TOP: the docs, bindings and examples of the package are those of the tree
  (cd "$1" && find bindings docs examples -type f 2>/dev/null | LC_ALL=C sort) >"$work/packed"
  diff -u "$work/sources" "$work/packed" || return 1
  while read -r f; do cmp -s "$f" "$1/$f" || {
    echo "$f differs"
    return 1
  }; done <"$work/sources"
}

for platform in windows-x64 windows-x86 linux-x64; do
  echo "# $platform"
  case "$platform" in
  windows-*) archive="$dist/$pkg-$platform.zip" ;;
  *) archive="$dist/$pkg-$platform.tar.gz" ;;
  esac
  if [ ! -f "$archive" ]; then
    fail "$archive exists (run make dist)"
    continue
  fi
  mkdir -p "$work/$platform"
  case "$archive" in
  *.zip) unzip -q "$archive" -d "$work/$platform" ;;
  *) tar -C "$work/$platform" -xzf "$archive" ;;
  esac
  top="$work/$platform/$pkg"
  check "$archive unpacks into $pkg/ alone" test "$(ls "$work/$platform")" = "$pkg"
  check "include/vmp.h is the header of this tree" cmp include/vmp.h "$top/include/vmp.h"
  check "README.md is there" test -s "$top/README.md"
  check "docs/, bindings/ and examples/ are those of this tree" same_sources "$top"
  lib="$top/$platform"
  case "$platform" in
  windows-*)
    if [ "$platform" = windows-x64 ]; then format=pei-x86-64 prefix=""; else format=pei-i386 prefix=_; fi
    check "vmp.dll is a $format DLL" sh -c "objdump -f '$lib/vmp.dll' | grep -q 'file format $format'"
    check "vmp.dll exports exactly vmp.h's functions and imports only system DLLs" \
      scripts/check-exports.sh "$lib/vmp.dll" include/vmp.h
    check "vmp.def lists exactly vmp.h's functions" \
      sh -c "sed -n 's/^[[:space:]]*\(vmp_[A-Za-z0-9_]*\)[[:space:]]*$/\1/p' '$lib/vmp.def' | diff - '$work/functions'"
    check "vmp.lib (MSVC) has __imp_${prefix}name and ${prefix}name for every function" names_in_import_lib "$lib/vmp.lib" "$prefix"
    check "libvmp.dll.a (mingw) has __imp_${prefix}name and ${prefix}name for every function" names_in_import_lib "$lib/libvmp.dll.a" "$prefix"
    ;;
  linux-x64)
    so="$lib/libvmp.so.$version"
    check "libvmp.so.$version is an x86-64 shared library" sh -c "objdump -f '$so' | grep -q 'file format elf64-x86-64'"
    check "libvmp.so.$version exports exactly vmp.h's functions" scripts/check-exports.sh "$so" include/vmp.h
    check "its SONAME is libvmp.so.$major" sh -c "readelf -d '$so' | grep -q 'SONAME.*\[libvmp.so.$major\]'"
    check "libvmp.so.$major -> libvmp.so.$version" test "$(readlink "$lib/libvmp.so.$major")" = "libvmp.so.$version"
    check "libvmp.so -> libvmp.so.$major" test "$(readlink "$lib/libvmp.so")" = "libvmp.so.$major"
    export PKG_CONFIG_PATH="$lib/pkgconfig"
    check "pkg-config knows vmp $version" test "$(pkg-config --modversion vmp)" = "$version"
    # shellcheck disable=SC2046 # the flags are words
    check "examples/c/till.c builds from the package with pkg-config" \
      ${CC:-gcc} -std=c99 -Wall -Wextra -Werror -pedantic -o "$work/till" "$top/examples/c/till.c" \
      $(pkg-config --cflags --libs vmp) -Wl,-rpath,"$lib"
    check "the till needs libvmp.so.$major, found in the package" \
      sh -c "ldd '$work/till' | grep -q 'libvmp.so.$major => $lib/libvmp.so.$major'"
    check "the till runs a payment on the embedded simulator" \
      sh -c "timeout 120 '$work/till' | grep -q 'demo finished'"
    ;;
  esac
done

# The checker must catch what this packaging prevents. cmd/link alone exports every //export'ed
# vmpgo_* function (and, on Linux, the cgo runtime) and mingw links libgcc as a DLL.
echo "# check-exports.sh rejects libraries linked without the export lists"
CGO_ENABLED=1 go build -buildmode=c-shared -trimpath -o "$work/naive/libvmp.so" ./capi
if scripts/check-exports.sh "$work/naive/libvmp.so" include/vmp.h >"$work/rejected" 2>&1; then
  fail "a libvmp.so built without the version script is rejected"
else
  check "a libvmp.so built without the version script is rejected for its vmpgo_* exports" grep -qx '+vmpgo_init' "$work/rejected"
fi
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
  go build -buildmode=c-shared -trimpath -o "$work/naive/vmp.dll" ./capi
if scripts/check-exports.sh "$work/naive/vmp.dll" include/vmp.h >"$work/rejected" 2>&1; then
  fail "a vmp.dll built without vmp.def is rejected"
else
  check "a vmp.dll built without vmp.def is rejected for its vmpgo_* exports" grep -qx '+vmpgo_init' "$work/rejected"
  check "... and for importing a mingw runtime DLL" grep -qx 'libgcc_s_seh-1.dll' "$work/rejected"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
