// The crash-point hook the leak-hunt e2e test arms: its variable's syntax, and that an armed
// point kills the process with SIGKILL on exactly the hit it names (after saying which point)
// while an unarmed one does nothing. Death tests run in a re-executed child ("threadsafe"), so
// the variable is read fresh there.
#include "src/common/crash_point.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>

namespace gantry {
namespace {

TEST(CrashPointTest, ParsesNamesHitCountsBlanksAndEmptyEntries) {
  auto specs = parseCrashPoints(" launch.after-create , gc.x:2,,termination.y:0, z:abc ,:3");
  ASSERT_EQ(specs.size(), 4u);
  EXPECT_EQ(specs[0].name, "launch.after-create");
  EXPECT_EQ(specs[0].hit, 1);
  EXPECT_EQ(specs[1].name, "gc.x");
  EXPECT_EQ(specs[1].hit, 2);
  EXPECT_EQ(specs[2].name, "termination.y");
  EXPECT_EQ(specs[2].hit, 1) << "a count that is not positive arms the first hit";
  EXPECT_EQ(specs[3].name, "z");
  EXPECT_EQ(specs[3].hit, 1);
  EXPECT_TRUE(parseCrashPoints("").empty());
  EXPECT_TRUE(parseCrashPoints(" , ,").empty());
}

TEST(CrashPointDeathTest, AnArmedPointDiesBySigkillOnItsHitAndSaysWhich) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ::setenv("GANTRY_CRASH_POINTS", "elsewhere,here:2", 1);
  EXPECT_EXIT(
      {
        crashPoint("unarmed");
        crashPoint("here");  // the first hit: armed for the second
        std::fprintf(stderr, "survived the first hit\n");
        crashPoint("here");
        std::fprintf(stderr, "survived the second hit\n");
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "survived the first hit\ncrash point here\n$");
  EXPECT_EXIT(
      {
        crashPoint("elsewhere");
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "crash point elsewhere");
  ::unsetenv("GANTRY_CRASH_POINTS");
}

TEST(CrashPointDeathTest, WithoutTheVariableNothingDies) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ::unsetenv("GANTRY_CRASH_POINTS");
  EXPECT_EXIT(
      {
        for (int i = 0; i < 3; ++i) crashPoint("launch.after-create");
        std::exit(7);
      },
      ::testing::ExitedWithCode(7), "");
}

}  // namespace
}  // namespace gantry
