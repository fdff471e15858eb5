#!/bin/sh
# from-header.sh - everything the build derives from include/vmp.h, so that the header stays the
# one list of the library's functions and of its version:
#
#   functions       the vmp_* functions the header declares, one a line, sorted
#   def LIBNAME     a module-definition file for LIBNAME (vmp.dll): the Windows linker exports
#                   exactly these names, and dlltool makes the import libraries from it
#   version-script  a GNU ld version script: libvmp.so's dynamic symbol table holds exactly these
#                   names; everything else (the vmpgo_* cgo exports, the Go runtime) is local
#   version         MAJOR.MINOR.PATCH from the VMP_VERSION_* macros
#   major           MAJOR alone (the SONAME is libvmp.so.MAJOR)
#
# The header's enum lists (VMP_*_LIST) and the version copies of the Go engine and the bindings
# are made by internal/cmd/vmpgen (make generate), whose test checks that both read the same version.
#
# Usage: scripts/from-header.sh WHAT [ARG] [include/vmp.h]
set -eu

what=${1:?usage: scripts/from-header.sh functions|def LIBNAME|version-script|version|major [header]}
shift
libname=
if [ "$what" = def ]; then
  libname=${1:?usage: scripts/from-header.sh def LIBNAME [header]}
  shift
fi
header=${1:-$(dirname "$0")/../include/vmp.h}

# Declarations look like "VMP_API <type> VMP_CALL vmp_name(" and may wrap: join the lines, then
# pick each name. [^;{}()] keeps a match inside one declaration and skips the #define lines.
functions() {
  tr '\n' ' ' <"$header" |
    grep -oE 'VMP_API[^;{}()]*VMP_CALL[[:space:]]+vmp_[A-Za-z0-9_]+[[:space:]]*\(' |
    sed -E 's/.*VMP_CALL[[:space:]]+(vmp_[A-Za-z0-9_]+).*/\1/' | LC_ALL=C sort -u
}

version_part() {
  sed -nE "s/^#define[[:space:]]+VMP_VERSION_$1[[:space:]]+([0-9]+)[[:space:]]*$/\1/p" "$header"
}

case "$what" in
functions) functions ;;
def)
  # cdecl names are undecorated in a .def on x86 and x64 alike; the linker adds the leading
  # underscore of 32-bit object files itself.
  echo "LIBRARY \"$libname\""
  echo "EXPORTS"
  functions | sed 's/^/    /'
  ;;
version-script)
  echo "/* Generated from include/vmp.h by scripts/from-header.sh: the exports of libvmp.so. */"
  echo "{"
  echo "  global:"
  functions | sed 's/.*/    &;/'
  echo "  local:"
  echo "    *;"
  echo "};"
  ;;
version) echo "$(version_part MAJOR).$(version_part MINOR).$(version_part PATCH)" ;;
major) version_part MAJOR ;;
*)
  echo "from-header.sh: unknown request '$what'" >&2
  exit 2
  ;;
esac
