// Time series for the HTML report (gantry simulate --report): step functions built from the
// outcome's pod and node records, sampled at every time something changed. Values are in
// seconds from the start so the renderer needs no clock arithmetic.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "provisioner/simulate/simulation_outcome.h"

namespace gantry::provisioner::simulate {

// (seconds from start, value): the value holds from this time until the next point.
using Series = std::vector<std::pair<double, double>>;

struct ReportTimeline {
  std::map<std::string, Series> nodesByType;  // ordered by name: deterministic bytes
  Series pendingPods;
  Series gpusAllocated;  // requested by bound, unfinished pods
  Series gpusPaid;       // of launched, unterminated nodes
  Series cumulativeCost;  // dollars spent up to each time (linear between points)
};

ReportTimeline buildReportTimeline(const SimulationOutcome& outcome);

// At most `maxPoints` points (>= 2) for a long run: time is cut into maxPoints - 1 equal
// buckets and each bucket keeps one point at its first time with the bucket's largest value
// (so a short peak of nodes or pending pods still shows), or its last value for a running total
// such as cost. The series' first time and its last point are kept.
Series boundedSeries(const Series& series, size_t maxPoints, bool runningTotal);

}  // namespace gantry::provisioner::simulate
