#!/usr/bin/env bash
# The image the Containerfile describes, built offline: this machine reaches no container
# registry, so instead of debian:12-slim the test assembles a root from scratch with the
# built binary, exactly the libraries ldd names, the dynamic loader, the CA bundle and the
# non-root user 65532, and builds it with podman. Then it checks, in this order:
#   1. the root alone runs `gantry --version` (chroot: no library leaks in from the host);
#   2. the image has the Containerfile's user and entrypoint;
#   3. podman runs `gantry --version` in it, as the chart runs it: user 65532, read-only
#      root, all capabilities dropped, no privilege escalation, no network.
# Usage: image_offline_test.sh <gantry binary> <expected version>
set -euo pipefail
binary=$1 version=$2
for tool in podman ldd strip; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing: run scripts/install-deps" >&2; exit 1; }
done
work=$(mktemp -d)
image=localhost/gantry-offline-test:$$
trap 'podman rmi -f "$image" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

root=$work/root
install -D -m 0755 "$binary" "$root/usr/local/bin/gantry"
strip "$root/usr/local/bin/gantry"
# `ldd` lines: "libfoo.so.1 => /path/libfoo.so.1 (addr)" and the loader "/lib64/ld-linux... (addr)".
ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | while read -r lib; do
  install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
done
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\ngantry:x:65532:65532::/nonexistent:/usr/sbin/nologin\n' \
  >"$root/etc/passwd"
printf 'root:x:0:\ngantry:x:65532:\n' >"$root/etc/group"

want="gantry $version"
# chroot needs root; elsewhere a user namespace maps this user to root for it.
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(unshare --map-root-user)
got=$("${as_root[@]}" chroot "$root" /usr/local/bin/gantry --version)
[[ $got == "$want"* ]] || { echo "FAIL: the assembled root: gantry --version said '$got', not '$want ...'" >&2; exit 1; }
echo "ok: the assembled root runs on its own: $got ($(find "$root" -type f | wc -l) files, $(du -sh "$root" | cut -f1))"

cat >"$work/Containerfile" <<'CONTAINERFILE'
FROM scratch
COPY root/ /
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/gantry"]
CMD ["controller"]
CONTAINERFILE
podman build -q --pull=never -t "$image" -f "$work/Containerfile" "$work" >/dev/null
config=$(podman image inspect "$image" --format '{{.Config.User}} {{json .Config.Entrypoint}}')
[ "$config" = '65532:65532 ["/usr/local/bin/gantry"]' ] || { echo "FAIL: image config: $config" >&2; exit 1; }

# runc where installed: crun refuses hosts with cgroup controllers in both hierarchies
# (hybrid cgroups, as in this sandbox). Podman's default rlimits (nofile 1048576) may exceed
# what an unprivileged container host may set, so ask for what this shell already has.
runtime=()
command -v runc >/dev/null && runtime=(--runtime runc)
got=$(podman "${runtime[@]}" run --rm --network none --read-only --cap-drop ALL \
        --security-opt no-new-privileges --user 65532:65532 \
        --ulimit "nofile=$(ulimit -n):$(ulimit -n)" --ulimit nproc=4096:4096 \
        "$image" --version)
[[ $got == "$want"* ]] || { echo "FAIL: podman run: gantry --version said '$got', not '$want ...'" >&2; exit 1; }
echo "ok: podman ${runtime[*]} ran the image as 65532, read-only, no capabilities: $got"
