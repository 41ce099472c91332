// Disruption budget arithmetic, Karpenter v1's: percentages round up, the most restrictive
// applicable active budget wins, nodes already disrupting are subtracted (never below 0), no
// applicable budget means unlimited, and Expired/Interrupted are never limited.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "provisioner/disruption/budgets.h"

namespace gantry::provisioner::disruption {
namespace {

using namespace std::chrono;
using api::BudgetReason;
using api::DisruptionBudget;
using ::testing::HasSubstr;
using TimePoint = Clock::TimePoint;

TimePoint at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  return TimePoint(sys_days(year{y} / month{mo} / day{d}) + hours(h) + minutes(mi));
}

const TimePoint kNow = at(2024, 7, 3, 12);  // a Wednesday, noon UTC

DisruptionBudget budget(std::string nodes, std::optional<std::vector<BudgetReason>> reasons = {}) {
  DisruptionBudget b;
  b.nodes = std::move(nodes);
  b.reasons = std::move(reasons);
  return b;
}

DisruptionBudget scheduled(std::string nodes, std::string_view cron, Clock::Duration duration,
                           std::optional<std::vector<BudgetReason>> reasons = {}) {
  DisruptionBudget b = budget(std::move(nodes), std::move(reasons));
  b.schedule = *api::CronSchedule::parse(cron);
  b.duration = duration;
  return b;
}

int64_t allowed(const std::vector<DisruptionBudget>& budgets, DisruptionReason reason,
                int64_t nodes, int64_t disrupting = 0, TimePoint now = kNow) {
  return allowedDisruptions(budgets, reason, now, nodes, disrupting).allowed;
}

TEST(Budgets, ReasonNames) {
  for (auto [reason, name] : {std::pair{DisruptionReason::kEmpty, "Empty"},
                              {DisruptionReason::kUnderutilized, "Underutilized"},
                              {DisruptionReason::kDrifted, "Drifted"},
                              {DisruptionReason::kExpired, "Expired"},
                              {DisruptionReason::kInterrupted, "Interrupted"}}) {
    EXPECT_EQ(disruptionReasonName(reason), name);
    EXPECT_EQ(parseDisruptionReason(name), reason);
  }
  EXPECT_EQ(parseDisruptionReason("drifted"), std::nullopt);
  EXPECT_EQ(budgetReasonFor(DisruptionReason::kDrifted), BudgetReason::kDrifted);
  EXPECT_EQ(budgetReasonFor(DisruptionReason::kExpired), std::nullopt);
  EXPECT_EQ(budgetReasonFor(DisruptionReason::kInterrupted), std::nullopt);
}

TEST(Budgets, PercentagesRoundUp) {
  const std::vector<DisruptionBudget> ten = {budget("10%")};
  const std::pair<int64_t, int64_t> cases[] = {{0, 0}, {1, 1}, {9, 1}, {10, 1},
                                               {11, 2}, {19, 2}, {20, 2}, {21, 3}, {1000, 100}};
  for (auto [nodes, want] : cases) {
    EXPECT_EQ(allowed(ten, DisruptionReason::kDrifted, nodes), want) << nodes << " nodes";
  }
  EXPECT_EQ(allowed({budget("5%")}, DisruptionReason::kEmpty, 10), 1);  // Karpenter's example
  EXPECT_EQ(allowed({budget("0%")}, DisruptionReason::kEmpty, 50), 0);
  EXPECT_EQ(allowed({budget("00%")}, DisruptionReason::kEmpty, 50), 0);
  EXPECT_EQ(allowed({budget("100%")}, DisruptionReason::kEmpty, 7), 7);
  EXPECT_EQ(allowed({budget("99%")}, DisruptionReason::kEmpty, 7), 7);
  EXPECT_EQ(allowed({budget("33%")}, DisruptionReason::kEmpty, 3), 1);
  EXPECT_EQ(allowed({budget("34%")}, DisruptionReason::kEmpty, 3), 2);
}

TEST(Budgets, CountsAreAbsolute) {
  EXPECT_EQ(allowed({budget("5")}, DisruptionReason::kUnderutilized, 3), 5);
  EXPECT_EQ(allowed({budget("5")}, DisruptionReason::kUnderutilized, 100), 5);
  EXPECT_EQ(allowed({budget("0")}, DisruptionReason::kUnderutilized, 100), 0);
}

TEST(Budgets, DisruptingNodesAreSubtractedNeverBelowZero) {
  const std::vector<DisruptionBudget> b = {budget("10%")};
  EXPECT_EQ(allowed(b, DisruptionReason::kDrifted, 30, 1), 2);
  EXPECT_EQ(allowed(b, DisruptionReason::kDrifted, 30, 3), 0);
  EXPECT_EQ(allowed(b, DisruptionReason::kDrifted, 30, 5), 0);
  EXPECT_EQ(allowed(b, DisruptionReason::kDrifted, 30, -4), 3);  // read as 0
  auto a = allowedDisruptions(b, DisruptionReason::kDrifted, kNow, 30, 5);
  EXPECT_EQ(a.budgetAllows, 3);
  EXPECT_EQ(a.allowed, 0);
  EXPECT_EQ(a.limitingBudget, 0u);
}

TEST(Budgets, NoApplicableBudgetIsUnlimited) {
  auto none = allowedDisruptions({}, DisruptionReason::kEmpty, kNow, 10, 3);
  EXPECT_TRUE(none.unlimited());
  EXPECT_EQ(none.allowed, kUnlimited);
  EXPECT_EQ(none.budgetAllows, kUnlimited);
  // Only a Drifted budget: Empty is not limited.
  const std::vector<DisruptionBudget> drift = {budget("0", {{BudgetReason::kDrifted}})};
  EXPECT_EQ(allowed(drift, DisruptionReason::kEmpty, 10, 2), kUnlimited);
  EXPECT_EQ(allowed(drift, DisruptionReason::kDrifted, 10), 0);
  // `reasons: []` applies to no reason.
  EXPECT_EQ(allowed({budget("0", std::vector<BudgetReason>{})}, DisruptionReason::kDrifted, 10),
            kUnlimited);
}

TEST(Budgets, ReasonsFilterWhichBudgetsApply) {
  const std::vector<DisruptionBudget> b = {
      budget("50%"),
      budget("2", {{BudgetReason::kEmpty, BudgetReason::kUnderutilized}}),
      budget("0", {{BudgetReason::kDrifted}}),
  };
  EXPECT_EQ(allowed(b, DisruptionReason::kEmpty, 10), 2);
  EXPECT_EQ(allowed(b, DisruptionReason::kUnderutilized, 10), 2);
  EXPECT_EQ(allowed(b, DisruptionReason::kDrifted, 10), 0);
  EXPECT_EQ(allowedDisruptions(b, DisruptionReason::kDrifted, kNow, 10, 0).limitingBudget, 2u);
  EXPECT_EQ(allowedDisruptions(b, DisruptionReason::kEmpty, kNow, 10, 0).limitingBudget, 1u);
}

TEST(Budgets, ExpiredAndInterruptedAreNeverLimited) {
  const std::vector<DisruptionBudget> b = {budget("0"), budget("0%")};
  for (auto reason : {DisruptionReason::kExpired, DisruptionReason::kInterrupted}) {
    auto a = allowedDisruptions(b, reason, kNow, 10, 10);
    EXPECT_TRUE(a.unlimited());
    EXPECT_EQ(a.allowed, kUnlimited);
  }
}

TEST(Budgets, MostRestrictiveActiveBudgetWinsFirstOnTies) {
  const std::vector<DisruptionBudget> b = {budget("10%"), budget("3"), budget("25%"),
                                           budget("1")};
  auto a = allowedDisruptions(b, DisruptionReason::kUnderutilized, kNow, 100, 0);
  EXPECT_EQ(a.allowed, 1);
  EXPECT_EQ(a.limitingBudget, 3u);
  // 10% of 10 and "1" both allow 1: the first wins.
  a = allowedDisruptions(b, DisruptionReason::kUnderutilized, kNow, 10, 0);
  EXPECT_EQ(a.allowed, 1);
  EXPECT_EQ(a.limitingBudget, 0u);
}

TEST(Budgets, ScheduledBudgetsLimitOnlyInTheirWindow) {
  // Karpenter's documented example: no disruption on weekdays 09:00-17:00 UTC, else 10%.
  const std::vector<DisruptionBudget> b = {budget("10%"),
                                           scheduled("0", "0 9 * * mon-fri", hours(8))};
  EXPECT_EQ(allowed(b, DisruptionReason::kDrifted, 20, 0, at(2024, 7, 3, 8, 59)), 2);
  EXPECT_EQ(allowed(b, DisruptionReason::kDrifted, 20, 0, at(2024, 7, 3, 9, 0)), 0);
  EXPECT_EQ(allowed(b, DisruptionReason::kDrifted, 20, 0, at(2024, 7, 3, 16, 59)), 0);
  EXPECT_EQ(allowed(b, DisruptionReason::kDrifted, 20, 0, at(2024, 7, 3, 17, 0)), 2);
  EXPECT_EQ(allowed(b, DisruptionReason::kDrifted, 20, 0, at(2024, 7, 6, 12, 0)), 2);  // Sat
  EXPECT_EQ(allowedDisruptions(b, DisruptionReason::kDrifted, at(2024, 7, 3, 10), 20, 0)
                .limitingBudget,
            1u);
  EXPECT_TRUE(budgetActive(b[0], kNow));
  EXPECT_TRUE(budgetActive(b[1], at(2024, 7, 3, 9, 0)));
  EXPECT_FALSE(budgetActive(b[1], at(2024, 7, 3, 17, 0)));
  // A window crossing midnight, and an inactive budget alone is no limit.
  const std::vector<DisruptionBudget> night = {scheduled("1", "0 22 * * *", hours(4))};
  EXPECT_EQ(allowed(night, DisruptionReason::kEmpty, 20, 0, at(2024, 7, 4, 1, 30)), 1);
  EXPECT_EQ(allowed(night, DisruptionReason::kEmpty, 20, 0, at(2024, 7, 4, 2, 0)), kUnlimited);
  // Overlapping hits extend the window: every hour for 90 minutes is always active.
  const std::vector<DisruptionBudget> hourly = {scheduled("0", "@hourly", minutes(90))};
  for (int m = 0; m < 120; m += 7) {
    EXPECT_EQ(allowed(hourly, DisruptionReason::kEmpty, 5, 0, kNow + minutes(m)), 0) << m;
  }
  // A zero duration is never active.
  EXPECT_FALSE(budgetActive(scheduled("0", "* * * * *", minutes(0)), kNow));
}

TEST(Budgets, MalformedBudgetsFailClosed) {
  DisruptionBudget badNodes = budget("ten", {{BudgetReason::kDrifted}});
  DisruptionBudget noDuration = budget("5");
  noDuration.schedule = *api::CronSchedule::parse("@daily");
  for (const DisruptionBudget& bad : {badNodes, noDuration}) {
    const std::vector<DisruptionBudget> b = {budget("50%"), bad};
    // Whatever reasons it names, like Karpenter's MustGetAllowedDisruptions.
    auto a = allowedDisruptions(b, DisruptionReason::kEmpty, kNow, 10, 0);
    EXPECT_EQ(a.allowed, 0);
    EXPECT_EQ(a.limitingBudget, 1u);
    EXPECT_TRUE(budgetActive(bad, kNow));  // a malformed budget counts as active
    EXPECT_TRUE(allowedDisruptions(b, DisruptionReason::kExpired, kNow, 10, 0).unlimited());
  }
}

TEST(Budgets, Descriptions) {
  EXPECT_EQ(describeBudget(budget("10%")), "nodes=10%");
  EXPECT_EQ(describeBudget(scheduled("0", "0 9 * * 1-5", hours(8),
                                     {{BudgetReason::kDrifted, BudgetReason::kUnderutilized}})),
            "nodes=0 schedule=\"0 9 * * 1-5\" duration=8h reasons=[Drifted,Underutilized]");
  EXPECT_EQ(describeBudget(scheduled("1", "@daily", minutes(90))),
            "nodes=1 schedule=\"@daily\" duration=1h30m");
  EXPECT_EQ(describeBudget(scheduled("1", "@daily", minutes(45), std::vector<BudgetReason>{})),
            "nodes=1 schedule=\"@daily\" duration=45m reasons=[]");

  const std::vector<DisruptionBudget> b = {budget("10%")};
  auto a = allowedDisruptions(b, DisruptionReason::kDrifted, kNow, 10, 1);
  EXPECT_EQ(describeAllowance(a, b, DisruptionReason::kDrifted, 10, 1),
            "budget nodes=10% allows 0 more (1 of 10 nodes disrupting)");
  a = allowedDisruptions(b, DisruptionReason::kDrifted, kNow, 30, 0);
  EXPECT_EQ(describeAllowance(a, b, DisruptionReason::kDrifted, 30, 0),
            "budget nodes=10% allows 3 more");
  a = allowedDisruptions(b, DisruptionReason::kExpired, kNow, 30, 0);
  EXPECT_THAT(describeAllowance(a, b, DisruptionReason::kExpired, 30, 0),
              HasSubstr("no budget limits Expired"));
}

}  // namespace
}  // namespace gantry::provisioner::disruption
