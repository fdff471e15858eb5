#!/bin/sh
# package-nuget.sh - the NuGet package of `make dist`: DIST/nuget/Vmp.X.Y.Z.nupkg with
#
#   Vmp.nuspec                              packaging/nuget/Vmp.nuspec, version from include/vmp.h
#   lib/netstandard2.0/Vmp.dll, Vmp.xml     the C# binding (bindings/csharp/Vmp), built by mcs
#   runtimes/win-x64/native/vmp.dll         the libraries dist.sh built
#   runtimes/win-x86/native/vmp.dll
#   runtimes/linux-x64/native/libvmp.so
#   build/Vmp.targets                       copies the native library for .NET Framework projects
#   README.md, LICENSE.txt                  packaging/nuget/README.md, packaging/LICENSE.txt
#
# Debian has no .NET SDK (dotnet pack) and its NuGet client (2.8.7) cannot pack a nuspec with
# license, readme or repository, so the package is written here as what `nuget pack` makes: a
# zip in the Open Packaging Conventions layout ([Content_Types].xml, _rels/.rels, the core
# properties), which old and new NuGet clients read. Vmp.dll is compiled by Mono's mcs against
# the .NET Framework 4.x profile (mscorlib): Debian has no netstandard2.0 reference assembly.
# It calls only what .NET Standard 2.0 has, and .NET (Core) loads it through its mscorlib facade.
#
# Usage: scripts/package-nuget.sh DIST   (after dist.sh has built DIST/<platform>/)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${1:?usage: scripts/package-nuget.sh DIST}
case "$dist" in /*) ;; *) dist="$(pwd)/$dist" ;; esac
version=$("$root/scripts/from-header.sh" version "$root/include/vmp.h")
commit=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
out="$dist/nuget"
stage="$dist/nuget-stage"
rm -rf "$out" "$stage"
mkdir -p "$out" "$stage/lib/netstandard2.0" "$stage/build" \
  "$stage/runtimes/win-x64/native" "$stage/runtimes/win-x86/native" "$stage/runtimes/linux-x64/native"

mcs -langversion:7 -d:TRACE -warnaserror+ -nowarn:1591 -target:library -deterministic \
  -out:"$stage/lib/netstandard2.0/Vmp.dll" -doc:"$stage/lib/netstandard2.0/Vmp.xml" "$root"/bindings/csharp/Vmp/*.cs
cp "$dist/windows-x64/vmp.dll" "$stage/runtimes/win-x64/native/vmp.dll"
cp "$dist/windows-x86/vmp.dll" "$stage/runtimes/win-x86/native/vmp.dll"
cp "$dist/linux-x64/libvmp.so.$version" "$stage/runtimes/linux-x64/native/libvmp.so"
cp "$root/packaging/nuget/Vmp.targets" "$stage/build/Vmp.targets"
cp "$root/packaging/nuget/README.md" "$stage/README.md"
cp "$root/packaging/LICENSE.txt" "$stage/LICENSE.txt"
sed -e "s/@VERSION@/$version/" -e "s/@COMMIT@/$commit/" "$root/packaging/nuget/Vmp.nuspec" >"$stage/Vmp.nuspec"

python3 - "$stage" "$out/Vmp.$version.nupkg" "$version" <<'PY'
import os, sys, zipfile
stage, nupkg, version = sys.argv[1:4]
files = sorted(os.path.relpath(os.path.join(d, f), stage).replace(os.sep, "/")
               for d, _, names in os.walk(stage) for f in names)
props = "package/services/metadata/core-properties/vmp.psmdcr"
exts = sorted({f.rsplit(".", 1)[1] for f in files} | {"rels", "psmdcr"})
types = ('<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         + "".join('<Default Extension="%s" ContentType="%s" />' % (e, {
             "rels": "application/vnd.openxmlformats-package.relationships+xml",
             "psmdcr": "application/vnd.openxmlformats-package.core-properties+xml"}.get(e, "application/octet"))
                   for e in exts) + "</Types>")
rels = ('<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/Vmp.nuspec" Id="Rnuspec" />'
        '<Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
        'Target="/%s" Id="Rprops" /></Relationships>' % props)
core = ('<?xml version="1.0" encoding="utf-8"?><coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
        '<dc:creator>the vmp authors</dc:creator><dc:identifier>Vmp</dc:identifier><version>%s</version>'
        '<lastModifiedBy>scripts/package-nuget.sh</lastModifiedBy></coreProperties>' % version)
with zipfile.ZipFile(nupkg, "w", zipfile.ZIP_DEFLATED) as z:
    def put(name, data):
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        z.writestr(info, data)
    put("_rels/.rels", rels)
    put("Vmp.nuspec", open(os.path.join(stage, "Vmp.nuspec"), "rb").read())
    for f in files:
        if f != "Vmp.nuspec":
            put(f, open(os.path.join(stage, f), "rb").read())
    put("[Content_Types].xml", types)
    put(props, core)
PY
rm -rf "$stage"
echo "   $out/Vmp.$version.nupkg"
