#!/usr/bin/env bash
# Build the reference llama.cpp (the copy vendored in the llama-cpp-python sdist on PyPI)
# outside the repository, for golden vectors and speed comparisons.
#
# Usage: scripts/build-llamacpp.sh [--force] [--jobs N] [--isa native|avx2]
#   --isa native        (default) -DGGML_NATIVE=ON: every instruction set this CPU has
#   --isa avx2          AVX2/FMA/F16C only (no AVX-512, no AVX-VNNI), built in its own directory
#                       (build-VERSION-avx2, linked as bin-avx2) — the fair reference for
#                       Continuum's CONTINUUM_ISA=avx2 path
#   LLAMACPP_DIR        install/build root (default ~/.cache/continuum/llama.cpp)
#   LLAMACPP_PY_VERSION llama-cpp-python version whose vendor/llama.cpp is built (default 0.3.36)
#
# Idempotent: when the binaries already exist for that version nothing is rebuilt.
# Prints the bin directory (containing llama-bench, llama-server, llama-cli, llama-tokenize
# — whichever of them this llama.cpp version has) on stdout; all progress goes to stderr.
set -euo pipefail

version="${LLAMACPP_PY_VERSION:-0.3.36}"
root="${LLAMACPP_DIR:-$HOME/.cache/continuum/llama.cpp}"
jobs="${JOBS:-2}"
force=0
isa=native
while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) force=1; shift ;;
    --jobs|-j) jobs="$2"; shift 2 ;;
    --isa) isa="$2"; shift 2 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

case "$isa" in
  native|avx512)
    suffix=""; link="$root/bin"
    isa_flags=(-DGGML_NATIVE=ON) ;;
  avx2)
    suffix="-avx2"; link="$root/bin-avx2"
    # ggml's x86 switches in this version (ggml/CMakeLists.txt): with GGML_NATIVE=OFF only the
    # listed extensions are compiled in (-mavx -mavx2 -mfma -mf16c), nothing AVX-512 or AVX-VNNI.
    isa_flags=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
               -DGGML_AVX512=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_BF16=OFF
               -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
               -DGGML_CPU_ALL_VARIANTS=OFF -DGGML_BACKEND_DL=OFF) ;;
  *) echo "error: --isa must be native or avx2 (got '$isa')" >&2; exit 2 ;;
esac

src_root="$root/src"
src="$src_root/llama_cpp_python-$version/vendor/llama.cpp"
build="$root/build-$version$suffix"
bin="$build/bin"
stamp="$build/.built-ok"
wanted=(llama-bench llama-server llama-cli llama-tokenize)

if [[ $force -eq 0 && -f "$stamp" && -x "$bin/llama-bench" && -x "$bin/llama-server" ]]; then
  echo "llama.cpp (llama-cpp-python $version) already built in $bin" >&2
  ln -sfn "$bin" "$link"
  echo "$bin"
  exit 0
fi

for tool in cmake ninja python3 cc c++; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' not found (apt-get install cmake ninja-build build-essential python3-pip)" >&2; exit 1; }
done

mkdir -p "$src_root"
if [[ ! -f "$src/CMakeLists.txt" ]]; then
  sdist="$src_root/llama_cpp_python-$version.tar.gz"
  if [[ ! -f "$sdist" ]]; then
    dl="$(mktemp -d "$src_root/.dl.XXXXXX")"
    trap 'rm -rf "$dl"' EXIT
    echo "downloading llama-cpp-python==$version sdist from PyPI..." >&2
    # pip prepares the sdist's metadata before saving it; with build isolation it fetches
    # scikit-build-core itself. If that fails (no isolation possible), install it and retry.
    if ! python3 -m pip download --quiet --no-deps --no-binary=:all: -d "$dl" "llama-cpp-python==$version" >"$dl/pip.log" 2>&1; then
      echo "pip download with build isolation failed; retrying with --no-build-isolation" >&2
      python3 -m pip install --quiet scikit-build-core >>"$dl/pip.log" 2>&1 || true
      if ! python3 -m pip download --quiet --no-deps --no-binary=:all: --no-build-isolation -d "$dl" "llama-cpp-python==$version" >>"$dl/pip.log" 2>&1; then
        echo "error: could not download llama-cpp-python==$version; last lines of pip's log:" >&2
        tail -n 5 "$dl/pip.log" >&2
        exit 1
      fi
    fi
    f="$(ls "$dl"/llama_cpp_python-*.tar.gz | head -n1)"
    mv "$f" "$sdist"
  fi
  echo "unpacking $sdist..." >&2
  rm -rf "$src_root/llama_cpp_python-$version"
  tar -xzf "$sdist" -C "$src_root"
  [[ -f "$src/CMakeLists.txt" ]] || { echo "error: $src/CMakeLists.txt missing after unpacking" >&2; exit 1; }
fi

echo "configuring $src -> $build (isa: $isa)" >&2
cmake -S "$src" -B "$build" -G Ninja \
  "${isa_flags[@]}" -DLLAMA_CURL=OFF -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON \
  -DBUILD_SHARED_LIBS=OFF >&2

# Build only the targets this llama.cpp version defines.
targets=()
all_targets="$(ninja -C "$build" -t targets all 2>/dev/null | cut -d: -f1)"
for t in "${wanted[@]}"; do
  if grep -qx "$t" <<<"$all_targets"; then targets+=("$t"); else echo "note: target $t does not exist in this version; skipped" >&2; fi
done
[[ ${#targets[@]} -gt 0 ]] || { echo "error: none of ${wanted[*]} is a target" >&2; exit 1; }
echo "building ${targets[*]} with -j$jobs..." >&2
cmake --build "$build" -j "$jobs" --target "${targets[@]}" >&2

for t in "${targets[@]}"; do [[ -x "$bin/$t" ]] || { echo "error: $bin/$t was not produced" >&2; exit 1; }; done
git -C "$src" rev-parse --short HEAD >"$build/.commit" 2>/dev/null || true
echo "$isa" >"$build/.isa"
date -u +%FT%TZ >"$stamp"
ln -sfn "$bin" "$link"
echo "built: ${targets[*]} ($("$bin/llama-bench" --version 2>&1 | head -n1 || true))" >&2
echo "$bin"
