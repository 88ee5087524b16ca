#!/usr/bin/env bash
# Kernel correctness on ARM without ARM hardware: cross-compiles Sources/CContinuumKernels and
# Tests/arm/kernel_tests.c for aarch64 (static, so qemu-user needs no sysroot) and runs the test
# under qemu-aarch64 on CPU models with and without the dot-product extension; also builds and
# runs the same test natively, checking this machine's SIMD paths the same way.
#
#   scripts/test-arm-kernels.sh      (make test-arm; make test runs it)
#
# Installs gcc-aarch64-linux-gnu and qemu-user with apt-get when missing; skips with a message
# only when they are missing and apt-get cannot be used. On an aarch64 host it runs natively.
set -euo pipefail
cd "$(dirname "$0")/.."

SRC=(Sources/CContinuumKernels/*.c Tests/arm/kernel_tests.c)
INC=(-I Sources/CContinuumKernels/include -I Sources/CContinuumKernels)
OUT=.build/arm-kernels
mkdir -p "$OUT"
start=$SECONDS

run() {  # run <label> <command...>: prints the test's summary lines, fails on a failed check
    local label=$1; shift
    echo "== $label"
    if ! "$@" >"$OUT/log" 2>&1; then
        cat "$OUT/log"
        echo "FAILED: $label" >&2
        exit 1
    fi
    grep -E "^(cpu path|paths:|FAIL|[0-9]+ checks)" "$OUT/log" | sed 's/^/   /'
}

host=$(uname -m)
CLANG=""
for c in "${CLANG_AARCH64:-}" /opt/swift/usr/bin/clang clang; do
    [ -n "$c" ] && command -v "$c" >/dev/null && CLANG=$c && break
done
NATIVE_CC=${CC:-}
if [ -z "$NATIVE_CC" ]; then
    for c in cc gcc "$CLANG"; do
        [ -n "$c" ] && command -v "$c" >/dev/null && NATIVE_CC=$c && break
    done
fi
[ -n "$NATIVE_CC" ] || { echo "test-arm: no C compiler for the native build (set CC)" >&2; exit 1; }
if [ "$host" = aarch64 ] || [ "$host" = arm64 ]; then
    "$NATIVE_CC" -O2 -std=gnu11 "${INC[@]}" "${SRC[@]}" -o "$OUT/kernel_tests" -lm -lpthread
    run "native $host: every path this CPU has" "$OUT/kernel_tests"
    run "native $host: CONTINUUM_ISA=neon-nodot" env CONTINUUM_ISA=neon-nodot EXPECT_ISA=neon-nodot "$OUT/kernel_tests" auto
    echo "all passed ($((SECONDS - start)) s)"
    exit 0
fi

# ---------------------------------------------------------------- toolchain
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo -n"
    if ! command -v apt-get >/dev/null || { [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; }; then
        echo "test-arm: SKIPPED: aarch64-linux-gnu-gcc / qemu-aarch64 missing and apt-get unavailable" \
             "(install gcc-aarch64-linux-gnu and qemu-user to run the ARM kernel tests)" >&2
        exit 0
    fi
    echo "test-arm: installing gcc-aarch64-linux-gnu qemu-user"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gcc-aarch64-linux-gnu qemu-user >/dev/null
fi

# ---------------------------------------------------------------- builds (in parallel)
# arm-dot: GCC for Armv8.2 + dot product. arm-base: plain Armv8.0, what a default aarch64 build
# gets (the SDOT tiles are enabled per function there): with clang when there is one (SwiftPM
# compiles the C target with clang), linked by the cross GCC; else with the cross GCC.
CROSS=(aarch64-linux-gnu-gcc -O2 -std=gnu11 -static -Wall "${INC[@]}" "${SRC[@]}" -lm -lpthread)
"${CROSS[@]}" -march=armv8.2-a+dotprod -o "$OUT/arm-dot" &
p1=$!
build_base() {
    if [ -n "$CLANG" ]; then
        mkdir -p "$OUT/base-obj"
        for f in "${SRC[@]}"; do
            "$CLANG" -O2 -std=gnu11 -Wall --target=aarch64-linux-gnu --sysroot=/usr/aarch64-linux-gnu \
                "${INC[@]}" -c "$f" -o "$OUT/base-obj/$(basename "$f").o"
        done
        aarch64-linux-gnu-gcc -static "$OUT"/base-obj/*.o -o "$OUT/arm-base" -lm -lpthread
    else
        "${CROSS[@]}" -march=armv8-a -o "$OUT/arm-base"
    fi
}
build_base &
p2=$!
"$NATIVE_CC" -O2 -std=gnu11 "${INC[@]}" "${SRC[@]}" -o "$OUT/native" -lm -lpthread 2>"$OUT/native-build.log" || {
    cat "$OUT/native-build.log"; exit 1; }
wait $p1
wait $p2
echo "built in $((SECONDS - start)) s (Armv8.0 build: ${CLANG:-aarch64-linux-gnu-gcc})"

# ---------------------------------------------------------------- runs
Q=qemu-aarch64
run "native $host: every SIMD path this CPU has vs the portable one" "$OUT/native"
run "qemu max (dot product): neon and neon-nodot vs portable, SDOT = plain bits" \
    env EXPECT_ISA=neon $Q -cpu max "$OUT/arm-dot"
run "qemu max, CONTINUUM_ISA=neon-nodot: the forced plain-NEON path" \
    env CONTINUUM_ISA=neon-nodot EXPECT_ISA=neon-nodot $Q -cpu max "$OUT/arm-dot" auto
run "qemu cortex-a53 (no dot product), Armv8.0 build: detection picks neon-nodot, neon refused" \
    env EXPECT_ISA=neon-nodot $Q -cpu cortex-a53 "$OUT/arm-base"
run "qemu cortex-a72, CONTINUUM_ISA=neon: refused (status -2)" \
    env CONTINUUM_ISA=neon EXPECT_ENV_STATUS=-2 EXPECT_ISA=neon-nodot $Q -cpu cortex-a72 "$OUT/arm-base" --isa-only
run "qemu cortex-a76 (dot product), Armv8.0 build: detection picks neon" \
    env EXPECT_ISA=neon $Q -cpu cortex-a76 "$OUT/arm-base" auto
echo "test-arm: all passed ($((SECONDS - start)) s)"
