// buildSnapshot: what the provisioner plans against. A registered but not yet initialized Node
// stands for its NodeClaim: the claim's resources and the claim's taints, not the short-lived
// ones the Node carries while it starts (found by the simulate-agreement e2e test, where a
// pass during registration launched an extra node that stayed empty).
#include <gtest/gtest.h>

#include "binpack/solver.h"
#include "provisioner/provisioning/cluster_snapshot.h"
#include "tests/support/builders.h"

namespace gantry::provisioner {
namespace {

const api::InstanceTypes kTypes =
    testing::makeTypes({{"c5.large", "2", "4Gi", 0.085}, {"c5.xlarge", "4", "8Gi", 0.17}});

api::NodeClaim claimFor(const std::string& node, bool initialized) {
  api::NodeClaim claim;
  claim.name = "default-1";
  claim.nodeName = node;
  claim.labels = {{"gantry.dev/nodepool", "default"},
                  {"node.kubernetes.io/instance-type", "c5.xlarge"}};
  claim.taints = {{.key = "team", .value = "ml", .effect = api::TaintEffect::kNoSchedule}};
  claim.allocatable = testing::resources({{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}});
  claim.setCondition(api::nodeclaim::kLaunched, api::ConditionStatus::kTrue, "Launched", "", {});
  claim.setCondition(api::nodeclaim::kRegistered, api::ConditionStatus::kTrue, "Registered", "",
                     {});
  if (initialized) {
    claim.setCondition(api::nodeclaim::kInitialized, api::ConditionStatus::kTrue, "Initialized",
                       "", {});
  }
  return claim;
}

// The Node a second after registration: Ready not yet posted, startup taints still there.
api::Node startingNode(const std::string& name) {
  api::Node node;
  node.name = name;
  node.providerId = "aws:///us-east-1a/i-1";
  node.labels = {{"gantry.dev/nodepool", "default"},
                 {"node.kubernetes.io/instance-type", "c5.xlarge"}};
  node.nodePool = "default";
  node.instanceType = "c5.xlarge";
  node.ready = false;
  node.taints = {{.key = "team", .value = "ml", .effect = api::TaintEffect::kNoSchedule},
                 {.key = "node.kubernetes.io/not-ready", .value = "", .effect = api::TaintEffect::kNoSchedule},
                 {.key = "example.com/agent-not-ready", .value = "", .effect = api::TaintEffect::kNoSchedule}};
  node.allocatable = testing::resources({{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}});
  return node;
}

ClusterObjects objectsWith(bool initialized) {
  ClusterObjects objects;
  api::Pod pod = testing::makePod("trial", {{"cpu", "3"}, {"memory", "2Gi"}}, "ml");
  pod.tolerations = {{.key = "team", .op = api::Toleration::Op::kEqual, .value = "ml",
                      .effect = api::TaintEffect::kNoSchedule, .tolerationSeconds = std::nullopt}};
  objects.pending = {pod};
  objects.nodes = testing::shared<api::Node>({startingNode("ip-10-0-0-1")});
  objects.nodeClaims = testing::shared<api::NodeClaim>({claimFor("ip-10-0-0-1", initialized)});
  api::NodePool pool = testing::openPool();
  objects.nodePools = {pool};
  return objects;
}

TEST(ClusterSnapshot, APodPlannedOntoARegisteringNodeStillFitsThereDespiteItsStartupTaints) {
  ClusterSnapshot snap = buildSnapshot(objectsWith(false), &kTypes, "us-east-1");
  auto plan = binpack::solve(snap.snapshot, kTypes);
  ASSERT_TRUE(plan) << plan.error().toString();
  EXPECT_TRUE(plan->nodes.empty()) << "a new " << plan->nodes[0].instanceType
                                   << " for a pod the registering node is for";
  ASSERT_EQ(plan->existing.size(), 1u);
  EXPECT_TRUE(plan->unschedulable.empty());
}

// Once initialized, the Node's own taints are the truth again: a taint still there then is
// meant (a cordon, a NoSchedule someone put on), and the pod does not fit.
TEST(ClusterSnapshot, AnInitializedNodeIsJudgedByItsOwnTaints) {
  ClusterObjects objects = objectsWith(true);
  api::Node ready = *objects.nodes[0];
  ready.ready = true;
  objects.nodes = testing::shared<api::Node>({ready});
  ClusterSnapshot snap = buildSnapshot(objects, &kTypes, "us-east-1");
  auto plan = binpack::solve(snap.snapshot, kTypes);
  ASSERT_TRUE(plan) << plan.error().toString();
  EXPECT_TRUE(plan->existing.empty());
  ASSERT_EQ(plan->nodes.size(), 1u);
}

}  // namespace
}  // namespace gantry::provisioner
