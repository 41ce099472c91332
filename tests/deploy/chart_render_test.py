#!/usr/bin/env python3
"""The gantry charts render what deploy/README.md promises, checked on `helm template` output.

- every settings value reaches the controller's command line as its flag;
- the Deployment as the issue asks: 2 replicas, leader election, system-cluster-critical,
  zone spread, never on a Gantry node, hardened security context, /healthz and /readyz
  probes on the health port, the metrics port named for the Service and the monitors;
- the IRSA annotation; no wildcard in any RBAC rule;
- the ServiceMonitor and PodMonitor select what the Service and the pods expose;
- the gantry-crd chart renders deploy/crds byte for byte.

Usage: chart_render_test.py <helm> <source root>
"""
import re
import subprocess
import sys
from pathlib import Path

import yaml

ERRORS = []


def check(ok, message):
    if not ok:
        ERRORS.append(message)


def render(helm, chart, *args):
    out = subprocess.run([helm, "template", "gantry", str(chart), "-n", "gantry-system", *args],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"FAIL: helm template {chart} {' '.join(args)}: {out.stderr}")
    return out.stdout


def objects(text):
    return {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(text) if o}


def kebab(key):
    return re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), key)


def check_settings_reach_flags(helm, chart):
    settings = yaml.safe_load((chart / "values.yaml").read_text())["settings"]
    sets, want = [], set()
    for i, (key, value) in enumerate(sorted(settings.items())):
        if isinstance(value, bool):
            sets.append(f"settings.{key}=true")
            want.add(f"--{kebab(key)}")
        elif key.endswith("BindAddress"):
            sets.append(f"settings.{key}=:{18000 + i}")
            want.add(f"--{kebab(key)}=:{18000 + i}")
        else:
            sets.append(f"settings.{key}=v-{key}")
            want.add(f"--{kebab(key)}=v-{key}")
    deploy = objects(render(helm, chart, "--set", ",".join(sets)))[("Deployment", "gantry")]
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    args = container["args"]
    check(args[0] == "controller", f"the first argument is {args[0]!r}, not the controller subcommand")
    for flag in sorted(want - set(args)):
        check(False, f"{flag} is not on the controller's command line when its setting is set: {args}")
    for flag in sorted(set(args[1:]) - want):
        check(False, f"{flag} on the command line matches no setting")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    check(str(ports.get("http-metrics")) == str(settings_port(sets, "metricsBindAddress")),
          f"container port http-metrics does not follow settings.metricsBindAddress: {ports}")
    check(str(ports.get("http-health")) == str(settings_port(sets, "healthBindAddress")),
          f"container port http-health does not follow settings.healthBindAddress: {ports}")


def settings_port(sets, key):
    """The port of the bind address set for `key` (":18005" gives 18005)."""
    return next(s.split("=")[1].rsplit(":", 1)[1] for s in sets if s.startswith(f"settings.{key}="))


def check_defaults(helm, chart):
    objs = objects(render(helm, chart))
    deploy = objs[("Deployment", "gantry")]
    spec = deploy["spec"]
    pod = spec["template"]["spec"]
    c = pod["containers"][0]
    selector = spec["selector"]["matchLabels"]
    check(spec["replicas"] == 2, f"replicas {spec['replicas']}, not 2")
    check("--leader-elect" in c["args"], "two replicas without --leader-elect")
    check(pod["priorityClassName"] == "system-cluster-critical", "priority class")
    spread = pod.get("topologySpreadConstraints", [])
    check(any(t["topologyKey"] == "topology.kubernetes.io/zone" and t["labelSelector"]["matchLabels"] == selector
              for t in spread), f"no zone spread of the controller pods: {spread}")
    terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    check(terms and all({"key": "gantry.dev/nodepool", "operator": "DoesNotExist"} in t["matchExpressions"]
                        for t in terms), f"a node selector term lets Gantry onto its own nodes: {terms}")
    psc, sc = pod["securityContext"], c["securityContext"]
    check(psc.get("runAsNonRoot") is True, "pod not runAsNonRoot")
    check(psc.get("seccompProfile") == {"type": "RuntimeDefault"}, "seccomp not RuntimeDefault")
    check(sc.get("readOnlyRootFilesystem") is True, "root filesystem writable")
    check(sc.get("allowPrivilegeEscalation") is False, "privilege escalation allowed")
    check(sc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities not all dropped")
    check(c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http-health"}, "liveness probe")
    check(c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http-health"}, "readiness probe")
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    check(ports == {"http-metrics": 8080, "http-health": 8081}, f"ports {ports}")
    env = {e["name"]: e for e in c.get("env", [])}
    check(env.get("POD_NAMESPACE", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
          == "metadata.namespace", "POD_NAMESPACE (the Lease's namespace) not from the downward API")
    pdb = objs[("PodDisruptionBudget", "gantry")]
    check(pdb["spec"]["selector"]["matchLabels"] == selector, "the PDB does not select the controller pods")
    svc = objs[("Service", "gantry-metrics")]
    check(svc["spec"]["selector"] == selector, "the metrics Service does not select the controller pods")
    check([p["targetPort"] for p in svc["spec"]["ports"]] == ["http-metrics"], "Service port")
    check(pod["serviceAccountName"] == "gantry" and ("ServiceAccount", "gantry") in objs, "service account")
    for kind in ("ClusterRole", "Role"):
        for (k, name), o in objs.items():
            if k != kind:
                continue
            for rule in o["rules"]:
                for field in ("apiGroups", "resources", "verbs"):
                    check("*" not in rule.get(field, []), f"{kind} {name}: wildcard in {field}: {rule}")
    check(not any(k in ("ServiceMonitor", "PodMonitor") for k, _ in objs), "a monitor rendered by default")


def check_monitors_and_irsa(helm, chart):
    arn = "arn:aws:iam::123456789012:role/gantry"
    objs = objects(render(helm, chart, "--set", f"serviceMonitor.enabled=true,podMonitor.enabled=true,"
                          f"serviceAccount.irsaRoleArn={arn}"))
    sa = objs[("ServiceAccount", "gantry")]
    check(sa["metadata"].get("annotations", {}).get("eks.amazonaws.com/role-arn") == arn, "IRSA annotation")
    svc = objs[("Service", "gantry-metrics")]
    sm = objs[("ServiceMonitor", "gantry")]
    labels = svc["metadata"]["labels"]
    check(all(labels.get(k) == v for k, v in sm["spec"]["selector"]["matchLabels"].items()),
          "the ServiceMonitor does not select the metrics Service")
    check({e["port"] for e in sm["spec"]["endpoints"]} <= {p["name"] for p in svc["spec"]["ports"]},
          "the ServiceMonitor scrapes a port the Service does not have")
    pm = objs[("PodMonitor", "gantry")]
    pod = objs[("Deployment", "gantry")]["spec"]["template"]
    check(all(pod["metadata"]["labels"].get(k) == v for k, v in pm["spec"]["selector"]["matchLabels"].items()),
          "the PodMonitor does not select the controller pods")
    check({e["port"] for e in pm["spec"]["podMetricsEndpoints"]} <= {p["name"] for p in pod["spec"]["containers"][0]["ports"]},
          "the PodMonitor scrapes a port the pod does not have")


def check_crd_chart(helm, root):
    text = render(helm, root / "deploy/helm/gantry-crd")
    rendered = {}
    for doc in text.split("\n---\n"):
        if m := re.search(r"^# Source: gantry-crd/templates/(\S+)\n", doc, re.M):
            rendered[m.group(1)] = doc[m.end():]
    sources = {p.name: p.read_text() for p in (root / "deploy/crds").glob("*.yaml")}
    check(set(rendered) == set(sources), f"gantry-crd renders {sorted(rendered)}, deploy/crds has {sorted(sources)}")
    for name in sorted(set(rendered) & set(sources)):
        check(rendered[name].strip() == sources[name].strip(),
              f"gantry-crd renders {name} differently from deploy/crds/{name} (template syntax in a CRD?)")


def main():
    helm, root = sys.argv[1], Path(sys.argv[2])
    chart = root / "deploy/helm/gantry"
    check_settings_reach_flags(helm, chart)
    check_defaults(helm, chart)
    check_monitors_and_irsa(helm, chart)
    check_crd_chart(helm, root)
    for e in ERRORS:
        print("FAIL:", e)
    if not ERRORS:
        print("ok: flags, Deployment, RBAC, monitors, IRSA and the CRD chart as promised")
    return 1 if ERRORS else 0


if __name__ == "__main__":
    sys.exit(main())
