# Sourced by the tests/deploy scripts: $HELM, the helm tests/testenv/build-binaries builds
# (pinned in tests/testenv/versions.sh), and $BIN_DIR (its kubectl). REQUIRES: set -euo pipefail.
source "$(dirname "${BASH_SOURCE[0]}")/../testenv/lib/common.sh"
HELM=${HELM:-$BIN_DIR/helm}
if [ ! -x "$HELM" ]; then
  echo "FAIL: no helm at $HELM: tests/testenv/up (or tests/testenv/build-binaries) builds it" >&2
  exit 1
fi
