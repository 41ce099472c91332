// Help texts of consolidation's metrics.
#include "provisioner/disruption/consolidation_metrics.h"

namespace gantry::provisioner::disruption {

ConsolidationMetrics::ConsolidationMetrics(prometheus::Registry& registry)
    : decisions_(prometheus::BuildCounter()
                     .Name("gantry_consolidation_decisions_total")
                     .Help("Consolidation moves acted on after validation, by NodePool and "
                           "action (delete, replace, multi).")
                     .Register(registry)),
      savings_(prometheus::BuildGauge()
                   .Name("gantry_consolidation_savings_dollars_per_hour")
                   .Help("Hourly saving of the move the last consolidation pass found, 0 when "
                         "none.")
                   .Register(registry)
                   .Add({})) {}

void ConsolidationMetrics::decided(const std::string& nodePool, const std::string& action) {
  decisions_.Add({{"nodepool", nodePool}, {"action", action}}).Increment();
}

void ConsolidationMetrics::setSavings(double dollarsPerHour) { savings_.Set(dollarsPerHour); }

}  // namespace gantry::provisioner::disruption
