#!/bin/sh
# wheel-platform.sh - the platform tag a Linux x86-64 wheel carrying LIB may honestly have.
#
# PEP 600: manylinux_2_Y_x86_64 promises that the wheel runs on any x86-64 Linux with glibc 2.Y
# or newer. That holds when the library needs no glibc symbol version above 2.Y (nor
# GLIBC_PRIVATE) and links nothing but glibc's own libraries (the manylinux policy's list, here
# those a Go c-shared library can need). Otherwise the tag is plain linux_x86_64, which pip
# installs only on the machine kind that built it.
#
# Usage: scripts/wheel-platform.sh LIB     prints the tag; with -v also why, on stderr
set -eu
verbose=0
[ "${1:-}" = -v ] && { verbose=1; shift; }
lib=${1:?usage: scripts/wheel-platform.sh [-v] LIB}
say() { [ "$verbose" -eq 0 ] || echo "wheel-platform: $*" >&2; }

objdump -f "$lib" | grep -q 'file format elf64-x86-64' || { echo "wheel-platform: $lib is not an x86-64 ELF file" >&2; exit 1; }
allowed=' libc.so.6 libpthread.so.0 libdl.so.2 libm.so.6 librt.so.1 ld-linux-x86-64.so.2 '
for needed in $(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  case "$allowed" in
  *" $needed "*) ;;
  *) say "needs $needed, outside the manylinux policy"; echo linux_x86_64; exit 0 ;;
  esac
done
versions=$(objdump -T "$lib" | grep -o 'GLIBC_[0-9A-Z_.]*' | sort -u)
if echo "$versions" | grep -q GLIBC_PRIVATE; then
  say "uses GLIBC_PRIVATE symbols"; echo linux_x86_64; exit 0
fi
newest=$(echo "$versions" | sed -n 's/^GLIBC_2\.\([0-9]*\)\(\.[0-9]*\)*$/\1/p' | sort -n | tail -1)
if [ -z "$newest" ] || echo "$versions" | grep -qv '^GLIBC_2\.'; then
  say "symbol versions not understood: $versions"; echo linux_x86_64; exit 0
fi
say "needs glibc 2.$newest (newest symbol version GLIBC_2.$newest), links only glibc"
echo "manylinux_2_${newest}_x86_64"
