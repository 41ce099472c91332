// The pod filters consolidation applies, and the GPU-aware utilisation.
#include "provisioner/disruption/consolidation_candidates.h"

#include <gtest/gtest.h>

#include "tests/support/builders.h"

namespace gantry::provisioner::disruption {
namespace {

using gantry::testing::resources;

api::Pod ownedPod(const std::string& kind) {
  api::Pod p;
  p.name = "p";
  p.owner = {.kind = kind, .name = "owner", .uid = "u"};
  return p;
}

TEST(ConsolidationCandidates, ReplicaSetPodsMove) {
  EXPECT_FALSE(consolidationBlock(ownedPod("ReplicaSet"), api::NodePool{}).has_value());
  EXPECT_FALSE(consolidationBlock(ownedPod("StatefulSet"), api::NodePool{}).has_value());
}

TEST(ConsolidationCandidates, BarePodsBlock) {
  api::Pod bare;
  bare.name = "bare";
  auto block = consolidationBlock(bare, api::NodePool{});
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(block->cause, "no-controller");
}

TEST(ConsolidationCandidates, HostPathStorageBlocks) {
  api::Pod p = ownedPod("ReplicaSet");
  p.localStorage = true;
  ASSERT_TRUE(consolidationBlock(p, api::NodePool{}).has_value());
  EXPECT_EQ(consolidationBlock(p, api::NodePool{})->cause, "local-storage");
}

TEST(ConsolidationCandidates, DoNotDisruptBlocks) {
  api::Pod p = ownedPod("ReplicaSet");
  p.annotations["karpenter.sh/do-not-disrupt"] = "true";
  EXPECT_EQ(consolidationBlock(p, api::NodePool{})->cause, "do-not-disrupt");
}

TEST(ConsolidationCandidates, TrainingPodsBlockUnlessThePoolOptsOut) {
  api::NodePool pool;
  for (const char* kind : {"Job", "TFJob", "PyTorchJob", "MPIJob", "JAXJob", "XGBoostJob"}) {
    auto block = consolidationBlock(ownedPod(kind), pool);
    ASSERT_TRUE(block.has_value()) << kind;
    EXPECT_EQ(block->cause, "training-pod");
  }
  api::Pod trial = ownedPod("ReplicaSet");
  trial.labels["katib.kubeflow.org/trial"] = "random-abc";
  EXPECT_TRUE(consolidationBlock(trial, pool).has_value());

  pool.annotations[std::string(kConsolidateTrainingPodsAnnotation)] = "true";
  EXPECT_FALSE(consolidationBlock(ownedPod("PyTorchJob"), pool).has_value());
  EXPECT_FALSE(consolidationBlock(trial, pool).has_value());
}

TEST(ConsolidationCandidates, DaemonSetAndMirrorPodsNeverBlock) {
  api::Pod ds = ownedPod("DaemonSet");
  ds.localStorage = true;
  EXPECT_FALSE(consolidationBlock(ds, api::NodePool{}).has_value());
  api::Pod mirror;
  mirror.annotations["kubernetes.io/config.mirror"] = "x";
  EXPECT_FALSE(consolidationBlock(mirror, api::NodePool{}).has_value());
}

TEST(ConsolidationCandidates, UtilisationOfAGpuNodeIsItsGpus) {
  auto gpuNode = resources({{"cpu", "4"}, {"memory", "16Gi"}, {"nvidia.com/gpu", "4"}});
  EXPECT_DOUBLE_EQ(utilisation(gpuNode, resources({{"cpu", "4"}})), 0.0);
  EXPECT_DOUBLE_EQ(utilisation(gpuNode, resources({{"cpu", "1"}, {"nvidia.com/gpu", "1"}})), 0.25);
  auto cpuNode = resources({{"cpu", "4"}, {"memory", "16Gi"}});
  EXPECT_DOUBLE_EQ(utilisation(cpuNode, resources({{"cpu", "1"}, {"memory", "12Gi"}})), 0.75);
}

}  // namespace
}  // namespace gantry::provisioner::disruption
