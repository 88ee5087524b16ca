#!/bin/sh
# Fuzzes the GGUF reader for N seconds (default 60), starting from the checked-in seed
# corpus (Fuzz/corpus, read only). New interesting inputs go to Fuzz/work/corpus, crashes,
# leaks and out-of-memory inputs to Fuzz/work/artifacts. Inputs are capped at 64 KiB and
# any single allocation over 64 MiB is a finding (no input that small may need one).
# Usage: Fuzz/run.sh [seconds] [extra libFuzzer flags, e.g. -jobs=2 -workers=2]
# Reproduce a finding: Fuzz/build/fuzz-gguf Fuzz/work/artifacts/crash-...
set -eu
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
root=$(dirname "$here")
# (Re)build when the binary is missing or older than the reader or the entry file.
if [ ! -x "$here/build/fuzz-gguf" ] ||
   [ -n "$(find "$root/Sources/ContinuumGGUF" "$here/FuzzGGUF.swift" -newer "$here/build/fuzz-gguf" -name '*.swift')" ]; then
    "$here/build.sh"
fi
mkdir -p "$here/work/corpus" "$here/work/artifacts"
# The Swift runtime's crash backtracer fights AddressSanitizer (and can hang); ASan reports.
export SWIFT_BACKTRACE=enable=no
exec "$here/build/fuzz-gguf" \
    -max_total_time="$seconds" \
    -max_len=65536 \
    -malloc_limit_mb=64 \
    -rss_limit_mb=2048 \
    -timeout=10 \
    -print_final_stats=1 \
    -dict="$here/gguf.dict" \
    -artifact_prefix="$here/work/artifacts/" \
    "$@" \
    "$here/work/corpus" "$here/corpus"
