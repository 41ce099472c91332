// The report's time series on a hand-made outcome: exact step values at the event times.
#include "provisioner/simulate/report_timeline.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace gantry::provisioner::simulate {
namespace {

Clock::TimePoint at(int seconds) { return Clock::TimePoint{} + std::chrono::seconds(seconds); }

SimulationOutcome smallOutcome() {
  SimulationOutcome o;
  o.start = at(0);
  o.end = at(100);
  NodeRecord a;
  a.instanceType = "g5.xlarge";
  a.gpus = 1;
  a.pricePerHour = 3600;
  a.launchedAt = at(10);
  a.terminatedAt = at(60);
  NodeRecord b;
  b.instanceType = "g5.12xlarge";
  b.gpus = 4;
  b.pricePerHour = 7200;
  b.launchedAt = at(20);  // still running at the end
  o.nodes = {a, b};
  PodRecord p;
  p.key = "ml/a";
  p.gpus = 1;
  p.createdAt = at(0);
  p.boundAt = at(30);
  p.finishedAt = at(50);
  PodRecord never;
  never.key = "ml/never";
  never.gpus = 8;
  never.createdAt = at(5);  // pending until the end
  o.pods = {p, never};
  return o;
}

TEST(ReportTimeline, StepSeriesHaveExactValuesAtEventTimes) {
  const ReportTimeline tl = buildReportTimeline(smallOutcome());
  EXPECT_EQ(tl.nodesByType.at("g5.xlarge"), (Series{{0, 0}, {10, 1}, {60, 0}}));
  EXPECT_EQ(tl.nodesByType.at("g5.12xlarge"), (Series{{0, 0}, {20, 1}, {100, 0}}));
  EXPECT_EQ(tl.pendingPods, (Series{{0, 1}, {5, 2}, {30, 1}, {100, 0}}));
  EXPECT_EQ(tl.gpusAllocated, (Series{{0, 0}, {30, 1}, {50, 0}}));
  EXPECT_EQ(tl.gpusPaid, (Series{{0, 0}, {10, 1}, {20, 5}, {60, 4}, {100, 0}}));
  // $1/s from 10 s, $3/s from 20 s, $2/s from 60 s to 100 s.
  EXPECT_EQ(tl.cumulativeCost,
            (Series{{0, 0}, {10, 0}, {20, 10}, {60, 130}, {100, 210}}));
}

// A long run is merged into time buckets: bounded, peaks kept, first time and last point kept.
TEST(ReportTimeline, BoundedSeriesKeepsPeaksWithinTheLimit) {
  Series many;
  for (int i = 0; i <= 10000; ++i) many.emplace_back(i, i == 4321 ? 99 : i % 3);
  const Series b = boundedSeries(many, 100, false);
  EXPECT_LE(b.size(), 100u);
  EXPECT_EQ(b.front().first, 0);
  EXPECT_EQ(b.back(), many.back());
  double peak = 0;
  for (const auto& [t, v] : b) peak = std::max(peak, v);
  EXPECT_EQ(peak, 99);
  for (size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1].first, b[i].first);
  EXPECT_EQ(boundedSeries(many, 20000, false), many);
  const Series cost = boundedSeries(many, 50, true);
  EXPECT_LE(cost.size(), 50u);
}

}  // namespace
}  // namespace gantry::provisioner::simulate
