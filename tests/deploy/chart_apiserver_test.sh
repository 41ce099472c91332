#!/usr/bin/env bash
# Both charts against the test environment's kube-apiserver (tests/testenv/up): `helm lint
# --strict`, then everything they render applied with --dry-run=server, so the apiserver's
# own validation and admission (RBAC objects, the PDB, the Deployment's affinity and spread,
# the CRDs' schemas) judge it. Rendered into `default`, a namespace that exists (a server
# dry run creates nothing, so a Namespace object in the same apply would not help).
# The ServiceMonitor and PodMonitor are left out: the test cluster has no prometheus-operator
# CRDs; chart_render_test.py checks them.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/deploy/helm_env.sh
env_file=${ENV_FILE:?}
[ -f "$env_file" ] || { echo "FAIL: $env_file is missing: run tests/testenv/up" >&2; exit 1; }
# shellcheck disable=SC1090
source "$env_file"
kubectl=$GANTRY_TESTENV_BIN/kubectl

for chart in deploy/helm/gantry deploy/helm/gantry-crd; do
  "$HELM" lint --strict "$chart" --set settings.clusterName=lint
done

apply_dry_run() {
  local out
  if ! out=$("$kubectl" apply --dry-run=server -f - 2>&1); then
    echo "$out" >&2
    echo "FAIL: the apiserver refused $1" >&2
    exit 1
  fi
  echo "$out" | sed 's/^/  /'
}
"$HELM" template gantry deploy/helm/gantry -n default --include-crds --set settings.clusterName=gantry-test \
  --set serviceAccount.irsaRoleArn=arn:aws:iam::123456789012:role/gantry | apply_dry_run "the gantry chart"
"$HELM" template gantry-crd deploy/helm/gantry-crd | apply_dry_run "the gantry-crd chart"
echo "ok: both charts lint clean and the apiserver accepts what they render"
