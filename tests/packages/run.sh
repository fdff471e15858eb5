#!/usr/bin/env bash
# run.sh - the packages of `make dist`, installed the way their users install them:
#
#   NuGet   Vmp.X.Y.Z.nupkg: layout and nuspec; `nuget install` (Debian's NuGet client, under
#           Mono) from a local folder feed; examples/csharp/Till.cs built against the installed
#           package by a .NET Framework project that imports build/Vmp.targets the way NuGet adds
#           it (xbuild, whose Csc task runs mcs): the targets copy libvmp.so (and, for Windows,
#           x64/ and x86/vmp.dll); the till runs on the embedded simulator.
#   Python  the three wheels: tags, RECORD hashes, the right library inside; the Linux wheel
#           `pip install --no-index` into a fresh venv and `python -m vmp` through it; a state
#           prints by name; the sdist builds a wheel offline.
#   Debian  lintian on libvmp0 and libvmp-dev (errors, warnings and info tags fail; overrides
#           are in packaging/debian); `apt-get install ./libvmp0_….deb ./libvmp-dev_….deb`;
#           examples/c/till.c built with `pkg-config --cflags --libs vmp` runs; both removed
#           again. Needs root (CI runs as root) or sudo without a password;
#           VMP_SKIP_DEB_INSTALL=1 skips the install, loudly.
#   Examples  C (built against the Linux tarball's library), Python (the installed wheel) and C# (the NuGet
#           build) against a standalone vmp-sim on 127.0.0.1, configured by VMP_CONFIG as a file
#           path and as JSON; their first line names the environment and no output shows a key.
#
# Each step's time is printed ("time:" lines) for the packaging notes; none is asserted.
# Usage: tests/packages/run.sh [DIST_DIR]   (default dist; `make test-packages` builds it first)
set -u

cd "$(dirname "$0")/../.."
root=$(pwd)
dist=${1:-dist}
case "$dist" in /*) ;; *) dist="$root/$dist" ;; esac
version=$(scripts/from-header.sh version include/vmp.h)
major=$(scripts/from-header.sh major include/vmp.h)
work="$root/build/packages-test"
rm -rf "$work"
mkdir -p "$work"

check_tail=40
# shellcheck source=tests/lib/check.sh
. "$root/tests/lib/check.sh"
loud() {
  echo "################################################################################"
  for line in "$@"; do echo "# $line"; done
  echo "################################################################################"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
clock=0
start() { clock=$(now_ms); }
took() { echo "time: $* $(($(now_ms) - clock)) ms"; }
size() { echo "size: $(basename "$1") $(stat -c %s "$1") bytes"; }
has_line() { grep -qxF -- "$1" "$2"; }
# The output of an example must never show a key of the simulator's configuration.
no_secret() { ! grep -q -e sim-client-secret -e sim-subscription-key "$1"; }

nupkg="$dist/nuget/Vmp.$version.nupkg"
linux_so="$dist/linux-x64/libvmp.so.$version"

# ---- NuGet ----------------------------------------------------------------------------------------
echo "# NuGet"
if [ ! -f "$nupkg" ]; then fail "$nupkg exists (run make dist)"; else
  size "$nupkg"
  unzip -Z1 "$nupkg" | LC_ALL=C sort >"$work/nupkg-files"
  cat >"$work/nupkg-expected" <<EOF
LICENSE.txt
README.md
Vmp.nuspec
[Content_Types].xml
_rels/.rels
build/Vmp.targets
lib/netstandard2.0/Vmp.dll
lib/netstandard2.0/Vmp.xml
package/services/metadata/core-properties/vmp.psmdcr
runtimes/linux-x64/native/libvmp.so
runtimes/win-x64/native/vmp.dll
runtimes/win-x86/native/vmp.dll
EOF
  check "the .nupkg holds the binding, the three native libraries, build/Vmp.targets, readme and license" \
    diff -u "$work/nupkg-expected" "$work/nupkg-files"
  unzip -q "$nupkg" -d "$work/nupkg"
  nuspec="$work/nupkg/Vmp.nuspec"
  check "nuspec: id Vmp, version $version (vmp.h)" sh -c "grep -q '<id>Vmp</id>' '$nuspec' && grep -q '<version>$version</version>' '$nuspec'"
  check "nuspec: license file, readme and repository" sh -c "grep -q '<license type=\"file\">LICENSE.txt</license>' '$nuspec' &&
    grep -q '<readme>README.md</readme>' '$nuspec' && grep -q '<repository type=\"git\" url=\"https://' '$nuspec'"
  check "runtimes/win-x64/native/vmp.dll is dist's 64-bit DLL" cmp "$work/nupkg/runtimes/win-x64/native/vmp.dll" "$dist/windows-x64/vmp.dll"
  check "runtimes/win-x86/native/vmp.dll is dist's 32-bit DLL" cmp "$work/nupkg/runtimes/win-x86/native/vmp.dll" "$dist/windows-x86/vmp.dll"
  check "runtimes/linux-x64/native/libvmp.so is dist's libvmp.so.$version" cmp "$work/nupkg/runtimes/linux-x64/native/libvmp.so" "$linux_so"

  mkdir -p "$work/feed" "$work/nuget-home"
  cp "$nupkg" "$work/feed/"
  start
  # A HOME of its own: NuGet writes its configuration and cache there, not in the user's.
  check "nuget install Vmp $version from a local folder feed (Debian's NuGet client under Mono)" \
    env HOME="$work/nuget-home" XDG_CONFIG_HOME="$work/nuget-home/.config" nuget install Vmp -Version "$version" \
    -Source "$work/feed" -OutputDirectory "$work/nuget/packages" -NonInteractive -NoCache
  took "nuget install"
  installed="$work/nuget/packages/Vmp.$version"
  # A .NET Framework project as NuGet's packages.config leaves it: a reference to lib/ and the
  # import of build/Vmp.targets. Mono's framework assemblies are named, because Debian ships no
  # reference assemblies for xbuild to find by TargetFrameworkVersion.
  mkdir -p "$work/nuget/app"
  cp examples/csharp/Till.cs "$work/nuget/app/"
  cat >"$work/nuget/app/Till.csproj" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<Project ToolsVersion="4.0" DefaultTargets="Build" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <AssemblyName>Till</AssemblyName>
    <TargetFrameworkVersion>v4.5</TargetFrameworkVersion>
    <OutputPath>bin/</OutputPath>
    <LangVersion>7</LangVersion>
    <NoStdLib>true</NoStdLib>
  </PropertyGroup>
  <ItemGroup>
    <Reference Include="mscorlib"><HintPath>/usr/lib/mono/4.5/mscorlib.dll</HintPath><Private>False</Private></Reference>
    <Reference Include="System"><HintPath>/usr/lib/mono/4.5/System.dll</HintPath><Private>False</Private></Reference>
    <Reference Include="System.Core"><HintPath>/usr/lib/mono/4.5/System.Core.dll</HintPath><Private>False</Private></Reference>
    <Reference Include="Vmp"><HintPath>$installed/lib/netstandard2.0/Vmp.dll</HintPath></Reference>
  </ItemGroup>
  <ItemGroup><Compile Include="Till.cs" /></ItemGroup>
  <Import Project="\$(MSBuildToolsPath)/Microsoft.CSharp.targets" />
  <Import Project="$installed/build/Vmp.targets" Condition="Exists('$installed/build/Vmp.targets')" />
</Project>
EOF
  start
  check "examples/csharp/Till.cs builds against the installed package (xbuild, mcs)" \
    xbuild /nologo /v:minimal "$work/nuget/app/Till.csproj"
  took "xbuild of the till against the package"
  app="$work/nuget/app/bin"
  check "build/Vmp.targets copied libvmp.so beside Till.exe (Mono on Linux), no Windows DLL" \
    sh -c "cmp '$app/libvmp.so' '$installed/runtimes/linux-x64/native/libvmp.so' && [ ! -e '$app/x64' ] && [ ! -e '$app/x86' ]"
  # The same project as Windows builds it: both DLLs in x64\ and x86\ (xbuild lets OS be set).
  check "for Windows, build/Vmp.targets copies x64/vmp.dll and x86/vmp.dll" sh -c "
    xbuild /nologo /v:quiet /p:OS=Windows_NT /p:OutputPath=win/ /p:IntermediateOutputPath=obj-win/ '$work/nuget/app/Till.csproj' &&
    cmp '$work/nuget/app/win/x64/vmp.dll' '$dist/windows-x64/vmp.dll' && cmp '$work/nuget/app/win/x86/vmp.dll' '$dist/windows-x86/vmp.dll' &&
    [ ! -e '$work/nuget/app/win/libvmp.so' ]"
  start
  (cd "$app" && env -u VMP_CONFIG -u VMP_LIBRARY timeout 120 mono Till.exe) >"$work/cs-embedded.out" 2>&1
  took "C# till from the package on the embedded simulator"
  check "the C# till from the package runs on the embedded simulator" has_line "till finished" "$work/cs-embedded.out"
fi

# ---- Python ---------------------------------------------------------------------------------------
echo "# Python"
pydist="$dist/python"
linux_tag=$(scripts/wheel-platform.sh "$linux_so")
linux_whl="$pydist/vmp-$version-py3-none-$linux_tag.whl"
for whl in "$linux_whl" "$pydist/vmp-$version-py3-none-win_amd64.whl" "$pydist/vmp-$version-py3-none-win32.whl" "$pydist/vmp-$version.tar.gz"; do
  if [ -f "$whl" ]; then size "$whl"; else fail "$whl exists (run make dist)"; fi
done
check "only these wheels and the sdist are in $pydist" \
  test "$(ls "$pydist" | LC_ALL=C sort | tr '\n' ' ')" = "vmp-$version-py3-none-$linux_tag.whl vmp-$version-py3-none-win32.whl vmp-$version-py3-none-win_amd64.whl vmp-$version.tar.gz "
check_wheel() { # WHEEL LIBRARY-NAME ARCH: tags, RECORD and the library inside
  python3 - "$1" "$2" "$3" "$version" <<'PY'
import base64, hashlib, struct, sys, zipfile
path, libname, arch, version = sys.argv[1:5]
name = path.rsplit("/", 1)[1]
tag = name[:-4].split("-", 2)[2]
z = zipfile.ZipFile(path)
info = "vmp-%s.dist-info/" % version
wheel = z.read(info + "WHEEL").decode()
assert "Tag: %s\n" % tag in wheel, "WHEEL does not carry the file name's tag %s:\n%s" % (tag, wheel)
assert "Root-Is-Purelib: false" in wheel, "a wheel with a native library is not purelib"
assert "Version: %s\n" % version in z.read(info + "METADATA").decode(), "METADATA's version is not vmp.h's"
record = z.read(info + "RECORD").decode().splitlines()
listed = set()
for line in record:
    file, digest, size = line.rsplit(",", 2)
    listed.add(file)
    if file == info + "RECORD":
        continue
    data = z.read(file)
    want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert digest == want and int(size) == len(data), "RECORD is wrong for " + file
assert listed == set(z.namelist()), "RECORD lists %s, the wheel holds %s" % (sorted(listed), sorted(z.namelist()))
libs = [n for n in z.namelist() if n.endswith((".so", ".dll", ".dylib"))]
assert libs == ["vmp/" + libname], "libraries in the wheel: %s, want vmp/%s" % (libs, libname)
head = z.read("vmp/" + libname)
if libname.endswith(".dll"):
    machine = struct.unpack("<H", head[struct.unpack("<I", head[60:64])[0] + 4:][:2])[0]
    found = {0x8664: "x64", 0x14C: "x86"}.get(machine, hex(machine))
else:
    found = "x64" if head[:4] == b"\x7fELF" and struct.unpack("<H", head[18:20])[0] == 0x3E else "?"
assert found == arch, "vmp/%s is built for %s, the tag %s wants %s" % (libname, found, tag, arch)
PY
}
check "the Linux wheel is tagged $linux_tag (scripts/wheel-platform.sh of the library)" test -f "$linux_whl"
check "the Linux wheel: RECORD hashes, WHEEL tag, vmp/libvmp.so for x86-64" check_wheel "$linux_whl" libvmp.so x64
check "the win_amd64 wheel: RECORD hashes, WHEEL tag, vmp/vmp.dll for x64" check_wheel "$pydist/vmp-$version-py3-none-win_amd64.whl" vmp.dll x64
check "the win32 wheel: RECORD hashes, WHEEL tag, vmp/vmp.dll for x86" check_wheel "$pydist/vmp-$version-py3-none-win32.whl" vmp.dll x86

venv="$work/venv"
start
python3 -m venv "$venv" >"$work/out" 2>&1 || { fail "python3 -m venv"; cat "$work/out"; }
took "python3 -m venv (with pip)"
start
check "pip install --no-index of the Linux wheel into a fresh venv" "$venv/bin/pip" install -q --no-index "$linux_whl"
took "pip install of the wheel"
check "the installed package loads its own libvmp.so" sh -c "cd / && env -u VMP_LIBRARY '$venv/bin/python' -c \
  'import vmp, vmp._native as n; p = str(n.find_library()); print(p); assert p.startswith(\"$venv/\"), p'"
start
(cd / && env -u VMP_LIBRARY -u VMP_CONFIG timeout 120 "$venv/bin/python" -m vmp) >"$work/py-m-vmp.out" 2>&1
took "python -m vmp (one checkout) through the wheel"
check "python -m vmp through the installed wheel: a checkout captured" grep -q '^captured ' "$work/py-m-vmp.out"
check "the installed package prints a state by name (PaymentState.AUTHORIZED)" sh -c "cd / && test \"\$('$venv/bin/python' -c \
  'import vmp; s = vmp.PaymentState.AUTHORIZED; print(s, \"%s\" % s, \"{}\".format(s))')\" = 'PaymentState.AUTHORIZED PaymentState.AUTHORIZED PaymentState.AUTHORIZED'"
start
check "the sdist builds a wheel offline (pip wheel --no-index)" \
  env VMP_LIBRARY="$linux_so" "$venv/bin/pip" wheel -q --no-index --no-deps -w "$work/sdist-wheel" "$pydist/vmp-$version.tar.gz"
took "pip wheel of the sdist"

# ---- Debian ---------------------------------------------------------------------------------------
echo "# Debian"
deb0="$dist/debian/libvmp${major}_${version}-1_amd64.deb"
debdev="$dist/debian/libvmp-dev_${version}-1_amd64.deb"
for deb in "$deb0" "$debdev"; do
  if [ -f "$deb" ]; then size "$deb"; else fail "$deb exists (run make dist)"; fi
done
start
check "lintian: no error, warning or info tag on libvmp$major and libvmp-dev (overrides: packaging/debian)" \
  lintian --allow-root --display-info --fail-on error,warning,info "$deb0" "$debdev"
took "lintian"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
if [ "${VMP_SKIP_DEB_INSTALL:-}" = 1 ]; then
  loud "DEBIAN PACKAGE INSTALL TEST SKIPPED: VMP_SKIP_DEB_INSTALL=1 is set." \
    "The packages were built and checked by lintian, but not installed with apt."
elif [ -n "$sudo" ] && ! sudo -n true 2>/dev/null; then
  loud "DEBIAN PACKAGE INSTALL TEST FAILED: not root, and sudo needs a password." \
    "apt-get install ./libvmp${major}_….deb needs root (CI runs as root)." \
    "Set VMP_SKIP_DEB_INSTALL=1 to skip this part on purpose."
  fail "install the Debian packages (needs root)"
elif dpkg -s "libvmp$major" >/dev/null 2>&1 || dpkg -s libvmp-dev >/dev/null 2>&1; then
  fail "libvmp$major or libvmp-dev is installed already: the test installs and removes them, remove them first"
else
  remove_debs() {
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y -qq libvmp-dev "libvmp$major" >/dev/null 2>&1
  }
  trap remove_debs EXIT
  start
  check "apt-get install ./libvmp${major}_….deb ./libvmp-dev_….deb" \
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb0" "$debdev"
  took "apt-get install of both packages"
  check "pkg-config knows vmp $version from /usr: its flags are -lvmp alone" sh -c "set -x;
    test \"\$(env -u PKG_CONFIG_PATH pkg-config --modversion vmp)\" = $version &&
    test \"\$(echo \$(env -u PKG_CONFIG_PATH pkg-config --cflags --libs vmp))\" = -lvmp"
  # shellcheck disable=SC2046 # the flags are words
  check "examples/c/till.c builds with pkg-config --cflags --libs vmp (no -I, -L or rpath of ours)" \
    ${CC:-gcc} -std=c99 -Wall -Wextra -Werror -pedantic -o "$work/till-deb" examples/c/till.c $(env -u PKG_CONFIG_PATH pkg-config --cflags --libs vmp)
  check "the till finds libvmp.so.$major in /usr/lib/x86_64-linux-gnu (or /lib, its merged-/usr twin)" \
    sh -c "ldd '$work/till-deb' | tee /dev/stderr | grep -Eq 'libvmp.so.$major => (/usr)?/lib/x86_64-linux-gnu/libvmp.so.$major '"
  start
  (cd "$work" && env -u VMP_CONFIG timeout 120 ./till-deb) >"$work/c-deb.out" 2>&1
  took "the C till through the Debian packages (embedded simulator, with QR and store 2)"
  check "the till runs on the embedded simulator" grep -q '^demo finished' "$work/c-deb.out"
  remove_debs
  trap - EXIT
  check "both packages are removed again (dpkg knows neither, vmp.h and libvmp.so.$major are gone)" \
    sh -c "! dpkg -s libvmp$major && ! dpkg -s libvmp-dev && [ ! -e /usr/include/vmp.h ] && [ ! -e /usr/lib/x86_64-linux-gnu/libvmp.so.$major ]"
fi

# ---- The examples against a standalone vmp-sim ----------------------------------------------------
echo "# examples against vmp-sim"
start
check "vmp-sim builds" go build -o "$work/vmp-sim" ./cmd/vmp-sim
took "go build ./cmd/vmp-sim"
"$work/vmp-sim" -addr 127.0.0.1:0 -approve-delay 200ms >"$work/vmp-sim.out" 2>&1 &
sim=$!
stop_sim() { kill "$sim" 2>/dev/null && wait "$sim" 2>/dev/null; }
trap stop_sim EXIT
for _ in $(seq 100); do grep -q '^vmp config: ' "$work/vmp-sim.out" && break; sleep 0.1; done
sim_config=$(sed -n 's/^vmp config: //p' "$work/vmp-sim.out")
sim_url=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["base_url"])' "$sim_config" 2>/dev/null)
case "$sim_url" in http://127.0.0.1:*) ok "vmp-sim listens at $sim_url" ;; *)
  fail "vmp-sim printed its configuration"
  cat "$work/vmp-sim.out"
  ;;
esac
config_for() { # NAME: vmp-sim's configuration with a journal of the example's own
  python3 -c 'import json, sys; c = json.loads(sys.argv[1]); c["journal_path"] = sys.argv[2]; print(json.dumps(c))' \
    "$sim_config" "$work/journal-$1.db"
}
config_for c >"$work/sim-c.json"
config_for cs >"$work/sim-cs.json"
env_line_file() { echo "environment: simulator at $sim_url - configuration VMP_CONFIG (file $1)"; }

# The C till of this tree against the Linux tarball's header and library (the Debian packages
# are removed by now).
mkdir -p "$work/tarball"
tar -C "$work/tarball" -xzf "$dist/vmp-$version-linux-x64.tar.gz"
top="$work/tarball/vmp-$version"
# shellcheck disable=SC2046 # the flags are words
check "examples/c/till.c builds against the Linux tarball with its pkg-config file" \
  ${CC:-gcc} -std=c99 -Wall -Wextra -Werror -pedantic -o "$work/till-dist" examples/c/till.c \
  $(PKG_CONFIG_PATH="$top/linux-x64/pkgconfig" pkg-config --cflags --libs vmp) -Wl,-rpath,"$top/linux-x64"
start
(cd "$work" && VMP_CONFIG="$work/sim-c.json" timeout 120 ./till-dist) >"$work/c-sim.out" 2>&1
took "C till against vmp-sim"
check "C till, VMP_CONFIG a file: says so in its first line" test "$(head -1 "$work/c-sim.out")" = "$(env_line_file "$work/sim-c.json")"
check "C till against vmp-sim: a push payment captured and refunded" grep -q '^demo finished: push payment$' "$work/c-sim.out"
check "C till: no key in its output" no_secret "$work/c-sim.out"

start
(cd / && VMP_CONFIG="$(config_for py)" timeout 120 "$venv/bin/python" "$root/examples/python/till.py") >"$work/py-sim.out" 2>&1
took "Python till against vmp-sim"
check "Python till, VMP_CONFIG JSON: says so in its first line" \
  test "$(head -1 "$work/py-sim.out")" = "environment: simulator at $sim_url - configuration VMP_CONFIG (JSON)"
check "Python till (the installed wheel) against vmp-sim: payment and club flow" has_line "till finished" "$work/py-sim.out"
check "Python till: no key in its output" no_secret "$work/py-sim.out"

if [ -f "$work/nuget/app/bin/Till.exe" ]; then
  start
  (cd "$work/nuget/app/bin" && VMP_CONFIG="$work/sim-cs.json" timeout 120 mono Till.exe) >"$work/cs-sim.out" 2>&1
  took "C# till against vmp-sim"
  check "C# till, VMP_CONFIG a file: says so in its first line" test "$(head -1 "$work/cs-sim.out")" = "$(env_line_file "$work/sim-cs.json")"
  check "C# till (the NuGet build) against vmp-sim: payment and club flow" has_line "till finished" "$work/cs-sim.out"
  check "C# till: no key in its output" no_secret "$work/cs-sim.out"
fi
stop_sim
trap - EXIT

(cd / && VMP_CONFIG='{"environment": "production"}' "$venv/bin/python" "$root/examples/python/till.py") >"$work/prod.out" 2>&1
status=$?
check "the Python till refuses production (exit status 2, before any call)" \
  sh -c "[ $status -eq 2 ] && grep -q 'does not run in production' '$work/prod.out'"
for lang in C Python C#; do
  case $lang in
  C) cmd="$work/till-dist" ;;
  Python) cmd="$venv/bin/python $root/examples/python/till.py" ;;
  C#) cmd="mono $work/nuget/app/bin/Till.exe" ;;
  esac
  # shellcheck disable=SC2086 # the command is words
  (cd "$work" && VMP_CONFIG='{"environment": "test", "base_url": "https://user:pw-secret@example.invalid:8443/p?key=q-secret"}' \
    timeout 60 $cmd 2>/dev/null | head -1) >"$work/url.out"
  check "the $lang till shows only scheme and host of a base_url with user info, path and query" \
    test "$(cat "$work/url.out")" = "environment: test at https://example.invalid:8443 - configuration VMP_CONFIG (JSON)"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
