// Escaping for plan output; see report_text.h.
#include "provisioner/plan/report_text.h"

#include "src/common/utf8.h"

namespace gantry::provisioner {

namespace {

void escape(std::string& text) { text = escapeForTerminal(text); }

void escape(std::vector<std::string>& texts) {
  for (auto& t : texts) escape(t);
}

}  // namespace

PlanReport terminalSafe(PlanReport report) {
  for (auto& n : report.plan.nodes) {
    escape(n.nodePool);
    escape(n.instanceType);
    escape(n.instanceTypeOptions);
    escape(n.capacityType);
    escape(n.zones);
    escape(n.pods);
    escape(n.reason);
    escape(n.gang);
  }
  for (auto& e : report.plan.existing) {
    escape(e.pod);
    escape(e.node);
  }
  for (auto& u : report.plan.unschedulable) {
    escape(u.pod);
    escape(u.reason);
  }
  for (auto& e : report.errors) {
    escape(e.source);
    escape(e.object);
    escape(e.field);
    escape(e.message);
  }
  return report;
}

std::string jsonText(const nlohmann::json& document) {
  return document.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace gantry::provisioner
