#!/bin/sh
# Builds the libFuzzer + AddressSanitizer target for the GGUF reader: Fuzz/build/fuzz-gguf.
# Compiles Sources/ContinuumGGUF/*.swift together with FuzzGGUF.swift, so the package build
# stays free of sanitizer flags. Usage: Fuzz/build.sh [extra swiftc flags]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mkdir -p "$here/build"
swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -swift-version 6 \
    -enable-upcoming-feature InternalImportsByDefault \
    -enable-upcoming-feature MemberImportVisibility \
    -enable-upcoming-feature ExistentialAny \
    -module-name ContinuumGGUFFuzz \
    -use-ld=lld \
    -module-cache-path "$here/build/module-cache" \
    "$@" \
    "$root"/Sources/ContinuumGGUF/*.swift "$here/FuzzGGUF.swift" \
    -o "$here/build/fuzz-gguf"
echo "built $here/build/fuzz-gguf"
