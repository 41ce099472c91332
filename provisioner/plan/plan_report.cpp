// Rendering a PlanReport. Prices are rounded to 1/10,000 of a cent per hour so that sums
// print as people expect (1.578, not 1.5779999999999998). Estimated prices (bundled spot, and
// bundled on-demand outside us-east-1) are marked: `~` in the table, price_estimated in JSON.
// Each node shows its instance price and its node cost (with the volumes and public address its
// node class adds); totals are node costs.
#include "provisioner/plan/plan_report.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>

namespace gantry::provisioner {

namespace {

double roundPrice(double p) { return std::round(p * 1e6) / 1e6; }

std::string money(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", p);
  return buf;
}

std::string joinShort(const std::vector<std::string>& items, size_t show) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < show; ++i) {
    if (i) out += ",";
    out += items[i];
  }
  if (items.size() > show) out += ",+" + std::to_string(items.size() - show);
  return out;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string shownPrice(double p, bool estimated) { return (estimated ? "~" : "") + money(p); }

std::string count(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Past this many nodes the table lists one line per (pool, type, capacity type) instead of
// one per node: a 2,000-node plan is read for its shape, and the JSON keeps every node.
constexpr size_t kNodesListedOneByOne = 20;

void nodeLines(std::ostream& out, const binpack::Plan& plan) {
  out << pad("NODEPOOL", 14) << pad("INSTANCE-TYPE", 18) << pad("CAPACITY", 11)
      << pad("ZONES", 28) << pad("$/HOUR", 10) << pad("NODE-$/H", 10) << "PODS\n";
  for (const auto& n : plan.nodes) {
    out << pad(n.nodePool, 14) << pad(n.instanceType, 18) << pad(n.capacityType, 11)
        << pad(joinShort(n.zones, 2), 28) << pad(shownPrice(n.pricePerHour, n.priceEstimated), 10)
        << pad(shownPrice(n.nodeCostPerHour, n.priceEstimated), 10) << joinShort(n.pods, 3) << "\n";
    out << "    why: " << n.reason << "\n";
  }
}

void summaryLines(std::ostream& out, const binpack::Plan& plan) {
  struct Group {
    size_t nodes = 0;
    size_t pods = 0;
    double price = 0;
    double nodeCost = 0;
    bool estimated = false;
  };
  // Ordered by pool, type, capacity type so the output is stable.
  std::map<std::tuple<std::string, std::string, std::string>, Group> groups;
  for (const auto& n : plan.nodes) {
    Group& g = groups[{n.nodePool, n.instanceType, n.capacityType}];
    ++g.nodes;
    g.pods += n.pods.size();
    g.price += n.pricePerHour;
    g.nodeCost += n.nodeCostPerHour;
    g.estimated = g.estimated || n.priceEstimated;
  }
  out << plan.nodes.size() << " new nodes, summarised by instance type (-o json lists each):\n";
  out << pad("NODEPOOL", 14) << pad("INSTANCE-TYPE", 18) << pad("CAPACITY", 11) << pad("NODES", 8)
      << pad("$/HOUR", 12) << pad("NODE-$/H", 12) << "PODS\n";
  for (const auto& [key, g] : groups) {
    const auto& [pool, type, capacity] = key;
    out << pad(pool, 14) << pad(type, 18) << pad(capacity, 11) << pad(std::to_string(g.nodes), 8)
        << pad(shownPrice(g.price, g.estimated), 12) << pad(shownPrice(g.nodeCost, g.estimated), 12)
        << g.pods << "\n";
  }
}

// The instances alone, without the nodes' fixed costs.
double instancePrices(const binpack::Plan& plan) {
  double sum = 0;
  for (const auto& n : plan.nodes) sum += n.pricePerHour;
  return sum;
}

}  // namespace

nlohmann::json planToJson(const PlanReport& report) {
  using nlohmann::json;
  json claims = json::array();
  for (const auto& n : report.plan.nodes) {
    claims.push_back({{"nodepool", n.nodePool},
                      {"instance_type", n.instanceType},
                      {"instance_type_options", n.instanceTypeOptions},
                      {"capacity_type", n.capacityType},
                      {"zones", n.zones},
                      {"price_per_hour", roundPrice(n.pricePerHour)},
                      {"node_cost_per_hour", roundPrice(n.nodeCostPerHour)},
                      {"price_estimated", n.priceEstimated},
                      {"pods", n.pods},
                      {"reason", n.reason}});
    if (!n.gang.empty()) claims.back()["gang"] = n.gang;
  }
  json unschedulable = json::array();
  for (const auto& u : report.plan.unschedulable) {
    unschedulable.push_back({{"pod", u.pod}, {"reason", u.reason}});
  }
  json errors = json::array();
  for (const auto& e : report.errors) {
    errors.push_back({{"source", e.source}, {"object", e.object}, {"field", e.field},
                      {"message", e.message}});
    if (e.count > 1) errors.back()["count"] = e.count;  // identical errors, collapsed
  }
  json existing = json::array();
  for (const auto& e : report.plan.existing) {
    existing.push_back({{"pod", e.pod}, {"node", e.node}, {"in_flight", e.inFlight}});
  }
  return {{"nodeclaims", claims},
          {"unschedulable", unschedulable},
          {"errors", errors},
          {"existing", existing},
          {"total_price_per_hour", roundPrice(report.plan.totalPricePerHour)},
          {"total_instance_price_per_hour", roundPrice(instancePrices(report.plan))},
          {"lower_bound_price_per_hour", roundPrice(report.plan.lowerBoundPerHour)},
          {"lower_bound_gpu_isolation", report.plan.lowerBoundGpuIsolation}};
}

std::string planToTable(const PlanReport& report) {
  std::ostringstream out;
  const auto& plan = report.plan;
  if (plan.nodes.size() > kNodesListedOneByOne) {
    summaryLines(out, plan);
  } else if (!plan.nodes.empty()) {
    nodeLines(out, plan);
  }
  for (const auto& e : plan.existing) {
    out << "existing: " << e.pod << " fits on " << (e.inFlight ? "in-flight " : "") << "node "
        << e.node << "\n";
  }
  if (!plan.unschedulable.empty()) {
    out << "unschedulable:\n";
    for (const auto& u : plan.unschedulable) out << "  " << u.pod << ": " << u.reason << "\n";
  }
  if (!report.errors.empty()) {
    out << "errors:\n";
    for (const auto& e : report.errors) {
      out << "  " << e.source;
      if (!e.object.empty()) out << ": " << e.object;  // empty for a file that did not parse
      if (!e.field.empty()) out << " " << e.field;
      out << ": " << e.message;
      if (e.count > 1) out << " (" << e.count << " times)";
      out << "\n";
    }
  }
  size_t placedNew = 0;
  bool anyEstimated = false;
  for (const auto& n : plan.nodes) {
    placedNew += n.pods.size();
    anyEstimated = anyEstimated || n.priceEstimated;
  }
  out << count(plan.nodes.size(), "new node", "new nodes") << " for "
      << count(placedNew, "pod", "pods") << ", " << plan.existing.size() << " on existing nodes, "
      << plan.unschedulable.size() << " unschedulable: total " << (anyEstimated ? "~$" : "$")
      << money(plan.totalPricePerHour) << "/hour";
  if (const double fixed = plan.totalPricePerHour - instancePrices(plan); fixed > 5e-5) {
    out << ", of which node volumes and addresses $" << money(fixed);
  }
  out << " (lower bound $"
      << money(plan.lowerBoundPerHour) << " with gpu-isolation "
      << (plan.lowerBoundGpuIsolation.empty() ? "strict" : plan.lowerBoundGpuIsolation) << ")\n";
  if (anyEstimated) {
    out << "~ estimated price: the bundled catalog's spot prices are a fixed share of on-demand and"
           " its on-demand prices outside us-east-1 are us-east-1's\n";
  }
  return out.str();
}

}  // namespace gantry::provisioner
