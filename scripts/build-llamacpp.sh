#!/usr/bin/env bash
# Build the reference llama.cpp (the copy vendored in the llama-cpp-python sdist on PyPI)
# outside the repository, for golden vectors and speed comparisons.
#
# Usage: scripts/build-llamacpp.sh [--force] [--jobs N]
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
while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) force=1; shift ;;
    --jobs|-j) jobs="$2"; shift 2 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

src_root="$root/src"
src="$src_root/llama_cpp_python-$version/vendor/llama.cpp"
build="$root/build-$version"
bin="$build/bin"
stamp="$build/.built-ok"
wanted=(llama-bench llama-server llama-cli llama-tokenize)

if [[ $force -eq 0 && -f "$stamp" && -x "$bin/llama-bench" && -x "$bin/llama-server" ]]; then
  echo "llama.cpp (llama-cpp-python $version) already built in $bin" >&2
  ln -sfn "$bin" "$root/bin"
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

echo "configuring $src -> $build" >&2
cmake -S "$src" -B "$build" -G Ninja \
  -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DCMAKE_BUILD_TYPE=Release \
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
date -u +%FT%TZ >"$stamp"
ln -sfn "$bin" "$root/bin"
echo "built: ${targets[*]} ($("$bin/llama-bench" --version 2>&1 | head -n1 || true))" >&2
echo "$bin"
