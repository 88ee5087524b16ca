#!/usr/bin/env bash
# Installs what scripts/bench-shared-limits.py needs for `--target litellm`:
# LiteLLM's proxy from PyPI in its own venv (.venv-litellm, kept apart so its
# large dependency tree never touches the project's .venv) and Debian's
# redis-server, which LiteLLM's multi-instance set-up requires. Idempotent:
# a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned: the version the numbers in docs/BENCHMARKS.md were measured with. (It is the
# newest whose `[proxy]` extra resolves from PyPI here: 1.109+ pin companion packages,
# litellm-proxy and newer litellm-proxy-extras, that the index does not have.)
LITELLM_VERSION="${LITELLM_VERSION:-1.108.7}"
VENV=.venv-litellm

if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-litellm: redis-server is missing and this is not root; run: apt-get install -y redis-server" >&2
        exit 1
    fi
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    # The package starts a system-wide redis on :6379; the benchmark starts its
    # own throwaway one on a free port, so the service is not needed.
    (systemctl disable --now redis-server 2>/dev/null || service redis-server stop 2>/dev/null) || true
fi

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
have="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))' 2>/dev/null || true)"
if [ "$have" != "$LITELLM_VERSION" ]; then
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q "litellm[proxy]==$LITELLM_VERSION" redis httpx
fi
"$VENV/bin/python" -c 'import importlib.metadata as m; print("litellm", m.version("litellm"))'
redis-server --version
