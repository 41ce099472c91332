// The work queue: due times, de-duplication, a key held by one worker at a time, and
// waitForWork waking on an add.
#include <gtest/gtest.h>

#include <thread>

#include "provisioner/runtime/work_queue.h"
#include "src/common/clock.h"
#include "tests/fakes/fake_clock.h"

namespace gantry::provisioner::runtime {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueueTest, KeyAddedTwiceIsTakenOnceAtItsEarliestDueTime) {
  FakeClock clock;
  WorkQueue q(clock);
  q.addAfter("a", 10s);
  q.addAfter("a", 2s);
  q.addAfter("a", 30s);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_FALSE(q.take());
  clock.advance(2s);
  EXPECT_EQ(q.take(), "a");
  EXPECT_FALSE(q.take());
}

TEST(WorkQueueTest, TakesTheEarliestDueKeyFirst) {
  FakeClock clock;
  WorkQueue q(clock);
  q.addAfter("late", 5s);
  q.addAfter("early", 1s);
  q.add("now");
  clock.advance(10s);
  EXPECT_EQ(q.takeDue(), (std::vector<std::string>{"now", "early", "late"}));
}

TEST(WorkQueueTest, HeldKeyAddedAgainWaitsUntilDone) {
  FakeClock clock;
  WorkQueue q(clock);
  q.add("a");
  ASSERT_EQ(q.take(), "a");
  q.add("a");  // an event while a worker reconciles it
  EXPECT_FALSE(q.take()) << "a second worker must not get the same key";
  EXPECT_TRUE(q.takeDue().empty());
  EXPECT_FALSE(q.nextDue());
  q.done("a");
  EXPECT_EQ(q.take(), "a");
}

TEST(WorkQueueTest, WaitForWorkReturnsWhenAKeyIsAdded) {
  RealClock clock;
  WorkQueue q(clock);
  std::jthread adder([&] {
    std::this_thread::sleep_for(50ms);
    q.add("a");
  });
  const auto started = std::chrono::steady_clock::now();
  q.waitForWork(std::stop_token{}, 10s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(q.take(), "a");
}

TEST(WorkQueueTest, WaitForWorkReturnsOnStop) {
  RealClock clock;
  WorkQueue q(clock);
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(50ms);
    stop.request_stop();
  });
  const auto started = std::chrono::steady_clock::now();
  q.waitForWork(stop.get_token(), 10s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(WorkQueueTest, WaitForWorkReturnsAtOnceWhenAKeyIsDue) {
  RealClock clock;
  WorkQueue q(clock);
  q.add("a");
  const auto started = std::chrono::steady_clock::now();
  q.waitForWork(std::stop_token{}, 10s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

}  // namespace
}  // namespace gantry::provisioner::runtime
