// `gantry controller` end to end against a NodePool that can never launch, with a pending GPU
// pod. Without the EC2NodeClass status being consulted and the launch backoff, each batch
// window would create a NodeClaim, fail its launch, delete it and repeat, with fresh Warning
// Events each time (a hot loop). Two ways in:
// - an EC2NodeClass whose AMI alias names a release SSM does not publish (al2023@v20990101:
//   every variant's parameter is missing, so the resolver finds no AMI): the class turns
//   Ready=False and the pool is left out of the plan;
// - a NodePool whose EC2NodeClass does not exist: nothing marks it not ready, so every claim
//   fails at launch and the pool backs off, 10 s doubling.
// Each is watched for four minutes (the e2e suites run side by side, so the wait costs little
// wall time). In the first, no claim after the class turned not ready; in the second, the
// gaps between claims at least double from 10 s (claims near 0, 10, 30, 70, 150 s: at most 5
// in four minutes, the next would come at 310 s).
#include <mutex>
#include <set>

#include "tests/e2e/e2e_fixture.h"

namespace gantry::e2e {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;
constexpr auto kWatch = 240s;
constexpr size_t kMaxClaims = 5;
constexpr size_t kMaxWarningEvents = 10;
constexpr int kMaxEventCount = 10;

long long secondsOf(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

class HotLoopE2eTest : public GantryE2eTest {
 protected:
  // What the watch saw: every claim of this run the apiserver held (informer and 250 ms polls),
  // when the informer first saw each, and the controller's "created nodeclaim" lines.
  struct Claims {
    std::set<std::string> names;
    std::vector<SteadyTime> createdAt;  // sorted
    size_t logged = 0;
    size_t mostAtOnce = 0;
  };

  // Watches this run's claims from now for `duration`; `during` runs first, once the
  // informer has synced (it creates the pod, starts the controller...).
  Claims watchClaims(std::chrono::seconds duration, const std::function<void()>& during) {
    std::mutex mu;
    std::map<std::string, SteadyTime> seen;
    kube::ClusterCache cache(client(), clock_,
                             {.pods = {.fieldSelector = "metadata.namespace=" + run_},
                              .nodePools = {.labelSelector = "e2e-run=" + run_},
                              .nodeClaims = {.labelSelector = "e2e-run=" + run_},
                              .gantryResources = true});
    auto record = [&](const kube::ObjectPtr<api::NodeClaim>& c) {
      std::lock_guard lock(mu);
      seen.emplace(c->name, std::chrono::steady_clock::now());
    };
    cache.nodeClaims().addHandlers(
        {.onAdd = record,
         .onUpdate = [&](const kube::ObjectPtr<api::NodeClaim>&,
                         const kube::ObjectPtr<api::NodeClaim>& c) { record(c); },
         .onDelete = nullptr});
    cache.start();
    EXPECT_TRUE(cache.waitForSync(10s));
    during();
    Claims out;
    if (HasFatalFailure()) {
      cache.stop();
      return out;
    }
    const auto from = std::chrono::steady_clock::now();
    eventually(
        [&] {
          auto now = claims();
          out.mostAtOnce = std::max(out.mostAtOnce, now.size());
          for (const auto& c : now) out.names.insert(c["metadata"]["name"].get<std::string>());
          return std::chrono::steady_clock::now() - from >= duration;
        },
        duration + 10s, 250ms);
    cache.stop();
    std::lock_guard lock(mu);
    for (const auto& [name, at] : seen) {
      out.names.insert(name);
      out.createdAt.push_back(at);
    }
    std::sort(out.createdAt.begin(), out.createdAt.end());
    const std::string output = controller_ ? controller_->output() : "";
    for (size_t at = output.find("created nodeclaim"); at != std::string::npos;
         at = output.find("created nodeclaim", at + 1)) {
      ++out.logged;
    }
    return out;
  }

  // Gantry's Warning Events about this run's objects (its namespace's, and the cluster-scoped
  // ones in "default" named after the run): objects in all, those about failed provisioning
  // or launches, and the highest `count` (repeats the recorder merged). kube-scheduler's
  // FailedScheduling for the pending pod is its own cadence, not Gantry's, and is left out.
  struct Warnings {
    size_t objects = 0;
    size_t provisioning = 0;
    int highestCount = 0;
    std::map<std::string, int> byReason;  // occurrences
    std::string dump;
  };
  Warnings warnings() {
    std::vector<json> all = list({.resource = "events", .ns = run_});
    for (const auto& e : list({.resource = "events", .ns = "default"})) {
      const std::string name = e["involvedObject"].value("name", "");
      if (name == run_ || name.starts_with(run_ + "-")) all.push_back(e);
    }
    Warnings w;
    for (const auto& e : all) {
      if (e.value("type", "") != "Warning") continue;
      if (e.value("source", json::object()).value("component", "") != "gantry-controller") continue;
      const std::string reason = e.value("reason", "");
      const int count = e.value("count", 1);
      ++w.objects;
      w.byReason[reason] += count;
      if (reason == "FailedProvisioning" || reason == "LaunchFailed") ++w.provisioning;
      w.highestCount = std::max(w.highestCount, count);
      w.dump += reason + " x" + std::to_string(count) + " on " +
                e["involvedObject"].value("name", "") + ": " + e.value("message", "") + "\n";
    }
    return w;
  }

  void expectFewWarnings(const Warnings& w) {
    EXPECT_LE(w.provisioning, kMaxWarningEvents) << w.dump;
    EXPECT_LE(w.objects, kMaxWarningEvents + 5) << w.dump;
    EXPECT_LE(w.highestCount, kMaxEventCount) << w.dump;
  }

  void printFigures(const char* what, const Claims& c, const Warnings& w, SteadyTime started) {
    std::printf("[ metric ] hot loop (%s) over %llds: claims created %zu (\"created nodeclaim\" "
                "lines %zu, most at once %zu); Warning Events %zu objects (FailedProvisioning/"
                "LaunchFailed %zu), highest count %d; test %llds\n",
                what, secondsOf(kWatch), c.names.size(), c.logged, c.mostAtOnce, w.objects,
                w.provisioning, w.highestCount,
                secondsOf(std::chrono::steady_clock::now() - started));
    for (const auto& [reason, count] : w.byReason) {
      std::printf("[ metric ]   Warning %s: %d occurrence(s)\n", reason.c_str(), count);
    }
  }
};

TEST_F(HotLoopE2eTest, AnUnresolvableAmiAliasMakesTheClassNotReadyAndCreatesNoClaimLoop) {
  const auto started = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, /*registers=*/true, "al2023@v20990101"));
  ASSERT_NO_FATAL_FAILURE(
      createNodePool(run_, run_, {"g4dn.xlarge", "g5.xlarge"}, {{"nvidia.com/gpu", "8"}}));
  std::optional<SteadyTime> notReadyAt;
  json nodeClass;
  const Claims seen = watchClaims(kWatch, [&] {
    ASSERT_NO_FATAL_FAILURE(startController({"--batch-idle", "1s", "--batch-max", "3s"}));
    ASSERT_NO_FATAL_FAILURE(createPod("trial", 1));
    // The class says why in its Ready condition, soon.
    ASSERT_TRUE(eventually(
        [&] {
          auto got = client().get(kube::kEc2NodeClassesPath.withName(run_));
          if (!got) return false;
          nodeClass = *got;
          const std::string ready = conditionStatus(nodeClass, "Ready");
          return ready == "False" || ready == "Unknown";
        },
        30s, 250ms))
        << nodeClass.dump() << controller_->output();
    notReadyAt = std::chrono::steady_clock::now();
  });
  ASSERT_TRUE(notReadyAt);
  EXPECT_NE(condition(nodeClass, "Ready").value("message", "").find("al2023@v20990101"),
            std::string::npos)
      << nodeClass.dump();

  // A handful at most; none once the class was known not ready (2 s for the cache to see the
  // status); none left, nothing launched.
  size_t afterNotReady = 0;
  for (const auto& at : seen.createdAt) afterNotReady += at > *notReadyAt + 2s;
  EXPECT_LE(seen.names.size(), kMaxClaims) << controller_->output();
  EXPECT_LE(seen.logged, kMaxClaims) << controller_->output();
  EXPECT_EQ(afterNotReady, 0u) << "claims created while the class was known not ready";
  EXPECT_TRUE(claims().empty());
  EXPECT_TRUE(liveInstances().empty());

  // Still not ready; the pod is told why, naming the class.
  nodeClass = *client().get(kube::kEc2NodeClassesPath.withName(run_));
  EXPECT_NE(conditionStatus(nodeClass, "Ready"), "True") << nodeClass.dump();
  bool podTold = false;
  for (const auto& e : eventsFor("trial", run_, "FailedProvisioning")) {
    podTold = podTold || e.value("message", "").find("EC2NodeClass \"" + run_) != std::string::npos;
  }
  EXPECT_TRUE(podTold) << json(eventsFor("trial", run_)).dump();
  const Warnings w = warnings();
  expectFewWarnings(w);
  printFigures("AMI alias al2023@v20990101", seen, w, started);
}

TEST_F(HotLoopE2eTest, ANodePoolWhoseEc2NodeClassIsMissingBacksOffDoublingNotALoop) {
  const auto started = std::chrono::steady_clock::now();
  const std::string missing = run_ + "-missing";
  ASSERT_NO_FATAL_FAILURE(
      createNodePool(run_, missing, {"g4dn.xlarge", "g5.xlarge"}, {{"nvidia.com/gpu", "8"}}));
  const Claims seen = watchClaims(kWatch, [&] {
    ASSERT_NO_FATAL_FAILURE(startController({"--batch-idle", "1s", "--batch-max", "3s"}));
    ASSERT_NO_FATAL_FAILURE(createPod("trial", 1));
  });
  const std::string output = controller_->output();
  // Claims near 0, 10, 30, 70, 150 s: the gaps double (a second of slack for batching and cache).
  ASSERT_FALSE(seen.createdAt.empty()) << output;
  EXPECT_LE(seen.names.size(), kMaxClaims) << output;
  EXPECT_LE(seen.logged, kMaxClaims) << output;
  std::string gaps;
  auto wanted = 10s;
  for (size_t i = 1; i < seen.createdAt.size(); ++i, wanted *= 2) {
    const auto gap = seen.createdAt[i] - seen.createdAt[i - 1];
    gaps += std::to_string(secondsOf(gap)) + "s ";
    EXPECT_GE(gap, wanted - 1s) << "gap " << i << " of " << gaps;
  }
  EXPECT_TRUE(claims().empty());
  EXPECT_TRUE(liveInstances().empty());

  // Each failed claim said why; the pod is told the pool backs off and why.
  bool podTold = false;
  for (const auto& e : eventsFor("trial", run_, "FailedProvisioning")) {
    const std::string message = e.value("message", "");
    podTold = podTold || (message.find("backing off") != std::string::npos &&
                          message.find(missing) != std::string::npos);
  }
  EXPECT_TRUE(podTold) << json(eventsFor("trial", run_)).dump();
  const Warnings w = warnings();
  expectFewWarnings(w);
  std::printf("[ metric ] gaps between claims: %s\n", gaps.c_str());
  printFigures("EC2NodeClass missing", seen, w, started);
}

}  // namespace
}  // namespace gantry::e2e
