#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing. Needs root (CI runs as
# root) or sudo; does nothing when everything is present.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need+=(gcc)
have g++ || need+=(g++)
have nm || need+=(binutils)
have timeout || need+=(coreutils)
# The bindings' tests: Debian's python3 with venv (pip install from the repository is tested in a
# venv) and Mono (mcs compiles the C# binding, mono runs it).
have python3 || need+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
have mcs || need+=(mono-mcs)
have mono || need+=(mono-runtime)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
