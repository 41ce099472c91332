// Batching windows on a fake clock: idle close, max close, de-duplication, and a wait() that
// returns on stop.
#include "provisioner/provisioning/batcher.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace gantry::provisioner {
namespace {

using std::chrono::milliseconds;

TEST(Batcher, ClosesAfterTheIdleWindowWithoutTriggers) {
  FakeClock clock;
  Batcher batcher(clock, {.idle = milliseconds(1000), .max = milliseconds(10000)});
  EXPECT_FALSE(batcher.poll());
  EXPECT_FALSE(batcher.deadline());
  batcher.trigger("ns/a");
  clock.advance(milliseconds(600));
  batcher.trigger("ns/b");
  clock.advance(milliseconds(600));
  EXPECT_FALSE(batcher.poll()) << "b restarted the idle timer";
  clock.advance(milliseconds(400));
  auto batch = batcher.poll();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->keys, (std::vector<std::string>{"ns/a", "ns/b"}));
  EXPECT_EQ(batch->closed - batch->opened, milliseconds(1600));
  EXPECT_FALSE(batcher.poll()) << "the window is consumed";
}

TEST(Batcher, ClosesAtTheMaxWindowUnderAStreamOfTriggers) {
  FakeClock clock;
  Batcher batcher(clock, {.idle = milliseconds(1000), .max = milliseconds(3000)});
  for (int i = 0; i < 10; ++i) {
    batcher.trigger("ns/p" + std::to_string(i));
    if (auto b = batcher.poll()) {
      EXPECT_EQ(b->closed - b->opened, milliseconds(3000));
      EXPECT_EQ(b->keys.size(), 7u);  // 0 ms, 500 ms, ... 3000 ms
      return;
    }
    clock.advance(milliseconds(500));
  }
  FAIL() << "max window never closed";
}

TEST(Batcher, RepeatedTriggersOfOnePodAreOneKeyAndDoNotHoldTheWindowOpen) {
  FakeClock clock;
  Batcher batcher(clock, {.idle = milliseconds(1000), .max = milliseconds(10000)});
  batcher.trigger("ns/a");
  clock.advance(milliseconds(600));
  batcher.trigger("ns/a");  // an update of the same pod
  clock.advance(milliseconds(400));
  auto batch = batcher.poll();
  ASSERT_TRUE(batch) << "only a new pod restarts the idle timer";
  EXPECT_EQ(batch->keys, (std::vector<std::string>{"ns/a"}));
}

TEST(Batcher, AnExpectedPodOpensTheWindowItsLaterTriggerJoins) {
  FakeClock clock;
  Batcher batcher(clock, {.idle = milliseconds(1000), .max = milliseconds(10000)});
  batcher.expect("ns/a");  // created; the scheduler has not judged it yet
  clock.advance(milliseconds(50));
  batcher.trigger("ns/a");  // now Unschedulable: joins, does not restart the timer
  batcher.expect("ns/b");   // another new pod: never extends an open window
  clock.advance(milliseconds(950));
  auto batch = batcher.poll();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->closed - batch->opened, milliseconds(1000));
  EXPECT_EQ(batch->keys, (std::vector<std::string>{"ns/a"}));

  batcher.expect("ns/c");  // a pod the scheduler then places: the window closes empty
  clock.advance(milliseconds(1000));
  batch = batcher.poll();
  ASSERT_TRUE(batch);
  EXPECT_TRUE(batch->keys.empty());
}

TEST(Batcher, WaitSleepsOnTheClockUntilTheWindowCloses) {
  FakeClock clock;
  Batcher batcher(clock, {.idle = milliseconds(1000), .max = milliseconds(10000)});
  const auto start = clock.now();
  batcher.trigger("ns/a");
  std::atomic<bool> stop{false};
  auto batch = batcher.wait(stop);
  ASSERT_TRUE(batch);
  EXPECT_EQ(clock.now() - start, milliseconds(1000));
  stop = true;
  EXPECT_FALSE(batcher.wait(stop));
}

}  // namespace
}  // namespace gantry::provisioner
