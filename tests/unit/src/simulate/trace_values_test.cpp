// Durations, run-for distributions and scale schedules of a trace: each form, each refusal,
// and distribution draws pinned for a seed (our own code over mt19937_64, so portable).
#include "src/simulate/trace_values.h"

#include <gtest/gtest.h>

namespace gantry::simulate {
namespace {

using namespace std::chrono_literals;

TEST(TraceDurationTest, ParsesGoStyleDurations) {
  EXPECT_EQ(parseTraceDuration("90s"), Duration(90s));
  EXPECT_EQ(parseTraceDuration("1h30m"), Duration(90min));
  EXPECT_EQ(parseTraceDuration("168h"), Duration(168h));
  EXPECT_EQ(parseTraceDuration("0s", ZeroDuration::kAllow), Duration(0s));
}

TEST(TraceDurationTest, RefusesNegativeZeroHugeAndMalformed) {
  auto message = [](std::string_view text, ZeroDuration z = ZeroDuration::kRefuse) {
    auto r = parseTraceDuration(text, z);
    EXPECT_FALSE(r.has_value()) << text;
    return r ? std::string() : r.error().message();
  };
  EXPECT_EQ(message("-5m"), "duration \"-5m\" is negative");
  EXPECT_EQ(message("0s"), "duration \"0s\" must be more than zero");
  EXPECT_EQ(message("169h"),
            "duration \"169h\" is longer than a simulation may run (168h, 7 days)");
  EXPECT_EQ(message("99999999999999999999h"), "duration \"99999999999999999999h\" is too long");
  EXPECT_NE(message("Never").find("no meaning"), std::string::npos);
  EXPECT_NE(message("5").find("needs a unit"), std::string::npos);
  EXPECT_NE(message("5d").find("unknown unit"), std::string::npos);
  EXPECT_NE(message("").find("is empty"), std::string::npos);
}

TEST(RunForTest, ParsesFixedUniformAndNormal) {
  EXPECT_EQ(parseRunFor("30m"), (RunFor{RunFor::Kind::kFixed, 30min, {}}));
  EXPECT_EQ(parseRunFor("uniform(20m,40m)"), (RunFor{RunFor::Kind::kUniform, 20min, 40min}));
  EXPECT_EQ(parseRunFor("normal( 30m , 5m )"), (RunFor{RunFor::Kind::kNormal, 30min, 5min}));
}

TEST(RunForTest, RefusesBadDistributions) {
  auto message = [](std::string_view text) {
    auto r = parseRunFor(text);
    EXPECT_FALSE(r.has_value()) << text;
    return r ? std::string() : r.error().message();
  };
  EXPECT_EQ(message("uniform(40m,20m)"),
            "\"uniform(40m,20m)\": uniform(LOW,HIGH) needs LOW below HIGH");
  EXPECT_EQ(message("uniform(20m)"),
            "\"uniform(20m)\" is not uniform(A,B) (want a duration like 30m or 1h30m, "
            "uniform(20m,40m) or "
            "normal(30m,5m))");
  EXPECT_EQ(message("normal(30m,0s)"),
            "normal second argument: duration \"0s\" must be more than zero");
  EXPECT_EQ(message("normal(-30m,5m)"), "normal first argument: duration \"-30m\" is negative");
  EXPECT_NE(message("poisson(3)").find("want a duration like 30m"), std::string::npos);
  EXPECT_NE(message("uniform(20m,40m").find("is not uniform(A,B)"), std::string::npos);
  EXPECT_NE(message("0s").find("more than zero"), std::string::npos);
}

TEST(RunForTest, SamplesArePinnedForASeedAndStayInRange) {
  SeededRandom random(1);
  const RunFor uniform{RunFor::Kind::kUniform, 20min, 40min};
  const RunFor normal{RunFor::Kind::kNormal, 30min, 5min};
  std::vector<int64_t> ms;
  for (int i = 0; i < 3; ++i)
    ms.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(*uniform.sample(random)).count());
  for (int i = 0; i < 3; ++i)
    ms.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(*normal.sample(random)).count());
  EXPECT_EQ(ms, (std::vector<int64_t>{1360652, 1363688, 1741458, 1763367, 1150691, 1693193}));
  EXPECT_EQ((RunFor{RunFor::Kind::kFixed, 30min, {}}.sample(random)), Duration(30min));
  EXPECT_EQ(RunFor{}.sample(random), std::nullopt);

  SeededRandom wide(7);
  for (int i = 0; i < 10000; ++i) {
    auto u = uniform.sample(wide);
    ASSERT_TRUE(*u >= 20min && *u <= 40min);
    auto n = RunFor{RunFor::Kind::kNormal, 2s, 1h}.sample(wide);
    ASSERT_TRUE(*n >= 1s && *n <= kMaxSimulatedTime);  // clamped
  }
}

TEST(ReplicasAtTest, ParsesSteps) {
  auto steps = parseReplicasAt("0s=2, 8h=10 ,18h=2", 100);
  ASSERT_TRUE(steps.has_value()) << steps.error().toString();
  EXPECT_EQ(*steps, (std::vector<ScaleStep>{{0s, 2}, {8h, 10}, {18h, 2}}));
  EXPECT_EQ(parseReplicasAt("1h=0", 100), (std::vector<ScaleStep>{{1h, 0}}));
}

TEST(ReplicasAtTest, RefusesBadSyntax) {
  auto message = [](std::string_view text) {
    auto r = parseReplicasAt(text, 100);
    EXPECT_FALSE(r.has_value()) << text;
    return r ? std::string() : r.error().message();
  };
  EXPECT_EQ(message("0s=2,8h"),
            "step 2 \"8h\" is not TIME=REPLICAS (want e.g. \"0s=2,8h=10,18h=2\")");
  EXPECT_EQ(
      message("8h=2,1h=3"),
      "step 2 \"1h=3\" is not later than the step before it (want e.g. \"0s=2,8h=10,18h=2\")");
  EXPECT_NE(message("0s=-1").find("needs a whole number of replicas"), std::string::npos);
  EXPECT_NE(message("0s=1.5").find("needs a whole number of replicas"), std::string::npos);
  EXPECT_NE(message("0s=101").find("more than 100 replicas"), std::string::npos);
  EXPECT_NE(message("200h=1").find("longer than a simulation may run"), std::string::npos);
  EXPECT_NE(message("").find("is not TIME=REPLICAS"), std::string::npos);
  EXPECT_NE(message("0s=1,").find("step 2"), std::string::npos);
  std::string many;
  for (int i = 0; i < 1001; ++i) many += (i ? "," : "") + std::to_string(i) + "s=1";
  EXPECT_NE(message(many).find("limit of 1000 steps"), std::string::npos);
}

}  // namespace
}  // namespace gantry::simulate
