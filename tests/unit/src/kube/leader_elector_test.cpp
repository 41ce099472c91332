// LeaderElector against an in-process Lease store behind the FakeHttpClient and a FakeClock:
// takeover timing judged on our clock, optimistic-concurrency conflicts, the renew deadline,
// being deposed, and release on stop. Run-loop tests let the elector's thread drive the fake
// clock; they only wait (bounded, on wall time) for callbacks, never sleep.
#include "src/kube/leader_elector.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::kube {
namespace {

using http::FakeHttpClient;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kServer = "https://api.example:6443";
constexpr std::string_view kLeasePath = "/apis/coordination.k8s.io/v1/namespaces/gantry/leases";

std::string kubeStatus(int code, const std::string& reason) {
  return json{{"kind", "Status"}, {"code", code}, {"reason", reason}, {"message", reason}}.dump();
}

// One namespace's Lease collection, holding at most the one Lease, with resourceVersion checks
// and injectable failures. Thread-safe.
class FakeLeaseStore {
 public:
  explicit FakeLeaseStore(Clock& clock) : clock_(clock) {}

  Result<http::Response> handle(const http::Request& req) {
    std::lock_guard lock(mu_);
    const std::string path = req.url.substr(kServer.size());
    if (failAll) return FakeHttpClient::reply(500, kubeStatus(500, "InternalError"));
    if (req.method == "POST" && path == kLeasePath) {
      if (lease_) return FakeHttpClient::reply(409, kubeStatus(409, "AlreadyExists"));
      json obj = json::parse(req.body);
      store(std::move(obj));
      lastPutAt = clock_.now();
      return FakeHttpClient::reply(201, lease_->dump());
    }
    if (path != std::string(kLeasePath) + "/lock")
      return FakeHttpClient::reply(404, kubeStatus(404, "NotFound"));
    if (req.method == "GET") {
      if (!lease_) return FakeHttpClient::reply(404, kubeStatus(404, "NotFound"));
      return FakeHttpClient::reply(200, lease_->dump());
    }
    if (req.method == "PUT") {
      if (!lease_) return FakeHttpClient::reply(404, kubeStatus(404, "NotFound"));
      json obj = json::parse(req.body);
      if (conflictNextPuts > 0 || obj["metadata"].value("resourceVersion", "") !=
                                      (*lease_)["metadata"]["resourceVersion"]) {
        if (conflictNextPuts > 0) --conflictNextPuts;
        return FakeHttpClient::reply(409, kubeStatus(409, "Conflict"));
      }
      store(std::move(obj));
      lastPutAt = clock_.now();
      return FakeHttpClient::reply(200, lease_->dump());
    }
    return FakeHttpClient::reply(405, kubeStatus(405, "MethodNotAllowed"));
  }

  // Writes the Lease as another client would (a new resourceVersion).
  void put(json spec) {
    std::lock_guard lock(mu_);
    json obj = lease_ ? *lease_ : json{{"metadata", {{"name", "lock"}, {"namespace", "gantry"}}}};
    obj["spec"] = std::move(spec);
    store(std::move(obj));
  }
  json spec() const {
    std::lock_guard lock(mu_);
    return lease_ ? (*lease_)["spec"] : json();
  }
  void setFailAll(bool v) {
    std::lock_guard lock(mu_);
    failAll = v;
  }
  void setConflictNextPuts(int n) {
    std::lock_guard lock(mu_);
    conflictNextPuts = n;
  }
  Clock::TimePoint lastSuccessfulPut() const {
    std::lock_guard lock(mu_);
    return lastPutAt;
  }

 private:
  void store(json obj) {
    obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
    lease_ = std::move(obj);
  }

  Clock& clock_;
  mutable std::mutex mu_;
  std::optional<json> lease_;
  int rv_ = 100;
  bool failAll = false;
  int conflictNextPuts = 0;
  Clock::TimePoint lastPutAt{};
};

class LeaderElectorTest : public ::testing::Test {
 protected:
  LeaderElectorTest() {
    http_.setHandler([this](const http::Request& r) { return store_.handle(r); });
  }

  LeaderElectionConfig config(std::string identity = "me") const {
    return {.leaseNamespace = "gantry", .leaseName = "lock", .identity = std::move(identity)};
  }
  std::unique_ptr<LeaderElector> elector(LeaderCallbacks callbacks = {}, std::string id = "me") {
    return std::make_unique<LeaderElector>(client_, clock_, config(std::move(id)),
                                           std::move(callbacks));
  }
  std::vector<std::string> methods() const {
    std::vector<std::string> out;
    for (const auto& r : http_.requests()) out.push_back(r.method);
    return out;
  }

  FakeClock clock_;
  FakeLeaseStore store_{clock_};
  FakeHttpClient http_;
  RestClient client_{http_, clock_, std::string(kServer), nullptr, {.qps = 0, .maxRetries = 0}};
};

// Callbacks that report to the test: when the work started, that its stop was requested
// before onStoppedLeading ran, and the fake time of each step.
struct Probe {
  std::promise<void> started, stopped;
  std::atomic<bool> workStopped{false}, workStoppedFirst{false};
  std::atomic<int> stoppedCalls{0};
  std::mutex mu;
  std::vector<std::string> leaders;
  Clock::TimePoint stoppedAt{}, becameLeaderAt{};

  LeaderCallbacks callbacks(Clock& clock) {
    return {
        .onStartedLeading =
            [this](std::stop_token st) {
              started.set_value();
              std::mutex m;
              std::condition_variable_any cv;
              std::unique_lock lock(m);
              cv.wait(lock, st, [] { return false; });
              workStopped = true;
            },
        .onStoppedLeading =
            [this, &clock] {
              stoppedAt = clock.now();
              workStoppedFirst = workStopped.load();
              if (++stoppedCalls == 1) stopped.set_value();
            },
        .onNewLeader =
            [this, &clock](const std::string& id) {
              std::lock_guard lock(mu);
              leaders.push_back(id);
              if (id == "me") becameLeaderAt = clock.now();
            },
    };
  }
  bool waitStarted() {
    return started.get_future().wait_for(seconds(10)) == std::future_status::ready;
  }
  bool waitStopped() {
    return stopped.get_future().wait_for(seconds(10)) == std::future_status::ready;
  }
};

TEST_F(LeaderElectorTest, CreatesTheLeaseWhenThereIsNone) {
  auto e = elector();
  auto r = e->tryAcquireOrRenew();
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_TRUE(*r);
  const json spec = store_.spec();
  EXPECT_EQ(spec["holderIdentity"], "me");
  EXPECT_EQ(spec["leaseDurationSeconds"], 15);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_EQ(spec["acquireTime"], "2015-08-30T12:36:00.000000Z");
  EXPECT_EQ(spec["renewTime"], spec["acquireTime"]);
  EXPECT_EQ(methods(), (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(e->leader(), "me");
}

TEST_F(LeaderElectorTest, RenewKeepsAcquireTimeAndTransitionsAndSkipsTheRead) {
  auto e = elector();
  ASSERT_TRUE(e->tryAcquireOrRenew().value_or(false));
  clock_.advance(seconds(2));
  http_.reset();
  http_.setHandler([this](const http::Request& r) { return store_.handle(r); });
  ASSERT_TRUE(e->tryAcquireOrRenew().value_or(false));
  EXPECT_EQ(methods(), (std::vector<std::string>{"PUT"}));
  const json spec = store_.spec();
  EXPECT_EQ(spec["acquireTime"], "2015-08-30T12:36:00.000000Z");
  EXPECT_EQ(spec["renewTime"], "2015-08-30T12:36:02.000000Z");
  EXPECT_EQ(spec["leaseTransitions"], 0);
}

TEST_F(LeaderElectorTest, TakesOverOnlyAfterLeaseDurationOnOurClockSinceLastChange) {
  // The holder's renewTime is years old, but we judge expiry from when WE saw it change.
  store_.put({{"holderIdentity", "other"},
              {"leaseDurationSeconds", 15},
              {"renewTime", "2001-01-01T00:00:00.000000Z"},
              {"leaseTransitions", 3}});
  auto e = elector();
  EXPECT_FALSE(e->tryAcquireOrRenew().value());
  EXPECT_EQ(e->leader(), "other");
  clock_.advance(seconds(10));
  // The holder renews: the 15 s start again from now.
  store_.put({{"holderIdentity", "other"},
              {"leaseDurationSeconds", 15},
              {"renewTime", "2001-01-01T00:00:10.000000Z"},
              {"leaseTransitions", 3}});
  EXPECT_FALSE(e->tryAcquireOrRenew().value());
  clock_.advance(seconds(14));
  EXPECT_FALSE(e->tryAcquireOrRenew().value());
  clock_.advance(milliseconds(1001));
  ASSERT_TRUE(e->tryAcquireOrRenew().value());
  const json spec = store_.spec();
  EXPECT_EQ(spec["holderIdentity"], "me");
  EXPECT_EQ(spec["leaseTransitions"], 4);
  EXPECT_EQ(spec["acquireTime"], spec["renewTime"]);
}

TEST_F(LeaderElectorTest, ReleasedLeaseIsTakenAtOnce) {
  store_.put({{"leaseDurationSeconds", 1}, {"leaseTransitions", 7}});
  auto e = elector();
  ASSERT_TRUE(e->tryAcquireOrRenew().value());
  EXPECT_EQ(store_.spec()["leaseTransitions"], 8);
}

TEST_F(LeaderElectorTest, StaleResourceVersionOnRenewRereadsAndRenews) {
  auto e = elector();
  ASSERT_TRUE(e->tryAcquireOrRenew().value_or(false));
  json spec = store_.spec();
  store_.put(spec);  // same content, new resourceVersion (say a label was added)
  http_.reset();
  http_.setHandler([this](const http::Request& r) { return store_.handle(r); });
  clock_.advance(seconds(2));
  auto r = e->tryAcquireOrRenew();
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_TRUE(*r);
  EXPECT_EQ(methods(), (std::vector<std::string>{"PUT", "GET", "PUT"}));
  EXPECT_EQ(store_.spec()["renewTime"], "2015-08-30T12:36:02.000000Z");
}

TEST_F(LeaderElectorTest, LostWriteRaceIsAConflictAndTheNextAttemptSucceeds) {
  auto e = elector();
  store_.put({{"leaseDurationSeconds", 1}});
  store_.setConflictNextPuts(1);
  auto r = e->tryAcquireOrRenew();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().isConflict()) << r.error().toString();
  EXPECT_TRUE(e->tryAcquireOrRenew().value_or(false));
}

TEST_F(LeaderElectorTest, CreateRaceIsAConflict) {
  http_.enqueue(FakeHttpClient::reply(404, kubeStatus(404, "NotFound")));
  http_.enqueue(FakeHttpClient::reply(409, kubeStatus(409, "AlreadyExists")));
  auto r = elector()->tryAcquireOrRenew();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().isConflict()) << r.error().toString();
}

TEST_F(LeaderElectorTest, MalformedLeaseIsInvalidAndNeverTakenOver) {
  store_.put({{"holderIdentity", 42}, {"leaseDurationSeconds", "fifteen"}});
  auto e = elector();
  auto r = e->tryAcquireOrRenew();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().isInvalid()) << r.error().toString();
  clock_.advance(seconds(60));
  EXPECT_FALSE(e->tryAcquireOrRenew());
  EXPECT_EQ(store_.spec()["holderIdentity"], 42);
}

TEST_F(LeaderElectorTest, StartRejectsBadDurations) {
  auto cfg = config();
  cfg.renewDeadline = seconds(15);
  EXPECT_TRUE(LeaderElector(client_, clock_, cfg, {}).start().isInvalid());
  cfg = config();
  cfg.retryPeriod = seconds(9);
  EXPECT_TRUE(LeaderElector(client_, clock_, cfg, {}).start().isInvalid());
  cfg = config();
  cfg.identity.clear();
  EXPECT_TRUE(LeaderElector(client_, clock_, cfg, {}).start().isInvalid());
}

TEST_F(LeaderElectorTest, RunLoopTakesOverAnExpiredHolderAndReportsLeaders) {
  store_.put({{"holderIdentity", "other"}, {"leaseDurationSeconds", 15}});
  const auto t0 = clock_.now();
  Probe probe;
  auto e = elector(probe.callbacks(clock_));
  ASSERT_TRUE(e->start().isOk());
  ASSERT_TRUE(probe.waitStarted());
  EXPECT_TRUE(e->isLeader());
  e->stop();
  std::lock_guard lock(probe.mu);
  // Attempts every 2 s from t0: the first one at or after expiry (t0 + 15 s) wins.
  EXPECT_EQ(probe.becameLeaderAt - t0, seconds(16));
  EXPECT_EQ(probe.leaders, (std::vector<std::string>{"other", "me"}));
}

TEST_F(LeaderElectorTest, RenewFailureBeyondDeadlineStopsTheWorkThenCallsOnStoppedLeading) {
  Probe probe;
  auto e = elector(probe.callbacks(clock_));
  ASSERT_TRUE(e->start().isOk());
  ASSERT_TRUE(probe.waitStarted());
  store_.setFailAll(true);
  ASSERT_TRUE(probe.waitStopped());
  EXPECT_TRUE(probe.workStoppedFirst);
  EXPECT_EQ(probe.stoppedCalls, 1);
  EXPECT_FALSE(e->isLeader());
  ASSERT_TRUE(e->waitDone(milliseconds(10000)));
  const auto lastRenew = store_.lastSuccessfulPut();
  EXPECT_GE(probe.stoppedAt - lastRenew, seconds(10));
  EXPECT_LE(probe.stoppedAt - lastRenew, seconds(12));
  // Not released (the apiserver is failing anyway) and not contended again.
  EXPECT_EQ(store_.spec()["holderIdentity"], "me");
}

TEST_F(LeaderElectorTest, AnotherHolderDeposesTheLeaderAtOnce) {
  Probe probe;
  auto e = elector(probe.callbacks(clock_));
  ASSERT_TRUE(e->start().isOk());
  ASSERT_TRUE(probe.waitStarted());
  store_.put({{"holderIdentity", "usurper"}, {"leaseDurationSeconds", 15}});
  ASSERT_TRUE(probe.waitStopped());
  EXPECT_TRUE(probe.workStoppedFirst);
  EXPECT_FALSE(e->isLeader());
  EXPECT_EQ(e->leader(), "usurper");
  EXPECT_EQ(store_.spec()["holderIdentity"], "usurper");  // no release of someone else's lease
}

TEST_F(LeaderElectorTest, StopStopsTheWorkThenReleasesTheLease) {
  Probe probe;
  auto e = elector(probe.callbacks(clock_));
  ASSERT_TRUE(e->start().isOk());
  ASSERT_TRUE(probe.waitStarted());
  e->stop();
  e->stop();  // idempotent
  EXPECT_TRUE(e->done());
  EXPECT_TRUE(probe.workStoppedFirst);
  EXPECT_EQ(probe.stoppedCalls, 1);
  EXPECT_FALSE(e->isLeader());
  const json spec = store_.spec();
  EXPECT_FALSE(spec.contains("holderIdentity")) << spec.dump();
  EXPECT_EQ(spec["leaseDurationSeconds"], 1);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  // A standby takes the released lease at its first attempt.
  auto standby = elector({}, "standby");
  EXPECT_TRUE(standby->tryAcquireOrRenew().value_or(false));
  EXPECT_EQ(store_.spec()["leaseTransitions"], 1);
}

TEST_F(LeaderElectorTest, StopBeforeLeadingNeitherReleasesNorReportsStopped) {
  store_.put({{"holderIdentity", "other"}, {"leaseDurationSeconds", 3600}});
  Probe probe;
  auto e = elector(probe.callbacks(clock_));
  ASSERT_TRUE(e->start().isOk());
  e->stop();
  EXPECT_TRUE(e->done());
  EXPECT_EQ(probe.stoppedCalls, 0);
  EXPECT_EQ(store_.spec()["holderIdentity"], "other");
  EXPECT_FALSE(e->start().isOk());  // one run per elector
}

}  // namespace
}  // namespace gantry::kube
