#!/bin/sh
# check-exports.sh - libvmp must export exactly the vmp_* functions include/vmp.h declares: an
# export missing from the header is undocumented ABI, a declaration missing from the library
# fails at the till's link or load time. Nothing else may be exported at all: not the internal
# C helpers (vmpshim_*), not the cgo exports (vmpgo_*), not the Go runtime. A DLL must also
# import only Windows system DLLs (no mingw runtime DLL to ship beside it).
#
# Usage: scripts/check-exports.sh [build/libvmp.so | vmp.dll] [include/vmp.h]
set -eu

lib=${1:-build/libvmp.so}
header=${2:-include/vmp.h}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$(dirname "$0")/from-header.sh" functions "$header" >"$tmp/declared"

# ELF: the defined dynamic symbols. PE (vmp.dll): the export name table, read with a
# PE-capable objdump (e.g. OBJDUMP=x86_64-w64-mingw32-objdump).
case "$lib" in
*.dll)
  "${OBJDUMP:-objdump}" -p "$lib" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' |
    sed -n 's/^[[:space:]]*\[[[:space:]]*[0-9]*\][[:space:]]*//p' >"$tmp/dynamic"
  ;;
*) nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' >"$tmp/dynamic" ;;
esac
LC_ALL=C sort -u "$tmp/dynamic" >"$tmp/exported"

status=0
if [ ! -s "$tmp/declared" ]; then
  echo "check-exports: no VMP_API ... VMP_CALL vmp_*( declarations found in $header" >&2
  status=1
fi
if ! diff -u "$tmp/declared" "$tmp/exported" >"$tmp/diff"; then
  echo "check-exports: $lib exports differ from $header (- declared only, + exported only):" >&2
  tail -n +3 "$tmp/diff" | grep -E '^[-+]' >&2
  status=1
fi
if grep -E '^vmpshim_' "$tmp/dynamic" >"$tmp/shim"; then
  echo "check-exports: internal shim symbols are exported:" >&2
  cat "$tmp/shim" >&2
  status=1
fi
# Windows resolves a DLL's imports when it loads it: anything but the system's own DLLs would
# have to ship beside vmp.dll (libgcc_s_*.dll, libwinpthread-1.dll: a static link is missing).
# api-ms-win-core-synch-l1-2-0 is the API set of WaitOnAddress (Windows 8 and later), which the
# wall's waits use (capi/wall_sync.h).
case "$lib" in
*.dll)
  "${OBJDUMP:-objdump}" -p "$lib" | sed -n 's/^[[:space:]]*DLL Name:[[:space:]]*//p' >"$tmp/imports"
  if grep -viE '^(kernel32|ntdll|msvcrt|advapi32|bcrypt|ws2_32|user32|winmm|api-ms-win-core-synch-l1-2-0)\.dll$' "$tmp/imports" >"$tmp/foreign"; then
    echo "check-exports: $lib imports DLLs that are not part of Windows:" >&2
    cat "$tmp/foreign" >&2
    status=1
  fi
  ;;
esac
[ "$status" -eq 0 ] && echo "check-exports: $lib exports exactly the $(wc -l <"$tmp/declared") vmp_* functions of $header"
exit "$status"
