// The controller skeleton over a scripted reconciler: requeues, per-key exponential backoff
// reset by a success, the exception guard, the resync, and several workers that never share
// a key and stop promptly.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "provisioner/runtime/queue_controller.h"
#include "tests/fakes/fake_clock.h"

namespace gantry::provisioner::runtime {
namespace {

using namespace std::chrono_literals;

class ScriptedReconciler final : public Reconciler {
 public:
  std::function<Result<Requeue>(const std::string&)> onReconcile =
      [](const std::string&) -> Result<Requeue> { return Requeue{}; };
  std::vector<std::string> keys;

  Result<Requeue> reconcile(const std::string& key) override {
    calls.push_back(key);
    return onReconcile(key);
  }
  std::vector<std::string> resyncKeys() override { return keys; }

  std::vector<std::string> calls;
};

TEST(QueueControllerTest, RequeuesWhenTheReconcilerAsks) {
  FakeClock clock;
  ScriptedReconciler r;
  r.onReconcile = [](const std::string&) -> Result<Requeue> { return Requeue{5s}; };
  QueueController c(r, clock, {.name = "t", .resyncAtStart = false});
  c.enqueue("a");
  EXPECT_EQ(c.step(), 1u);
  EXPECT_EQ(c.step(), 0u);
  clock.advance(5s);
  EXPECT_EQ(c.step(), 1u);
}

TEST(QueueControllerTest, FailuresBackOffExponentiallyPerKeyAndASuccessResets) {
  FakeClock clock;
  ScriptedReconciler r;
  bool failing = true;
  r.onReconcile = [&](const std::string& key) -> Result<Requeue> {
    if (failing && key == "bad") return fail(Status::unavailable("down"));
    return Requeue{};
  };
  QueueController c(r, clock, {.name = "t", .resyncAtStart = false,
                               .initialBackoff = 1s, .maxBackoff = 4s});
  c.enqueue("bad");
  c.enqueue("good");
  EXPECT_EQ(c.step(), 2u);
  EXPECT_EQ(c.failures("bad"), 1);
  EXPECT_EQ(c.failures("good"), 0);
  // 1s, 2s, 4s, then capped at 4s.
  for (auto wait : {1s, 2s, 4s, 4s}) {
    clock.advance(wait - 1ms);
    EXPECT_EQ(c.step(), 0u) << "retried before " << wait.count() << "s";
    clock.advance(1ms);
    EXPECT_EQ(c.step(), 1u);
  }
  failing = false;
  clock.advance(4s);
  EXPECT_EQ(c.step(), 1u);
  EXPECT_EQ(c.failures("bad"), 0);
  EXPECT_FALSE(c.queue().nextDue());
}

TEST(QueueControllerTest, AThrowingReconcileIsRetriedNotFatal) {
  FakeClock clock;
  ScriptedReconciler r;
  int n = 0;
  r.onReconcile = [&](const std::string&) -> Result<Requeue> {
    if (++n == 1) throw std::runtime_error("bug");
    return Requeue{};
  };
  QueueController c(r, clock, {.name = "t", .resyncAtStart = false, .initialBackoff = 1s});
  c.enqueue("a");
  EXPECT_EQ(c.step(), 1u);
  EXPECT_EQ(c.failures("a"), 1);
  clock.advance(1s);
  EXPECT_EQ(c.step(), 1u);
  EXPECT_EQ(c.failures("a"), 0);
}

TEST(QueueControllerTest, ResyncQueuesEveryKeyAtStartAndEachPeriod) {
  FakeClock clock;
  ScriptedReconciler r;
  r.keys = {"a", "b"};
  QueueController c(r, clock, {.name = "t", .resyncPeriod = 10s});
  EXPECT_EQ(c.step(), 2u);
  EXPECT_EQ(c.step(), 0u);
  ASSERT_TRUE(c.nextWake());
  EXPECT_EQ(*c.nextWake(), clock.now() + 10s);
  clock.advance(10s);
  EXPECT_EQ(c.step(), 2u);
}

TEST(QueueControllerTest, WorkersNeverReconcileOneKeyConcurrentlyAndStopPromptly) {
  RealClock clock;
  std::mutex mu;
  std::set<std::string> inFlight;
  std::atomic<int> overlaps = 0, total = 0;
  class Concurrent final : public Reconciler {
   public:
    std::function<Result<Requeue>(const std::string&)> fn;
    Result<Requeue> reconcile(const std::string& key) override { return fn(key); }
  } r;
  r.fn = [&](const std::string& key) -> Result<Requeue> {
    {
      std::lock_guard lock(mu);
      if (!inFlight.insert(key).second) ++overlaps;
    }
    std::this_thread::sleep_for(2ms);
    {
      std::lock_guard lock(mu);
      inFlight.erase(key);
    }
    ++total;
    return Requeue{};
  };
  QueueController c(r, clock, {.name = "t", .workers = 4, .resyncAtStart = false});
  std::stop_source stop;
  std::jthread runner([&] { c.run(stop.get_token()); });
  for (int round = 0; round < 50; ++round) {
    for (const char* k : {"a", "b", "c"}) c.enqueue(k);
    std::this_thread::sleep_for(1ms);
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (c.queue().size() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  const auto stopAt = std::chrono::steady_clock::now();
  stop.request_stop();
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stopAt, 2s);
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GE(total.load(), 3);
}

TEST(QueueControllerTest, AnIdleWorkerWakesOnAnAddWithoutPolling) {
  RealClock clock;
  ScriptedReconciler r;
  std::atomic<bool> seen = false;
  r.onReconcile = [&](const std::string&) -> Result<Requeue> {
    seen = true;
    return Requeue{};
  };
  // A long maxIdle: only the add's wake-up can make the reconcile happen quickly.
  QueueController c(r, clock, {.name = "t", .resyncAtStart = false, .maxIdle = 60s});
  std::stop_source stop;
  std::jthread runner([&] { c.run(stop.get_token()); });
  std::this_thread::sleep_for(50ms);
  const auto added = std::chrono::steady_clock::now();
  c.enqueue("a");
  while (!seen && std::chrono::steady_clock::now() - added < 10s) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(seen);
  EXPECT_LT(std::chrono::steady_clock::now() - added, 5s);
  stop.request_stop();
}

}  // namespace
}  // namespace gantry::provisioner::runtime
