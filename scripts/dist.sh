#!/bin/sh
# dist.sh - `make dist`: the release packages a POS vendor drops into their build.
#
#   dist/windows-x64/  vmp.dll (64-bit), vmp.def, vmp.lib (MSVC import library),
#                      libvmp.dll.a (mingw import library)
#   dist/windows-x86/  the same for 32-bit processes
#   dist/linux-x64/    libvmp.so.X.Y.Z (SONAME libvmp.so.X), the links libvmp.so.X and libvmp.so,
#                      pkgconfig/vmp.pc
#   dist/vmp-X.Y.Z-windows-x64.zip, dist/vmp-X.Y.Z-windows-x86.zip, dist/vmp-X.Y.Z-linux-x64.tar.gz
#   dist/nuget/Vmp.X.Y.Z.nupkg          the .NET package (scripts/package-nuget.sh)
#   dist/python/vmp-X.Y.Z-*.whl, .tar.gz the Linux and Windows wheels, the sdist (package-python.sh)
#   dist/debian/libvmp0_*.deb, libvmp-dev_*.deb   (scripts/package-deb.sh)
#
# Every archive unpacks into one folder vmp-X.Y.Z/ holding README.md, docs/ (which it links),
# include/vmp.h, bindings/, examples/ and the platform's folder as above, so the Windows
# archives unpack into one tree with windows-x64/ and windows-x86/ side by side. A binding finds the native library for its
# process in <platform>/ beside bindings/ in a package, or in dist/<platform>/ in this repository.
#
# Usage: scripts/dist.sh [OUTPUT_DIR]   (default dist)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-dist}
case "$out" in /*) ;; *) out="$root/$out" ;; esac
cd "$root"

version=$(scripts/from-header.sh version include/vmp.h)
major=$(scripts/from-header.sh major include/vmp.h)
pkg="vmp-$version"
# Archive timestamps: the last commit's time, so the same commit packs the same archives.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "dist: $1 not found; make deps installs it" >&2
    exit 1
  }
}
for tool in x86_64-w64-mingw32-dlltool i686-w64-mingw32-dlltool llvm-dlltool zip tar mcs python3 dpkg-deb dpkg-shlibdeps; do need "$tool"; done

rm -rf "$out/windows-x64" "$out/windows-x86" "$out/linux-x64" "$out/stage" "$out"/vmp-*.zip "$out"/vmp-*.tar.gz
mkdir -p "$out"

# ---- the libraries ------------------------------------------------------------------------
for platform in windows-x64 windows-x86; do
  dir="$out/$platform"
  echo "== $platform"
  scripts/build-lib.sh --release "$platform" "$dir/vmp.dll"
  scripts/from-header.sh def vmp.dll include/vmp.h >"$dir/vmp.def"
  if [ "$platform" = windows-x64 ]; then
    machine=i386:x86-64 dlltool=x86_64-w64-mingw32-dlltool
  else
    machine=i386 dlltool=i686-w64-mingw32-dlltool
  fi
  # MSVC's format (what `lib /def:vmp.def` writes), and the GNU format for mingw's -lvmp.
  llvm-dlltool -m "$machine" -d "$dir/vmp.def" -l "$dir/vmp.lib"
  "$dlltool" -d "$dir/vmp.def" -D vmp.dll -l "$dir/libvmp.dll.a"
done

echo "== linux-x64"
dir="$out/linux-x64"
scripts/build-lib.sh --release linux-x64 "$dir/libvmp.so.$version"
ln -s "libvmp.so.$version" "$dir/libvmp.so.$major"
ln -s "libvmp.so.$major" "$dir/libvmp.so"
mkdir -p "$dir/pkgconfig"
# Relocatable: ${pcfiledir} is wherever the unpacked package's pkgconfig/ folder ends up.
cat >"$dir/pkgconfig/vmp.pc" <<EOF
prefix=\${pcfiledir}/../..
includedir=\${prefix}/include
libdir=\${prefix}/linux-x64

Name: vmp
Description: Vipps MobilePay in-store payments for point-of-sale software
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lvmp
EOF

# ---- the archives ---------------------------------------------------------------------------
# The docs, bindings and examples go in as they are in the source tree: tracked files and new ones,
# never what git ignores (build output, __pycache__).
sources() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard -- "$@" | while read -r f; do
      [ -f "$f" ] && echo "$f"
    done
  else
    find "$@" -type f ! -path '*/__pycache__/*' ! -path '*/bin/*' ! -path '*/obj/*'
  fi
}

stage="$out/stage"
for platform in windows-x64 windows-x86 linux-x64; do
  top="$stage/$platform/$pkg"
  mkdir -p "$top/include"
  cp include/vmp.h "$top/include/"
  cp README.md "$top/"
  sources bindings docs examples | while read -r f; do
    mkdir -p "$top/$(dirname "$f")"
    cp -p "$f" "$top/$f"
  done
  cp -P -R "$out/$platform" "$top/$platform"
  find "$stage/$platform" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  case "$platform" in
  windows-*) (cd "$stage/$platform" && find "$pkg" -type f | LC_ALL=C sort | zip -q -X "$out/$pkg-$platform.zip" -@) ;;
  *) tar -C "$stage/$platform" --sort=name --owner=0 --group=0 --numeric-owner -czf "$out/$pkg-$platform.tar.gz" "$pkg" ;;
  esac
done
rm -rf "$stage"

# ---- the packages each ecosystem installs -------------------------------------------------------
echo "== nuget"
scripts/package-nuget.sh "$out"
echo "== python"
scripts/package-python.sh "$out"
echo "== debian"
scripts/package-deb.sh "$out"

echo "== dist"
(cd "$out" && ls -l ./*/vmp.dll ./linux-x64/libvmp.so.* "$pkg"-* nuget/* python/* debian/*) | sed 's/^/   /'
