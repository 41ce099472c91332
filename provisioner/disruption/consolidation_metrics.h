// Consolidation's metric families, registered against the binary's registry (kept apart from
// ProvisionerMetrics so the disruption methods can grow their own without touching it).
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace gantry::provisioner::disruption {

// Thread-safe (prometheus-cpp families are).
class ConsolidationMetrics {
 public:
  // REQUIRES: registry outlives the metrics; registered once per registry.
  explicit ConsolidationMetrics(prometheus::Registry& registry);
  // gantry_consolidation_decisions_total{nodepool,action}: a validated move acted on;
  // action is delete, replace or multi.
  void decided(const std::string& nodePool, const std::string& action);
  // gantry_consolidation_savings_dollars_per_hour: the last pass's saving (0 when it found
  // nothing to do).
  void setSavings(double dollarsPerHour);

 private:
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Gauge& savings_;
};

}  // namespace gantry::provisioner::disruption
