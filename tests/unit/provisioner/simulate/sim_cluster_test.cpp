// The in-memory apiserver: deterministic claim names, finalizers holding deletion, stale
// resourceVersions refused, and the observer told of every change; plus the virtual clock
// and the event queue the engine runs on.
#include "provisioner/simulate/sim_cluster.h"

#include <gtest/gtest.h>

#include "provisioner/simulate/event_queue.h"
#include "provisioner/simulate/virtual_clock.h"
#include "src/api/well_known_labels.h"

namespace gantry::provisioner::simulate {
namespace {

const Clock::TimePoint kStart = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};

struct Recorder final : ClusterObserver {
  std::vector<std::string> seen;
  void claimChanged(const api::NodeClaim* before, const api::NodeClaim* after) override {
    const char* what = after == nullptr ? "delete" : before == nullptr ? "add" : "update";
    seen.push_back(std::string(what) + " claim " + (after ? after->name : before->name));
  }
  void nodeChanged(const api::Node*, const api::Node* after) override {
    seen.push_back(std::string("node ") + (after ? after->name : "gone"));
  }
  void podRemoved(const api::Pod& pod) override { seen.push_back("pod removed " + pod.key()); }
};

api::NodeClaim claimFor(const std::string& pool) {
  api::NodeClaim claim;
  claim.name = pool + "-random";
  claim.labels = {{std::string(api::label::kNodePool), pool}};
  claim.finalizers = {std::string(api::nodeclaim::kTerminationFinalizer)};
  claim.nodeClassRef = {"gantry.dev", "EC2NodeClass", "default"};
  return claim;
}

TEST(SimCluster, NamesClaimsByCounterAndHoldsDeletionUntilTheFinalizerGoes) {
  VirtualClock clock(kStart);
  Recorder observer;
  SimCluster cluster(clock, &observer);
  auto first = cluster.provisionerWriter().createNodeClaim(claimFor("gpu"));
  auto second = cluster.provisionerWriter().createNodeClaim(claimFor("gpu"));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->name, "gpu-00001");
  EXPECT_EQ(second->name, "gpu-00002");
  EXPECT_EQ(first->creationTimestamp, kStart);

  ASSERT_TRUE(cluster.deleteNodeClaim("gpu-00001").isOk());
  auto deleting = cluster.reader().nodeClaim("gpu-00001");
  ASSERT_NE(deleting, nullptr);  // the termination finalizer holds it
  EXPECT_TRUE(deleting->deleting());
  // A patch with the resourceVersion it had before is refused.
  Status stale = cluster.patchNodeClaim(
      "gpu-00001",
      {{"metadata",
        {{"resourceVersion", first->resourceVersion}, {"finalizers", nlohmann::json::array()}}}});
  EXPECT_EQ(stale.code(), StatusCode::kConflict);
  Status released =
      cluster.patchNodeClaim("gpu-00001", {{"metadata",
                                            {{"resourceVersion", deleting->resourceVersion},
                                             {"finalizers", nlohmann::json::array()}}}});
  ASSERT_TRUE(released.isOk()) << released.message();
  EXPECT_EQ(cluster.reader().nodeClaim("gpu-00001"), nullptr);
  EXPECT_EQ(observer.seen,
            (std::vector<std::string>{"add claim gpu-00001", "add claim gpu-00002",
                                      "update claim gpu-00001", "delete claim gpu-00001"}))
      << "a delete is an update (deletionTimestamp), the finalizer's removal the deletion";
}

TEST(SimCluster, ProvisionerDeleteDropsTheFinalizerAndEvictionRemovesThePod) {
  VirtualClock clock(kStart);
  Recorder observer;
  SimCluster cluster(clock, &observer);
  ASSERT_TRUE(cluster.provisionerWriter().createNodeClaim(claimFor("cpu")));
  ASSERT_TRUE(cluster.provisionerWriter().deleteNodeClaim("cpu-00001").isOk());
  EXPECT_EQ(cluster.reader().nodeClaim("cpu-00001"), nullptr);

  api::Pod pod;
  pod.ns = "ml";
  pod.name = "p";
  pod.nodeName = "n";
  cluster.putPod(pod);
  ASSERT_TRUE(cluster.evictPod("ml", "p").isOk());
  EXPECT_EQ(cluster.reader().pod("ml/p"), nullptr);
  EXPECT_EQ(cluster.evictPod("ml", "p").code(), StatusCode::kNotFound);
  EXPECT_EQ(observer.seen.back(), "pod removed ml/p");
}

TEST(VirtualClock, SleepingNeitherBlocksNorMovesTime) {
  VirtualClock clock(kStart);
  clock.sleepFor(std::chrono::hours(5));
  EXPECT_EQ(clock.now(), kStart);
  EXPECT_EQ(clock.sleeps(), 1u);
  clock.advanceTo(kStart + std::chrono::seconds(90));
  clock.advanceTo(kStart);  // never backwards
  EXPECT_EQ(clock.now(), kStart + std::chrono::seconds(90));
}

TEST(EventQueue, RunsByTimeThenByOrderQueuedIncludingWhatActionsQueueForNow) {
  EventQueue queue;
  std::string order;
  queue.at(kStart + std::chrono::seconds(2), [&] { order += "c"; });
  queue.at(kStart + std::chrono::seconds(1), [&] { order += "a"; });
  queue.at(kStart + std::chrono::seconds(1), [&] {
    order += "b";
    queue.at(kStart + std::chrono::seconds(1), [&] { order += "b2"; });
  });
  EXPECT_EQ(queue.nextTime(), kStart + std::chrono::seconds(1));
  EXPECT_EQ(queue.runDue(kStart + std::chrono::seconds(1)), 3u);
  EXPECT_EQ(order, "abb2");
  EXPECT_EQ(queue.nextTime(), kStart + std::chrono::seconds(2));
}

}  // namespace
}  // namespace gantry::provisioner::simulate
