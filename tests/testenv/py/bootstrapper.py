"""Plays what a booting instance does for the cluster: its kubelet registering the Node, its
device plugin adding accelerators, and (as the cloud node-lifecycle controller would) the
Node going NotReady and away once the instance is terminated.

It polls moto (signed DescribeInstances) for instances tagged `gantry.dev/cluster: <name>`,
`testenv.gantry.dev/bootstrap: <name>` or `kubernetes.io/cluster/<name>`, and keeps no state of its own: everything it needs to
know is on the Node (annotations and creationTimestamp), so a restart picks up where it was.

Settings (environment, seconds): GANTRY_TESTENV_BOOT_DELAY (launch -> Node, default 2),
GANTRY_TESTENV_DEVICE_PLUGIN_DELAY (Node -> accelerator capacity, default 3),
GANTRY_TESTENV_NODE_REMOVE_DELAY (NotReady -> Node deleted, default 2),
GANTRY_TESTENV_VM_MEMORY_OVERHEAD (share of nominal memory the kernel keeps, default 0.035).
"""

import argparse
import os
import sys
import time
from datetime import datetime, timezone

import boto3
from botocore.config import Config

from awsdata import Catalog
from kube import Kube, KubeError

BOOTSTRAPPED = "testenv.gantry.dev/bootstrapped"
RETIRED_AT = "testenv.gantry.dev/retired-at"  # also keeps KWOK's stages off the node
# Lets a test's instances join the environment's cluster while Gantry tags them with a
# cluster name of the test's own (EC2NodeClass tags may not set kubernetes.io/cluster/*).
BOOTSTRAP_TAG = "testenv.gantry.dev/bootstrap"
UNREGISTERED_TAINT = {"key": "gantry.dev/unregistered", "effect": "NoExecute"}
GONE_STATES = {"shutting-down", "terminated"}
DOWN_STATES = GONE_STATES | {"stopping", "stopped"}


def env_seconds(name, default):
    return float(os.environ.get(name, default))


class Bootstrapper:
    def __init__(self, kube, ec2, catalog, cluster, k8s_version):
        self.kube, self.ec2, self.catalog = kube, ec2, catalog
        self.cluster, self.k8s_version = cluster, k8s_version
        self.boot_delay = env_seconds("GANTRY_TESTENV_BOOT_DELAY", 2)
        self.plugin_delay = env_seconds("GANTRY_TESTENV_DEVICE_PLUGIN_DELAY", 3)
        self.remove_delay = env_seconds("GANTRY_TESTENV_NODE_REMOVE_DELAY", 2)
        self.mem_overhead = env_seconds("GANTRY_TESTENV_VM_MEMORY_OVERHEAD", 0.035)

    def instances(self):
        out = []
        for page in self.ec2.get_paginator("describe_instances").paginate():
            for reservation in page["Reservations"]:
                for inst in reservation["Instances"]:
                    tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
                    if (tags.get("gantry.dev/cluster") == self.cluster
                            or tags.get(BOOTSTRAP_TAG) == self.cluster
                            or f"kubernetes.io/cluster/{self.cluster}" in tags):
                        out.append(inst)
        return out

    def step(self):
        now = datetime.now(timezone.utc)
        nodes = {n["spec"].get("providerID"): n for n in self.kube.get("/api/v1/nodes")["items"]}
        seen = set()
        for inst in self.instances():
            pid = f"aws:///{inst['Placement']['AvailabilityZone']}/{inst['InstanceId']}"
            seen.add(pid)
            node, state = nodes.get(pid), inst["State"]["Name"]
            if node is None:
                if state == "running" and (now - inst["LaunchTime"]).total_seconds() >= self.boot_delay:
                    self.register(inst, pid)
            elif _ours(node) and state in DOWN_STATES:
                self.retire(node, state, delete=state in GONE_STATES)
            elif _ours(node):
                self.add_devices(node, inst, now)
        for pid, node in nodes.items():  # the instance is gone from EC2 altogether
            if _ours(node) and pid not in seen:
                self.retire(node, "gone", delete=True)

    def register(self, inst, provider_id):
        """POST the Node as a kubelet with --register-with-taints would."""
        itype, zone = inst["InstanceType"], inst["Placement"]["AvailabilityZone"]
        info = self.catalog.types.get(itype, {})
        arch = "arm64" if "arm64" in info.get("ProcessorInfo", {}).get("SupportedArchitectures", []) else "amd64"
        name = inst.get("PrivateDnsName") or inst["InstanceId"]
        capacity, allocatable = self.resources(itype)
        node = {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {
                "name": name,
                "labels": {
                    "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": arch,
                    "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": arch,
                    "node.kubernetes.io/instance-type": itype, "topology.kubernetes.io/zone": zone,
                    "topology.kubernetes.io/region": zone[:-1],
                },
                "annotations": {"kwok.x-k8s.io/node": "fake", BOOTSTRAPPED: "true"},
            },
            "spec": {"providerID": provider_id, "taints": [UNREGISTERED_TAINT]},
            "status": {
                "capacity": capacity, "allocatable": allocatable,
                "addresses": [{"type": "InternalIP", "address": inst.get("PrivateIpAddress", "")},
                              {"type": "InternalDNS", "address": name}, {"type": "Hostname", "address": name}],
                "nodeInfo": {"architecture": arch, "operatingSystem": "linux",
                             "kubeletVersion": self.k8s_version, "kubeProxyVersion": self.k8s_version,
                             "containerRuntimeVersion": "containerd://1.7.27", "osImage": "Amazon Linux 2023",
                             "kernelVersion": "6.1.0", "machineID": "", "systemUUID": "", "bootID": ""},
            },
        }
        try:
            self.kube.create("/api/v1/nodes", node)
        except KubeError as e:
            if e.status != 409:
                raise
            return
        log(f"registered node {name} for {inst['InstanceId']} ({itype} in {zone})")

    def resources(self, itype):
        """Node capacity and allocatable as an EKS-AMI kubelet reports them (accelerators come
        later, from the device plugin)."""
        info = self.catalog.types[itype]
        vcpus = info["VCpuInfo"]["DefaultVCpus"]
        mem_mib = int(info["MemoryInfo"]["SizeInMiB"] * (1 - self.mem_overhead))
        pods = self.catalog.max_pods.get(itype, 110)
        cpu_reserved = sum(m * min(max(vcpus - lo, 0), hi - lo)
                           for lo, hi, m in ((0, 1, 60), (1, 2, 10), (2, 4, 5), (4, 1 << 20, 2.5)))
        mem_reserved = 11 * pods + 255 + 100  # kube-reserved + the 100Mi eviction threshold
        capacity = {"cpu": str(vcpus), "memory": f"{mem_mib}Mi", "pods": str(pods),
                    "ephemeral-storage": "20Gi", "hugepages-1Gi": "0", "hugepages-2Mi": "0"}
        allocatable = dict(capacity, cpu=f"{vcpus * 1000 - int(cpu_reserved)}m",
                           memory=f"{mem_mib - mem_reserved}Mi", **{"ephemeral-storage": "17Gi"})
        return capacity, allocatable

    def add_devices(self, node, inst, now):
        """After the device-plugin delay, the accelerators show up in capacity/allocatable."""
        devices = accelerators(self.catalog.types.get(inst["InstanceType"], {}))
        have = node["status"].get("capacity", {})
        missing = {k: str(v) for k, v in devices.items() if k not in have}
        created = datetime.fromisoformat(node["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
        if missing and (now - created).total_seconds() >= self.plugin_delay:
            self.kube.strategic_patch(f"/api/v1/nodes/{node['metadata']['name']}/status",
                                      {"status": {"capacity": missing, "allocatable": missing}})
            log(f"device plugin on {node['metadata']['name']} registered {missing}")

    def retire(self, node, state, delete):
        name = node["metadata"]["name"]
        retired = node["metadata"].get("annotations", {}).get(RETIRED_AT)
        if retired is None:
            now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.kube.merge_patch(f"/api/v1/nodes/{name}", {"metadata": {"annotations": {RETIRED_AT: now}}})
            self.kube.strategic_patch(f"/api/v1/nodes/{name}/status", {"status": {"conditions": [{
                "type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                "message": "Kubelet stopped posting node status.", "lastHeartbeatTime": now,
                "lastTransitionTime": now}]}})
            log(f"node {name} NotReady: instance {state}")
        elif delete and node["metadata"].get("deletionTimestamp") is None:
            since = datetime.fromisoformat(retired.replace("Z", "+00:00"))
            if (datetime.now(timezone.utc) - since).total_seconds() >= self.remove_delay:
                self.kube.delete(f"/api/v1/nodes/{name}")
                log(f"node {name} deleted: instance {state}")


def accelerators(info):
    """Extended resources a device plugin would register for this instance type."""
    out = {}
    for gpu in info.get("GpuInfo", {}).get("Gpus", []):
        key = {"NVIDIA": "nvidia.com/gpu", "AMD": "amd.com/gpu"}.get(gpu.get("Manufacturer"))
        if key:
            out[key] = out.get(key, 0) + gpu.get("Count", 0)
    neuron = sum(d.get("Count", 0) for d in info.get("NeuronInfo", {}).get("NeuronDevices", []))
    if neuron:
        out["aws.amazon.com/neuron"] = neuron
    return out


def _ours(node):
    return node["metadata"].get("annotations", {}).get(BOOTSTRAPPED) == "true"


def log(msg):
    print(f"{datetime.now().strftime('%H:%M:%S')} bootstrapper: {msg}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--k8s-version", required=True)
    ap.add_argument("--interval", type=float, default=0.5)
    args = ap.parse_args()
    ec2 = boto3.client("ec2", endpoint_url=os.environ["GANTRY_EC2_ENDPOINT"],
                       region_name=os.environ.get("AWS_REGION", "us-east-1"),
                       config=Config(user_agent_extra="gantry-testenv", retries={"max_attempts": 2}))
    boot = Bootstrapper(Kube(os.environ["KUBECONFIG"]), ec2, Catalog(args.data_dir),
                        os.environ["GANTRY_CLUSTER_NAME"], args.k8s_version)
    log(f"watching instances of cluster {boot.cluster}")
    synced, last_error = False, None
    while True:
        try:
            boot.step()
            if not synced:
                synced = True
                log("first sync done")  # tests/testenv/up waits for this line
            last_error = None
        except Exception as e:  # keep going: a test's reset may race with a step
            if repr(e) != last_error:
                log(f"step failed: {e!r}")
            last_error = repr(e)
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
