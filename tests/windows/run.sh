#!/bin/sh
# run.sh - the Windows smoke test: C programs cross-compiled with mingw-w64 run under Debian's
# wine against vmp.dll from the release packages, 64-bit and 32-bit, on the embedded simulator:
#   1. header_test.c: vmp.h compiles clean for Windows (the dllimport side) and links with the
#      package's mingw import library (libvmp.dll.a, as abi_test.c does);
#   2. abi_test.c (tests/c): init, checkout, poll, capture, refund, cancel, journal calls, every
#      kind of bad argument, 8 threads, close - the same program the Linux build runs;
#   3. examples/c/till.c from the package, linked with the package's vmp.lib (the MSVC-format
#      import library; GNU ld reads that format too): the demo payment;
#   4. load_test.c: LoadLibrary + GetProcAddress as the bindings do, and the other architecture's
#      DLL refused with ERROR_BAD_EXE_FORMAT.
#
# Usage: tests/windows/run.sh [DIST_DIR]   (default dist; `make test-windows` builds it first)
#
# VMP_SKIP_WINE=1 skips this test (it says so loudly); without it, a machine where wine is
# missing or cannot run the programs fails the test. wine runs in its own prefix,
# build/wine-prefix, never in the user's ~/.wine.
set -eu

cd "$(dirname "$0")/../.."
root=$(pwd)
dist=${1:-dist}
version=$(scripts/from-header.sh version include/vmp.h)
pkg="vmp-$version"
work="$root/build/windows-test"

loud() {
  echo "################################################################################"
  for line in "$@"; do echo "# $line"; done
  echo "################################################################################"
}

if [ "${VMP_SKIP_WINE:-}" = 1 ]; then
  loud "WINDOWS SMOKE TEST SKIPPED: VMP_SKIP_WINE=1 is set." \
    "vmp.dll was built and its exports checked, but no test ran it under wine."
  exit 0
fi
if ! command -v wine >/dev/null 2>&1; then
  loud "WINDOWS SMOKE TEST FAILED: wine is not installed." \
    "make deps installs it (wine, wine64, wine32:i386) from Debian;" \
    "set VMP_SKIP_WINE=1 to skip this test on purpose."
  exit 1
fi

# Some kernels cannot execute 32-bit programs at all (a VM without IA-32 emulation: the exec
# fails with ENOEXEC, "Exec format error"). There wine32 - the loader Debian's `wine` starts,
# which hands 64-bit programs on to wine64 - cannot start, whatever is installed. Then the
# 64-bit programs run under wine64 directly and the 32-bit DLL is built, linked and its exports
# checked but not run, said loudly. A wine32 that is missing, or fails any other way, still fails.
wine=wine
run_x86=1
wine32_loader=/usr/lib/wine/wine
wine64_loader=/usr/lib/wine/wine64
if [ -x "$wine32_loader" ] && [ -x "$wine64_loader" ]; then
  mkdir -p "$root/build"
  if "$wine32_loader" --version >"$root/build/wine32-probe.log" 2>&1; then probe=0; else probe=$?; fi
  if [ "$probe" = 126 ] && grep -q 'Exec format error' "$root/build/wine32-probe.log"; then
    wine=$wine64_loader
    run_x86=0
    export WINELOADER="$wine64_loader"
    loud "THIS MACHINE CANNOT RUN 32-BIT PROGRAMS: its kernel refuses wine32's loader" \
      "($(tr '\n' ' ' <"$root/build/wine32-probe.log"))." \
      "The x64 vmp.dll runs under wine64; the x86 vmp.dll is built, linked and checked, NOT run."
  fi
fi

export WINEPREFIX="$root/build/wine-prefix" WINEARCH=win64 WINEDEBUG=-all
# No Mono or Gecko installer dialogs in the new prefix; no window for a crash.
export WINEDLLOVERRIDES="mscoree,mshtml=;winedbg.exe=d"
unset DISPLAY WAYLAND_DISPLAY
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT

if [ ! -d "$WINEPREFIX/drive_c/windows/syswow64" ]; then
  echo "== wineboot: a new wine prefix in build/wine-prefix"
  rm -rf "$WINEPREFIX"
  if ! timeout 300 "$wine" wineboot -i >"$root/build/wineboot.log" 2>&1 || ! timeout 120 wineserver -w; then
    loud "WINDOWS SMOKE TEST FAILED: wine cannot create a prefix on this machine:" \
      "$(tail -n 5 "$root/build/wineboot.log" | tr '\n' ' ')"
    exit 1
  fi
fi
# Go's runtime needs bcryptprimitives.dll (Windows 10 has it; Debian's wine 8.0 has not):
# give the prefix a stand-in when wine lacks it (see bcryptprimitives.c).
for dirarch in system32:x86_64 syswow64:i686; do
  dir="$WINEPREFIX/drive_c/windows/${dirarch%%:*}"
  if [ ! -e "$dir/bcryptprimitives.dll" ] || [ -e "$dir/.vmp-bcryptprimitives" ]; then
    "${dirarch#*:}-w64-mingw32-gcc" -shared -O2 -Wall -Werror -o "$dir/bcryptprimitives.dll" \
      tests/windows/bcryptprimitives.c -lbcrypt -Wl,--kill-at
    touch "$dir/.vmp-bcryptprimitives"
    echo "== the bcryptprimitives.dll stand-in is in ${dirarch%%:*} (wine has none)"
  fi
done

rm -rf "$work"
mkdir -p "$work"
scripts/from-header.sh functions include/vmp.h >"$work/functions"
status=0
for platform in windows-x64 windows-x86; do
  if [ "$platform" = windows-x64 ]; then
    cc=x86_64-w64-mingw32-gcc other=windows-x86
  else
    cc=i686-w64-mingw32-gcc other=windows-x64
  fi
  archive="$dist/$pkg-$platform.zip"
  if [ ! -f "$archive" ]; then
    echo "FAIL $archive is missing (run make dist)"
    status=1
    continue
  fi
  unzip -q "$archive" -d "$work/$platform"
  [ -f "$dist/$pkg-$other.zip" ] && unzip -q -o "$dist/$pkg-$other.zip" -d "$work/$platform"
  top="$work/$platform/$pkg"
  bin="$top/$platform" # the programs sit beside vmp.dll, where Windows looks first
  warn="-std=c99 -Wall -Wextra -Werror -pedantic"
  link="-I$top/include -L$bin -lvmp" # -lvmp: the package's libvmp.dll.a

  echo "== $platform: build"
  $cc $warn -o "$bin/header_test.exe" tests/c/header_test.c $link
  $cc $warn -include tests/windows/mingw_compat.h -o "$bin/abi_test.exe" tests/c/abi_test.c \
    -static -pthread $link
  $cc $warn -o "$bin/till.exe" "$top/examples/c/till.c" -I"$top/include" "$bin/vmp.lib"
  $cc $warn -I"$top/include" -o "$bin/load_test.exe" tests/windows/load_test.c

  if [ "$platform" = windows-x86 ] && [ "$run_x86" = 0 ]; then
    echo "== $platform: built and linked; not run (this machine cannot execute 32-bit programs)"
    continue
  fi
  for test in "header_test.exe" "abi_test.exe" "till.exe" \
    "load_test.exe vmp.dll $work/functions ../$other/vmp.dll"; do
    echo "== $platform: wine $test"
    # shellcheck disable=SC2086 # the test's arguments are words
    if (cd "$bin" && timeout 300 "$wine" $test) >"$work/out" 2>&1; then result=0; else result=$?; fi
    tr -d '\r' <"$work/out" | tee "$work/$platform-${test%%.exe*}.log" | grep -v '^ok' || true
    case "$test" in
    till.exe) grep -q 'demo finished' "$work/out" || result=1 ;;
    esac
    if [ "$result" -ne 0 ]; then
      echo "FAIL $platform: $test exited with $result"
      if grep -q 'wine32 is missing\|could not load kernel32\|bad EXE format' "$work/out"; then
        loud "WINDOWS SMOKE TEST FAILED: wine cannot run 32-bit programs here." \
          "Install wine32:i386 (dpkg --add-architecture i386; make deps does)."
      fi
      status=1
    fi
  done
done

if [ "$status" -eq 0 ]; then
  if [ "$run_x86" = 1 ]; then
    echo "windows smoke test: x64 and x86 vmp.dll passed under $("$wine" --version)"
  else
    echo "windows smoke test: x64 vmp.dll passed under $("$wine" --version);" \
      "x86 vmp.dll built and linked, not run (no 32-bit execution on this machine)"
  fi
else
  loud "WINDOWS SMOKE TEST FAILED (logs in build/windows-test/)"
fi
exit "$status"
