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
    batcher.trigger("ns/p" + std::to_string(i % 3));
    if (auto b = batcher.poll()) {
      EXPECT_EQ(b->closed - b->opened, milliseconds(3000));
      EXPECT_EQ(b->keys.size(), 3u) << "keys are de-duplicated";
      return;
    }
    clock.advance(milliseconds(500));
  }
  FAIL() << "max window never closed";
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
