// ShutdownClock: sleeps as its base clock does until the stop begins, then at most 10 ms, and
// a sleep already under way on the real clock ends within a slice of the flag.
#include "src/common/shutdown_clock.h"

#include <gtest/gtest.h>

#include <future>

#include "tests/fakes/fake_clock.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;

TEST(ShutdownClockTest, SleepsTheWholeDurationWhileRunning) {
  FakeClock base;
  std::atomic<bool> stopping{false};
  ShutdownClock clock(base, stopping);
  const auto start = clock.now();
  clock.sleepFor(5s);
  EXPECT_EQ(clock.now() - start, Clock::Duration(5s));
}

TEST(ShutdownClockTest, OnceStoppingASleepLastsAtMostTenMilliseconds) {
  FakeClock base;
  std::atomic<bool> stopping{true};
  ShutdownClock clock(base, stopping);
  const auto start = clock.now();
  clock.sleepFor(20s);  // an AWS retry delay
  EXPECT_EQ(clock.now() - start, Clock::Duration(ShutdownClock::kStoppingSleep));
  clock.sleepFor(3ms);
  EXPECT_EQ(clock.now() - start, Clock::Duration(ShutdownClock::kStoppingSleep + 3ms));
}

TEST(ShutdownClockTest, ASleepUnderWayEndsSoonAfterTheStopBegins) {
  RealClock base;
  std::atomic<bool> stopping{false};
  ShutdownClock clock(base, stopping);
  auto sleeper = std::async(std::launch::async, [&] { clock.sleepFor(30s); });
  ASSERT_EQ(sleeper.wait_for(300ms), std::future_status::timeout);
  stopping = true;
  EXPECT_EQ(sleeper.wait_for(500ms), std::future_status::ready);
}

}  // namespace
}  // namespace gantry
