#!/bin/sh
# The charts' CRDs are deploy/crds byte for byte (scripts/render-manifests copies them):
# same files, same bytes, in deploy/helm/gantry/crds and deploy/helm/gantry-crd/templates.
# Usage: crd_copies_test.sh <source root>
set -eu
cd "$1"
status=0
for copy in deploy/helm/gantry/crds deploy/helm/gantry-crd/templates; do
  if ! diff -r deploy/crds "$copy"; then
    echo "FAIL: $copy differs from deploy/crds: run scripts/render-manifests" >&2
    status=1
  fi
done
[ "$status" -ne 0 ] || echo "ok: both charts carry deploy/crds unchanged"
exit "$status"
