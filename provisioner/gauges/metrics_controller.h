// The metrics controller (Karpenter's metrics/node, metrics/pod and metrics/nodepool
// controllers): every period it reads the cluster once, measures the cluster-state gauges and
// publishes them. A periodic pass rather than per-event updates: these gauges describe a
// state, and one pass over the cache every few seconds costs less than keeping sums current
// on every pod event. It runs with the other controllers while this replica leads and clears
// its series when it stops, so a standby replica does not report a stale cluster.
#pragma once

#include <chrono>
#include <stop_token>
#include <string_view>

#include "provisioner/controller.h"
#include "provisioner/gauges/cluster_gauges.h"
#include "provisioner/gauges/cluster_state.h"
#include "src/common/clock.h"

namespace gantry::provisioner::gauges {

struct MetricsControllerOptions {
  std::chrono::milliseconds period{5000};
};

class MetricsController final : public Controller {
 public:
  // REQUIRES: gauges and clock outlive the controller; source is callable from its thread.
  MetricsController(ClusterStateSource source, ClusterGauges& gauges, Clock& clock,
                    MetricsControllerOptions options = {});

  std::string_view name() const override { return "metrics"; }
  // Publishes at once, then every period until `stop`; clears the gauges on the way out.
  void run(std::stop_token stop) override;
  // One read, measurement and publish (run()'s pass; tests call it directly).
  void publishOnce();

 private:
  ClusterStateSource source_;
  ClusterGauges& gauges_;
  Clock& clock_;
  const MetricsControllerOptions options_;
};

}  // namespace gantry::provisioner::gauges
