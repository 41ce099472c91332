"""Puts the running environment back to its just-started state between tests: moto's
state (but not the test user and its key), the fault table, spot-price overrides and the
call log; every namespace but the system ones; everything in `default` except what the
cluster made itself; every Node; every custom resource (the CRDs themselves stay); and
non-system PriorityClasses. Finalizers are stripped first, since no controller of ours is
running to remove them. Run through tests/testenv/reset."""

import os
import sys
import time

import requests

from kube import Kube, KubeError

SYSTEM_NAMESPACES = {"kube-system", "kube-public", "kube-node-lease"}
# Objects in `default` the control plane made and keeps: name by resource.
KEEP_IN_DEFAULT = {"serviceaccounts": "default", "configmaps": "kube-root-ca.crt",
                   "services": "kubernetes", "endpoints": "kubernetes", "endpointslices": "kubernetes"}
WORKLOADS_FIRST = ["deployments", "statefulsets", "daemonsets", "cronjobs", "jobs", "replicasets"]


def resources(kube):
    """[(api path prefix, resource, namespaced)] for every listable, deletable resource."""
    out = []
    groups = [("/api/v1", kube.get("/api/v1"))]
    for g in kube.get("/apis")["groups"]:
        path = f"/apis/{g['preferredVersion']['groupVersion']}"
        groups.append((path, kube.get(path)))
    for prefix, listing in groups:
        for r in listing["resources"]:
            if "/" not in r["name"] and {"list", "delete"} <= set(r["verbs"]):
                out.append((prefix, r["name"], r["namespaced"]))
    return out


def custom_groups(kube):
    crds = kube.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")["items"]
    return {c["spec"]["group"] for c in crds}


def obj_path(prefix, resource, item):
    ns = item["metadata"].get("namespace")
    return f"{prefix}/namespaces/{ns}/{resource}/{item['metadata']['name']}" if ns else \
        f"{prefix}/{resource}/{item['metadata']['name']}"


def wipe(kube, prefix, resource, keep):
    """Deletes every object of one resource for which keep(item) is false; pods at once."""
    items = [i for i in kube.get(f"{prefix}/{resource}")["items"] if not keep(i)]
    for item in items:
        if not item["metadata"].get("finalizers"):
            continue
        try:
            kube.merge_patch(obj_path(prefix, resource, item), {"metadata": {"finalizers": None}})
        except KubeError as e:
            # Gone since the list (its owner finished with it, say): nothing left to wipe.
            if e.status != 404:
                raise
    params = {"gracePeriodSeconds": 0} if resource == "pods" else {"propagationPolicy": "Background"}
    for item in items:
        kube.delete(obj_path(prefix, resource, item), **params)
    return len(items)


def main():
    t0 = time.time()
    requests.post(os.environ["GANTRY_FAULTS_ENDPOINT"] + "/reset", timeout=120).raise_for_status()
    kube = Kube(os.environ["KUBECONFIG"])
    custom = custom_groups(kube)
    all_resources = resources(kube)

    def keep_namespaced(resource):
        def keep(item):
            ns = item["metadata"].get("namespace")
            if ns in SYSTEM_NAMESPACES:
                return True
            return ns == "default" and KEEP_IN_DEFAULT.get(resource) == item["metadata"]["name"]
        return keep

    order = sorted((r for r in all_resources if r[2] and r[1] != "events"),
                   key=lambda r: (r[1] not in WORKLOADS_FIRST, r[1] == "pods"))
    removed = sum(wipe(kube, prefix, res, keep_namespaced(res)) for prefix, res, _ in order)
    for prefix, res, namespaced in all_resources:
        if namespaced:
            continue
        group = prefix.split("/")[2] if prefix.startswith("/apis/") else ""
        if res == "nodes" or group in custom:
            removed += wipe(kube, prefix, res, lambda i: False)
        elif res == "priorityclasses":
            removed += wipe(kube, prefix, res, lambda i: i["metadata"]["name"].startswith("system-"))
        elif res == "namespaces":
            removed += wipe(kube, prefix, res,
                            lambda i: i["metadata"]["name"] in SYSTEM_NAMESPACES | {"default"})
    # Namespaces go away asynchronously; a test that re-creates one must not find it Terminating.
    deadline = time.time() + 60
    while time.time() < deadline:
        left = [n["metadata"]["name"] for n in kube.get("/api/v1/namespaces")["items"]
                if n["metadata"]["name"] not in SYSTEM_NAMESPACES | {"default"}]
        left += [n["metadata"]["name"] for n in kube.get("/api/v1/nodes")["items"]]
        if not left:
            break
        time.sleep(0.2)
    else:
        sys.exit(f"reset: still there after 60 s: {left}")
    print(f"testenv: reset removed {removed} objects in {time.time() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
