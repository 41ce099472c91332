// The leak hunt: `gantry controller` SIGKILLed over and over, at the crash points it names
// (src/common/crash_point.h: between a cloud call and the write recording it, between two
// writes of one step) and at random moments, while GPU workers scale up and users delete
// NodeClaims. A controller can die anywhere; whatever it was doing must be finished or undone
// by the next one, from the cluster and the cloud alone. After every restart, once things
// settle: no instance in moto without a NodeClaim, no two instances for one NodeClaim, no
// pod without capacity, no NodeClaim stuck in flight, no more claims than the pods need and
// no Node without a claim. The workers are a Deployment rather than a Job, so an evicted pod
// comes back at once (a Job delays replacements of failed pods with its backoff). The pool's
// nodes are tainted for this run only, so no other test's pods use them and ours no one
// else's. GANTRY_LEAK_HUNT_SEED replays a run's random kills.
#include <random>
#include <set>

#include "cloudprovider/aws/provider_id.h"
#include "tests/e2e/e2e_fixture.h"

namespace gantry::e2e {
namespace {

using Steady = std::chrono::steady_clock;

enum class Action { kAddPods, kDeleteClaims, kWait };

// One kill: arm `point` (none: SIGKILL at a random moment), do the action, wait for the death.
struct Step {
  std::string point;
  Action action = Action::kAddPods;
  int n = 1;  // pods added, or claims deleted
  // While it is down: delete every claim whose launch it had not recorded (its instance now
  // belongs to no one, for garbage collection to find).
  bool deleteUnlaunched = false;
};

const std::vector<Step> kSteps = {
    // Launch and registration, as the workers scale up.
    {"provisioner.after-claim-create", Action::kAddPods, 1},
    {"", Action::kAddPods, 1},
    {"launch.before-create", Action::kAddPods, 1},
    {"launch.after-create", Action::kAddPods, 1},
    {"", Action::kDeleteClaims, 1},
    {"lifecycle.between-label-and-status-write", Action::kAddPods, 1},
    {"registration.after-node-patch", Action::kAddPods, 1},
    {"provisioner.after-claim-create:2", Action::kAddPods, 2},
    {"launch.after-create:2", Action::kAddPods, 2},
    {"", Action::kAddPods, 1},
    {"registration.after-node-patch:2", Action::kAddPods, 2},
    // Termination: a user deletes claims; each evicted pod comes back and is launched for.
    {"termination.after-node-taint", Action::kDeleteClaims, 1},
    {"termination.before-node-delete", Action::kDeleteClaims, 1},
    {"", Action::kDeleteClaims, 2},
    {"termination.after-node-delete", Action::kDeleteClaims, 1},
    {"termination.before-instance-terminate", Action::kDeleteClaims, 1},
    {"termination.after-instance-terminate", Action::kDeleteClaims, 1},
    {"", Action::kDeleteClaims, 1},
    {"termination.before-finalizer-removal", Action::kDeleteClaims, 1},
    {"termination.before-instance-terminate:2", Action::kDeleteClaims, 2},
    {"termination.before-finalizer-removal:2", Action::kDeleteClaims, 2},
    {"", Action::kAddPods, 1},
    // An instance no claim knows: launched, its claim deleted before the launch was recorded.
    {"launch.after-create", Action::kAddPods, 1, true},
    {"gc.before-orphan-terminate", Action::kWait, 0},
};

// This run as the cloud and the cluster show it at one moment.
struct Census {
  size_t instances = 0;  // ever launched, any state
  size_t live = 0;       // pending or running
  std::vector<std::string> orphans;     // live, and no claim has its providerID or tag name
  std::vector<std::string> unrecorded;  // live, its claim exists but does not record it yet
  std::vector<std::string> duplicates;  // claim names tagged on two or more instances
  std::vector<std::string> stuck;       // claims deleting or not Launched+Registered+Initialized
  std::vector<std::string> vanished;    // claims whose recorded instance is not live
  std::vector<std::string> strayNodes;  // Nodes of this run's instances that no claim names
  size_t claims = 0;
  size_t running = 0;  // pods Running (not deleting)
  size_t waiting = 0;  // other pods not deleting: pending, or bound and not running yet

  bool settled(size_t pods) const {
    return orphans.empty() && unrecorded.empty() && duplicates.empty() && stuck.empty() &&
           vanished.empty() && strayNodes.empty() && claims == pods && running == pods &&
           waiting == 0;
  }
  std::string describe() const {
    auto names = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& s : v) out += " " + s;
      return out;
    };
    return "instances " + std::to_string(instances) + ", live " + std::to_string(live) +
           ", claims " + std::to_string(claims) + ", pods running " + std::to_string(running) +
           " waiting " + std::to_string(waiting) + "; orphans:" + names(orphans) +
           "; unrecorded:" + names(unrecorded) + "; duplicates:" + names(duplicates) +
           "; stuck:" + names(stuck) + "; vanished:" + names(vanished) +
           "; stray nodes:" + names(strayNodes);
  }
};

class LeakHuntE2eTest : public GantryE2eTest {
 protected:
  void SetUp() override {
    GantryE2eTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, /*registers=*/true));
    ASSERT_NO_FATAL_FAILURE(
        createNodePool(run_, run_, {"g4dn.xlarge", "g5.xlarge"}, {{"nvidia.com/gpu", "64"}}));
    json taints = json::array({{{"key", "e2e-run"}, {"value", run_}, {"effect", "NoSchedule"}}});
    auto r = client().patch(kube::kNodePoolsPath.withName(run_), kube::PatchType::kMerge,
                            {{"spec", {{"template", {{"spec", {{"taints", taints}}}}}}}});
    ASSERT_TRUE(r) << r.error().message();
  }

  void TearDown() override {
    if (HasFailure()) {
      std::printf("--- earlier controllers (last lines) ---\n%s\n", tail(history_, 300).c_str());
    }
    GantryE2eTest::TearDown();
  }

  static std::string tail(const std::string& text, size_t lines) {
    size_t at = text.size();
    while (lines-- > 0 && at > 0) at = text.rfind('\n', at - 1);
    return at == std::string::npos ? text : text.substr(at);
  }

  // Starts the controller, `point` armed (none: unarmed), always with the same flags.
  void start(const std::string& point) {
    if (controller_) history_ += "=== controller " + std::to_string(starts_) + " ===\n" +
                                 controller_->output();
    ++starts_;
    ASSERT_NO_FATAL_FAILURE(startController({"--batch-idle", "500ms", "--batch-max", "2s"},
                                            {{"GANTRY_CRASH_POINTS", point}}));
    armed_ = point;
  }

  // The workers: a Deployment of 1-GPU pods that tolerate (and select) this run's nodes.
  void scaleWorkers(size_t replicas) {
    const kube::ResourcePath deployments{.group = "apps", .resource = "deployments", .ns = run_};
    if (replicas_ == 0) {
      json container = {{"name", "worker"},
                        {"image", "busybox"},
                        {"resources", {{"limits", {{"nvidia.com/gpu", "1"}}}}}};
      json pod = {{"metadata", {{"labels", {{"app", "workers"}}}}},
                  {"spec",
                   {{"containers", json::array({container})},
                    {"nodeSelector", {{"e2e-run", run_}}},
                    {"tolerations", json::array({{{"key", "e2e-run"},
                                                  {"operator", "Equal"},
                                                  {"value", run_},
                                                  {"effect", "NoSchedule"}}})}}}};
      json deployment = {{"apiVersion", "apps/v1"},
                         {"kind", "Deployment"},
                         {"metadata", {{"name", "workers"}, {"namespace", run_}}},
                         {"spec",
                          {{"replicas", replicas},
                           {"selector", {{"matchLabels", {{"app", "workers"}}}}},
                           {"template", pod}}}};
      auto r = client().create(deployments, deployment);
      ASSERT_TRUE(r) << r.error().message();
    } else {
      auto r = client().patch(deployments.withName("workers"), kube::PatchType::kMerge,
                              {{"spec", {{"replicas", replicas}}}});
      ASSERT_TRUE(r) << r.error().message();
    }
    replicas_ = replicas;
  }

  Census census() {
    Census c;
    auto all = ec2_->describeInstances(
        {.filters = {{.name = "tag:" + std::string(aws::kClusterTagKey), .values = {run_}}}});
    EXPECT_TRUE(all) << all.error().message();
    std::map<std::string, const json*> claimByName;
    std::set<std::string> claimedIds, claimedNodes;
    const std::vector<json> current = claims();
    for (const auto& claim : current) {
      const std::string name = claim["metadata"]["name"];
      claimByName[name] = &claim;
      const json status = claim.value("status", json::object());
      if (!status.value("providerID", "").empty()) claimedIds.insert(status["providerID"]);
      if (!status.value("nodeName", "").empty()) claimedNodes.insert(status["nodeName"]);
      const bool ok = !claim["metadata"].contains("deletionTimestamp") &&
                      conditionStatus(claim, "Launched") == "True" &&
                      conditionStatus(claim, "Registered") == "True" &&
                      conditionStatus(claim, "Initialized") == "True";
      if (!ok) c.stuck.push_back(name);
    }
    c.claims = current.size();
    std::map<std::string, int> perClaim;
    std::set<std::string> liveIds, ourIds;
    for (const auto& i : all ? *all : std::vector<aws::Instance>{}) {
      ++c.instances;
      const std::string id = cloudprovider::aws::makeProviderId(i.availabilityZone, i.instanceId);
      ourIds.insert(id);
      std::string tagged;
      for (const auto& t : i.tags) {
        if (t.key == aws::kNodeClaimTagKey) tagged = t.value;
      }
      if (!tagged.empty()) ++perClaim[tagged];
      if (i.state != "pending" && i.state != "running") continue;
      ++c.live;
      liveIds.insert(id);
      if (claimedIds.contains(id)) continue;
      (claimByName.contains(tagged) ? c.unrecorded : c.orphans).push_back(id);
    }
    for (const auto& [name, n] : perClaim) {
      if (n > 1) c.duplicates.push_back(name + "x" + std::to_string(n));
    }
    for (const auto& id : claimedIds) {
      if (!liveIds.contains(id)) c.vanished.push_back(id);
    }
    for (const auto& node : list(kNodes)) {
      const std::string id = node.value("spec", json::object()).value("providerID", "");
      const std::string name = node["metadata"]["name"];
      if (ourIds.contains(id) && !claimedNodes.contains(name)) c.strayNodes.push_back(name);
    }
    for (const auto& pod : pods()) {
      if (pod["metadata"].contains("deletionTimestamp")) continue;
      const bool running = pod.value("status", json::object()).value("phase", "") == "Running";
      ++(running ? c.running : c.waiting);
    }
    return c;
  }

  // The controller died by itself: SIGKILL from a crash point (which one is recorded). False,
  // with a failure, for any other death.
  bool crashed() {
    const int signal = controller_->waitForDeath(5s);
    const std::string line = "crash point " + armed_.substr(0, armed_.find(':'));
    // The reader thread may still be draining the pipe: wait for the line or its end.
    const bool atPoint = !armed_.empty() && controller_->waitFor(line, 5s).has_value();
    const std::string output = controller_->output();
    EXPECT_EQ(signal, SIGKILL) << tail(output, 60);
    EXPECT_TRUE(atPoint) << "died without reaching " << armed_ << "\n" << tail(output, 60);
    if (signal != SIGKILL || !atPoint) return false;
    ++kills_;
    ++fired_[armed_];
    return true;
  }

  // Deletes claims the way `kubectl delete nodeclaim` does: `n` random ones, or (unlaunched)
  // every one without an instance recorded.
  void deleteClaims(size_t n, bool unlaunched) {
    std::vector<std::string> names;
    for (const auto& claim : claims()) {
      const bool launched = !claim.value("status", json::object()).value("providerID", "").empty();
      if (!unlaunched || !launched) names.push_back(claim["metadata"]["name"]);
    }
    if (!unlaunched) std::shuffle(names.begin(), names.end(), rng_);
    if (!unlaunched && names.size() > n) names.resize(n);
    for (const auto& name : names) {
      auto r = client().remove(kube::kNodeClaimsPath.withName(name));
      EXPECT_TRUE(r || r.error().isNotFound()) << r.error().message();
    }
    deleted_ += names.size();
  }

  // Waits until the census settles; a death at the armed point meanwhile (recovery reached
  // it) counts as that step's kill, and the controller comes back armed for the next.
  bool settle(size_t& step, std::chrono::seconds timeout) {
    const auto from = Steady::now();
    Census c;
    while (Steady::now() - from < timeout) {
      if (!controller_->running()) {
        if (!crashed()) return false;
        ++recoveryKills_;
        if (kSteps[step].deleteUnlaunched) deleteClaims(0, true);
        ++step;
        start(step < kSteps.size() ? kSteps[step].point : "");
        if (HasFatalFailure()) return false;
        continue;
      }
      c = census();
      for (const auto& id : c.orphans) orphansSeen_.insert(id);
      instances_ = c.instances;
      duplicates_ = std::max(duplicates_, c.duplicates.size());
      if (c.settled(replicas_)) {
        ++checks_;
        slowestSettle_ = std::max(slowestSettle_, Steady::now() - from);
        return true;
      }
      std::this_thread::sleep_for(500ms);
    }
    ADD_FAILURE() << "not settled after " << timeout.count() << "s (step " << step << ", armed '"
                  << armed_ << "'): " << c.describe();
    stuck_ = c.stuck.size();
    unplaced_ = c.waiting + (replicas_ > c.running + c.waiting ? replicas_ - c.running - c.waiting
                                                                : 0);
    return false;
  }

  std::mt19937_64 rng_;
  std::string history_, armed_;
  size_t starts_ = 0, kills_ = 0, randomKills_ = 0, recoveryKills_ = 0, checks_ = 0;
  size_t replicas_ = 0, deleted_ = 0;
  size_t instances_ = 0, duplicates_ = 0, stuck_ = 0, unplaced_ = 0;
  std::set<std::string> orphansSeen_;
  std::map<std::string, int> fired_;
  Steady::duration slowestSettle_{};
};

TEST_F(LeakHuntE2eTest, KilledAtEveryCrashPointAndAtRandomItLeaksNothingAndStrandsNoPod) {
  const auto began = Steady::now();
  const char* seedText = std::getenv("GANTRY_LEAK_HUNT_SEED");
  const uint64_t seed = seedText && *seedText ? std::stoull(seedText) : std::random_device{}();
  rng_.seed(seed);
  std::printf("[ leak hunt ] run %s, seed %llu\n", run_.c_str(),
              static_cast<unsigned long long>(seed));

  size_t step = 0;
  ASSERT_NO_FATAL_FAILURE(start(kSteps[0].point));
  while (true) {
    ASSERT_TRUE(settle(step, 120s));
    if (step >= kSteps.size()) break;
    const Step& s = kSteps[step];
    if (s.action == Action::kAddPods) {
      ASSERT_NO_FATAL_FAILURE(scaleWorkers(replicas_ + s.n));
    }
    if (s.action == Action::kDeleteClaims) deleteClaims(s.n, false);
    if (s.point.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(
          std::uniform_int_distribution<int>(200, 6000)(rng_)));
      ASSERT_TRUE(controller_->kill()) << "it died by itself\n" << tail(controller_->output(), 60);
      ++kills_;
      ++randomKills_;
    } else {
      ASSERT_GE(controller_->waitForDeath(120s), 0)
          << "never reached " << s.point << "\n" << tail(controller_->output(), 60);
      ASSERT_TRUE(crashed());
    }
    if (s.deleteUnlaunched) deleteClaims(0, true);
    ++step;
    ASSERT_NO_FATAL_FAILURE(start(step < kSteps.size() ? kSteps[step].point : ""));
  }
  const auto took = Steady::now() - began;

  // Every point the schedule names was reached, each as often as it names it.
  std::map<std::string, int> wanted;
  for (const auto& s : kSteps) {
    if (!s.point.empty()) ++wanted[s.point];
  }
  EXPECT_EQ(fired_, wanted);
  const Census last = census();
  EXPECT_TRUE(last.settled(replicas_)) << last.describe();
  EXPECT_EQ(duplicates_, 0u);

  const auto secs = [](Steady::duration d) {
    return static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
  };
  std::set<std::string> distinct;
  for (const auto& [point, n] : fired_) distinct.insert(point.substr(0, point.find(':')));
  std::printf("[ leak hunt ] %-48s %s\n", "figure", "value");
  auto row = [](const char* what, const std::string& value) {
    std::printf("[ leak hunt ] %-48s %s\n", what, value.c_str());
  };
  row("kills (SIGKILL)", std::to_string(kills_));
  row("  at crash points", std::to_string(kills_ - randomKills_));
  row("  at random moments", std::to_string(randomKills_));
  row("  reached while recovering from the last", std::to_string(recoveryKills_));
  row("distinct crash points", std::to_string(distinct.size()));
  row("restarts", std::to_string(starts_ - 1));
  row("settled checks", std::to_string(checks_));
  row("worker pods at the end", std::to_string(replicas_));
  row("NodeClaims deleted by the test", std::to_string(deleted_));
  row("instances launched", std::to_string(instances_));
  row("instances live at the end", std::to_string(last.live));
  row("orphan instances seen (then collected)", std::to_string(orphansSeen_.size()));
  row("orphan instances left", std::to_string(last.orphans.size()));
  row("duplicate launches", std::to_string(duplicates_));
  row("NodeClaims stuck in flight", std::to_string(stuck_ + last.stuck.size()));
  row("pods without capacity", std::to_string(unplaced_ + last.waiting));
  row("slowest settle (s)", std::to_string(secs(slowestSettle_)));
  row("run time (s)", std::to_string(secs(took)));
  for (const auto& [point, n] : fired_) {
    std::printf("[ leak hunt ]   crash point %-36s x%d\n", point.c_str(), n);
  }
}

}  // namespace
}  // namespace gantry::e2e
