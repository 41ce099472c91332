// Plans that used to be wrong, through the real binary: an A10G pod under the embedded
// default NodePool (current generation only), pods sharing a hostPort, and constraints no node
// can meet (affinity to no pod, spread on a key no node carries).
#include <gtest/gtest.h>

#include "tests/support/run_command.h"

#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace gantry {
namespace {

using gantry::testing::CommandResult;
using json = nlohmann::json;

json planJson(const std::string& name, const std::string& yaml) {
  const std::string path = ::testing::TempDir() + "plan_constraints_" + name + ".yaml";
  std::ofstream(path) << yaml;
  CommandResult run = gantry::testing::runCommand(std::string(GANTRY_BINARY) + " plan --pods " +
                                                  path + " -o json");
  EXPECT_EQ(run.exitCode, 0) << run.err;
  json out = json::parse(run.out, nullptr, false);
  EXPECT_TRUE(out.is_object()) << run.out << run.err;
  return out.is_object() ? out : json{{"nodeclaims", json::array()}, {"unschedulable", json::array()}};
}

TEST(PlanConstraints, A10gPodIsPlannedUnderTheDefaultNodePool) {
  json plan = planJson("a10g",
                       "apiVersion: v1\nkind: Pod\nmetadata: {name: a10g, namespace: ml}\n"
                       "spec:\n  nodeSelector: {karpenter.k8s.aws/instance-gpu-name: a10g}\n"
                       "  containers:\n    - {name: c, image: x, resources: {limits: {nvidia.com/gpu: 1}}}\n");
  EXPECT_TRUE(plan["unschedulable"].empty()) << plan.dump();
  ASSERT_EQ(plan["nodeclaims"].size(), 1u) << plan.dump();
  EXPECT_EQ(plan["nodeclaims"][0]["instance_type"], "g5.xlarge");
}

TEST(PlanConstraints, PodsSharingAHostPortGetSeparateNodes) {
  json plan = planJson(
      "hostport",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingress, namespace: edge}\n"
      "spec:\n  replicas: 3\n  selector: {matchLabels: {app: ingress}}\n  template:\n"
      "    metadata: {labels: {app: ingress}}\n    spec:\n      containers:\n"
      "        - name: c\n          image: nginx\n          ports: [{containerPort: 80, hostPort: 8080}]\n"
      "          resources: {requests: {cpu: 100m}}\n");
  EXPECT_TRUE(plan["unschedulable"].empty()) << plan.dump();
  ASSERT_EQ(plan["nodeclaims"].size(), 3u) << plan.dump();
  for (const json& claim : plan["nodeclaims"]) EXPECT_EQ(claim["pods"].size(), 1u) << plan.dump();
}

TEST(PlanConstraints, AHostPortHeldByABoundPodSendsThePendingOneElsewhere) {
  json plan = planJson(
      "bound-hostport",
      "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n"
      "  labels: {topology.kubernetes.io/zone: us-east-1a, kubernetes.io/arch: amd64, kubernetes.io/os: linux}\n"
      "status:\n  allocatable: {cpu: \"4\", memory: 8Gi, pods: \"110\"}\n"
      "  conditions: [{type: Ready, status: \"True\"}]\n"
      "---\n"
      "apiVersion: v1\nkind: Pod\nmetadata: {name: old-ingress, namespace: edge}\n"
      "spec:\n  nodeName: n1\n  containers:\n"
      "    - {name: c, image: nginx, ports: [{containerPort: 80, hostPort: 8080}], resources: {requests: {cpu: 100m}}}\n"
      "status: {phase: Running}\n"
      "---\n"
      "apiVersion: v1\nkind: Pod\nmetadata: {name: new-ingress, namespace: edge}\n"
      "spec:\n  containers:\n"
      "    - {name: c, image: nginx, ports: [{containerPort: 80, hostPort: 8080}], resources: {requests: {cpu: 100m}}}\n"
      "---\n"
      "apiVersion: v1\nkind: Pod\nmetadata: {name: plain, namespace: edge}\n"
      "spec:\n  containers:\n    - {name: c, image: nginx, resources: {requests: {cpu: 100m}}}\n");
  ASSERT_EQ(plan["existing"].size(), 1u) << plan.dump();
  EXPECT_EQ(plan["existing"][0]["pod"], "edge/plain");
  ASSERT_EQ(plan["nodeclaims"].size(), 1u) << plan.dump();
  EXPECT_EQ(plan["nodeclaims"][0]["pods"], json::array({"edge/new-ingress"}));
}

TEST(PlanConstraints, ImpossibleAffinityAndSpreadAreUnschedulableWithTheirReason) {
  json plan = planJson(
      "impossible",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: lonely, namespace: shop, labels: {app: web}}\n"
      "spec:\n  affinity:\n    podAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n"
      "        - labelSelector: {matchLabels: {app: db}}\n          topologyKey: kubernetes.io/hostname\n"
      "  containers:\n    - {name: c, image: nginx, resources: {requests: {cpu: 500m}}}\n"
      "---\n"
      "apiVersion: v1\nkind: Pod\nmetadata: {name: racked, namespace: shop, labels: {app: r}}\n"
      "spec:\n  topologySpreadConstraints:\n"
      "    - {maxSkew: 1, topologyKey: example.com/rack, whenUnsatisfiable: DoNotSchedule,"
      " labelSelector: {matchLabels: {app: r}}}\n"
      "  containers:\n    - {name: c, image: nginx, resources: {requests: {cpu: 500m}}}\n"
      "---\n"
      "apiVersion: v1\nkind: Pod\nmetadata: {name: selfie, namespace: shop, labels: {app: self}}\n"
      "spec:\n  affinity:\n    podAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n"
      "        - labelSelector: {matchLabels: {app: self}}\n          topologyKey: kubernetes.io/hostname\n"
      "  containers:\n    - {name: c, image: nginx, resources: {requests: {cpu: 500m}}}\n");
  std::set<std::string> reasons;
  for (const json& u : plan["unschedulable"]) {
    const std::string reason = u["reason"];
    if (u["pod"] == "shop/lonely") {
      EXPECT_NE(reason.find("matches no pod"), std::string::npos) << reason;
    } else if (u["pod"] == "shop/racked") {
      EXPECT_NE(reason.find("example.com/rack"), std::string::npos) << reason;
    }
    reasons.insert(u["pod"]);
  }
  EXPECT_EQ(reasons, (std::set<std::string>{"shop/lonely", "shop/racked"})) << plan.dump();
  // The self-affine pod is the first of its group: it may start a node of its own.
  ASSERT_EQ(plan["nodeclaims"].size(), 1u) << plan.dump();
  EXPECT_EQ(plan["nodeclaims"][0]["pods"], json::array({"shop/selfie"}));
}

}  // namespace
}  // namespace gantry
