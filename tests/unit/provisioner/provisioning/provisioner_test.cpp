// The provisioning pass with fakes of its seams (cluster writer, cloud, events, clock): claims
// carry what their launch needs and no cloud call is made, in-flight claims, failed launches,
// pools held back (launch backoff, node class not ready), limits, gangs and nominations.
#include "provisioner/provisioning/provisioner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "provisioner/state/launch_backoff.h"
#include "provisioner/state/nominations.h"
#include "src/api/ec2_nodeclass_status.h"
#include "src/api/well_known_labels.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_cloud_provider.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/support/builders.h"
#include "tests/support/metric_samples.h"

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
        provisioner_([] { return ClusterObjects{}; }, batcher_, writer_, cloud_, events_, clock_, {},
                     {.nominations = &nominations_, .launchBackoff = &backoff_}) {}

  // Runs a provisioner over `cloud` whose cluster always shows `pods` pending, on another
  // thread, until the fake clock has moved `span` on; returns when each pass read the cluster.
  std::vector<Clock::TimePoint> runFor(cloudprovider::FakeCloudProvider& cloud, std::vector<api::Pod> pods,
                                       Clock::Duration span) {
    std::mutex mu;
    std::vector<Clock::TimePoint> reads;
    const ClusterObjects cluster = objects(std::move(pods));
    Provisioner p([&] {
      std::lock_guard lock(mu);
      reads.push_back(clock_.now());
      return cluster;
    }, batcher_, writer_, cloud, events_, clock_);
    p.provision(cluster);  // the pass a batch asked for
    const auto until = clock_.now() + span;
    {
      std::jthread runner([&](std::stop_token stop) { p.run(stop); });
      // run() naps on the fake clock, which moves it on; a real-time bound guards the test.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (clock_.now() < until && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    EXPECT_GE(clock_.now(), until) << "the run loop did not move the clock on";
    std::lock_guard lock(mu);
    return reads;
  }

  ClusterObjects objects(std::vector<api::Pod> pods, api::NodePool pool = gpuPool()) {
    ClusterObjects o;
    o.pending = std::move(pods);
    o.nodePools = {std::move(pool)};
    return o;
  }

  std::vector<std::string> requirement(const api::NodeClaim& claim, std::string_view key) {
    for (const auto& r : claim.requirements) {
      if (r.key == key) return r.values;
    }
    return {};
  }

  FakeClock clock_;
  FakeClusterWriter writer_;
  cloudprovider::FakeCloudProvider cloud_;
  kube::FakeEventRecorder events_;
  state::Nominations nominations_;
  state::LaunchBackoff backoff_;
  Batcher batcher_;
  Provisioner provisioner_;
};

TEST_F(ProvisionerTest, OneGpuPodGetsOneClaimCarryingItsLaunchAndNoCloudCall) {
  ProvisionResult result = provisioner_.provision(objects({gpuPod("trial-0")}));

  EXPECT_EQ(result.claimsCreated, 1u);
  EXPECT_TRUE(cloud_.creates().empty()) << "launching is the lifecycle's job";
  ASSERT_EQ(writer_.claims.size(), 1u);
  const api::NodeClaim& claim = writer_.claims.begin()->second;
  EXPECT_TRUE(claim.hasFinalizer(api::nodeclaim::kTerminationFinalizer));
  EXPECT_EQ(claim.nodePool(), "gpu");
  EXPECT_EQ(claim.nodeClassRef.name, "default");
  EXPECT_EQ(claim.terminationGracePeriod, "");  // the pool sets none
  EXPECT_EQ(claim.resourceRequests.get("nvidia.com/gpu"), api::Quantity::fromValue(1));
  EXPECT_FALSE(claim.condition(api::nodeclaim::kLaunched));
  EXPECT_TRUE(claim.providerId.empty());
  // Only the planned type: the other GPU type is dearer.
  EXPECT_EQ(requirement(claim, api::label::kInstanceType), std::vector<std::string>{"g4dn.xlarge"});
  EXPECT_EQ(requirement(claim, api::label::kCapacityType), std::vector<std::string>{"on-demand"});
  EXPECT_FALSE(requirement(claim, api::label::kZone).empty());
  EXPECT_EQ(writer_.journal, std::vector<std::string>{"create " + claim.name});
  EXPECT_EQ(events_.count("Nominated", "trial-0"), 1u);
  EXPECT_EQ(nominations_.podsFor(claim.name, clock_.now()),
            std::vector<std::string>{"default/trial-0"});
}

TEST_F(ProvisionerTest, APassRecordsItsBatchSizeSolverTimeDurationAndClaimsCreated) {
  prometheus::Registry registry;
  ProvisionerMetrics metrics(registry);
  Provisioner metered([] { return ClusterObjects{}; }, batcher_, writer_, cloud_, events_, clock_,
                      {}, {.nominations = &nominations_, .metrics = &metrics});
  const Clock::TimePoint closed = clock_.now();
  clock_.advance(std::chrono::milliseconds(300));  // the pass starts 300 ms after the close
  ProvisionResult result =
      metered.provision(objects({gpuPod("trial-0"), gpuPod("trial-1"), gpuPod("trial-2")}), closed);
  ASSERT_EQ(result.claimsCreated, 3u);

  using testing::histogramSum;
  using testing::sampleValue;
  EXPECT_EQ(sampleValue(registry, "gantry_provisioning_batch_size"), 1);
  EXPECT_EQ(histogramSum(registry, "gantry_provisioning_batch_size"), 3);
  EXPECT_EQ(sampleValue(registry, "gantry_solver_duration_seconds"), 1);
  EXPECT_EQ(sampleValue(registry, "gantry_provisioning_duration_seconds"), 1);
  EXPECT_NEAR(histogramSum(registry, "gantry_provisioning_duration_seconds").value_or(0), 0.3, 1e-9);
  // Labelled with the plan's choice; the claims allow every zone, so no zone.
  EXPECT_EQ(sampleValue(registry, "gantry_nodeclaims_created_total",
                        {{"nodepool", "gpu"}, {"instance_type", "g4dn.xlarge"},
                         {"capacity_type", "on-demand"}, {"zone", ""}}),
            3);

  // A pass that creates nothing (the pod fits nowhere) is no provisioning latency.
  api::Pod huge = makePod("huge", {{"cpu", "1"}, {"nvidia.com/gpu", "64"}});
  EXPECT_EQ(metered.provision(objects({huge})).claimsCreated, 0u);
  EXPECT_EQ(sampleValue(registry, "gantry_provisioning_batch_size"), 2);
  EXPECT_EQ(sampleValue(registry, "gantry_solver_duration_seconds"), 2);
  EXPECT_EQ(sampleValue(registry, "gantry_provisioning_duration_seconds"), 1);
}

TEST_F(ProvisionerTest, AFailedLaunchIsNotCountedWhileTheCacheStillShowsItsClaim) {
  ASSERT_EQ(provisioner_.provision(objects({gpuPod("trial-0")})).claimsCreated, 1u);
  const std::vector<api::NodeClaim> stale = writer_.all();  // the cache, lagging the delete
  provisioner_.launchFailed(stale.front().name, /*capacityError=*/true);
  ClusterObjects lagging = objects({gpuPod("trial-0")});
  lagging.nodeClaims = testing::shared(stale);
  EXPECT_EQ(provisioner_.provision(lagging).claimsCreated, 1u);
  EXPECT_EQ(writer_.claims.size(), 2u);
}

TEST_F(ProvisionerTest, InFlightClaimPreventsASecondClaim) {
  ASSERT_EQ(provisioner_.provision(objects({gpuPod("trial-0")})).claimsCreated, 1u);
  // The cache has not seen our claim yet: the provisioner's own record counts.
  EXPECT_EQ(provisioner_.provision(objects({gpuPod("trial-0")})).claimsCreated, 0u);
  // The cache shows it now (not launched yet, as after a restart): still in flight.
  ClusterObjects withClaim = objects({gpuPod("trial-0")});
  withClaim.nodeClaims = testing::shared(writer_.all());
  EXPECT_EQ(provisioner_.provision(withClaim).claimsCreated, 0u);
  EXPECT_EQ(writer_.claims.size(), 1u);
}

TEST_F(ProvisionerTest, AClaimTheCacheSawDeletedNoLongerCountsAsInFlight) {
  ASSERT_EQ(provisioner_.provision(objects({gpuPod("trial-0")})).claimsCreated, 1u);
  // The cache adds the claim, then (no pass in between) it is deleted: its node never
  // registered. The pod must be planned again, not left to a claim that is gone.
  const std::string name = writer_.claims.begin()->first;
  ASSERT_TRUE(writer_.deleteNodeClaim(name).isOk());
  provisioner_.claimDeleted(name);
  ProvisionResult again = provisioner_.provision(objects({gpuPod("trial-0")}));
  EXPECT_EQ(again.claimsCreated, 1u);
}

TEST_F(ProvisionerTest, TheNodePoolsTerminationGracePeriodIsCopiedOntoTheClaim) {
  api::NodePool pool = gpuPool();
  pool.terminationGracePeriod = "30m";
  ASSERT_EQ(provisioner_.provision(objects({gpuPod("trial-0")}, pool)).claimsCreated, 1u);
  EXPECT_EQ(writer_.claims.begin()->second.terminationGracePeriod, "30m");
}

TEST_F(ProvisionerTest, ANodeClassNotReadyForItsCurrentSpecCreatesNothingAndTellsThePods) {
  api::NodePool pool = gpuPool();
  pool.nodeClassRef = "broken";
  NodeClassState broken{.name = "broken", .generation = 2};
  api::setCondition(broken.conditions, api::nodeclass::kReady, api::ConditionStatus::kFalse, "SubnetsNotFound",
                    "no subnet matches spec.subnetSelectorTerms", clock_.now(), 2);
  ClusterObjects o = objects({gpuPod("trial-0")}, pool);
  o.nodeClasses = {broken};
  ProvisionResult result = provisioner_.provision(o);
  EXPECT_EQ(result.claimsCreated, 0u);
  EXPECT_EQ(result.skippedPools, std::vector<std::string>{"gpu"});
  ASSERT_EQ(events_.count("FailedProvisioning", "trial-0"), 1u);
  EXPECT_NE(events_.events().back().message.find("no subnet matches"), std::string::npos);
  // The next pass says nothing new: one Event per pod, not one per pass.
  provisioner_.provision(o);
  EXPECT_EQ(events_.count("FailedProvisioning", "trial-0"), 1u);

  // The spec changed since (generation 3): the stale verdict does not block.
  o.nodeClasses[0].generation = 3;
  EXPECT_EQ(provisioner_.provision(o).claimsCreated, 1u);
}

TEST_F(ProvisionerTest, ANodeClassTheCloudCouldNotResolveIsSkippedToo) {
  NodeClassState unknown{.name = "default"};
  api::setCondition(unknown.conditions, api::nodeclass::kReady, api::ConditionStatus::kUnknown,
                    "ResolutionFailed", "cannot resolve EC2NodeClass: SSM unreachable", clock_.now());
  ClusterObjects o = objects({gpuPod("trial-0")});
  o.nodeClasses = {unknown};
  EXPECT_EQ(provisioner_.provision(o).claimsCreated, 0u);
  EXPECT_EQ(events_.count("FailedProvisioning", "trial-0"), 1u);
}

TEST_F(ProvisionerTest, APoolBackingOffIsLeftOutAndAnotherPoolServesThePod) {
  api::NodePool held = gpuPool();
  held.name = "held";
  held.weight = 50;  // preferred, were it not held
  api::NodePool other = gpuPool();
  other.name = "other";
  backoff_.recordFailure("held", "default", "AMI alias resolves to nothing", clock_.now());
  ClusterObjects o = objects({gpuPod("trial-0")}, held);
  o.nodePools.push_back(other);
  ProvisionResult result = provisioner_.provision(o);
  ASSERT_EQ(result.claimsCreated, 1u);
  EXPECT_EQ(writer_.claims.begin()->second.nodePool(), "other");
  EXPECT_EQ(result.skippedPools, std::vector<std::string>{"held"});
}

TEST_F(ProvisionerTest, APoolBackingOffAloneLeavesThePodPendingToldOnceUntilTheHoldEnds) {
  api::NodePool held = gpuPool();
  held.name = "held";
  backoff_.recordFailure("held", "default", "AMI alias resolves to nothing", clock_.now());
  ClusterObjects alone = objects({gpuPod("trial-1")}, held);
  EXPECT_EQ(provisioner_.provision(alone).claimsCreated, 0u);
  EXPECT_EQ(provisioner_.provision(alone).claimsCreated, 0u);
  ASSERT_EQ(events_.count("FailedProvisioning", "trial-1"), 1u);
  EXPECT_NE(events_.events().back().message.find("backing off"), std::string::npos);
  EXPECT_NE(events_.events().back().message.find("AMI alias"), std::string::npos);
  // The hold ends: the pool is used again.
  clock_.advance(std::chrono::seconds(11));
  EXPECT_EQ(provisioner_.provision(alone).claimsCreated, 1u);
}

TEST_F(ProvisionerTest, GpuLimitIsNeverExceededAndTheBlockedPodIsTold) {
  api::NodePool pool = gpuPool();
  pool.limits.set("nvidia.com/gpu", api::Quantity::fromValue(2));
  ProvisionResult result =
      provisioner_.provision(objects({gpuPod("trial-0"), gpuPod("trial-1"), gpuPod("trial-2")}, pool));
  EXPECT_EQ(result.claimsCreated, 2u);
  EXPECT_EQ(result.unschedulable, 1u);
  EXPECT_EQ(events_.count("FailedProvisioning"), 1u);
  ASSERT_TRUE(writer_.poolConditions.contains("gpu"));
  EXPECT_EQ(writer_.poolConditions["gpu"].type, kLimitReachedCondition);
  EXPECT_EQ(writer_.poolConditions["gpu"].status, api::ConditionStatus::kTrue);

  // A later batch with the claims in the cache still sees the limit.
  ClusterObjects later = objects({gpuPod("trial-2"), gpuPod("trial-3")}, pool);
  later.nodeClaims = testing::shared(writer_.all());
  EXPECT_EQ(provisioner_.provision(later).claimsCreated, 0u);
  EXPECT_EQ(writer_.claims.size(), 2u);
}

TEST_F(ProvisionerTest, PodNoTypeFitsGetsTheSolverReasonAndNothingIsCreated) {
  ProvisionResult result =
      provisioner_.provision(objects({makePod("huge", {{"nvidia.com/gpu", "64"}})}));
  EXPECT_EQ(result.unschedulable, 1u);
  EXPECT_EQ(events_.count("FailedProvisioning", "huge"), 1u);
  EXPECT_TRUE(writer_.claims.empty());
}

TEST_F(ProvisionerTest, NoNodePoolMeansNoClaim) {
  ClusterObjects o;
  o.pending = {gpuPod("trial-0")};
  EXPECT_EQ(provisioner_.provision(o).claimsCreated, 0u);
  EXPECT_EQ(events_.count("FailedProvisioning"), 1u);
  EXPECT_TRUE(writer_.claims.empty());
}

TEST_F(ProvisionerTest, GangMembersShareOneLaunchGroupWithItsSize) {
  std::vector<api::Pod> pods;
  for (int i = 0; i < 2; ++i) {
    api::Pod p = gpuPod("worker-" + std::to_string(i));
    p.gang = "job-a";
    pods.push_back(p);
  }
  ProvisionResult result = provisioner_.provision(objects(pods));
  ASSERT_EQ(result.claimsCreated, 2u);
  std::set<std::string> groups;
  for (const auto& [name, claim] : writer_.claims) {
    groups.insert(claim.annotations.at(std::string(api::nodeclaim::kGangAnnotation)));
    EXPECT_EQ(claim.annotations.at(std::string(api::nodeclaim::kGangSizeAnnotation)), "2");
  }
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups.begin()->rfind("gpu-gang-", 0), 0u) << *groups.begin();
  EXPECT_TRUE(cloud_.groups().empty());
}

TEST_F(ProvisionerTest, PodsPlannedOntoAnExistingNodeAreNominatedToIt) {
  api::Node warm;
  warm.name = "warm-node";
  warm.nodePool = "gpu";
  warm.instanceType = "g4dn.xlarge";
  warm.labels = {{"gantry.dev/nodepool", "gpu"}, {"node.kubernetes.io/instance-type", "g4dn.xlarge"},
                 {"kubernetes.io/arch", "amd64"}, {"kubernetes.io/os", "linux"}};
  warm.allocatable = testing::resources({{"cpu", "4"}, {"memory", "16Gi"}, {"pods", "29"},
                                         {"nvidia.com/gpu", "1"}});
  ClusterObjects o = objects({gpuPod("trial-1")});
  o.nodes = testing::shared<api::Node>({warm});
  EXPECT_EQ(provisioner_.provision(o).claimsCreated, 0u);
  EXPECT_TRUE(nominations_.nominated("warm-node", clock_.now()));
  clock_.advance(std::chrono::seconds(21));
  EXPECT_FALSE(nominations_.nominated("warm-node", clock_.now())) << "nominations expire";
}

// Capacity errors hold every GPU offering back, so the pod is unschedulable now; no pod or node
// event will come when the hold expires, so the provisioner itself plans it again (30 s).
TEST_F(ProvisionerTest, APodLeftOutWhileOfferingsAreHeldBackIsPlannedAgainWithoutAnyEvent) {
  api::InstanceTypes types = makeTypes({{"g4dn.xlarge", "4", "16Gi", 0.526, 1}});
  for (auto& o : types[0].offerings) o.available = false;
  cloudprovider::FakeCloudProvider held(types);
  const auto start = clock_.now();
  const auto reads = runFor(held, {gpuPod("trial-0")}, std::chrono::seconds(70));
  ASSERT_GE(reads.size(), 2u) << "planned again every 30 s while the offering is held back";
  EXPECT_GE(reads[0] - start, std::chrono::seconds(30));
  EXPECT_LT(reads[0] - start, std::chrono::seconds(31));
  EXPECT_TRUE(writer_.claims.empty());
}

// A pod no type could ever fit waits for an event (a new NodePool, a pod change): polling for
// it would only burn passes.
TEST_F(ProvisionerTest, APodNoTypeFitsIsNotPlannedAgainWhileEveryOfferingIsAvailable) {
  cloudprovider::FakeCloudProvider available(makeTypes({{"g4dn.xlarge", "4", "16Gi", 0.526, 1}}));
  api::Pod huge = makePod("huge", {{"cpu", "1"}, {"nvidia.com/gpu", "16"}});
  const auto reads = runFor(available, {huge}, std::chrono::seconds(70));
  EXPECT_TRUE(reads.empty()) << reads.size() << " passes without a reason";
}

}  // namespace
}  // namespace gantry::provisioner
