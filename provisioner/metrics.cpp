// Metric families and their help texts. Lifetime buckets span a short training run (minutes)
// to a long-lived service node (a week); startup buckets a warm KWOK node (seconds) to a GPU
// AMI pulling a large image (half an hour); batch sizes one pod to a large sweep.
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
                   .Register(registry)),
      batchSize_(prometheus::BuildHistogram()
                     .Name("gantry_provisioning_batch_size")
                     .Help("Pending pods one provisioning pass planned for.")
                     .Register(registry)),
      provisioningDuration_(prometheus::BuildHistogram()
                                .Name("gantry_provisioning_duration_seconds")
                                .Help("From a batch window's close to its NodeClaims created.")
                                .Register(registry)),
      solverDuration_(prometheus::BuildHistogram()
                          .Name("gantry_solver_duration_seconds")
                          .Help("Time of one solver call.")
                          .Register(registry)),
      created_(prometheus::BuildCounter()
                   .Name("gantry_nodeclaims_created_total")
                   .Help("NodeClaims the provisioner created, by NodePool, planned instance type, "
                         "capacity type and zone.")
                   .Register(registry)),
      launched_(prometheus::BuildCounter()
                    .Name("gantry_nodeclaims_launched_total")
                    .Help("NodeClaims whose instance was launched, by NodePool.")
                    .Register(registry)),
      registered_(prometheus::BuildCounter()
                      .Name("gantry_nodeclaims_registered_total")
                      .Help("NodeClaims whose Node registered, by NodePool.")
                      .Register(registry)),
      initialized_(prometheus::BuildCounter()
                       .Name("gantry_nodeclaims_initialized_total")
                       .Help("NodeClaims whose Node became initialized, by NodePool.")
                       .Register(registry)),
      launchFailures_(prometheus::BuildCounter()
                          .Name("gantry_nodeclaim_launch_failures_total")
                          .Help("Launches given up (the NodeClaim deleted), by NodePool and error "
                                "code.")
                          .Register(registry)),
      startupDuration_(prometheus::BuildHistogram()
                           .Name("gantry_node_startup_duration_seconds")
                           .Help("From a NodeClaim's creation to its Node initialized.")
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

namespace {

double seconds(Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void ProvisionerMetrics::batchSize(size_t pods) {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
  batchSize_.Add({}, kBuckets).Observe(static_cast<double>(pods));
}

void ProvisionerMetrics::provisioningDuration(Clock::Duration d) {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  provisioningDuration_.Add({}, kBuckets).Observe(seconds(d));
}

void ProvisionerMetrics::solverDuration(Clock::Duration d) {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  solverDuration_.Add({}, kBuckets).Observe(seconds(d));
}

void ProvisionerMetrics::nodeClaimCreated(const std::string& nodePool,
                                          const std::string& instanceType,
                                          const std::string& capacityType,
                                          const std::string& zone) {
  created_
      .Add({{"nodepool", nodePool},
            {"instance_type", instanceType},
            {"capacity_type", capacityType},
            {"zone", zone}})
      .Increment();
}

void ProvisionerMetrics::nodeClaimLaunched(const std::string& nodePool) {
  launched_.Add({{"nodepool", nodePool}}).Increment();
  launchFailures_.Add({{"nodepool", nodePool}, {"code", "InsufficientCapacity"}});
}

void ProvisionerMetrics::nodeClaimRegistered(const std::string& nodePool) {
  registered_.Add({{"nodepool", nodePool}}).Increment();
}

void ProvisionerMetrics::nodeClaimInitialized(const std::string& nodePool,
                                              Clock::Duration sinceCreated) {
  initialized_.Add({{"nodepool", nodePool}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1200, 1800};
  startupDuration_.Add({}, kBuckets).Observe(seconds(sinceCreated));
}

void ProvisionerMetrics::launchFailed(const std::string& nodePool, const std::string& code) {
  launchFailures_.Add({{"nodepool", nodePool}, {"code", code}}).Increment();
}

}  // namespace gantry::provisioner
