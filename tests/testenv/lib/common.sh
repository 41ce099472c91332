# Shared settings for the test-environment scripts (sourced, not run).
# REQUIRES: the caller sets -euo pipefail.
TESTENV_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$TESTENV_SRC/../.." && pwd)
# shellcheck source=../versions.sh
source "$TESTENV_SRC/versions.sh"

CACHE_ROOT=${GANTRY_TESTENV_CACHE:-$HOME/.cache/gantry/testenv}
BIN_DIR=$CACHE_ROOT/$K8S_VERSION-etcd$ETCD_VERSION-kwok$KWOK_VERSION/bin
VENV_DIR=$CACHE_ROOT/venv-moto$MOTO_VERSION
RUN_DIR=${GANTRY_TESTENV_DIR:-$CACHE_ROOT/run}
ENV_FILE=$RUN_DIR/env
# The EC2 facts (instance types, offerings, prices, ENI limits) the bundled catalog is built from.
EC2_DATA_DIR=$REPO_ROOT/cloudprovider/catalog/data

log() { printf 'testenv: %s\n' "$*" >&2; }
die() { printf 'testenv: FAILED: %s\n' "$*" >&2; exit 1; }

# Fixed loopback ports (override the base with GANTRY_TESTENV_PORT_BASE); recorded in the env file.
PORT_BASE=${GANTRY_TESTENV_PORT_BASE:-26400}
ETCD_PORT=$((PORT_BASE + 1)) ETCD_PEER_PORT=$((PORT_BASE + 2)) APISERVER_PORT=$((PORT_BASE + 43))
KWOK_PORT=$((PORT_BASE + 47)) KCM_PORT=$((PORT_BASE + 57)) SCHEDULER_PORT=$((PORT_BASE + 59))
EC2_PORT=$((PORT_BASE + 70)) FAULTS_PORT=$((PORT_BASE + 71))
CLUSTER_NAME=gantry-test
# The SQS queue (in moto) that EventBridge would fill with interruption events on AWS.
INTERRUPTION_QUEUE=gantry-testenv-interruption

PKI=$RUN_DIR/pki
# apiserver_ok [path]: the apiserver answers /readyz (or the path) to the admin user.
apiserver_ok() {
  curl -sf --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT/${1:-readyz}"
}

# start <name> <command...>: runs it in its own session (so `down` can stop its whole
# process group), output in logs/<name>.log, pid in pids/<name>.pid.
start() {
  local name=$1; shift
  setsid "$@" </dev/null >"$RUN_DIR/logs/$name.log" 2>&1 9>&- &
  echo $! >"$RUN_DIR/pids/$name.pid"
}

# alive <name>: its process runs (a zombie, exited but not yet reaped, does not count).
alive() {
  local pid state
  pid=$(cat "$RUN_DIR/pids/$1.pid" 2>/dev/null) || return 1
  state=$(ps -o stat= -p "$pid" 2>/dev/null) && [[ $state != Z* ]]
}

# wait_for <name>[/<what>] <seconds> <check command...>: until the check passes; dies with
# the tail of the component's log if it exits or the time runs out.
wait_for() {
  local label=$1 name=${1%%/*} limit=$2 t0=$EPOCHREALTIME; shift 2
  until "$@" >/dev/null 2>&1; do
    if ! alive "$name"; then
      tail -n 40 "$RUN_DIR/logs/$name.log" >&2 || true
      die "$name exited during start-up (log: $RUN_DIR/logs/$name.log)"
    fi
    if (( $(elapsed "$t0" | cut -d. -f1) >= limit )); then
      tail -n 40 "$RUN_DIR/logs/$name.log" >&2 || true
      die "$name not ready after ${limit}s (log: $RUN_DIR/logs/$name.log)"
    fi
    sleep 0.1
  done
  log "$label ready ($(elapsed "$t0")s)"
}

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
