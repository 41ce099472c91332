# Pinned versions of every peer in the test environment. Changing a pin changes the
# cache directory name, so the next `up` rebuilds exactly what changed.
K8S_VERSION=1.34.10     # k8s.io/kubernetes; staging modules are pinned to v0.34.10
ETCD_VERSION=3.5.35     # go.etcd.io/etcd/server/v3
KWOK_VERSION=0.8.0      # sigs.k8s.io/kwok
MOTO_VERSION=5.2.5      # PyPI moto[server]
HELM_VERSION=3.21.4     # helm.sh/helm/v3 (tests/deploy: lint and render the chart); not part of
                        # the cache directory name: build-binaries checks `helm version` instead
# Go toolchain for the builds: "local" uses the machine's Go. Set e.g. go1.25.7 to pin
# one (fetched through the module proxy) if the local Go cannot build the pins.
GO_TOOLCHAIN=local
