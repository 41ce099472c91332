#include "provisioner/simulate/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "provisioner/simulate/report_timeline.h"
#include "provisioner/simulate/simulation_report.h"

namespace gantry::provisioner::simulate {
namespace {

// Chart geometry in SVG user units; the SVG scales to the page width through its viewBox.
constexpr double kWidth = 960, kHeight = 260;
constexpr double kLeft = 70, kRight = 20, kTop = 28, kBottom = 36;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

// Colour-blind-friendly (Okabe-Ito); node types beyond eight reuse them in order.
constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                    "#CC79A7", "#56B4E9", "#F0E442", "#000000"};

struct Line {
  std::string name;
  std::string colour;
  Series points;
  bool step = true;  // false: straight segments (a running total like cost)
};

// printf with the C locale's '.', fixed precision: the same bytes everywhere.
std::string num(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string duration(double seconds) {
  const long s = std::lround(seconds);
  if (s >= 3600) {
    return std::to_string(s / 3600) + "h" + (s % 3600 ? std::to_string(s % 3600 / 60) + "m" : "");
  }
  if (s >= 60) return std::to_string(s / 60) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
  return std::to_string(s) + "s";
}

// The smallest of 1, 2, 2.5, 5 x 10^k at or above v, so the y ticks are round numbers.
double niceCeil(double v) {
  if (v <= 0) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(v)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (step * magnitude >= v * (1 - 1e-12)) return step * magnitude;
  }
  return 10 * magnitude;
}

std::string pathOf(const Line& line, double xMax, double yMax) {
  auto x = [&](double t) { return num(kLeft + kPlotW * std::clamp(t / xMax, 0.0, 1.0), 2); };
  auto y = [&](double v) { return num(kTop + kPlotH * (1 - v / yMax), 2); };
  std::string d;
  for (size_t i = 0; i < line.points.size(); ++i) {
    const auto& [t, v] = line.points[i];
    if (i == 0) {
      d += "M" + x(t) + " " + y(v);
    } else if (line.step) {
      d += " H" + x(t) + " V" + y(v);
    } else {
      d += " L" + x(t) + " " + y(v);
    }
  }
  // A step holds its last value to the end of the run.
  if (line.step && !line.points.empty()) d += " H" + x(xMax);
  return d;
}

std::string chart(const std::string& id, const std::string& title, const std::string& unit,
                  const std::vector<Line>& lines, double xMax, int yDecimals) {
  double peak = 0;
  for (const Line& l : lines) {
    for (const auto& [t, v] : l.points) peak = std::max(peak, v);
  }
  // Counts get four whole-number steps; money gets round steps.
  const double yMax = yDecimals == 0 ? std::max(4.0, 4 * std::ceil(peak / 4)) : niceCeil(peak);
  std::string out = "<section class=\"chart\">\n<h2>" + escapeHtml(title) + "</h2>\n";
  out += "<ul class=\"legend\">";
  for (const Line& l : lines) {
    out += "<li><span class=\"swatch\" style=\"background:" + l.colour + "\"></span>" +
           escapeHtml(l.name) + "</li>";
  }
  out += "</ul>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"" + id + "\" viewBox=\"0 0 " +
         num(kWidth, 0) + " " + num(kHeight, 0) + "\" role=\"img\" aria-label=\"" +
         escapeHtml(title) + "\">\n";
  // Grid and y labels: five round steps from 0 to the top.
  for (int i = 0; i <= 4; ++i) {
    const double v = yMax * i / 4;
    const std::string yy = num(kTop + kPlotH * (1 - v / yMax), 2);
    out += "<line class=\"grid\" x1=\"" + num(kLeft, 0) + "\" x2=\"" + num(kLeft + kPlotW, 0) +
           "\" y1=\"" + yy + "\" y2=\"" + yy + "\"/>";
    out += "<text class=\"ylabel\" x=\"" + num(kLeft - 6, 0) + "\" y=\"" + yy + "\">" +
           num(v, yDecimals) + "</text>\n";
  }
  for (int i = 0; i <= 6; ++i) {
    const double t = xMax * i / 6;
    out += "<text class=\"xlabel\" x=\"" + num(kLeft + kPlotW * i / 6, 2) + "\" y=\"" +
           num(kHeight - 12, 0) + "\">" + duration(t) + "</text>";
  }
  out += "\n<text class=\"unit\" x=\"4\" y=\"12\">" + escapeHtml(unit) + "</text>\n";
  // Every second line is dashed so that equal series (a type that tracks another, GPUs
  // allocated = paid) stay visible on top of each other.
  size_t index = 0;
  for (const Line& l : lines) {
    const char* dash = index++ % 2 ? " stroke-dasharray=\"8 5\"" : "";
    out += "<path class=\"series\"" + std::string(dash) + " data-name=\"" + escapeHtml(l.name) + "\" data-points=\"" +
           std::to_string(l.points.size()) + "\" stroke=\"" + l.colour + "\" d=\"" +
           pathOf(l, xMax, yMax) + "\"/>\n";
  }
  out += "</svg>\n</section>\n";
  return out;
}

std::string row(const std::string& name, const std::vector<std::string>& values) {
  std::string out = "<tr><th>" + escapeHtml(name) + "</th>";
  for (const auto& v : values) out += "<td>" + escapeHtml(v) + "</td>";
  return out + "</tr>\n";
}

// One column per run: Gantry's alone, or Gantry's and each baseline's (--compare).
std::string totalsTable(const std::vector<std::pair<std::string, const SimulationOutcome*>>& runs) {
  // The figures come from the JSON report, so the page and `-o json` never disagree.
  std::vector<nlohmann::ordered_json> reports;
  for (const auto& [name, outcome] : runs) reports.push_back(simulationReport(*outcome));
  auto values = [&reports](auto of) {
    std::vector<std::string> out;
    for (const auto& r : reports) out.push_back(of(r));
    return out;
  };
  auto money = [](const char* key) {
    return [key](const auto& r) { return "$" + num(r[key].template get<double>(), 2); };
  };
  auto hours = [](const char* key) {
    return [key](const auto& r) { return num(r[key].template get<double>(), 2); };
  };
  auto count = [](const char* key) {
    return [key](const auto& r) { return std::to_string(r[key].template get<int64_t>()); };
  };
  std::string out = "<section>\n<h2>Totals</h2>\n<table class=\"totals\">\n";
  if (runs.size() > 1) {
    out += "<tr><th></th>";
    for (const auto& [name, outcome] : runs) {
      out += "<th class=\"run\">" + escapeHtml(name) + "</th>";
    }
    out += "</tr>\n";
  }
  out += row("total cost", values(money("total_cost")));
  out += row("GPU-hours paid", values(hours("gpu_hours_paid")));
  out += row("GPU-hours requested", values(hours("gpu_hours_requested")));
  out += row("GPU-hours idle", values(hours("gpu_hours_idle")));
  out += row("nodes launched", values(count("nodes_launched")));
  out += row("nodes reaped", values(count("nodes_reaped")));
  out += row("peak nodes", values(count("peak_nodes")));
  out += row("pending p50 / p95 / max", values([](const auto& r) {
               const auto& p = r["pending_seconds"];
               return num(p["p50"].template get<double>()) + " s / " +
                      num(p["p95"].template get<double>()) + " s / " +
                      num(p["max"].template get<double>()) + " s";
             }));
  out += row("makespan", values([](const auto& r) {
               const double s = r["makespan_seconds"].template get<double>();
               return num(s) + " s (" + duration(s) + ")";
             }));
  if (runs.size() > 1) {
    // Gantry's cost over each run's: 0.50x means Gantry pays half.
    const double gantry = reports.front()["total_cost"].get<double>();
    out += row("Gantry's cost / this", values([gantry](const auto& r) {
                 const double cost = r["total_cost"].template get<double>();
                 return cost > 0 ? num(gantry / cost, 2) + "x" : std::string("n/a");
               }));
  }
  out += "</table>\n</section>\n";
  return out;
}

constexpr const char* kStyle = R"(
body { font-family: sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin: 18px 0 4px; }
svg { width: 100%; height: auto; background: #fff; border: 1px solid #ddd; }
.grid { stroke: #e4e4e4; stroke-width: 1; }
.ylabel { text-anchor: end; dominant-baseline: middle; font-size: 12px; fill: #555; }
.xlabel { text-anchor: middle; font-size: 12px; fill: #555; }
.unit { font-size: 12px; fill: #555; }
.series { fill: none; stroke-width: 2; }
.legend { list-style: none; padding: 0; margin: 0 0 4px; font-size: 13px; }
.legend li { display: inline-block; margin-right: 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; }
.totals { border-collapse: collapse; font-size: 14px; }
.totals th { text-align: left; font-weight: normal; padding: 3px 18px 3px 0; color: #555; }
.totals td { text-align: right; padding: 3px 0 3px 18px; font-variant-numeric: tabular-nums; }
.totals th.run { text-align: right; padding: 3px 0 3px 18px; color: #222; }
)";

}  // namespace

std::string escapeHtml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string simulationHtmlReport(
    const SimulationOutcome& outcome, const std::string& title,
    const std::vector<std::pair<std::string, SimulationOutcome>>& baselines) {
  const ReportTimeline tl = buildReportTimeline(outcome);
  const double xMax = std::max(
      1.0, std::chrono::duration<double>(outcome.end - outcome.start).count());
  auto bounded = [](const Series& s, bool total = false) {
    return boundedSeries(s, kReportMaxPoints, total);
  };
  std::vector<Line> nodeLines;
  size_t colour = 0;
  for (const auto& [type, series] : tl.nodesByType) {
    nodeLines.push_back({type, kPalette[colour++ % std::size(kPalette)], bounded(series)});
  }
  std::string out =
      "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
      "<meta charset=\"utf-8\"/>\n<title>" +
      escapeHtml(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<h1>" +
      escapeHtml(title) + "</h1>\n";
  out += "<p>" + std::to_string(outcome.pods.size()) + " pods, " +
         std::to_string(outcome.nodes.size()) + " nodes, simulated for " + duration(xMax) +
         ". Times are from the start of the simulation.</p>\n";
  std::vector<std::pair<std::string, const SimulationOutcome*>> runs = {{"gantry", &outcome}};
  for (const auto& [name, run] : baselines) runs.emplace_back(name, &run);
  out += totalsTable(runs);
  if (!baselines.empty()) {
    out += "<p>Baselines: the same trace, cloud, models and seed with other autoscalers' "
           "decisions (gantry simulate --compare); the charts are Gantry's run.</p>\n";
  }
  out += chart("chart-nodes", "Nodes by instance type", "nodes", nodeLines, xMax, 0);
  out += chart("chart-pending", "Pending pods", "pods",
               {{"pending pods", kPalette[3], bounded(tl.pendingPods)}}, xMax, 0);
  out += chart("chart-gpus", "GPUs allocated vs paid for", "GPUs",
               {{"paid for (GPUs of launched nodes)", kPalette[0], bounded(tl.gpusPaid)},
                {"allocated (requested by bound pods)", kPalette[2], bounded(tl.gpusAllocated)}},
               xMax, 0);
  out += chart("chart-cost", "Cumulative cost", "USD",
               {{"cost", kPalette[1], bounded(tl.cumulativeCost, true), false}}, xMax, 2);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace gantry::provisioner::simulate
