#!/bin/sh
# build-lib.sh - builds the vmp library for one platform so that it exports exactly the vmp_*
# functions of include/vmp.h and needs nothing beyond the operating system at run time.
#
# Usage: scripts/build-lib.sh [--release] PLATFORM OUTPUT
#   PLATFORM     linux-x64    libvmp.so with gcc
#                windows-x64  vmp.dll with x86_64-w64-mingw32-gcc (Debian's mingw-w64)
#                windows-x86  vmp.dll with i686-w64-mingw32-gcc
#   --release    strip the symbol tables (panics still print Go stack traces), and on Linux set
#                the SONAME libvmp.so.MAJOR, link with -z relro -z now, build the C parts with
#                -D_FORTIFY_SOURCE=2 and drop .comment (what `make dist` ships; the hardening
#                lintian expects of a Debian library)
#
# cgo exports every //export'ed Go function (vmpgo_*) and, on Linux, the Go runtime's global
# symbols. None of them is ABI, so the export list is given to the linker from the header:
#   Linux    a version script (global: the vmp_* functions; local: everything else).
#   Windows  a .def file. cmd/link passes its own export_file.def (listing the vmpgo_*
#            functions) unless -extldflags holds the literal -Wl,--export-all-symbols, so that
#            flag goes in to keep Go's .def out and --exclude-all-symbols takes back what it
#            would add; the exports are then exactly vmp.def's (which vmp.c's dllexport
#            attributes agree with). -static links libgcc and winpthread (emutls for vmp.c's
#            thread-local last error) into the DLL, so no mingw runtime DLL has to ship.
set -eu

release=0
if [ "${1:-}" = --release ]; then
  release=1
  shift
fi
platform=${1:?usage: scripts/build-lib.sh [--release] PLATFORM OUTPUT}
out=${2:?usage: scripts/build-lib.sh [--release] PLATFORM OUTPUT}

root=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-go}
link=$(mktemp -d)
trap 'rm -rf "$link"' EXIT
case "$link$root" in
*[[:space:]]*)
  # -extldflags is split at spaces: a path with one would reach the linker in pieces.
  echo "build-lib: the repository and TMPDIR paths must not contain spaces ($root, $link)" >&2
  exit 1
  ;;
esac

ldflags=""
[ "$release" -eq 1 ] && ldflags="-s -w"
case "$platform" in
linux-x64)
  goos=linux goarch=amd64 cc=${CC:-gcc}
  "$root/scripts/from-header.sh" version-script "$root/include/vmp.h" >"$link/vmp.map"
  ext="-Wl,--version-script=$link/vmp.map"
  # Release: the SONAME, and the hardening Debian expects of a shared library (lintian): the
  # relocations read-only and bound at load (-z relro -z now), the C parts fortified.
  if [ "$release" -eq 1 ]; then
    ext="$ext -Wl,-soname,libvmp.so.$("$root/scripts/from-header.sh" major "$root/include/vmp.h") -Wl,-z,relro -Wl,-z,now"
    export CGO_CFLAGS="${CGO_CFLAGS:--g -O2} -D_FORTIFY_SOURCE=2"
  fi
  ;;
windows-x64 | windows-x86)
  goos=windows
  if [ "$platform" = windows-x64 ]; then
    goarch=amd64 cc=${CC_WINDOWS_X64:-x86_64-w64-mingw32-gcc}
  else
    goarch=386 cc=${CC_WINDOWS_X86:-i686-w64-mingw32-gcc}
  fi
  "$root/scripts/from-header.sh" def vmp.dll "$root/include/vmp.h" >"$link/vmp.def"
  ext="-static -Wl,--export-all-symbols -Wl,--exclude-all-symbols $link/vmp.def"
  ;;
*)
  echo "build-lib: unknown platform '$platform' (linux-x64, windows-x64, windows-x86)" >&2
  exit 2
  ;;
esac
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "build-lib: $cc not found; make deps installs it" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
cd "$root"
CGO_ENABLED=1 GOOS=$goos GOARCH=$goarch CC=$cc \
  "$GO" build -buildmode=c-shared -trimpath -ldflags "$ldflags -extldflags '$ext'" -o "$out" ./capi
# cgo writes its own header next to the library; it is not the contract and never ships.
rm -f "${out%.*}.h"
# gcc's version notes (.comment) are not needed at run time (lintian: binary-has-unneeded-section).
if [ "$release" -eq 1 ] && [ "$platform" = linux-x64 ]; then
  objcopy --remove-section=.comment "$out"
fi
