// NodePool spec.disruption decoding (consolidationPolicy, consolidateAfter, budgets) and
// metadata.annotations: Karpenter v1's defaults, and the CRD's validation turned into field
// errors naming the path, so files the plan command reads are held to the apiserver's rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"

namespace gantry::api {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

NodePool poolOk(const json& object) {
  auto pool = decodeNodePool(object);
  EXPECT_TRUE(pool.has_value()) << (pool ? "" : pool.error().field + ": " + pool.error().message);
  return pool.value_or(NodePool{});
}

FieldError poolFails(const json& object) {
  auto pool = decodeNodePool(object);
  EXPECT_FALSE(pool.has_value());
  return pool ? FieldError{} : pool.error();
}

json pool(std::string_view spec) {
  return json{{"apiVersion", "gantry.dev/v1"}, {"kind", "NodePool"}, {"metadata", {{"name", "p"}}},
              {"spec", json::parse(spec)}};
}

// A pool whose disruption block has these budgets.
json withBudgets(std::string_view budgets) {
  return pool(R"({"disruption": {"budgets": )" + std::string(budgets) + "}}");
}

DisruptionBudget tenPercent() { return DisruptionBudget{}; }

TEST(NodePoolDisruptionDecode, KarpenterDefaults) {
  for (std::string_view spec : {"{}", R"({"disruption": {}})", R"({"disruption": null})"}) {
    NodePool p = poolOk(pool(spec));
    EXPECT_EQ(p.consolidationPolicy, ConsolidationPolicy::kWhenEmptyOrUnderutilized) << spec;
    EXPECT_EQ(p.consolidateAfter, "0s") << spec;
    EXPECT_EQ(p.consolidateAfterDuration(), std::optional<Clock::Duration>(0s)) << spec;
    EXPECT_THAT(p.budgets, ElementsAre(tenPercent())) << spec;
    EXPECT_EQ(p.budgets[0].nodes, "10%");
  }
  NodePool d = NodePool::defaultPool();
  EXPECT_EQ(d.consolidationPolicy, ConsolidationPolicy::kWhenEmptyOrUnderutilized);
  EXPECT_THAT(d.budgets, ElementsAre(tenPercent()));
  EXPECT_EQ(d.consolidateAfterDuration(), std::optional<Clock::Duration>(30s));
}

TEST(NodePoolDisruptionDecode, PolicyAndConsolidateAfter) {
  NodePool p = poolOk(pool(R"({"disruption": {"consolidationPolicy": "WhenEmpty",
                                               "consolidateAfter": "1h30m"}})"));
  EXPECT_EQ(p.consolidationPolicy, ConsolidationPolicy::kWhenEmpty);
  EXPECT_EQ(p.consolidateAfter, "1h30m");
  EXPECT_EQ(p.consolidateAfterDuration(), std::optional<Clock::Duration>(90min));
  NodePool never = poolOk(pool(R"({"disruption": {"consolidateAfter": "Never"}})"));
  EXPECT_EQ(never.consolidateAfter, "Never");
  EXPECT_EQ(never.consolidateAfterDuration(), std::nullopt);

  auto e = poolFails(pool(R"({"disruption": {"consolidationPolicy": "WhenUnderutilized"}})"));
  EXPECT_EQ(e.field, "spec.disruption.consolidationPolicy");
  EXPECT_THAT(e.message, HasSubstr("WhenUnderutilized"));
  EXPECT_EQ(poolFails(pool(R"({"disruption": {"consolidationPolicy": 1}})")).field,
            "spec.disruption.consolidationPolicy");
  for (auto bad : {"5 minutes", "", "10", "1d", "never"}) {
    auto err = poolFails(pool(R"({"disruption": {"consolidateAfter": ")" + std::string(bad) +
                              R"("}})"));
    EXPECT_EQ(err.field, "spec.disruption.consolidateAfter") << bad;
  }
  EXPECT_EQ(poolFails(pool(R"({"disruption": []})")).field, "spec.disruption");
  // A pool built in code with a malformed value never consolidates.
  NodePool built;
  built.consolidateAfter = "soon";
  EXPECT_EQ(built.consolidateAfterDuration(), std::nullopt);
}

TEST(NodePoolDisruptionDecode, Budgets) {
  NodePool p = poolOk(withBudgets(R"([
      {"nodes": "20%", "reasons": ["Empty", "Drifted"]},
      {"nodes": "5"},
      {"nodes": "0", "schedule": "0 9 * * mon-fri", "duration": "8h", "reasons": ["Underutilized"]},
      {"schedule": "@daily", "duration": "1h30m0s", "reasons": []}])"));
  ASSERT_EQ(p.budgets.size(), 4u);
  EXPECT_EQ(p.budgets[0].nodes, "20%");
  EXPECT_EQ(p.budgets[0].reasons,
            (std::vector<BudgetReason>{BudgetReason::kEmpty, BudgetReason::kDrifted}));
  EXPECT_FALSE(p.budgets[0].schedule.has_value());
  EXPECT_FALSE(p.budgets[0].duration.has_value());
  EXPECT_EQ(p.budgets[1].nodes, "5");
  EXPECT_EQ(p.budgets[1].reasons, std::nullopt);  // every reason
  ASSERT_TRUE(p.budgets[2].schedule.has_value());
  EXPECT_EQ(p.budgets[2].schedule->text(), "0 9 * * mon-fri");
  EXPECT_EQ(p.budgets[2].duration, std::optional<Clock::Duration>(8h));
  EXPECT_EQ(p.budgets[3].nodes, "10%");  // the CRD's item default
  EXPECT_EQ(p.budgets[3].duration, std::optional<Clock::Duration>(90min));
  // `reasons: []` is kept as an empty list (Karpenter then applies the budget to nothing).
  EXPECT_EQ(p.budgets[3].reasons, std::vector<BudgetReason>{});
  // An explicit empty list is no budget at all (the CRD defaults only a missing one).
  EXPECT_THAT(poolOk(withBudgets("[]")).budgets, IsEmpty());
  EXPECT_THAT(poolOk(withBudgets("null")).budgets, ElementsAre(tenPercent()));
}

TEST(NodePoolDisruptionDecode, BudgetNodesFollowTheCrdPattern) {
  for (auto good : {"0", "5", "12345", "0%", "00%", "7%", "99%", "100%"}) {
    NodePool p = poolOk(withBudgets(R"([{"nodes": ")" + std::string(good) + R"("}])"));
    EXPECT_EQ(p.budgets.at(0).nodes, good);
  }
  for (auto bad : {"110%", "101%", "005%", "1000%", "-1", "5.5", "", "%", "abc", "10 %", " 5",
                   "99999999999"}) {
    auto e = poolFails(withBudgets(R"([{"nodes": "1"}, {"nodes": ")" + std::string(bad) +
                                   R"("}])"));
    EXPECT_EQ(e.field, "spec.disruption.budgets[1].nodes") << bad;
  }
  EXPECT_EQ(poolFails(withBudgets(R"([{"nodes": 5}])")).field, "spec.disruption.budgets[0].nodes");
  EXPECT_EQ(parseBudgetNodes("10%"), (BudgetNodes{10, true}));
  EXPECT_EQ(parseBudgetNodes("10"), (BudgetNodes{10, false}));
  EXPECT_EQ(parseBudgetNodes("2147483647"), (BudgetNodes{2147483647, false}));
  EXPECT_FALSE(parseBudgetNodes("2147483648"));
}

TEST(NodePoolDisruptionDecode, ScheduleAndDurationComeTogether) {
  auto e = poolFails(withBudgets(R"([{"nodes": "0", "schedule": "@daily"}])"));
  EXPECT_EQ(e.field, "spec.disruption.budgets[0]");
  EXPECT_THAT(e.message, HasSubstr("'schedule' must be set with 'duration'"));
  e = poolFails(withBudgets(R"([{"nodes": "0"}, {"nodes": "0", "duration": "1h"}])"));
  EXPECT_EQ(e.field, "spec.disruption.budgets[1]");
}

TEST(NodePoolDisruptionDecode, BadScheduleNamesTheField) {
  auto e =
      poolFails(withBudgets(R"([{"nodes": "0", "schedule": "61 * * * *", "duration": "1h"}])"));
  EXPECT_EQ(e.field, "spec.disruption.budgets[0].schedule");
  EXPECT_THAT(e.message, HasSubstr("minute field"));
  for (auto bad : {"@every 1h", "* * * *", "0 0 * * * *", "", "x y z w v"}) {
    auto err = poolFails(withBudgets(R"([{"nodes": "0", "schedule": ")" + std::string(bad) +
                                     R"(", "duration": "1h"}])"));
    EXPECT_EQ(err.field, "spec.disruption.budgets[0].schedule") << bad;
  }
  std::string longCron = "0 0 * * " + std::string(125, '1');
  auto err = poolFails(withBudgets(R"([{"nodes": "0", "schedule": ")" + longCron +
                                   R"(", "duration": "1h"}])"));
  EXPECT_EQ(err.field, "spec.disruption.budgets[0].schedule");
  EXPECT_THAT(err.message, HasSubstr("128"));
}

TEST(NodePoolDisruptionDecode, DurationIsHoursAndMinutes) {
  const std::pair<const char*, Clock::Duration> good[] = {
      {"8h", 8h}, {"30m", 30min}, {"1h30m", 90min}, {"1h30m0s", 90min}, {"10h0s", 10h},
      {"45m0s", 45min}, {"0h", 0h}};
  for (const auto& [text, want] : good) {
    NodePool p = poolOk(withBudgets(R"([{"nodes": "0", "schedule": "@daily", "duration": ")" +
                                    std::string(text) + R"("}])"));
    EXPECT_EQ(p.budgets.at(0).duration, std::optional<Clock::Duration>(want)) << text;
  }
  for (auto bad : {"90s", "1d", "1h30m15s", "1.5h", "Never", "", "m", "h", "30m1h", "1h1h",
                   "0s", "1h30", "10s"}) {
    auto e = poolFails(withBudgets(R"([{"nodes": "0", "schedule": "@daily", "duration": ")" +
                                   std::string(bad) + R"("}])"));
    EXPECT_EQ(e.field, "spec.disruption.budgets[0].duration") << bad;
  }
}

TEST(NodePoolDisruptionDecode, Reasons) {
  auto e = poolFails(withBudgets(R"([{"nodes": "1", "reasons": ["Empty", "Expired"]}])"));
  EXPECT_EQ(e.field, "spec.disruption.budgets[0].reasons[1]");
  EXPECT_THAT(e.message, HasSubstr("Expired"));
  e = poolFails(withBudgets(R"([{"nodes": "1", "reasons": ["Drifted", "Drifted"]}])"));
  EXPECT_EQ(e.field, "spec.disruption.budgets[0].reasons[1]");
  EXPECT_THAT(e.message, HasSubstr("duplicate"));
  EXPECT_EQ(poolFails(withBudgets(R"([{"nodes": "1", "reasons": "Empty"}])")).field,
            "spec.disruption.budgets[0].reasons");
  EXPECT_EQ(poolFails(withBudgets(R"([{"nodes": "1", "reasons": ["empty"]}])")).field,
            "spec.disruption.budgets[0].reasons[0]");
  EXPECT_EQ(poolFails(withBudgets(R"([{"nodes": "1", "reasons": [3]}])")).field,
            "spec.disruption.budgets[0].reasons[0]");
}

TEST(NodePoolDisruptionDecode, AtMostFiftyBudgets) {
  json budgets = json::array();
  for (int i = 0; i < 50; ++i) budgets.push_back({{"nodes", std::to_string(i)}});
  EXPECT_EQ(poolOk(withBudgets(budgets.dump())).budgets.size(), 50u);
  budgets.push_back({{"nodes", "1"}});
  auto e = poolFails(withBudgets(budgets.dump()));
  EXPECT_EQ(e.field, "spec.disruption.budgets");
  EXPECT_THAT(e.message, HasSubstr("50"));
  EXPECT_EQ(poolFails(withBudgets(R"({"nodes": "1"})")).field, "spec.disruption.budgets");
  EXPECT_EQ(poolFails(withBudgets(R"(["10%"])")).field, "spec.disruption.budgets[0]");
}

TEST(NodePoolDisruptionDecode, KeepsGantryAndKarpenterAnnotations) {
  json object = pool("{}");
  object["metadata"]["annotations"] = {
      {"gantry.dev/disruption-reason-events", "true"},
      {"karpenter.sh/nodepool-hash", "123"},
      {"compatibility.karpenter.sh/v1beta1-nodeclass-reference", "x"},
      {"kubectl.kubernetes.io/last-applied-configuration", "{\"big\": true}"},
      {"notgantry.dev/x", "dropped"},
      {"gantry.dev", "no slash"},
      {"team", "ml"}};
  NodePool p = poolOk(object);
  EXPECT_EQ(p.annotations, (Labels{{"compatibility.karpenter.sh/v1beta1-nodeclass-reference", "x"},
                                   {"gantry.dev/disruption-reason-events", "true"},
                                   {"karpenter.sh/nodepool-hash", "123"}}));
  object["metadata"]["annotations"] = {{"gantry.dev/x", 1}};
  EXPECT_THAT(poolFails(object).field, HasSubstr("metadata.annotations"));
  EXPECT_THAT(poolOk(pool("{}")).annotations, IsEmpty());
}

TEST(NodePoolDisruptionDecode, GpuIsolationAnnotationIsCheckedWhereItIsRead) {
  json object = pool("{}");
  object["metadata"]["annotations"] = {{"gantry.dev/gpu-isolation", "batch"}};
  EXPECT_EQ(poolOk(object).annotations.at("gantry.dev/gpu-isolation"), "batch");
  object["metadata"]["annotations"] = {{"gantry.dev/gpu-isolation", "loose"}};
  FieldError e = poolFails(object);
  EXPECT_EQ(e.field, "metadata.annotations[gantry.dev/gpu-isolation]");
  EXPECT_EQ(e.message, "must be strict, batch or off, not \"loose\"");
}

}  // namespace
}  // namespace gantry::api
