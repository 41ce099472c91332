"""kube-scheduler, KWOK, kube-controller-manager and the node bootstrapper, end to end: a GPU
pod waits, an EC2 instance boots into a Node with the GPU, the pod runs there, a Job
completes, and the Node goes away with its instance."""

import uuid
from datetime import datetime, timezone

import pytest

from conftest import wait_until

AMI = "ami-12c6146b"
GPU = "nvidia.com/gpu"


@pytest.fixture(scope="module")
def namespace(clean, kube):
    name = f"smoke-{uuid.uuid4().hex[:6]}"
    kube.create("/api/v1/namespaces", {"metadata": {"name": name}})
    return name


def condition(obj, kind):
    return next((c for c in obj.get("status", {}).get("conditions", []) if c["type"] == kind), {})


def container(name, requests):
    return {"name": name, "image": "registry.k8s.io/pause:3.10", "resources": {"requests": requests,
                                                                              "limits": requests}}


def test_gpu_pod_lifecycle_on_a_bootstrapped_node(kube, ec2, subnets, namespace, testenv):
    pods = f"/api/v1/namespaces/{namespace}/pods"
    kube.create(pods, {"metadata": {"name": "trainer"},
                       "spec": {"containers": [container("main", {GPU: "1", "cpu": "1"})]}})

    # 1. No node has a GPU: kube-scheduler marks the pod Unschedulable.
    unschedulable = wait_until("the scheduler to mark the pod Unschedulable", lambda: condition(
        kube.get(f"{pods}/trainer"), "PodScheduled").get("reason") == "Unschedulable" and kube.get(f"{pods}/trainer"))
    assert condition(unschedulable, "PodScheduled")["status"] == "False"

    # 2. An instance of the cluster boots: the bootstrapper registers its Node, tainted, and
    #    the device plugin adds the GPU a little later.
    instance = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="g5.xlarge", SubnetId=subnets["us-east-1b"],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [
            {"Key": "gantry.dev/cluster", "Value": testenv["GANTRY_CLUSTER_NAME"]}]}])["Instances"][0]
    provider_id = f"aws:///us-east-1b/{instance['InstanceId']}"

    def find_node():
        return next((n for n in kube.get("/api/v1/nodes")["items"] if n["spec"].get("providerID") == provider_id),
                    None)

    first = wait_until("the bootstrapped node", find_node)
    seen_at = datetime.now(timezone.utc)
    if GPU in first["status"].get("allocatable", {}):  # the device plugin may only come later
        created = datetime.fromisoformat(first["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
        assert (seen_at - created).total_seconds() >= float(testenv["GANTRY_TESTENV_DEVICE_PLUGIN_DELAY"]) - 1
    node = wait_until("the GPU on the node", lambda: (lambda n: n if n["status"].get("allocatable", {}).get(GPU)
                                                      == "1" else None)(find_node()))
    name = node["metadata"]["name"]
    assert name == instance["PrivateDnsName"]
    labels = node["metadata"]["labels"]
    assert labels["node.kubernetes.io/instance-type"] == "g5.xlarge"
    assert labels["topology.kubernetes.io/zone"] == "us-east-1b"
    assert labels["topology.kubernetes.io/region"] == "us-east-1"
    assert labels["kubernetes.io/arch"] == "amd64" and labels["kubernetes.io/hostname"] == name
    assert {"key": "gantry.dev/unregistered", "effect": "NoExecute"} in node["spec"]["taints"]
    assert node["status"]["capacity"]["cpu"] == "4" and node["status"]["allocatable"]["cpu"] == "3920m"
    assert condition(kube.get(f"/api/v1/nodes/{name}"), "Ready").get("status") == "True"  # KWOK

    # 3. Registration (Gantry's job, done by hand here) lifts the taint: the pod binds and runs.
    kube.merge_patch(f"/api/v1/nodes/{name}", {"spec": {"taints": None}})
    running = wait_until("the GPU pod to run on the node", lambda: (
        lambda p: p if p["status"].get("phase") == "Running" else None)(kube.get(f"{pods}/trainer")))
    assert running["spec"]["nodeName"] == name
    assert condition(running, "Ready")["status"] == "True"

    # 4. A Job's pod on the same node completes after the annotated time.
    kube.create(f"/apis/batch/v1/namespaces/{namespace}/jobs", {"metadata": {"name": "eval"}, "spec": {
        "backoffLimit": 0,
        "template": {"metadata": {"annotations": {"gantry.dev/test-complete-after": "2s"}}, "spec": {
            "restartPolicy": "Never", "nodeSelector": {"kubernetes.io/hostname": name},
            "containers": [container("main", {"cpu": "500m"})]}}}})
    job = wait_until("the Job to complete", lambda: (lambda j: j if condition(j, "Complete").get("status") == "True"
                     else None)(kube.get(f"/apis/batch/v1/namespaces/{namespace}/jobs/eval")))
    assert job["status"]["succeeded"] == 1

    # 5. The instance terminates: the Node goes NotReady, then away.
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    wait_until("the node to go NotReady", lambda: condition(
        kube.get_or_none(f"/api/v1/nodes/{name}") or {}, "Ready").get("status") == "Unknown", interval=0.1)
    wait_until("the node to go away", lambda: kube.get_or_none(f"/api/v1/nodes/{name}") is None)
