// Constraints no node can ever meet must leave pods unschedulable with a reason, not buy
// nodes the scheduler would never use: a required pod affinity that matches no pod, and a
// required affinity or DoNotSchedule spread on a key no existing or launchable node carries.
// The kube-scheduler exception is kept: the first pod of a self-affine group may schedule.
#include "binpack/solver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/builders.h"
#include "tests/unit/binpack/solver_test_support.h"

namespace gantry::binpack {
namespace {

using ::testing::HasSubstr;
using testing::makePod;
using testing::makeTypes;
using testing::snapshotWith;
using testing::cpuCatalog;

api::PodAffinityTerm term(const std::string& key, const std::string& app) {
  api::PodAffinityTerm t;
  t.topologyKey = key;
  t.selector.matchLabels = {{"app", app}};
  return t;
}

api::Pod podWithAffinity(const std::string& name, const std::string& app, const std::string& key,
                         const std::string& wants) {
  api::Pod p = makePod(name, {{"cpu", "500m"}});
  p.labels = {{"app", app}};
  p.requiredPodAffinity = {term(key, wants)};
  return p;
}

api::Pod podWithSpread(const std::string& name, const std::string& key) {
  api::Pod p = makePod(name, {{"cpu", "500m"}});
  p.labels = {{"app", "r"}};
  api::TopologySpreadConstraint tsc;
  tsc.topologyKey = key;
  tsc.maxSkew = 1;
  tsc.whenUnsatisfiable = api::UnsatisfiableAction::kDoNotSchedule;
  tsc.selector.matchLabels = {{"app", "r"}};
  p.topologySpread = {tsc};
  return p;
}

TEST(ImpossibleConstraints, AffinityToNoPodIsUnschedulableOnEveryKey) {
  for (const char* key : {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}) {
    auto plan = solve(snapshotWith({podWithAffinity("web", "web", key, "db")}), cpuCatalog());
    ASSERT_TRUE(plan);
    EXPECT_TRUE(plan->nodes.empty()) << key;
    ASSERT_EQ(plan->unschedulable.size(), 1u) << key;
    EXPECT_THAT(plan->unschedulable[0].reason, HasSubstr("required pod affinity")) << key;
    EXPECT_THAT(plan->unschedulable[0].reason, HasSubstr("app=db")) << key;
    EXPECT_THAT(plan->unschedulable[0].reason, HasSubstr("matches no pod")) << key;
  }
}

TEST(ImpossibleConstraints, AffinityToAPendingPodColocatesWithIt) {
  api::Pod db = makePod("db", {{"cpu", "500m"}});
  db.labels = {{"app", "db"}};
  auto plan = solve(snapshotWith({db, podWithAffinity("web", "web", "kubernetes.io/hostname", "db")}),
                    cpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->unschedulable.empty());
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].pods.size(), 2u);
}

TEST(ImpossibleConstraints, AffinityToAPodOnAnExistingNodeIsNotImpossible) {
  Snapshot s = snapshotWith({podWithAffinity("web", "web", "kubernetes.io/hostname", "db")});
  api::Node node;
  node.name = "full";
  node.ready = true;
  node.allocatable = testing::resources({{"cpu", "1"}, {"memory", "1Gi"}, {"pods", "10"}});
  node.requested = testing::resources({{"cpu", "1"}});  // no room left for web
  node.pods = {{"default/db-0", {{"app", "db"}}}};
  s.nodes = {node};
  auto plan = solve(s, cpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->nodes.empty()) << "a new node is a different host: it cannot satisfy the term";
  ASSERT_EQ(plan->unschedulable.size(), 1u);
  EXPECT_THAT(plan->unschedulable[0].reason, ::testing::Not(HasSubstr("matches no pod")));
}

TEST(ImpossibleConstraints, SelfAffineGroupStillBootstrapsOnOneNode) {
  std::vector<api::Pod> pods;
  for (int i = 0; i < 3; ++i) {
    pods.push_back(podWithAffinity("cache-" + std::to_string(i), "cache", "kubernetes.io/hostname",
                                   "cache"));
  }
  auto plan = solve(snapshotWith(pods), cpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->unschedulable.empty());
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].pods.size(), 3u);
}

TEST(ImpossibleConstraints, SpreadOnAKeyNoNodeCarriesIsUnschedulable) {
  auto plan = solve(snapshotWith({podWithSpread("r-0", "example.com/rack"),
                                  podWithSpread("r-1", "example.com/rack")}),
                    cpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->nodes.empty());
  ASSERT_EQ(plan->unschedulable.size(), 2u);
  EXPECT_THAT(plan->unschedulable[0].reason, HasSubstr("example.com/rack"));
  EXPECT_THAT(plan->unschedulable[0].reason,
              HasSubstr("no existing node, NodePool or instance type carries"));
}

TEST(ImpossibleConstraints, SpreadOnAKeyTheNodePoolOrTypesCarryIsPlanned) {
  // The pool labels its nodes with the key: launchable nodes carry it. One domain only, so
  // the skew is always 0 and every replica may go there (kube-scheduler's global minimum).
  Snapshot s = snapshotWith({podWithSpread("r-0", "example.com/rack"),
                             podWithSpread("r-1", "example.com/rack"),
                             podWithSpread("r-2", "example.com/rack")});
  s.nodePools[0].labels = {{"example.com/rack", "r1"}};
  auto plan = solve(s, cpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->unschedulable.empty());
  EXPECT_FALSE(plan->nodes.empty());
  // An instance-type label: the type brings it.
  auto typed = solve(snapshotWith({podWithSpread("r-0", std::string(api::label::kInstanceFamily))}),
                     cpuCatalog());
  ASSERT_TRUE(typed);
  EXPECT_TRUE(typed->unschedulable.empty());
  EXPECT_EQ(typed->nodes.size(), 1u);
}

TEST(ImpossibleConstraints, ScheduleAnywaySpreadOnAMissingKeyDoesNotBlock) {
  api::Pod p = podWithSpread("r-0", "example.com/rack");
  p.topologySpread[0].whenUnsatisfiable = api::UnsatisfiableAction::kScheduleAnyway;
  auto plan = solve(snapshotWith({p}), cpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->unschedulable.empty());
  EXPECT_EQ(plan->nodes.size(), 1u);
}

}  // namespace
}  // namespace gantry::binpack
