// Metric families and their help texts. Lifetime buckets span a short training run (minutes)
// to a long-lived service node (a week).
#include "provisioner/metrics.h"

namespace gantry::provisioner {

ProvisionerMetrics::ProvisionerMetrics(prometheus::Registry& registry)
    : disrupted_(prometheus::BuildCounter()
                     .Name("gantry_nodeclaims_disrupted_total")
                     .Help("NodeClaims a disruption method deleted, by NodePool and reason.")
                     .Register(registry)),
      eligible_(prometheus::BuildGauge()
                    .Name("gantry_nodes_eligible_for_disruption")
                    .Help("Nodes the last disruption pass found eligible, by NodePool and reason.")
                    .Register(registry)),
      blocked_(prometheus::BuildCounter()
                   .Name("gantry_disruption_blocked_total")
                   .Help("Disruptions held back, by NodePool and cause (budget, do-not-disrupt, "
                         "pdb).")
                   .Register(registry)),
      terminated_(prometheus::BuildCounter()
                      .Name("gantry_nodeclaims_terminated_total")
                      .Help("NodeClaims whose instance was terminated and finalizer removed, by "
                            "NodePool and reason.")
                      .Register(registry)),
      lifetime_(prometheus::BuildHistogram()
                    .Name("gantry_node_lifetime_seconds")
                    .Help("Age of a NodeClaim when it was terminated.")
                    .Register(registry)),
      gpuIdle_(prometheus::BuildCounter()
                   .Name("gantry_gpu_idle_seconds_total")
                   .Help("GPU-seconds of initialized nodes with no pod requesting the GPU.")
                   .Register(registry)) {}

void ProvisionerMetrics::disrupted(const std::string& nodePool, const std::string& reason) {
  disrupted_.Add({{"nodepool", nodePool}, {"reason", reason}}).Increment();
}

void ProvisionerMetrics::setEligible(const std::string& nodePool, const std::string& reason,
                                     double count) {
  eligible_.Add({{"nodepool", nodePool}, {"reason", reason}}).Set(count);
}

void ProvisionerMetrics::blocked(const std::string& nodePool, const std::string& cause) {
  blocked_.Add({{"nodepool", nodePool}, {"cause", cause}}).Increment();
}

void ProvisionerMetrics::terminated(const std::string& nodePool, const std::string& reason,
                                    Clock::Duration lifetime) {
  terminated_.Add({{"nodepool", nodePool}, {"reason", reason}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      60, 300, 600, 1800, 3600, 2 * 3600, 6 * 3600, 24 * 3600, 7 * 24 * 3600};
  lifetime_.Add({}, kBuckets).Observe(std::chrono::duration<double>(lifetime).count());
}

void ProvisionerMetrics::gpuIdle(const std::string& nodePool, double gpuSeconds) {
  if (gpuSeconds <= 0) return;
  gpuIdle_.Add({{"nodepool", nodePool}}).Increment(gpuSeconds);
}

}  // namespace gantry::provisioner
