#include "provisioner/simulate/report_timeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace gantry::provisioner::simulate {
namespace {

double secondsFrom(Clock::TimePoint start, Clock::TimePoint t) {
  return std::chrono::duration<double>(t - start).count();
}

// Deltas keyed by time, summed into a running total: one point per distinct time.
Series stepSeries(const std::map<double, double>& deltas) {
  Series out;
  double value = 0;
  for (const auto& [t, d] : deltas) {
    value += d;
    out.emplace_back(t, value);
  }
  return out;
}

}  // namespace

ReportTimeline buildReportTimeline(const SimulationOutcome& outcome) {
  const double end = secondsFrom(outcome.start, outcome.end);
  std::map<std::string, std::map<double, double>> typeDeltas;
  std::map<double, double> pending{{0.0, 0.0}}, allocated{{0.0, 0.0}}, paid{{0.0, 0.0}},
      spendRate{{0.0, 0.0}};
  for (const NodeRecord& n : outcome.nodes) {
    const double from = secondsFrom(outcome.start, n.launchedAt);
    const double to = n.terminatedAt ? secondsFrom(outcome.start, *n.terminatedAt) : end;
    auto& deltas = typeDeltas[n.instanceType];
    deltas[0.0] += 0;
    deltas[from] += 1;
    deltas[to] -= 1;
    paid[from] += static_cast<double>(n.gpus);
    paid[to] -= static_cast<double>(n.gpus);
    spendRate[from] += (n.pricePerHour + n.fixedCostPerHour) / 3600.0;
    spendRate[to] -= (n.pricePerHour + n.fixedCostPerHour) / 3600.0;
  }
  for (const PodRecord& p : outcome.pods) {
    const double created = secondsFrom(outcome.start, p.createdAt);
    const double done = p.finishedAt ? secondsFrom(outcome.start, *p.finishedAt) : end;
    const double bound = p.boundAt ? secondsFrom(outcome.start, *p.boundAt) : done;
    pending[created] += 1;
    pending[bound] -= 1;
    if (p.boundAt) {
      allocated[bound] += static_cast<double>(p.gpus);
      allocated[done] -= static_cast<double>(p.gpus);
    }
  }
  ReportTimeline tl;
  for (const auto& [type, deltas] : typeDeltas) tl.nodesByType[type] = stepSeries(deltas);
  tl.pendingPods = stepSeries(pending);
  tl.gpusAllocated = stepSeries(allocated);
  tl.gpusPaid = stepSeries(paid);
  // Cost grows linearly at the summed price of the running nodes between changes.
  double rate = 0, cost = 0, last = 0;
  for (const auto& [t, d] : spendRate) {
    cost += rate * (t - last);
    tl.cumulativeCost.emplace_back(t, cost);
    rate += d;
    last = t;
  }
  return tl;
}

Series boundedSeries(const Series& series, size_t maxPoints, bool runningTotal) {
  if (maxPoints < 2) maxPoints = 2;
  if (series.size() <= maxPoints) return series;
  const double first = series.front().first;
  const double width = (series.back().first - first) / static_cast<double>(maxPoints - 2);
  Series out{series.front()};
  for (size_t i = 1; i + 1 < series.size(); ++i) {
    const auto& [t, v] = series[i];
    const double bucketStart = first + width * std::floor((t - first) / width);
    if (out.back().first != bucketStart) {
      out.emplace_back(bucketStart, v);
    } else {
      out.back().second = runningTotal ? v : std::max(out.back().second, v);
    }
  }
  out.push_back(series.back());
  return out;
}

}  // namespace gantry::provisioner::simulate
