#!/bin/sh
# build.sh - builds the C# binding, its tests, bench and the example with Mono's mcs (C# 7) into
# build/csharp/, next to a copy of build/libvmp.so, where DllImport("vmp") finds it.
# Usage: bindings/csharp/build.sh   (after make lib; run from anywhere)
set -eu
cd "$(dirname "$0")/../.."
out=build/csharp
mkdir -p "$out"
cp build/libvmp.so "$out/"
MCS="mcs -langversion:7 -d:TRACE -warnaserror+ -nowarn:1591"
$MCS -target:library -out:$out/Vmp.dll bindings/csharp/Vmp/*.cs
$MCS -r:$out/Vmp.dll -r:System.Core -out:$out/VmpTests.exe bindings/csharp/Tests/Tests.cs
$MCS -r:$out/Vmp.dll -out:$out/VmpBench.exe bindings/csharp/Bench/Bench.cs
$MCS -r:$out/Vmp.dll -r:System.Core -out:$out/Till.exe examples/csharp/Till.cs
echo "built $out/Vmp.dll, VmpTests.exe, VmpBench.exe, Till.exe"
