// Rendering a PlanReport. Prices are rounded to 1/10,000 of a cent per hour so that sums
// print as people expect (1.578, not 1.5779999999999998).
#include "provisioner/plan/plan_report.h"

#include <cmath>
#include <cstdio>
#include <sstream>

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
          {"lower_bound_price_per_hour", roundPrice(report.plan.lowerBoundPerHour)}};
}

std::string planToTable(const PlanReport& report) {
  std::ostringstream out;
  const auto& plan = report.plan;
  if (!plan.nodes.empty()) {
    out << pad("NODEPOOL", 14) << pad("INSTANCE-TYPE", 18) << pad("CAPACITY", 11)
        << pad("ZONES", 28) << pad("$/HOUR", 10) << "PODS\n";
    for (const auto& n : plan.nodes) {
      out << pad(n.nodePool, 14) << pad(n.instanceType, 18) << pad(n.capacityType, 11)
          << pad(joinShort(n.zones, 2), 28) << pad(money(n.pricePerHour), 10)
          << joinShort(n.pods, 3) << "\n";
      out << "    why: " << n.reason << "\n";
    }
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
  for (const auto& n : plan.nodes) placedNew += n.pods.size();
  out << plan.nodes.size() << (plan.nodes.size() == 1 ? " new node" : " new nodes") << " for "
      << placedNew << " pods, " << plan.existing.size() << " on existing nodes, "
      << plan.unschedulable.size() << " unschedulable: total $" << money(plan.totalPricePerHour)
      << "/hour (lower bound $" << money(plan.lowerBoundPerHour) << ")\n";
  return out.str();
}

}  // namespace gantry::provisioner
