// Provisioning asks the cloud what each pool's nodes cost besides the instance (the neutral
// CloudProvider::nodeFixedCostPerHour) and hands it to the solver, which then buys fewer,
// larger nodes when that is cheaper in all.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "binpack/solver.h"
#include "provisioner/provisioning/provisioner.h"
#include "provisioner/state/launch_backoff.h"
#include "provisioner/state/nominations.h"
#include "src/api/well_known_labels.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_cloud_provider.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/support/builders.h"

namespace gantry::provisioner {
namespace {

using testing::makePod;
using testing::makeTypes;

class RecordingWriter final : public ClusterWriter {
 public:
  Result<api::NodeClaim> createNodeClaim(const api::NodeClaim& claim) override {
    std::lock_guard lock(mu);
    claims.push_back(claim);
    return claim;
  }
  Result<api::NodeClaim> updateNodeClaim(const api::NodeClaim& claim) override { return claim; }
  Status deleteNodeClaim(const std::string&) override { return Status::ok(); }
  Status setNodePoolCondition(const std::string&, const api::Condition&) override {
    return Status::ok();
  }
  std::vector<api::NodeClaim> claims;
  std::mutex mu;
};

class ProvisionerFixedCostTest : public ::testing::Test {
 protected:
  // Four small nodes ($0.040) or one large ($0.042) hold the eight pods.
  ProvisionerFixedCostTest()
      : cloud_(makeTypes({{"s.large", "1", "2Gi", 0.010}, {"l.xlarge", "4", "8Gi", 0.042}})),
        batcher_(clock_) {}

  std::map<std::string, double> solveAndRecord() {
    std::map<std::string, double> seen;
    ProvisionerOptions options;
    options.planner = [&](const binpack::Snapshot& snap, const api::InstanceTypes& types,
                          const binpack::Options& o) {
      seen.insert(snap.nodeFixedCostPerHour.begin(), snap.nodeFixedCostPerHour.end());
      return binpack::solve(snap, types, o);
    };
    Provisioner p([] { return ClusterObjects{}; }, batcher_, writer_, cloud_, events_, clock_,
                  options, {.nominations = &nominations_, .launchBackoff = &backoff_});
    ClusterObjects objects;
    for (int i = 0; i < 8; ++i) {
      objects.pending.push_back(makePod("p" + std::to_string(i), {{"cpu", "500m"}}));
    }
    api::NodePool pool = testing::openPool("general");
    pool.nodeClassRef = "volumes";
    objects.nodePools = {pool};
    p.provision(objects);
    return seen;
  }

  std::vector<std::string> typesClaimed() {
    std::vector<std::string> out;
    for (const auto& claim : writer_.claims) {
      for (const auto& r : claim.requirements) {
        if (r.key == api::label::kInstanceType) out.push_back(r.values.front());
      }
    }
    return out;
  }

  FakeClock clock_;
  RecordingWriter writer_;
  cloudprovider::FakeCloudProvider cloud_;
  kube::FakeEventRecorder events_;
  state::Nominations nominations_;
  state::LaunchBackoff backoff_;
  Batcher batcher_;
};

TEST_F(ProvisionerFixedCostTest, WithoutAFixedCostSmallNodesAreCheapest) {
  auto seen = solveAndRecord();
  EXPECT_EQ(seen.at("general"), 0.0);
  EXPECT_EQ(typesClaimed(), std::vector<std::string>(4, "s.large"));
}

TEST_F(ProvisionerFixedCostTest, TheCloudsFixedCostOfThePoolsClassReachesTheSolver) {
  cloud_.setNodeFixedCost("volumes", 0.002);
  auto seen = solveAndRecord();
  EXPECT_DOUBLE_EQ(seen.at("general"), 0.002);
  EXPECT_EQ(typesClaimed(), std::vector<std::string>{"l.xlarge"});
}

}  // namespace
}  // namespace gantry::provisioner
