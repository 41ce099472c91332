// The provisioning pass with fakes of its seams (cluster writer, cloud, events, clock): the
// order of intent and launch, capacity-error re-plans, in-flight claims, limits and gangs.
#include "provisioner/provisioning/provisioner.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "src/api/well_known_labels.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_cloud_provider.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/support/builders.h"

namespace gantry::provisioner {
namespace {

using testing::makePod;
using testing::makeTypes;

// Keeps NodeClaims and NodePool conditions in memory, like the apiserver would.
class FakeClusterWriter final : public ClusterWriter {
 public:
  Result<api::NodeClaim> createNodeClaim(const api::NodeClaim& claim) override {
    std::lock_guard lock(mu);
    if (claims.contains(claim.name)) return fail(Status::alreadyExists(claim.name));
    api::NodeClaim stored = claim;
    stored.uid = "uid-" + claim.name;
    stored.resourceVersion = std::to_string(++version);
    claims[claim.name] = stored;
    journal.push_back("create " + claim.name);
    return stored;
  }
  Result<api::NodeClaim> updateNodeClaim(const api::NodeClaim& claim) override {
    std::lock_guard lock(mu);
    auto it = claims.find(claim.name);
    if (it == claims.end()) return fail(Status::notFound(claim.name));
    api::NodeClaim stored = claim;
    stored.resourceVersion = std::to_string(++version);
    it->second = stored;
    journal.push_back("update " + claim.name);
    return stored;
  }
  Status deleteNodeClaim(const std::string& name) override {
    std::lock_guard lock(mu);
    claims.erase(name);
    deleted.push_back(name);
    journal.push_back("delete " + name);
    return Status::ok();
  }
  Result<api::Ec2NodeClass> getNodeClass(const std::string& name) override {
    if (name != "default") return fail(Status::notFound("ec2nodeclass " + name));
    api::Ec2NodeClass nc;
    nc.name = name;
    return nc;
  }
  Status setNodePoolCondition(const std::string& pool, const api::Condition& condition) override {
    std::lock_guard lock(mu);
    poolConditions[pool] = condition;
    return Status::ok();
  }

  std::vector<api::NodeClaim> all() const {
    std::vector<api::NodeClaim> out;
    for (const auto& [_, c] : claims) out.push_back(c);
    return out;
  }

  std::map<std::string, api::NodeClaim> claims;
  std::map<std::string, api::Condition> poolConditions;
  std::vector<std::string> deleted;
  std::vector<std::string> journal;
  int version = 0;
  std::mutex mu;  // launches run concurrently
};

api::NodePool gpuPool() {
  api::NodePool pool = testing::openPool("gpu");
  pool.nodeClassRef = "default";
  return pool;
}

api::Pod gpuPod(std::string name) { return makePod(std::move(name), {{"cpu", "1"}, {"nvidia.com/gpu", "1"}}); }

class ProvisionerTest : public ::testing::Test {
 protected:
  ProvisionerTest()
      : cloud_(makeTypes({{"c5.large", "2", "4Gi", 0.085},
                          {"g4dn.xlarge", "4", "16Gi", 0.526, 1},
                          {"g5.xlarge", "4", "16Gi", 1.006, 1}})),
        batcher_(clock_),
        provisioner_([] { return ClusterObjects{}; }, batcher_, writer_, cloud_, events_, clock_) {}

  ClusterObjects objects(std::vector<api::Pod> pods, api::NodePool pool = gpuPool()) {
    ClusterObjects o;
    o.pending = std::move(pods);
    o.nodePools = {std::move(pool)};
    return o;
  }

  FakeClock clock_;
  FakeClusterWriter writer_;
  cloudprovider::FakeCloudProvider cloud_;
  kube::FakeEventRecorder events_;
  Batcher batcher_;
  Provisioner provisioner_;
};

TEST_F(ProvisionerTest, OneGpuPodGetsOneClaimCreatedBeforeTheLaunchThenLaunched) {
  std::vector<std::string> claimsAtLaunch;
  cloud_.onCreate = [&](const cloudprovider::CreateRequest& r) {
    ASSERT_TRUE(writer_.claims.contains(r.nodeClaimName)) << "launched before the NodeClaim existed";
    claimsAtLaunch.push_back(r.nodeClaimName);
  };
  ProvisionResult result = provisioner_.provision(objects({gpuPod("trial-0")}));

  EXPECT_EQ(result.claimsCreated, 1u);
  EXPECT_EQ(result.launched, 1u);
  ASSERT_EQ(cloud_.creates().size(), 1u);
  EXPECT_EQ(cloud_.creates()[0].instanceTypes.front().name, "g4dn.xlarge");
  ASSERT_EQ(writer_.claims.size(), 1u);
  const api::NodeClaim& claim = writer_.claims.begin()->second;
  EXPECT_EQ(claimsAtLaunch, std::vector<std::string>{claim.name});
  EXPECT_TRUE(claim.hasFinalizer(api::nodeclaim::kTerminationFinalizer));
  EXPECT_EQ(claim.nodePool(), "gpu");
  EXPECT_EQ(claim.nodeClassRef.name, "default");
  EXPECT_EQ(claim.terminationGracePeriod, "");  // the pool sets none
  EXPECT_EQ(claim.resourceRequests.get("nvidia.com/gpu"), api::Quantity::fromValue(1));
  EXPECT_TRUE(claim.isTrue(api::nodeclaim::kLaunched));
  EXPECT_FALSE(claim.providerId.empty());
  EXPECT_EQ(claim.labels.at(std::string(api::label::kInstanceType)), "g4dn.xlarge");
  EXPECT_EQ(claim.allocatable.get("nvidia.com/gpu"), api::Quantity::fromValue(1));
  bool pinned = false;
  for (const auto& r : claim.requirements) {
    if (r.key == api::label::kInstanceType) pinned = r.values == std::vector<std::string>{"g4dn.xlarge"};
  }
  EXPECT_TRUE(pinned);
  EXPECT_EQ(writer_.journal, (std::vector<std::string>{"create " + claim.name, "update " + claim.name}));
  EXPECT_EQ(events_.count("Nominated", "trial-0"), 1u);
}

TEST_F(ProvisionerTest, CapacityErrorDeletesTheClaimAndReplansOntoTheNextType) {
  cloud_.failWithCapacityError("g4dn.xlarge");
  ProvisionResult first = provisioner_.provision(objects({gpuPod("trial-0")}));
  EXPECT_EQ(first.capacityErrors, 1u);
  EXPECT_TRUE(first.replanNow);
  EXPECT_TRUE(writer_.claims.empty());
  ASSERT_EQ(writer_.deleted.size(), 1u);
  EXPECT_EQ(events_.count("InsufficientCapacity"), 1u);

  ProvisionResult second = provisioner_.provision(objects({gpuPod("trial-0")}));
  EXPECT_EQ(second.launched, 1u);
  EXPECT_FALSE(second.replanNow);
  ASSERT_EQ(cloud_.instances().size(), 1u);
  EXPECT_EQ(cloud_.instances()[0].instanceType, "g5.xlarge");
}

TEST_F(ProvisionerTest, ClaimDeletedAfterACapacityErrorIsNotCountedWhileTheCacheStillShowsIt) {
  cloud_.failWithCapacityError("g4dn.xlarge");
  std::vector<api::NodeClaim> stale;
  cloud_.onCreate = [&](const cloudprovider::CreateRequest&) {
    if (stale.empty()) stale = writer_.all();  // what the cache holds when the launch fails
  };
  ASSERT_TRUE(provisioner_.provision(objects({gpuPod("trial-0")})).replanNow);
  ASSERT_EQ(stale.size(), 1u);
  ClusterObjects lagging = objects({gpuPod("trial-0")});
  lagging.nodeClaims = stale;
  EXPECT_EQ(provisioner_.provision(lagging).launched, 1u);
  EXPECT_EQ(cloud_.instances().size(), 1u);
}

TEST_F(ProvisionerTest, InFlightClaimPreventsASecondLaunch) {
  ASSERT_EQ(provisioner_.provision(objects({gpuPod("trial-0")})).launched, 1u);
  // The cache has not seen our claim yet: the provisioner's own record counts.
  EXPECT_EQ(provisioner_.provision(objects({gpuPod("trial-0")})).claimsCreated, 0u);
  // The cache shows it now (registered or not, not initialized).
  ClusterObjects withClaim = objects({gpuPod("trial-0")});
  withClaim.nodeClaims = writer_.all();
  EXPECT_EQ(provisioner_.provision(withClaim).claimsCreated, 0u);
  EXPECT_EQ(cloud_.creates().size(), 1u);
}

TEST_F(ProvisionerTest, AClaimTheCacheSawDeletedNoLongerCountsAsInFlight) {
  ASSERT_EQ(provisioner_.provision(objects({gpuPod("trial-0")})).launched, 1u);
  // The cache adds the claim, then (no pass in between) it is deleted: its node never
  // registered. The pod must be planned again, not left to a claim that is gone.
  const std::string name = writer_.claims.begin()->first;
  ASSERT_TRUE(writer_.deleteNodeClaim(name).isOk());
  provisioner_.claimDeleted(name);
  ProvisionResult again = provisioner_.provision(objects({gpuPod("trial-0")}));
  EXPECT_EQ(again.claimsCreated, 1u);
  EXPECT_EQ(cloud_.creates().size(), 2u);
}

TEST_F(ProvisionerTest, TheNodePoolsTerminationGracePeriodIsCopiedOntoTheClaim) {
  api::NodePool pool = gpuPool();
  pool.terminationGracePeriod = "30m";
  ASSERT_EQ(provisioner_.provision(objects({gpuPod("trial-0")}, pool)).claimsCreated, 1u);
  EXPECT_EQ(writer_.claims.begin()->second.terminationGracePeriod, "30m");
}

TEST_F(ProvisionerTest, ANodeClassNotReadyForItsCurrentSpecLaunchesNothingAndTellsThePods) {
  api::NodePool pool = gpuPool();
  pool.nodeClassRef = "broken";
  api::Ec2NodeClass broken;
  broken.name = "broken";
  broken.generation = 2;
  api::setCondition(broken.status.conditions, api::nodeclass::kReady, api::ConditionStatus::kFalse, "SubnetsNotFound",
                    "no subnet matches spec.subnetSelectorTerms", clock_.now(), 2);
  ClusterObjects o = objects({gpuPod("trial-0")}, pool);
  o.nodeClasses = {broken};
  EXPECT_EQ(provisioner_.provision(o).claimsCreated, 0u);
  EXPECT_TRUE(cloud_.creates().empty());
  EXPECT_EQ(events_.count("FailedProvisioning", "trial-0"), 1u);

  // The spec changed since (generation 3): the stale verdict does not block.
  o.nodeClasses[0].generation = 3;
  EXPECT_EQ(provisioner_.provision(o).launched, 1u);
}

TEST_F(ProvisionerTest, TheNodeClassComesFromTheCacheWhenItHasIt) {
  api::NodePool pool = gpuPool();
  pool.nodeClassRef = "cached-only";  // the writer's GET does not know it
  ClusterObjects o = objects({gpuPod("trial-0")}, pool);
  api::Ec2NodeClass cached;
  cached.name = "cached-only";
  o.nodeClasses = {cached};
  EXPECT_EQ(provisioner_.provision(o).launched, 1u);
  ASSERT_EQ(cloud_.creates().size(), 1u);
  EXPECT_EQ(cloud_.creates()[0].nodeClass.name, "cached-only");
}

TEST_F(ProvisionerTest, GpuLimitIsNeverExceededAndTheBlockedPodIsTold) {
  api::NodePool pool = gpuPool();
  pool.limits.set("nvidia.com/gpu", api::Quantity::fromValue(2));
  ProvisionResult result =
      provisioner_.provision(objects({gpuPod("trial-0"), gpuPod("trial-1"), gpuPod("trial-2")}, pool));
  EXPECT_EQ(result.launched, 2u);
  EXPECT_EQ(result.unschedulable, 1u);
  EXPECT_EQ(events_.count("FailedProvisioning"), 1u);
  ASSERT_TRUE(writer_.poolConditions.contains("gpu"));
  EXPECT_EQ(writer_.poolConditions["gpu"].type, kLimitReachedCondition);
  EXPECT_EQ(writer_.poolConditions["gpu"].status, api::ConditionStatus::kTrue);

  // A later batch with the launched claims in the cache still sees the limit.
  ClusterObjects later = objects({gpuPod("trial-2"), gpuPod("trial-3")}, pool);
  later.nodeClaims = writer_.all();
  EXPECT_EQ(provisioner_.provision(later).launched, 0u);
  EXPECT_EQ(cloud_.creates().size(), 2u);
}

TEST_F(ProvisionerTest, PodNoTypeFitsGetsTheSolverReasonAndNothingLaunches) {
  ProvisionResult result =
      provisioner_.provision(objects({makePod("huge", {{"nvidia.com/gpu", "64"}})}));
  EXPECT_EQ(result.unschedulable, 1u);
  EXPECT_EQ(events_.count("FailedProvisioning", "huge"), 1u);
  EXPECT_TRUE(cloud_.creates().empty());
  EXPECT_TRUE(writer_.claims.empty());
}

TEST_F(ProvisionerTest, OtherLaunchErrorMarksLaunchedFalseWithTheMessageAndWaits) {
  cloud_.failNext(Status::unauthorized("UnauthorizedOperation: not allowed"));
  ProvisionResult result = provisioner_.provision(objects({gpuPod("trial-0")}));
  EXPECT_EQ(result.launchErrors, 1u);
  EXPECT_FALSE(result.replanNow);
  EXPECT_TRUE(writer_.claims.empty());
  ASSERT_EQ(events_.count("LaunchFailed"), 1u);
  for (const auto& e : events_.events()) {
    if (e.reason == "LaunchFailed") { EXPECT_NE(e.message.find("UnauthorizedOperation"), std::string::npos); }
  }
  // The update before the delete carried Launched=False.
  ASSERT_GE(writer_.journal.size(), 3u);
  EXPECT_EQ(writer_.journal[1].rfind("update ", 0), 0u);
}

TEST_F(ProvisionerTest, NoNodePoolMeansNoLaunch) {
  ClusterObjects o;
  o.pending = {gpuPod("trial-0")};
  EXPECT_EQ(provisioner_.provision(o).claimsCreated, 0u);
  EXPECT_EQ(events_.count("FailedProvisioning"), 1u);
  EXPECT_TRUE(cloud_.creates().empty());
}

TEST_F(ProvisionerTest, GangLaunchesAllOrNothingThroughCreateGroup) {
  std::vector<api::Pod> pods;
  for (int i = 0; i < 2; ++i) {
    api::Pod p = gpuPod("worker-" + std::to_string(i));
    p.gang = "job-a";
    pods.push_back(p);
  }
  ProvisionResult result = provisioner_.provision(objects(pods));
  ASSERT_EQ(cloud_.groups().size(), 1u);
  EXPECT_EQ(cloud_.groups()[0].nodeClaimNames.size(), 2u);
  EXPECT_EQ(result.launched, 2u);
  EXPECT_TRUE(cloud_.creates().empty());
}

}  // namespace
}  // namespace gantry::provisioner
