// `gantry controller` end to end, reaping (emptiness disruption): GPU nodes whose trials have
// finished are deleted once empty for their NodePool's consolidateAfter, the instance
// terminated in moto and the Node and NodeClaim gone; a warm node that gets the next trial
// within consolidateAfter is kept and reused; a do-not-disrupt pod holds its node with an
// Event naming it; a budget of one node reaps one node at a time; and a PodDisruptionBudget
// holds the drain of a NodeClaim deleted by hand until it is relaxed.
//
// Trials finish the way the test environment's KWOK stages let them: a Running pod annotated
// gantry.dev/test-complete-after: <duration> turns Succeeded (exit 0, finishedAt set) that
// long after it started (tests/testenv/kwok/stages.yaml), as a Katib trial's container would
// exit; the Succeeded pod stays bound to the node, as a finished Job's pods do. Nothing here
// deletes or edits a trial pod to finish it.
#include <set>

#include "src/api/condition.h"
#include "tests/e2e/e2e_fixture.h"

namespace gantry::e2e {
namespace {

const std::vector<std::string> kGpuTypes = {"g4dn.xlarge", "g5.xlarge", "p3.2xlarge"};
constexpr const char* kDisruptedTaint = "gantry.dev/disrupted";

json completeAfter(const std::string& duration) {
  return {{"annotations", {{"gantry.dev/test-complete-after", duration}}}};
}

Clock::TimePoint timestamp(const std::string& text) {
  auto t = api::parseTimestamp(text);
  EXPECT_TRUE(t) << text;
  return t ? *t : Clock::TimePoint{};
}
// When a pod KWOK completed finished (its container's terminated.finishedAt).
Clock::TimePoint finishedAt(const json& pod) {
  for (const auto& s : pod.value("status", json::object()).value("containerStatuses", json::array())) {
    const json state = s.value("state", json::object());
    if (state.contains("terminated")) return timestamp(state["terminated"].value("finishedAt", ""));
  }
  ADD_FAILURE() << "no finishedAt: " << pod.dump();
  return {};
}
long long secondsBetween(Clock::TimePoint a, Clock::TimePoint b) {
  return std::chrono::duration_cast<std::chrono::seconds>(b - a).count();
}

// Every version of this run's NodeClaims and Nodes, as watches deliver them: a reaped claim
// can be gone 150 ms after its deletion (moto terminates at once), which polling would miss.
// A claim is disrupting while it is deleting or its Node is fenced (gantry.dev/disrupted) or
// deleting; `most` is the most seen at once.
class Recorder {
 public:
  Recorder(kube::RestClient& client, Clock& clock, const std::string& run)
      : cache_(client, clock,
               {.pods = {.fieldSelector = "metadata.namespace=" + run},
                .nodes = {.labelSelector = "e2e-run=" + run},
                .nodePools = {.labelSelector = "e2e-run=" + run},
                .nodeClaims = {.labelSelector = "e2e-run=" + run},
                .gantryResources = true}) {
    cache_.nodeClaims().addHandlers({
        .onAdd = [this](const auto& c) { put(c); },
        .onUpdate = [this](const auto&, const auto& c) { put(c); },
        .onDelete =
            [this](const auto& c) {
              std::lock_guard lock(mu_);
              claims_.erase(c->name);
              recount();
            },
    });
    cache_.nodes().addHandlers({
        .onAdd = [this](const auto& n) { put(n); },
        .onUpdate = [this](const auto&, const auto& n) { put(n); },
        .onDelete =
            [this](const auto& n) {
              std::lock_guard lock(mu_);
              nodes_.erase(n->name);
              recount();
            },
    });
    cache_.start();
  }
  ~Recorder() { cache_.stop(); }
  bool synced() { return cache_.waitForSync(10s); }

  struct Seen {
    std::set<std::string> claims;                         // every claim
    std::map<std::string, Clock::TimePoint> deletedAt;    // its deletionTimestamp
    std::map<std::string, std::string> reason;            // gantry.dev/disruption-reason
    std::vector<std::string> order;                       // claims as they began disrupting
    std::map<std::string, Clock::TimePoint> disruptingAt; // when this process saw that
    size_t most = 0;
    std::string worst;                                    // the claims then
  };
  Seen seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void put(const kube::ObjectPtr<api::NodeClaim>& c) {
    std::lock_guard lock(mu_);
    claims_[c->name] = c;
    seen_.claims.insert(c->name);
    if (c->deletionTimestamp) seen_.deletedAt.emplace(c->name, *c->deletionTimestamp);
    if (auto it = c->annotations.find("gantry.dev/disruption-reason"); it != c->annotations.end()) {
      seen_.reason[c->name] = it->second;
    }
    recount();
  }
  void put(const kube::ObjectPtr<api::Node>& n) {
    std::lock_guard lock(mu_);
    nodes_[n->name] = n;
    recount();
  }
  void recount() {
    std::set<std::string> disrupting;
    for (const auto& [name, c] : claims_) {
      auto n = nodes_.find(c->nodeName);
      const bool fenced = n != nodes_.end() && (n->second->deleting ||
                                                std::any_of(n->second->taints.begin(), n->second->taints.end(),
                                                            [](const api::Taint& t) { return t.key == kDisruptedTaint; }));
      if (!c->deleting() && !fenced) continue;
      disrupting.insert(name);
      if (seen_.disruptingAt.emplace(name, std::chrono::system_clock::now()).second) seen_.order.push_back(name);
    }
    if (disrupting.size() > seen_.most) {
      seen_.most = disrupting.size();
      seen_.worst = json(disrupting).dump();
    }
  }

  kube::ClusterCache cache_;
  std::mutex mu_;
  std::map<std::string, kube::ObjectPtr<api::NodeClaim>> claims_;  // guarded by mu_
  std::map<std::string, kube::ObjectPtr<api::Node>> nodes_;        // guarded by mu_
  Seen seen_;                                                       // guarded by mu_
};

class ReapingE2eTest : public GantryE2eTest {
 protected:
  void SetUp() override {
    GantryE2eTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, /*registers=*/true));
    recorder_ = std::make_unique<Recorder>(client(), clock_, run_);
    ASSERT_TRUE(recorder_->synced());
  }
  void TearDown() override {
    recorder_.reset();
    GantryE2eTest::TearDown();
  }

  void createPool(const json& disruption) {
    ASSERT_NO_FATAL_FAILURE(createNodePool(run_, run_, kGpuTypes, {{"nvidia.com/gpu", "8"}}, disruption));
  }

  // Every instance launched for this run, as moto lists them (terminated ones stay listed).
  void sample() {
    if (auto all = provider_->list()) {
      for (const auto& i : *all) instances_.insert(i.providerId);
    }
  }

  size_t podsIn(const std::string& wanted, const std::string& prefix = "") {
    size_t n = 0;
    for (const auto& p : pods()) n += name(p).starts_with(prefix) && phase(p) == wanted;
    return n;
  }
  json pod(const std::string& podName) {
    auto r = client().get(kube::ResourcePath{.resource = "pods", .ns = run_}.withName(podName));
    return r ? *r : json::object();
  }
  // The NodeClaim whose Node is `nodeName` ("" when none).
  std::string claimOfNode(const std::string& nodeName) {
    for (const auto& c : claims()) {
      if (c.value("status", json::object()).value("nodeName", "") == nodeName) return name(c);
    }
    return "";
  }
  // Whether an Event with `reason` about the cluster-scoped object `object` has a message
  // containing every one of `words`; the messages seen otherwise, for the failure.
  bool eventSays(const std::string& object, const std::string& reason, const std::vector<std::string>& words,
                 std::string* seen = nullptr) {
    for (const auto& e : eventsFor(object, "default", reason)) {
      const std::string message = e.value("message", "");
      if (seen) *seen += message + "\n";
      bool all = true;
      for (const auto& w : words) all = all && message.find(w) != std::string::npos;
      if (all) return true;
    }
    return false;
  }
  bool instanceGone(const std::string& providerId) {
    auto i = provider_->get(providerId);
    return !i || i->state == "shutting-down" || i->state == "terminated";
  }

  std::unique_ptr<Recorder> recorder_;
  std::set<std::string> instances_;
};

// The scenario: a Job of three one-GPU trials that finish after 20 s, consolidateAfter
// 30s. Three instances, then all three terminated and their Nodes and NodeClaims gone within
// consolidateAfter + 30 s of the last trial finishing, none of them before its own node had
// been empty for consolidateAfter. The pool's budgets are the defaults (10% of 3 nodes: one
// at a time), as a user who wrote only consolidateAfter gets.
TEST_F(ReapingE2eTest, ThreeFinishedTrialsNodesAreReapedAfterConsolidateAfter) {
  ASSERT_NO_FATAL_FAILURE(createPool({{"consolidationPolicy", "WhenEmpty"}, {"consolidateAfter", "30s"}}));
  ASSERT_NO_FATAL_FAILURE(startController());
  ASSERT_NO_FATAL_FAILURE(createJob("trial", 3, 1, completeAfter("20s")));

  ASSERT_TRUE(eventually(
      [&] {
        sample();
        return podsIn("Running") == 3;
      },
      120s))
      << controller_->output();
  ASSERT_EQ(liveInstances().size(), 3u);
  std::map<std::string, std::string> claimOf;  // node -> claim
  for (const auto& n : nodes()) claimOf[name(n)] = claimOfNode(name(n));
  ASSERT_EQ(claimOf.size(), 3u);

  // The trials finish; nothing is reaped while they run.
  ASSERT_TRUE(eventually(
      [&] {
        sample();
        return podsIn("Succeeded") == 3;
      },
      60s, 250ms))
      << json(pods()).dump();
  EXPECT_TRUE(recorder_->seen().disruptingAt.empty()) << "a node disrupted while its trial ran";
  std::map<std::string, Clock::TimePoint> finished;  // node -> when its trial finished
  Clock::TimePoint lastFinished{};
  for (const auto& p : pods()) {
    finished[p["spec"].value("nodeName", "")] = finishedAt(p);
    lastFinished = std::max(lastFinished, finishedAt(p));
  }
  ASSERT_EQ(finished.size(), 3u) << "one trial per node";

  // All gone within consolidateAfter (30 s) + 30 s of the last trial finishing. finishedAt
  // has whole seconds: one more second of slack.
  const auto deadline = lastFinished + 61s;
  auto allGone = [&] {
    sample();
    if (!claims().empty() || !nodes().empty()) return false;
    return std::all_of(instances_.begin(), instances_.end(), [&](const auto& id) { return instanceGone(id); });
  };
  const bool gone = eventually(
      allGone, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::system_clock::now()),
      250ms);
  std::printf("[ metric ] last trial finished -> nodes, claims and instances gone: %lld s (limit 60 s)\n",
              secondsBetween(lastFinished, std::chrono::system_clock::now()));
  ASSERT_TRUE(gone) << "left: claims " << json(claims()).dump() << "\nnodes " << json(nodes()).dump() << "\n"
                    << controller_->output();
  const Recorder::Seen seen = recorder_->seen();
  EXPECT_EQ(instances_.size(), 3u) << "no instance launched after the trials";
  EXPECT_EQ(seen.claims.size(), 3u);

  // Each node was reaped only after it had been empty for consolidateAfter (the idle clock
  // starts when the controller sees the pod finish, stored in whole seconds, and the
  // deletionTimestamp has whole seconds too: 2 s of slack), and said why.
  for (const auto& [node, claim] : claimOf) {
    std::string messages;
    EXPECT_TRUE(eventSays(claim, "DisruptionTerminating", {"Disrupting Node " + node, "Empty"}, &messages))
        << claim << ": " << messages;
    EXPECT_TRUE(eventSays(claim, "Terminated", {"(Empty)"})) << claim;
    EXPECT_TRUE(eventSays(node, "DisruptionTerminating", {"Empty"})) << node;
    ASSERT_TRUE(seen.deletedAt.contains(claim)) << claim << " never seen deleting";
    const auto deletedAt = seen.deletedAt.at(claim);
    EXPECT_GE(deletedAt, finished[node] + 28s)
        << claim << " deleted " << secondsBetween(finished[node], deletedAt) << " s after its trial finished";
    EXPECT_EQ(seen.reason.contains(claim) ? seen.reason.at(claim) : "", "Empty") << claim;
  }
  EXPECT_EQ(metricValue("gantry_nodeclaims_disrupted_total", {{"nodepool", run_}, {"reason", "Empty"}}), 3);
}

// Sequential trials: each starts 5 s after the previous one finished, within consolidateAfter
// (10 s), and each runs longer than consolidateAfter, so the node would be Consolidatable the
// moment a trial finishes if the idle clock did not restart then. One instance, ever: the
// warm node is reused. After the last trial the same node is reaped (the reaper was on).
TEST_F(ReapingE2eTest, SequentialTrialsReuseTheWarmNodeAndLaunchOneInstance) {
  ASSERT_NO_FATAL_FAILURE(createPool({{"consolidationPolicy", "WhenEmpty"}, {"consolidateAfter", "10s"}}));
  ASSERT_NO_FATAL_FAILURE(startController());
  std::set<std::string> usedNodes;
  Clock::TimePoint lastFinished{};
  for (int i = 1; i <= 3; ++i) {
    const std::string trial = "trial-" + std::to_string(i);
    ASSERT_NO_FATAL_FAILURE(createPod(trial, 1, completeAfter("12s")));
    json p;
    ASSERT_TRUE(eventually(
        [&] {
          sample();
          return phase(p = pod(trial)) == "Succeeded";
        },
        i == 1 ? 120s : 40s, 250ms))
        << p.dump() << "\n" << controller_->output();
    usedNodes.insert(p["spec"].value("nodeName", ""));
    lastFinished = finishedAt(p);
    if (i < 3) {
      const auto next = std::chrono::steady_clock::now() + 5s;
      eventually(
          [&] {
            sample();
            return std::chrono::steady_clock::now() >= next;
          },
          6s, 250ms);
    }
  }
  EXPECT_EQ(usedNodes.size(), 1u) << "every trial ran on the warm node";
  EXPECT_EQ(instances_.size(), 1u) << "exactly one instance ever launched";
  EXPECT_EQ(recorder_->seen().claims.size(), 1u);
  EXPECT_TRUE(recorder_->seen().disruptingAt.empty()) << "the warm node was disrupted between trials";
  EXPECT_FALSE(controller_->waitFor("launching instance", 0ms, 2)) << "a second launch";

  // The reaper was on all along: the node goes once consolidateAfter passes after the last.
  ASSERT_TRUE(eventually(
      [&] {
        sample();
        return claims().empty() && nodes().empty() &&
               std::all_of(instances_.begin(), instances_.end(), [&](const auto& id) { return instanceGone(id); });
      },
      45s, 250ms))
      << controller_->output();
  const Recorder::Seen seen = recorder_->seen();
  ASSERT_EQ(seen.deletedAt.size(), 1u);
  for (const auto& [claim, at] : seen.deletedAt) {
    EXPECT_GE(at, lastFinished + 8s) << claim;
    EXPECT_EQ(seen.reason.contains(claim) ? seen.reason.at(claim) : "", "Empty");
  }
}

// A DaemonSet pod annotated do-not-disrupt (DaemonSet pods do not make a node non-empty, so
// the node is a candidate the annotation alone holds back) keeps the node its trial finished
// on: not reaped well past consolidateAfter, never fenced, and a DisruptionBlocked Event on
// the NodeClaim names the pod. Once the annotation is taken off, the node is reaped.
TEST_F(ReapingE2eTest, ADoNotDisruptPodKeepsItsEmptyNodeWithAnEventNamingIt) {
  ASSERT_NO_FATAL_FAILURE(createPool({{"consolidationPolicy", "WhenEmpty"}, {"consolidateAfter", "10s"}}));
  const json labels = {{"app", "guard"}};
  json ds = {{"apiVersion", "apps/v1"},
             {"kind", "DaemonSet"},
             {"metadata", {{"name", "guard"}, {"namespace", run_}}},
             {"spec",
              {{"selector", {{"matchLabels", labels}}},
               {"template",
                {{"metadata", {{"labels", labels}, {"annotations", {{"gantry.dev/do-not-disrupt", "true"}}}}},
                 {"spec",
                  {{"nodeSelector", {{"e2e-run", run_}}},
                   {"containers", json::array({{{"name", "guard"}, {"image", "busybox"}}})}}}}}}}};
  auto made = client().create({.group = "apps", .resource = "daemonsets", .ns = run_}, ds);
  ASSERT_TRUE(made) << made.error().message();
  ASSERT_NO_FATAL_FAILURE(startController());
  ASSERT_NO_FATAL_FAILURE(createPod("trial", 1, completeAfter("5s")));

  json trial;
  ASSERT_TRUE(eventually([&] { return phase(trial = pod("trial")) == "Succeeded"; }, 120s, 250ms))
      << trial.dump() << "\n" << controller_->output();
  const auto finished = finishedAt(trial);
  const std::string node = trial["spec"].value("nodeName", "");
  const std::string claim = claimOfNode(node);
  ASSERT_FALSE(claim.empty());
  std::string guard;
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& p : pods()) {
          if (name(p).starts_with("guard-") && p["spec"].value("nodeName", "") == node && phase(p) == "Running") {
            guard = name(p);
          }
        }
        return !guard.empty();
      },
      30s))
      << json(pods()).dump();

  // Blocked, with the pod named, and still there (not even fenced) 20 s past consolidateAfter.
  std::string messages;
  ASSERT_TRUE(eventually(
      [&] {
        messages.clear();
        return eventSays(claim, "DisruptionBlocked", {run_ + "/" + guard, "do-not-disrupt"}, &messages);
      },
      30s, 250ms))
      << messages << "\n" << controller_->output();
  EXPECT_TRUE(eventSays(node, "DisruptionBlocked", {guard})) << node;
  const auto until = finished + 30s;
  while (std::chrono::system_clock::now() < until) std::this_thread::sleep_for(250ms);
  EXPECT_TRUE(recorder_->seen().disruptingAt.empty()) << "the node was reaped, or fenced, despite do-not-disrupt";
  EXPECT_TRUE(client().get(kNodes.withName(node)));
  EXPECT_EQ(liveInstances().size(), 1u);
  EXPECT_GE(metricValue("gantry_disruption_blocked_total", {{"nodepool", run_}, {"cause", "do-not-disrupt"}}), 1);
  EXPECT_EQ(metricValue("gantry_nodeclaims_disrupted_total", {{"nodepool", run_}}), 0);

  // The annotation gone, the node goes.
  auto patched = client().patch(kube::ResourcePath{.resource = "pods", .ns = run_}.withName(guard),
                                kube::PatchType::kMerge,
                                {{"metadata", {{"annotations", {{"gantry.dev/do-not-disrupt", nullptr}}}}}});
  ASSERT_TRUE(patched) << patched.error().message();
  ASSERT_TRUE(eventually([&] { return claims().empty() && nodes().empty() && liveInstances().empty(); }, 40s, 250ms))
      << controller_->output();
  EXPECT_TRUE(eventSays(claim, "DisruptionTerminating", {"Empty"}));
}

// A budget of nodes: "1": three nodes empty at once are reaped one at a time (never two
// NodeClaims deleting, or their Nodes fenced, at once, in any version the watches deliver),
// the others held back with a budget Event, and all three go.
TEST_F(ReapingE2eTest, ABudgetOfOneNodeReapsOneNodeAtATime) {
  ASSERT_NO_FATAL_FAILURE(createPool({{"consolidationPolicy", "WhenEmpty"},
                                      {"consolidateAfter", "10s"},
                                      {"budgets", json::array({{{"nodes", "1"}}})}}));
  ASSERT_NO_FATAL_FAILURE(startController());
  ASSERT_NO_FATAL_FAILURE(createJob("trial", 3, 1, completeAfter("5s")));
  ASSERT_TRUE(eventually([&] { return podsIn("Succeeded") == 3; }, 120s, 250ms))
      << json(pods()).dump() << "\n" << controller_->output();
  ASSERT_EQ(claims().size(), 3u);
  ASSERT_EQ(liveInstances().size(), 3u);

  ASSERT_TRUE(eventually([&] { return claims().empty() && nodes().empty() && liveInstances().empty(); }, 90s, 250ms))
      << json(claims()).dump() << "\n" << controller_->output();
  const Recorder::Seen seen = recorder_->seen();
  EXPECT_EQ(seen.most, 1u) << "disrupting at once: " << seen.worst;
  ASSERT_EQ(seen.order.size(), 3u);
  for (size_t i = 1; i < seen.order.size(); ++i) {
    std::printf("[ metric ] reaped %s %lld ms after %s\n", seen.order[i].c_str(),
                msBetween(seen.disruptingAt.at(seen.order[i - 1]), seen.disruptingAt.at(seen.order[i])),
                seen.order[i - 1].c_str());
  }
  // The ones held back were told why.
  size_t told = 0;
  for (const auto& c : seen.order) told += eventSays(c, "DisruptionBlocked", {"budget", "nodes=1"});
  EXPECT_GE(told, 1u);
  EXPECT_GE(metricValue("gantry_disruption_blocked_total", {{"nodepool", run_}, {"cause", "budget"}}), 1);
  EXPECT_EQ(metricValue("gantry_nodeclaims_disrupted_total", {{"nodepool", run_}, {"reason", "Empty"}}), 3);
}

// A NodeClaim deleted by hand drains its Node through the Eviction API: a PodDisruptionBudget
// with maxUnavailable 0 over the one-replica GPU Deployment there (an inference server, say)
// refuses, the controller says so in an Event naming the PDB, and the Node, the claim and
// the instance stay; once the PDB allows one disruption the pod is evicted and they go.
// (A Deployment, not a bare pod: maxUnavailable needs a controller with a scale to count
// the expected pods; the PDB controller reports a bare pod's as 0.)
TEST_F(ReapingE2eTest, APdbBlocksTheDrainOfADeletedNodeClaimUntilRelaxed) {
  ASSERT_NO_FATAL_FAILURE(createPool({{"consolidateAfter", "Never"}}));
  const std::string pdbName = "guard-" + run_;
  const kube::ResourcePath pdbs{.group = "policy", .resource = "poddisruptionbudgets", .ns = run_};
  const json labels = {{"app", "guarded"}};
  auto made = client().create(pdbs, {{"apiVersion", "policy/v1"},
                                     {"kind", "PodDisruptionBudget"},
                                     {"metadata", {{"name", pdbName}, {"namespace", run_}}},
                                     {"spec", {{"maxUnavailable", 0}, {"selector", {{"matchLabels", labels}}}}}});
  ASSERT_TRUE(made) << made.error().message();
  json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "guarded"}, {"namespace", run_}}},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", labels}}},
        {"template",
         {{"metadata", {{"labels", labels}}},
          {"spec",
           {{"nodeSelector", runSelector()},
            {"containers", json::array({{{"name", "server"},
                                         {"image", "busybox"},
                                         {"resources", {{"limits", {{"nvidia.com/gpu", "1"}}}}}}})}}}}}}}};
  made = client().create({.group = "apps", .resource = "deployments", .ns = run_}, deployment);
  ASSERT_TRUE(made) << made.error().message();
  ASSERT_NO_FATAL_FAILURE(startController());
  json p;
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& candidate : pods()) {
          if (phase(candidate) == "Running") p = candidate;
        }
        return !p.is_null();
      },
      120s, 250ms))
      << json(pods()).dump() << "\n" << controller_->output();
  const std::string guarded = name(p);
  const std::string node = p["spec"].value("nodeName", "");
  const std::string claim = claimOfNode(node);
  ASSERT_FALSE(claim.empty());
  ASSERT_EQ(liveInstances().size(), 1u);
  const std::string instance = liveInstances()[0].providerId;
  json pdb;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = client().get(pdbs.withName(pdbName));
        if (!r) return false;
        pdb = *r;
        const json status = pdb.value("status", json::object());
        return status.value("observedGeneration", 0) == pdb["metadata"].value("generation", -1) &&
               status.value("expectedPods", 0) == 1 && status.value("currentHealthy", 0) == 1 &&
               status.value("disruptionsAllowed", -1) == 0;
      },
      30s))
      << pdb.dump();

  auto removed = client().remove(kube::kNodeClaimsPath.withName(claim));
  ASSERT_TRUE(removed) << removed.error().message();
  std::string messages;
  ASSERT_TRUE(eventually(
      [&] {
        messages.clear();
        return eventSays(claim, "EvictionBlocked", {pdbName}, &messages) ||
               eventSays(claim, "DisruptionBlocked", {pdbName}, &messages);
      },
      30s, 250ms))
      << "no Event naming the PDB " << pdbName << "; seen:\n"
      << messages;
  EXPECT_GE(metricValue("gantry_disruption_blocked_total", {{"nodepool", run_}, {"cause", "pdb"}}), 1);

  // Held for 15 s: the pod still runs, the Node, the claim and the instance stay.
  const auto until = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < until) {
    auto c = client().get(kube::kNodeClaimsPath.withName(claim));
    ASSERT_TRUE(c && deleting(*c)) << "the claim went despite the PDB";
    ASSERT_TRUE(client().get(kNodes.withName(node))) << "the Node went despite the PDB";
    const json now = pod(guarded);
    ASSERT_EQ(phase(now), "Running");
    ASSERT_FALSE(deleting(now));
    ASSERT_FALSE(instanceGone(instance));
    std::this_thread::sleep_for(500ms);
  }

  // Relaxed: the next eviction goes through (retries back off to 30 s at most); the
  // Deployment's replacement pod goes elsewhere (a new node: the old one is fenced).
  auto relaxed = client().patch(pdbs.withName(pdbName), kube::PatchType::kMerge, {{"spec", {{"maxUnavailable", 1}}}});
  ASSERT_TRUE(relaxed) << relaxed.error().message();
  ASSERT_TRUE(eventually(
      [&] {
        return !client().get(kube::kNodeClaimsPath.withName(claim)) && !client().get(kNodes.withName(node)) &&
               instanceGone(instance);
      },
      60s, 250ms))
      << controller_->output();
  EXPECT_FALSE(client().get(kube::ResourcePath{.resource = "pods", .ns = run_}.withName(guarded)))
      << "the pod was evicted";
  EXPECT_TRUE(eventSays(claim, "Drained", {node}));
}

}  // namespace
}  // namespace gantry::e2e
