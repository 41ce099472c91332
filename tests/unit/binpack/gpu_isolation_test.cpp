// The NodePool annotation gantry.dev/gpu-isolation: who may share a GPU node. strict (the
// default) keeps other owners' pods off GPU nodes so they can be reaped when training ends;
// batch lets Jobs use the spare room; off packs like Karpenter. The lower bound holds for
// the policy in force and says which one.
#include <gtest/gtest.h>

#include "binpack/solver.h"
#include "src/api/gpu_isolation.h"
#include "tests/support/builders.h"
#include "tests/unit/binpack/solver_test_support.h"

namespace gantry::binpack {
namespace {

using testing::gpuCatalog;
using testing::makePod;
using testing::snapshotWith;

// One 1-GPU training pod with 1 CPU (g.xlarge has 4) and a 1-CPU pod of another owner.
Snapshot trainingAndOther(const std::string& policy, const std::string& otherKind) {
  api::Pod gpu = makePod("train", {{"cpu", "1"}, {"nvidia.com/gpu", "1"}});
  gpu.owner = {"Job", "train", ""};
  api::Pod other = makePod("other", {{"cpu", "1"}});
  other.owner = {otherKind, "other", ""};
  Snapshot s = snapshotWith({gpu, other});
  if (!policy.empty()) {
    s.nodePools[0].annotations[std::string(api::kGpuIsolationAnnotation)] = policy;
  }
  return s;
}

TEST(GpuIsolation, StrictIsTheDefaultAndKeepsOtherOwnersOff) {
  for (const std::string policy : {"", "strict"}) {
    auto plan = solve(trainingAndOther(policy, "Job"), gpuCatalog());
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->nodes.size(), 2u) << policy;
    EXPECT_NEAR(plan->totalPricePerHour, 0.526 + 0.08, 1e-9);
    EXPECT_EQ(plan->lowerBoundGpuIsolation, "strict");
    EXPECT_LE(plan->lowerBoundPerHour, plan->totalPricePerHour + 1e-9);
  }
}

TEST(GpuIsolation, BatchLetsJobsButNotServicesUseGpuNodes) {
  auto job = solve(trainingAndOther("batch", "Job"), gpuCatalog());
  ASSERT_TRUE(job);
  ASSERT_EQ(job->nodes.size(), 1u);
  EXPECT_EQ(job->nodes[0].instanceType, "g.xlarge");
  EXPECT_EQ(job->nodes[0].pods.size(), 2u);
  EXPECT_EQ(job->lowerBoundGpuIsolation, "batch");
  EXPECT_LE(job->lowerBoundPerHour, job->totalPricePerHour + 1e-9);

  auto service = solve(trainingAndOther("batch", "ReplicaSet"), gpuCatalog());
  ASSERT_TRUE(service);
  EXPECT_EQ(service->nodes.size(), 2u) << "a Deployment's pod would keep the GPU node alive";
}

TEST(GpuIsolation, OffPacksAnyPodOntoGpuNodes) {
  auto plan = solve(trainingAndOther("off", "ReplicaSet"), gpuCatalog());
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_NEAR(plan->totalPricePerHour, 0.526, 1e-9);
  EXPECT_EQ(plan->lowerBoundGpuIsolation, "off");
  // The CPU pod may be on the GPU node, so the bound cannot charge it a CPU node of its own.
  EXPECT_LE(plan->lowerBoundPerHour, 0.526 + 1e-9);
}

// The bound under strict adds a CPU node's worth for the other owner's pod; under off it may
// not, as that pod could ride along for free.
TEST(GpuIsolation, TheLowerBoundFollowsThePolicy) {
  auto strict = solve(trainingAndOther("strict", "ReplicaSet"), gpuCatalog());
  auto off = solve(trainingAndOther("off", "ReplicaSet"), gpuCatalog());
  ASSERT_TRUE(strict && off);
  EXPECT_GT(strict->lowerBoundPerHour, off->lowerBoundPerHour);
  EXPECT_GT(strict->lowerBoundPerHour, 0.526);
}

TEST(GpuIsolation, PoolsWithDifferentPoliciesAreNamedInTheBound) {
  Snapshot s = trainingAndOther("off", "ReplicaSet");
  api::NodePool second = s.nodePools[0];
  second.name = "gpu";
  second.annotations[std::string(api::kGpuIsolationAnnotation)] = "strict";
  s.nodePools.push_back(second);
  auto plan = solve(s, gpuCatalog());
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->lowerBoundGpuIsolation, "default=off, gpu=strict");
}

TEST(GpuIsolation, TheAnnotationTakesThreeValues) {
  EXPECT_EQ(api::parseGpuIsolation("strict"), api::GpuIsolation::kStrict);
  EXPECT_EQ(api::parseGpuIsolation("batch"), api::GpuIsolation::kBatch);
  EXPECT_EQ(api::parseGpuIsolation("off"), api::GpuIsolation::kOff);
  auto bad = api::parseGpuIsolation("Strict");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "must be strict, batch or off, not \"Strict\"");
}

}  // namespace
}  // namespace gantry::binpack
