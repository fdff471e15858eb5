#!/bin/sh
# package-deb.sh - the Debian packages of `make dist`, built with dpkg-deb from the Linux library
# dist.sh built:
#
#   DIST/debian/libvmp0_X.Y.Z-1_amd64.deb      /usr/lib/x86_64-linux-gnu/libvmp.so.X.Y.Z and its
#                                             SONAME link libvmp.so.X (Multi-Arch: same)
#   DIST/debian/libvmp-dev_X.Y.Z-1_amd64.deb   /usr/include/vmp.h, the libvmp.so link and
#                                             pkgconfig/vmp.pc; depends on libvmp0 of its version
#
# Its Depends on libc6 come from dpkg-shlibdeps; the shlibs and symbols files let other packages
# depend on libvmp0 the same way. lintian (tests/packages/run.sh) checks both; the tags it may not judge
# for a Go library are overridden in packaging/debian/*.lintian-overrides, each with its reason.
#
# Usage: scripts/package-deb.sh DIST   (after dist.sh has built DIST/linux-x64/)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${1:?usage: scripts/package-deb.sh DIST}
case "$dist" in /*) ;; *) dist="$(pwd)/$dist" ;; esac
version=$("$root/scripts/from-header.sh" version "$root/include/vmp.h")
major=$("$root/scripts/from-header.sh" major "$root/include/vmp.h")
debversion="$version-1"
multiarch=x86_64-linux-gnu
libpkg="libvmp$major"
maintainer=${VMP_DEB_MAINTAINER:-"vmp maintainers <maintainers@users.noreply.github.com>"}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH
out="$dist/debian"
work="$dist/debian-stage"
rm -rf "$out" "$work"
mkdir -p "$out" "$work"

description="Vipps MobilePay in-store payments for point-of-sale software
 libvmp lets point-of-sale software take Vipps MobilePay in-store payments
 through a small C API (vmp.h): push and QR checkouts, capture, refund and
 cancel with a write-ahead journal that never moves money twice, the
 customer club, barcode scanners and webhooks, and an embedded simulator of
 Vipps for tests and demonstrations."

# The files every package of ours carries: copyright and the Debian changelog.
docs() { # PACKAGE DIR
  mkdir -p "$2/usr/share/doc/$1"
  {
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: vmp"
    echo "Source: https://github.com/vmp-dev/vmp"
    echo
    echo "Files: *"
    echo "Copyright: $(date -u -d "@$SOURCE_DATE_EPOCH" +%Y) the vmp authors"
    echo "License: LicenseRef-vmp-unlicensed"
    sed -e 's/^$/./' -e 's/^/ /' "$root/packaging/LICENSE.txt"
  } >"$2/usr/share/doc/$1/copyright"
  {
    echo "vmp ($debversion) unstable; urgency=medium"
    echo
    echo "  * Packaged from the source tree of vmp $version by scripts/package-deb.sh;"
    echo "    the changes are in CHANGELOG.md of the source tree."
    echo
    echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
  } | gzip -9n >"$2/usr/share/doc/$1/changelog.Debian.gz"
}

finish() { # PACKAGE DIR: control fields in DIR/DEBIAN/control.in -> the .deb
  mkdir -p "$2/usr/share/lintian/overrides"
  if [ -f "$root/packaging/debian/$1.lintian-overrides" ]; then
    cp "$root/packaging/debian/$1.lintian-overrides" "$2/usr/share/lintian/overrides/$1"
  else
    rmdir "$2/usr/share/lintian/overrides" "$2/usr/share/lintian"
  fi
  (cd "$2" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) >"$2/DEBIAN/md5sums"
  size=$(du -k -s --exclude=DEBIAN "$2" | cut -f1)
  sed "s/@INSTALLED_SIZE@/$size/" "$2/DEBIAN/control.in" >"$2/DEBIAN/control"
  rm "$2/DEBIAN/control.in"
  find "$2" -type d -exec chmod 0755 {} +
  find "$2" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  dpkg-deb --root-owner-group -Zxz --build "$2" "$out/${1}_${debversion}_amd64.deb" >/dev/null
  echo "   $out/${1}_${debversion}_amd64.deb"
}

# ---- libvmp0 ----------------------------------------------------------------------------------
pkg="$work/$libpkg"
libdir="$pkg/usr/lib/$multiarch"
mkdir -p "$libdir" "$pkg/DEBIAN"
install -m 0644 "$dist/linux-x64/libvmp.so.$version" "$libdir/libvmp.so.$version"
ln -s "libvmp.so.$version" "$libdir/libvmp.so.$major"
docs "$libpkg" "$pkg"
echo "libvmp $major $libpkg (>= $version)" >"$pkg/DEBIAN/shlibs"
# The symbols file: every function of vmp.h, each needing this version at least (the header
# records no older "since" versions, so this is the conservative answer).
{
  echo "libvmp.so.$major $libpkg #MINVER#"
  echo "* Build-Depends-Package: libvmp-dev"
  "$root/scripts/from-header.sh" functions "$root/include/vmp.h" | sed "s/.*/ &@Base $version/"
} >"$pkg/DEBIAN/symbols"
echo "activate-noawait ldconfig" >"$pkg/DEBIAN/triggers"
chmod 0644 "$pkg/DEBIAN/shlibs" "$pkg/DEBIAN/symbols" "$pkg/DEBIAN/triggers"
# dpkg-shlibdeps reads a source package's debian/control: a minimal one in a scratch folder.
mkdir -p "$work/shlibdeps/debian"
printf 'Source: vmp\n\nPackage: %s\nArchitecture: amd64\n' "$libpkg" >"$work/shlibdeps/debian/control"
depends=$(cd "$work/shlibdeps" && dpkg-shlibdeps -O "$libdir/libvmp.so.$version" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package-deb: dpkg-shlibdeps found no dependencies of libvmp.so" >&2; exit 1; }
cat >"$pkg/DEBIAN/control.in" <<CONTROL
Package: $libpkg
Source: vmp
Version: $debversion
Architecture: amd64
Multi-Arch: same
Maintainer: $maintainer
Installed-Size: @INSTALLED_SIZE@
Depends: $depends
Section: libs
Priority: optional
Homepage: https://github.com/vmp-dev/vmp
Description: $description
 .
 This package holds the shared library.
CONTROL
finish "$libpkg" "$pkg"

# ---- libvmp-dev -------------------------------------------------------------------------------
pkg="$work/libvmp-dev"
libdir="$pkg/usr/lib/$multiarch"
mkdir -p "$libdir/pkgconfig" "$pkg/usr/include" "$pkg/DEBIAN"
install -m 0644 "$root/include/vmp.h" "$pkg/usr/include/vmp.h"
ln -s "libvmp.so.$major" "$libdir/libvmp.so"
cat >"$libdir/pkgconfig/vmp.pc" <<PC
prefix=/usr
includedir=\${prefix}/include
libdir=\${prefix}/lib/$multiarch

Name: vmp
Description: Vipps MobilePay in-store payments for point-of-sale software
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lvmp
PC
chmod 0644 "$libdir/pkgconfig/vmp.pc"
docs libvmp-dev "$pkg"
cat >"$pkg/DEBIAN/control.in" <<CONTROL
Package: libvmp-dev
Source: vmp
Version: $debversion
Architecture: amd64
Multi-Arch: same
Maintainer: $maintainer
Installed-Size: @INSTALLED_SIZE@
Depends: $libpkg (= $debversion)
Section: libdevel
Priority: optional
Homepage: https://github.com/vmp-dev/vmp
Description: Vipps MobilePay in-store payments for point-of-sale software (development)
 libvmp lets point-of-sale software take Vipps MobilePay in-store payments
 through a small C API.
 .
 This package holds the header vmp.h, the libvmp.so link and the pkg-config
 file: cc till.c \$(pkg-config --cflags --libs vmp).
CONTROL
finish libvmp-dev "$pkg"
rm -rf "$work"
