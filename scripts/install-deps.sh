#!/usr/bin/env bash
# The one list of what the tests need beyond Go and gcc, with the reason for each.
#   scripts/install-deps.sh          installs the Debian packages that are missing (make deps).
#                                    Needs root (CI runs as root) or sudo; does nothing when
#                                    everything is present.
#   scripts/install-deps.sh --check  installs nothing: names what is missing and fails, pointing
#                                    at make deps.
#   scripts/install-deps.sh --test   what make test runs first: --check, and when something is
#                                    missing and this runs as root (CI, a fresh machine's first
#                                    `make test`), it installs it, saying so; VMP_NO_INSTALL=1
#                                    makes it --check. The README's test command has to work on a
#                                    fresh Debian machine with only Go and gcc on it.
set -euo pipefail
check=0
[ "${1:-}" = --check ] && check=1
if [ "${1:-}" = --test ]; then
  if [ "$(id -u)" -ne 0 ] || [ "${VMP_NO_INSTALL:-}" = 1 ]; then
    exec "$0" --check
  fi
  "$0" --check 2>/dev/null && exit 0
  echo "make test: installing what is missing first (as root; VMP_NO_INSTALL=1 only checks)"
  exec "$0"
fi
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need+=(gcc)
have g++ || need+=(g++)
have nm || need+=(binutils)
have timeout || need+=(coreutils)
# The hardening sweep (tests/c/sweep_test.c) links gcc's AddressSanitizer and UBSan runtimes;
# Debian's gcc brings them (libgcc-N-dev depends on libasan and libubsan), this makes sure.
if have gcc && [ ! -e "$(gcc -print-file-name=libasan.so)" ]; then
  need+=("libgcc-$(gcc -dumpversion | cut -d. -f1)-dev")
fi
# The bindings' tests: Debian's python3 with venv (pip install from the repository is tested in a
# venv) and Mono (mcs compiles the C# binding, mono runs it).
have python3 || need+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
have mcs || need+=(mono-mcs)
have mono || need+=(mono-runtime)
# Windows DLLs and release packages (make dist): the mingw-w64 cross compilers (with their
# dlltool for the mingw import library), llvm-dlltool for the MSVC one, zip, pkg-config.
have x86_64-w64-mingw32-gcc || need+=(gcc-mingw-w64-x86-64-posix)
have i686-w64-mingw32-gcc || need+=(gcc-mingw-w64-i686-posix)
have llvm-dlltool || need+=(llvm)
have zip || need+=(zip)
have unzip || need+=(unzip)
have pkg-config || need+=(pkg-config)
# The browser test (tests/browser) drives the simulator's pages in Debian's chromium, headless.
# VMP_SKIP_BROWSER=1 leaves it out (and the test says loudly it skipped).
if [ "${VMP_SKIP_BROWSER:-}" != 1 ]; then
  have chromium || need+=(chromium)
fi
# The packages of make dist, installed the way their users install them (tests/packages/run.sh):
# Debian's NuGet client (2.8.7, under Mono) installs the .nupkg from a folder feed and Mono's
# xbuild builds a .NET Framework project against it; dpkg-dev (dpkg-shlibdeps) and lintian for
# the .debs; pip in a venv (python3-venv above) installs the wheel offline.
have nuget || need+=(nuget)
have xbuild || need+=(mono-xbuild)
have dpkg-shlibdeps || need+=(dpkg-dev)
have lintian || need+=(lintian)
python3 -c 'import pip' >/dev/null 2>&1 || need+=(python3-pip)
# The chain ledger's tests (tests/ledger, internal/ledger) start a real PostgreSQL server of
# Debian's in a temporary folder (initdb, pg_ctl from /usr/lib/postgresql/N/bin), as an
# unprivileged user when run as root.
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
have runuser || need+=(util-linux)
# The Windows smoke test runs both DLLs under wine: wine64 for x64 and wine32 from Debian's i386
# architecture for x86. VMP_SKIP_WINE=1 leaves wine out (and the test says loudly it skipped).
i386=0
if [ "${VMP_SKIP_WINE:-}" != 1 ]; then
  have wine || need+=(wine wine64)
  dpkg -s wine32:i386 >/dev/null 2>&1 || { need+=(wine32:i386); i386=1; }
fi
if [ "$check" -eq 1 ]; then
  missing=0
  if ! have go; then
    # Debian's Go is older than go.mod asks for; Go comes from go.dev, not from make deps.
    echo "make test: Go is not installed (or not on PATH, nor in /usr/local/go/bin); install Go $(sed -n 's/^go //p' "$(dirname "$0")/../go.mod") from go.dev" >&2
    missing=1
  fi
  if [ ${#need[@]} -gt 0 ]; then
    echo "make test: missing Debian packages: ${need[*]}" >&2
    echo "make test: run 'make deps' first (as root, or with sudo: it installs them with apt-get)" >&2
    missing=1
  fi
  exit "$missing"
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ "$i386" -eq 1 ] && ! dpkg --print-foreign-architectures | grep -qx i386; then
  $SUDO dpkg --add-architecture i386
fi
# A mirror in mid-sync can fail one index (seen for bookworm-security i386): try once more, then
# go on with what was fetched; the install below fails loudly if something is really missing.
$SUDO apt-get update -qq || {
  echo "install-deps: apt-get update failed; trying once more in 5 s" >&2
  sleep 5
  $SUDO apt-get update -qq || echo "install-deps: apt-get update failed again; going on" >&2
}
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
