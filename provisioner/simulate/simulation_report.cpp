// Figures from the outcome, and the two renderings of them.
#include "provisioner/simulate/simulation_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace gantry::provisioner::simulate {

namespace {
using json = nlohmann::ordered_json;

double rounded(double value, double scale) {
  return std::round(value * scale) / scale;
}
double money(double value) {
  return rounded(value, 1e6);
}
double hoursOf(Clock::Duration d) {
  return std::chrono::duration<double, std::ratio<3600>>(d).count();
}

double secondsBetween(Clock::TimePoint from, Clock::TimePoint to) {
  return rounded(std::chrono::duration<double>(to - from).count(), 1e3);
}

json timeOrNull(const std::optional<Clock::TimePoint>& t, Clock::TimePoint start) {
  return t ? json(secondsBetween(start, *t)) : json(nullptr);
}

Clock::TimePoint billedUntil(const NodeRecord& node, Clock::TimePoint end) {
  return node.terminatedAt.value_or(end);
}

// Nearest rank: the smallest value with at least p of the values at or below it.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

struct Figures {
  double totalCost = 0, gpuPaid = 0, gpuRequested = 0;
  size_t reaped = 0, peak = 0;
  std::vector<double> pending;  // sorted
  double makespan = 0;
};

Figures figuresOf(const SimulationOutcome& o) {
  Figures f;
  std::vector<std::pair<Clock::TimePoint, int>> changes;  // +1 launch, -1 termination
  for (const auto& node : o.nodes) {
    f.totalCost += node.cost;
    f.gpuPaid +=
        static_cast<double>(node.gpus) * hoursOf(billedUntil(node, o.end) - node.launchedAt);
    if (node.terminatedAt) ++f.reaped;
    changes.emplace_back(node.launchedAt, +1);
    if (node.terminatedAt) changes.emplace_back(*node.terminatedAt, -1);
  }
  std::sort(changes.begin(), changes.end());  // at one moment, terminations first
  long running = 0;
  for (const auto& [t, delta] : changes) {
    running += delta;
    f.peak = std::max(f.peak, static_cast<size_t>(std::max(0L, running)));
  }
  for (const auto& pod : o.pods) {
    f.pending.push_back(secondsBetween(pod.createdAt, pod.boundAt.value_or(o.end)));
    if (pod.boundAt && pod.gpus > 0) {
      f.gpuRequested +=
          static_cast<double>(pod.gpus) * hoursOf(pod.finishedAt.value_or(o.end) - *pod.boundAt);
    }
    if (pod.finishedAt) f.makespan = std::max(f.makespan, secondsBetween(o.start, *pod.finishedAt));
  }
  std::sort(f.pending.begin(), f.pending.end());
  return f;
}

struct Subtotal {
  size_t nodes = 0;
  double hours = 0, cost = 0;
};

std::map<std::string, Subtotal> subtotals(const SimulationOutcome& o, bool byPool) {
  std::map<std::string, Subtotal> out;
  for (const auto& node : o.nodes) {
    Subtotal& s = out[byPool ? node.nodePool : node.instanceType];
    ++s.nodes;
    s.hours += hoursOf(billedUntil(node, o.end) - node.launchedAt);
    s.cost += node.cost;
  }
  return out;
}

}  // namespace

json simulationReport(const SimulationOutcome& o) {
  const Figures f = figuresOf(o);
  json report;
  report["total_cost"] = money(f.totalCost);
  report["gpu_hours_paid"] = money(f.gpuPaid);
  report["gpu_hours_requested"] = money(f.gpuRequested);
  report["gpu_hours_idle"] = money(std::max(0.0, f.gpuPaid - f.gpuRequested));
  report["nodes_launched"] = o.nodes.size();
  report["nodes_reaped"] = f.reaped;
  report["peak_nodes"] = f.peak;
  report["pending_seconds"] = json{{"p50", percentile(f.pending, 0.50)},
                                   {"p95", percentile(f.pending, 0.95)},
                                   {"max", f.pending.empty() ? 0.0 : f.pending.back()}};
  report["makespan_seconds"] = f.makespan;
  report["launch_failures"] = o.launchFailures;
  report["disruptions"] = o.disruptions;
  json byType = json::object();
  for (const auto& [type, s] : subtotals(o, false)) {
    byType[type] = json{{"nodes", s.nodes}, {"hours", money(s.hours)}, {"cost", money(s.cost)}};
  }
  report["by_instance_type"] = std::move(byType);
  json nodes = json::array();
  for (const auto& n : o.nodes) {
    nodes.push_back(json{{"name", n.name.empty() ? json(nullptr) : json(n.name)},
                         {"nodepool", n.nodePool},
                         {"instance_type", n.instanceType},
                         {"capacity_type", n.capacityType},
                         {"zone", n.zone},
                         {"launched_at", secondsBetween(o.start, n.launchedAt)},
                         {"ready_at", timeOrNull(n.readyAt, o.start)},
                         {"terminated_at", timeOrNull(n.terminatedAt, o.start)},
                         {"cost", money(n.cost)}});
  }
  report["nodes"] = std::move(nodes);
  json pods = json::array();
  for (const auto& p : o.pods) {
    pods.push_back(json{{"name", p.key},
                        {"created_at", secondsBetween(o.start, p.createdAt)},
                        {"bound_at", timeOrNull(p.boundAt, o.start)},
                        {"started_at", timeOrNull(p.startedAt, o.start)},
                        {"finished_at", timeOrNull(p.finishedAt, o.start)},
                        {"node", p.node.empty() ? json(nullptr) : json(p.node)}});
  }
  report["pods"] = std::move(pods);
  return report;
}

namespace {
// "none", or "Empty 3, Interrupted 1" (reasons in name order).
std::string countsByReason(const std::map<std::string, size_t>& counts) {
  std::string out;
  for (const auto& [reason, n] : counts) {
    out += (out.empty() ? "" : ", ") + reason + " " + std::to_string(n);
  }
  return out.empty() ? "none" : out;
}
}  // namespace

std::string simulationSummaryText(const SimulationOutcome& o) {
  const Figures f = figuresOf(o);
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "total cost: $%.2f over %.2f h simulated\n", f.totalCost,
                hoursOf(o.end - o.start));
  out += line;
  for (bool byPool : {true, false}) {
    out += byPool ? "by NodePool:\n" : "by instance type:\n";
    for (const auto& [name, s] : subtotals(o, byPool)) {
      std::snprintf(line, sizeof(line), "  %-24s %4zu %-5s %10.2f h  $%.2f\n", name.c_str(),
                    s.nodes, s.nodes == 1 ? "node" : "nodes", s.hours, s.cost);
      out += line;
    }
  }
  std::snprintf(line, sizeof(line), "GPU-hours: paid %.2f, requested %.2f, idle %.2f\n", f.gpuPaid,
                f.gpuRequested, std::max(0.0, f.gpuPaid - f.gpuRequested));
  out += line;
  std::snprintf(line, sizeof(line), "pending: p50 %.1f s, p95 %.1f s, max %.1f s (%zu pods)\n",
                percentile(f.pending, 0.5), percentile(f.pending, 0.95),
                f.pending.empty() ? 0.0 : f.pending.back(), o.pods.size());
  out += line;
  std::snprintf(line, sizeof(line), "nodes: %zu launched, %zu reaped, peak %zu\n", o.nodes.size(),
                f.reaped, f.peak);
  out += line;
  out += "launch failures: " + countsByReason(o.launchFailures) + "\n";
  out += "disruptions: " + countsByReason(o.disruptions) + "\n";
  return out;
}

}  // namespace gantry::provisioner::simulate
