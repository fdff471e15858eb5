#!/bin/sh
# check-exports.sh - the vmp_* functions libvmp exports must be exactly those include/vmp.h
# declares: an export missing from the header is undocumented ABI, a declaration missing from
# the library fails at the till's link or load time. Internal C helpers (vmpshim_*) must not be
# exported at all.
#
# Usage: scripts/check-exports.sh [build/libvmp.so | vmp.dll] [include/vmp.h]
set -eu

lib=${1:-build/libvmp.so}
header=${2:-include/vmp.h}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Declarations look like "VMP_API <type> VMP_CALL vmp_name(" and may wrap: join the lines, then
# pick each name. [^;{}()] keeps a match inside one declaration and skips the #define lines.
tr '\n' ' ' <"$header" |
  grep -oE 'VMP_API[^;{}()]*VMP_CALL[[:space:]]+vmp_[A-Za-z0-9_]+[[:space:]]*\(' |
  sed -E 's/.*VMP_CALL[[:space:]]+(vmp_[A-Za-z0-9_]+).*/\1/' | sort -u >"$tmp/declared"

# ELF: the defined dynamic symbols. PE (vmp.dll): the export name table, read with a
# PE-capable objdump (e.g. OBJDUMP=x86_64-w64-mingw32-objdump).
case "$lib" in
*.dll)
  "${OBJDUMP:-objdump}" -p "$lib" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' |
    sed -n 's/^[[:space:]]*\[[[:space:]]*[0-9]*\][[:space:]]*//p' >"$tmp/dynamic"
  ;;
*) nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' >"$tmp/dynamic" ;;
esac
grep -E '^vmp_' "$tmp/dynamic" | sort -u >"$tmp/exported" || true

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
[ "$status" -eq 0 ] && echo "check-exports: $(wc -l <"$tmp/declared") vmp_* functions, header and library agree"
exit "$status"
