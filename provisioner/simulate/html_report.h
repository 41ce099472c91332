// `gantry simulate --report FILE.html`: one self-contained page (inline SVG and CSS, no
// scripts, no network) with nodes by instance type, pending pods, GPUs allocated vs paid for
// and cumulative cost over time, and the totals of the JSON report. The markup is
// XHTML-compatible (every element closed, every trace string escaped) so a test can parse it
// as XML; the same outcome always gives the same bytes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "provisioner/simulate/simulation_outcome.h"

namespace gantry::provisioner::simulate {

// Points drawn per series at most; longer runs are merged by time buckets (boundedSeries).
inline constexpr size_t kReportMaxPoints = 2000;

// With `baselines` (gantry simulate --compare: name and outcome of each), the totals table
// gets one column per baseline beside Gantry's; the charts stay Gantry's.
std::string simulationHtmlReport(
    const SimulationOutcome& outcome, const std::string& title,
    const std::vector<std::pair<std::string, SimulationOutcome>>& baselines = {});

// &, <, >, " and ' as entities: for text and attribute values alike.
std::string escapeHtml(const std::string& text);

}  // namespace gantry::provisioner::simulate
