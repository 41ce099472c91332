// The provisioner library's metrics (Karpenter's per-package metrics.go, one per library
// here): registered on an injected registry, recorded by the controllers through the small
// methods below. Controllers take a ProvisionerMetrics* that may be null (unit tests, `plan`).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "src/common/clock.h"

namespace gantry::provisioner {

// Thread-safe (prometheus-cpp families lock their own maps).
class ProvisionerMetrics {
 public:
  // REQUIRES: registry outlives this object.
  explicit ProvisionerMetrics(prometheus::Registry& registry);

  // A disruption method deleted a claim: gantry_nodeclaims_disrupted_total{nodepool,reason}.
  void disrupted(const std::string& nodePool, const std::string& reason);
  // gantry_nodes_eligible_for_disruption{nodepool,reason}, set by each disruption pass.
  void setEligible(const std::string& nodePool, const std::string& reason, double count);
  // gantry_disruption_blocked_total{nodepool,cause}: cause is budget, do-not-disrupt or pdb.
  void blocked(const std::string& nodePool, const std::string& cause);
  // A claim's finalizer let go: gantry_nodeclaims_terminated_total{nodepool,reason} and its
  // age in gantry_node_lifetime_seconds.
  void terminated(const std::string& nodePool, const std::string& reason,
                  Clock::Duration lifetime);
  // gantry_gpu_idle_seconds_total{nodepool}: launched GPUs times the seconds they sat
  // unallocated.
  void gpuIdle(const std::string& nodePool, double gpuSeconds);

 private:
  prometheus::Family<prometheus::Counter>& disrupted_;
  prometheus::Family<prometheus::Gauge>& eligible_;
  prometheus::Family<prometheus::Counter>& blocked_;
  prometheus::Family<prometheus::Counter>& terminated_;
  prometheus::Family<prometheus::Histogram>& lifetime_;
  prometheus::Family<prometheus::Counter>& gpuIdle_;
};

}  // namespace gantry::provisioner
