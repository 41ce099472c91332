// Unschedulable reasons name what excluded every instance type: the NodePool requirement that
// matches none, the pool's requirements together, the pod selector that conflicts with a pool
// requirement on the same property, or the pod selector no type of the pool satisfies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "binpack/solver.h"
#include "tests/support/builders.h"

namespace gantry::binpack {
namespace {

using testing::makePod;
using testing::makeTypes;
using testing::openPool;
using ::testing::HasSubstr;

api::InstanceTypes catalog() {
  return makeTypes({
      {"c.large", "2", "4Gi", 0.08, 0, "NVIDIA", {"us-east-1a"}, true},
      {"m.large", "2", "8Gi", 0.10, 0, "NVIDIA", {"us-east-1a"}, true},
  });
}

std::string reasonFor(const api::NodePool& pool, const api::Pod& pod) {
  Snapshot s;
  s.pods = {pod};
  s.nodePools = {pool};
  const api::InstanceTypes types = catalog();
  auto plan = solve(s, types);
  EXPECT_TRUE(plan) << plan.error().toString();
  if (!plan || plan->unschedulable.size() != 1) {
    ADD_FAILURE() << "the pod was placed";
    return "";
  }
  return plan->unschedulable[0].reason;
}

api::Requirement req(std::string key, api::SelectorOp op, std::vector<std::string> values) {
  return {std::move(key), op, std::move(values)};
}

TEST(PoolRejection, ThePoolRequirementThatMatchesNoTypeIsNamed) {
  api::NodePool pool = openPool("general");
  pool.requirements = {req("gantry.dev/instance-family", api::SelectorOp::kIn, {"c", "m"}),
                       req("gantry.dev/instance-family", api::SelectorOp::kIn, {"C"})};
  EXPECT_EQ(reasonFor(pool, makePod("p", {{"cpu", "1"}})),
            "NodePool general's requirement gantry.dev/instance-family In [C] matches no instance "
            "type (label values are case-sensitive; `gantry catalog` lists them)");
}

TEST(PoolRejection, RequirementsThatOnlyTogetherMatchNothingAreListed) {
  api::NodePool pool = openPool("general");
  pool.requirements = {req("gantry.dev/instance-family", api::SelectorOp::kIn, {"c"}),
                       req("node.kubernetes.io/instance-type", api::SelectorOp::kIn, {"m.large"})};
  EXPECT_EQ(reasonFor(pool, makePod("p", {{"cpu", "1"}})),
            "NodePool general's requirements together match no instance type: "
            "gantry.dev/instance-family In [c], node.kubernetes.io/instance-type In [m.large]");
}

TEST(PoolRejection, APodSelectorConflictingWithThePoolNamesBoth) {
  api::NodePool pool = openPool("general");
  pool.requirements = {req("gantry.dev/capacity-type", api::SelectorOp::kIn, {"on-demand"})};
  api::Pod pod = makePod("p", {{"cpu", "1"}});
  pod.nodeSelector = {{"karpenter.sh/capacity-type", "spot"}};
  EXPECT_EQ(reasonFor(pool, pod),
            "the pod's node selector karpenter.sh/capacity-type In [spot] conflicts with NodePool "
            "general's requirement gantry.dev/capacity-type In [on-demand]");
}

TEST(PoolRejection, APodSelectorNoTypeHasIsNamed) {
  api::Pod pod = makePod("p", {{"cpu", "1"}});
  pod.requiredNodeAffinity.terms = {
      {{req("gantry.dev/instance-family", api::SelectorOp::kIn, {"r"})}}};
  EXPECT_THAT(reasonFor(openPool("general"), pod),
              HasSubstr("no instance type in NodePool general matches the pod's node selector "
                        "gantry.dev/instance-family In [r]"));
  // Alone each requirement matches some type; only together do they match none.
  api::Pod both = makePod("q", {{"cpu", "1"}});
  both.nodeSelector = {{"gantry.dev/instance-family", "c"},
                       {"node.kubernetes.io/instance-type", "m.large"}};
  EXPECT_EQ(reasonFor(openPool("general"), both),
            "no instance type in NodePool general matches the pod's node selector and required "
            "affinity together");
}

}  // namespace
}  // namespace gantry::binpack
