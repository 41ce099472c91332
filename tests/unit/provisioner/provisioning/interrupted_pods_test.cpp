// addInterruptedPods: the pods of a Node whose NodeClaim is being deleted for an interruption
// are planned as pending (the ones a drain moves, unbound) and the Node stops being capacity;
// other deletions and other nodes are left as they are.
#include <gtest/gtest.h>

#include <chrono>

#include "provisioner/provisioning/interrupted_pods.h"
#include "tests/support/builders.h"

namespace gantry::provisioner {
namespace {

namespace nc = api::nodeclaim;
using gantry::testing::makePod;

api::Pod boundPod(const std::string& name, const std::string& node, const std::string& owner) {
  api::Pod p = makePod(name, {{"cpu", "500m"}});
  p.nodeName = node;
  p.phase = "Running";
  p.unschedulable = false;
  p.owner = {.kind = owner, .name = "o", .uid = "o"};
  return p;
}

api::NodeClaim claimOn(const std::string& name, const std::string& node, const std::string& reason,
                       bool deleting) {
  api::NodeClaim c;
  c.name = name;
  c.nodeName = node;
  if (!reason.empty()) c.annotations[std::string(nc::kDisruptionReasonAnnotation)] = reason;
  if (deleting) c.deletionTimestamp = std::chrono::system_clock::now();
  return c;
}

api::Node node(const std::string& name) {
  api::Node n;
  n.name = name;
  return n;
}

ClusterObjects cluster(const std::string& reason, bool deleting) {
  ClusterObjects o;
  o.nodes = testing::shared<api::Node>({node("n1"), node("n2")});
  o.nodeClaims = testing::shared<api::NodeClaim>(
      {claimOn("c1", "n1", reason, deleting), claimOn("c2", "n2", "", false)});
  api::Pod terminating = boundPod("web-old", "n1", "ReplicaSet");
  terminating.terminating = true;
  api::Pod mirror = boundPod("static", "n1", "Node");
  for (api::Pod pod : {boundPod("web-a", "n1", "ReplicaSet"), boundPod("agent", "n1", "DaemonSet"),
                       terminating, mirror, boundPod("web-b", "n2", "ReplicaSet")}) {
    o.bound.push_back(std::make_shared<const api::Pod>(std::move(pod)));
  }
  o.pending = {makePod("zz-waiting", {{"cpu", "1"}})};
  return o;
}

TEST(InterruptedPods, PodsOfAnInterruptedNodeArePlannedAsPendingAndTheNodeIsNoCapacity) {
  ClusterObjects o = cluster(std::string(kInterruptedReason), /*deleting=*/true);
  EXPECT_EQ(addInterruptedPods(o), 1u);
  ASSERT_EQ(o.pending.size(), 2u);
  // Sorted by key: the moved pod first.
  EXPECT_EQ(o.pending[0].name, "web-a");
  EXPECT_TRUE(o.pending[0].nodeName.empty());
  EXPECT_TRUE(o.pending[0].unschedulable);
  EXPECT_EQ(o.pending[1].name, "zz-waiting");
  // The node and everything bound to it leave the snapshot; the other node keeps its pod.
  ASSERT_EQ(o.nodes.size(), 1u);
  EXPECT_EQ(o.nodes[0]->name, "n2");
  ASSERT_EQ(o.bound.size(), 1u);
  EXPECT_EQ(o.bound[0]->name, "web-b");
}

TEST(InterruptedPods, OtherDeletionsAndAnnotatedClaimsNotYetDeletingChangeNothing) {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"Empty", true},
      {"Underutilized", true},
      {"", true},
      {std::string(kInterruptedReason), false}};
  for (const auto& [reason, deleting] : cases) {
    ClusterObjects o = cluster(reason, deleting);
    EXPECT_EQ(addInterruptedPods(o), 0u) << reason << " deleting=" << deleting;
    EXPECT_EQ(o.pending.size(), 1u);
    EXPECT_EQ(o.nodes.size(), 2u);
    EXPECT_EQ(o.bound.size(), 5u);
  }
}

TEST(InterruptedPods, SourceWrapperAppliesItToEveryRead) {
  int reads = 0;
  ClusterSource source = withInterruptedPods([&] {
    ++reads;
    return cluster(std::string(kInterruptedReason), true);
  });
  EXPECT_EQ(source().pending.size(), 2u);
  EXPECT_EQ(source().pending.size(), 2u);
  EXPECT_EQ(reads, 2);
}

}  // namespace
}  // namespace gantry::provisioner
