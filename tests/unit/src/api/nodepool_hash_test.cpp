// The NodePool template hash: pinned (so a change that would roll every node on upgrade shows
// up here and forces a hash-version bump), independent of label and taint order, moved by
// every static template field and by none of the behavioural ones or the requirements.
#include <gtest/gtest.h>

#include <functional>

#include "src/api/nodepool_hash.h"

namespace gantry::api {
namespace {

NodePool pool() {
  NodePool p;
  p.name = "gpu";
  p.labels = {{"team", "ml"}, {"tier", "train"}};
  p.taints = {{.key = "nvidia.com/gpu", .value = "true", .effect = TaintEffect::kNoSchedule}};
  p.startupTaints = {{.key = "node.cilium.io/agent-not-ready", .value = "", .effect = TaintEffect::kNoExecute}};
  p.nodeClassRef = "default";
  p.expireAfter = "720h";
  return p;
}

TEST(NodePoolHashTest, IsPinnedAndHex) {
  const std::string h = nodePoolHash(pool());
  EXPECT_EQ(h.size(), 16u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  // The value itself: changing it means changing kNodePoolHashVersion too.
  EXPECT_EQ(h, nodePoolHash(pool()));
  EXPECT_EQ(h, "e5be3505e232bfbd");
}

TEST(NodePoolHashTest, OrderOfTaintsDoesNotMatter) {
  NodePool a = pool();
  a.taints.push_back({.key = "dedicated", .value = "ml", .effect = TaintEffect::kNoExecute});
  NodePool b = a;
  std::swap(b.taints[0], b.taints[1]);
  EXPECT_EQ(nodePoolHash(a), nodePoolHash(b));
  b.taints.push_back(b.taints[0]);  // a set: a duplicate changes nothing
  EXPECT_EQ(nodePoolHash(a), nodePoolHash(b));
}

TEST(NodePoolHashTest, UnsetExpireAfterIsItsDefault) {
  NodePool a = pool();
  a.expireAfter = "";
  EXPECT_EQ(nodePoolHash(a), nodePoolHash(pool()));
}

TEST(NodePoolHashTest, EveryStaticFieldMovesIt) {
  const std::string base = nodePoolHash(pool());
  std::vector<std::function<void(NodePool&)>> changes = {
      [](NodePool& p) { p.labels["tier"] = "serve"; },
      [](NodePool& p) { p.labels["extra"] = ""; },
      [](NodePool& p) { p.taints.clear(); },
      [](NodePool& p) { p.taints[0].effect = TaintEffect::kNoExecute; },
      [](NodePool& p) { p.startupTaints.clear(); },
      [](NodePool& p) { p.nodeClassRef = "other"; },
      [](NodePool& p) { p.expireAfter = "24h"; },
      [](NodePool& p) { p.terminationGracePeriod = "1h"; },
      // A label moved into a taint's place must not collide with the original.
      [](NodePool& p) { p.labels = {{"teamml", ""}, {"tier", "train"}}; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    NodePool p = pool();
    changes[i](p);
    EXPECT_NE(nodePoolHash(p), base) << "change " << i;
  }
}

TEST(NodePoolHashTest, BehaviourAndRequirementsDoNotMoveIt) {
  const std::string base = nodePoolHash(pool());
  NodePool p = pool();
  p.name = "renamed";
  p.weight = 50;
  p.consolidateAfter = "10m";
  p.consolidationPolicy = ConsolidationPolicy::kWhenEmpty;
  p.budgets.clear();
  p.requirements.push_back({.key = "kubernetes.io/arch", .op = SelectorOp::kIn, .values = {"arm64"}});
  p.annotations["gantry.dev/nodepool-hash"] = "abc";
  EXPECT_EQ(nodePoolHash(p), base);
}

}  // namespace
}  // namespace gantry::api
