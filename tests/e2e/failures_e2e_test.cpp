// `gantry controller` end to end when things go wrong: a pod no instance type can satisfy,
// a capacity error from EC2 for the cheapest type, a node that never registers, and a
// NodePool GPU limit. Each asserts what a user would see (Events, NodeClaim status, NodePool
// condition) and what exists in moto.
#include <set>

#include "tests/e2e/e2e_fixture.h"

namespace gantry::e2e {
namespace {

const std::vector<std::string> kGpuTypes = {"g4dn.xlarge", "g5.xlarge", "p3.2xlarge"};

class FailuresE2eTest : public GantryE2eTest {};

TEST_F(FailuresE2eTest, APodNoTypeCanSatisfyGetsAnEventAndNothingLaunches) {
  ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, true));
  ASSERT_NO_FATAL_FAILURE(createNodePool(run_, run_, kGpuTypes, {{"nvidia.com/gpu", "64"}}));
  ASSERT_NO_FATAL_FAILURE(startController());
  ASSERT_NO_FATAL_FAILURE(createPod("too-big", 16));  // the largest allowed type has 1 GPU

  std::vector<json> events;
  ASSERT_TRUE(eventually([&] { return !(events = eventsFor("too-big", run_, "FailedProvisioning")).empty(); }, 30s))
      << controller_->output();
  const std::string message = events[0].value("message", "");
  EXPECT_EQ(events[0].value("type", ""), "Warning");
  EXPECT_NE(message.find("cannot provision a node for this pod"), std::string::npos) << message;
  EXPECT_NE(message.find("nvidia.com/gpu"), std::string::npos) << "names the resource no type has: " << message;
  std::this_thread::sleep_for(3s);
  EXPECT_TRUE(claims().empty());
  EXPECT_TRUE(liveInstances().empty());
  EXPECT_FALSE(controller_->waitFor("launching instance", 0ms));
}

TEST_F(FailuresE2eTest, ACapacityErrorForTheCheapestTypeLaunchesTheNextAndIsReported) {
  ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, true));
  ASSERT_NO_FATAL_FAILURE(createNodePool(run_, run_, kGpuTypes, {{"nvidia.com/gpu", "8"}}));
  const json rule = faults_->add({{"code", "InsufficientInstanceCapacity"}, {"instanceType", "g4dn.xlarge"},
                                  {"message", "We currently do not have sufficient g4dn.xlarge capacity (e2e)."}});
  // Every version of every claim of this run, to see the failed one's status before it goes.
  std::mutex mu;
  std::vector<api::NodeClaim> seen;
  kube::ClusterCache cache(client(), clock_,
                           {.nodePools = {.labelSelector = "e2e-run=" + run_},
                            .nodeClaims = {.labelSelector = "e2e-run=" + run_},
                            .gantryResources = true});
  auto record = [&](const kube::ObjectPtr<api::NodeClaim>& c) {
    std::lock_guard lock(mu);
    seen.push_back(*c);
  };
  cache.nodeClaims().addHandlers(
      {.onAdd = record,
       .onUpdate = [&](const kube::ObjectPtr<api::NodeClaim>&, const kube::ObjectPtr<api::NodeClaim>& c) { record(c); },
       .onDelete = nullptr});
  cache.start();
  ASSERT_TRUE(cache.waitForSync(10s));

  ASSERT_NO_FATAL_FAILURE(startController());
  ASSERT_NO_FATAL_FAILURE(createPod("trial", 1));
  ASSERT_TRUE(controller_->waitFor("launched nodeclaim", 60s)) << controller_->output();
  cache.stop();
  EXPECT_GE(faults_->hits(rule), 1);

  auto instances = liveInstances();
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].instanceType, "g5.xlarge") << "the next cheapest NVIDIA type";

  // The failed claim said why in its status, and in a Warning Event, before it was deleted.
  std::string failedClaim;
  {
    std::lock_guard lock(mu);
    for (const auto& c : seen) {
      const api::Condition* launched = c.condition(api::nodeclaim::kLaunched);
      if (launched && launched->status == api::ConditionStatus::kFalse && launched->reason == "InsufficientCapacity") {
        failedClaim = c.name;
        EXPECT_NE(launched->message.find("g4dn.xlarge"), std::string::npos) << launched->message;
      }
    }
  }
  ASSERT_FALSE(failedClaim.empty()) << "no NodeClaim showed Launched=False InsufficientCapacity";
  auto events = eventsFor(failedClaim, "default", "InsufficientCapacity");
  ASSERT_FALSE(events.empty());
  EXPECT_NE(events[0].value("message", "").find("sufficient g4dn.xlarge capacity"), std::string::npos)
      << events[0].dump();
  auto remaining = claims();
  ASSERT_EQ(remaining.size(), 1u);
  EXPECT_NE(remaining[0]["metadata"]["name"], failedClaim);
  EXPECT_EQ(remaining[0]["metadata"]["labels"].value("node.kubernetes.io/instance-type", ""), "g5.xlarge");
}

TEST_F(FailuresE2eTest, ANodeThatNeverRegistersIsTerminatedAfterTheTtlAndItsPodReplanned) {
  ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, /*registers=*/false));
  ASSERT_NO_FATAL_FAILURE(createNodePool(run_, run_, kGpuTypes, {{"nvidia.com/gpu", "8"}}));
  ASSERT_NO_FATAL_FAILURE(startController({"--registration-ttl", "15s"}));
  ASSERT_NO_FATAL_FAILURE(createPod("trial", 1));

  ASSERT_TRUE(controller_->waitFor("launched nodeclaim", 60s)) << controller_->output();
  // The line is logged when EC2 answers; the claim's status is written a moment later.
  std::vector<json> first;
  ASSERT_TRUE(eventually(
      [&] {
        first = claims();
        if (first.size() != 1) return false;
        const json& status = first[0]["status"];
        return status.is_object() && !status.value("providerID", "").empty();
      },
      10s));
  const std::string firstClaim = first[0]["metadata"]["name"];
  const std::string firstInstance = first[0]["status"].value("providerID", "");
  ASSERT_FALSE(firstInstance.empty());

  // Past the TTL: the instance is terminated, the claim gone, and the pod planned again.
  ASSERT_TRUE(eventually(
      [&] {
        auto now = claims();
        return now.size() == 1 && now[0]["metadata"]["name"] != firstClaim &&
               conditionStatus(now[0], "Launched") == "True";
      },
      60s))
      << controller_->output();
  auto gone = provider_->get(firstInstance);
  EXPECT_TRUE(!gone || gone->state == "shutting-down" || gone->state == "terminated")
      << firstInstance << " is " << gone->state;
  auto events = eventsFor(firstClaim, "default");
  bool told = false;
  for (const auto& e : events) told = told || e.value("message", "").find("No Node registered within 15s") != std::string::npos;
  EXPECT_TRUE(told) << json(events).dump();
  EXPECT_EQ(liveInstances().size(), 1u) << "the replacement only";
  auto nominated = eventsFor("trial", run_, "Nominated");
  std::set<std::string> messages;
  for (const auto& e : nominated) messages.insert(e.value("message", ""));
  EXPECT_GE(messages.size(), 2u) << "nominated to the first claim, then to its replacement";
}

TEST_F(FailuresE2eTest, ANodePoolGpuLimitOfTwoStopsTheThirdTrialWithAConditionAndEvents) {
  ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, true));
  ASSERT_NO_FATAL_FAILURE(createNodePool(run_, run_, kGpuTypes, {{"nvidia.com/gpu", "2"}}));
  ASSERT_NO_FATAL_FAILURE(startController());
  ASSERT_NO_FATAL_FAILURE(createJob("trial", 3, 1));

  ASSERT_TRUE(controller_->waitFor("launched nodeclaim", 60s, 2)) << controller_->output();
  json pool;
  ASSERT_TRUE(eventually([&] { return conditionStatus(pool = nodePool(run_), "LimitReached") == "True"; }, 30s))
      << pool.dump();
  EXPECT_NE(condition(pool, "LimitReached").value("message", "").find("nvidia.com/gpu"), std::string::npos)
      << pool.dump();
  EXPECT_FALSE(eventsFor(run_, "default", "LimitReached").empty());

  // The third trial is told why; the other two run.
  std::string waiting;
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& p : pods()) {
          if (!p["spec"].value("nodeName", "").empty()) continue;
          for (const auto& e : eventsFor(p["metadata"]["name"], run_, "FailedProvisioning")) {
            if (e.value("message", "").find("limit") != std::string::npos) waiting = p["metadata"]["name"];
          }
        }
        return !waiting.empty();
      },
      60s));
  std::this_thread::sleep_for(10s);  // well past another batch window: still two
  EXPECT_EQ(claims().size(), 2u);
  EXPECT_EQ(liveInstances().size(), 2u);
  size_t running = 0;
  for (const auto& p : pods()) running += p["status"].value("phase", "") == "Running";
  EXPECT_EQ(running, 2u);
}

}  // namespace
}  // namespace gantry::e2e
