// The provisioner library's metrics (Karpenter's per-package metrics.go, one per library
// here): registered on an injected registry, recorded by the controllers through the small
// methods below. Controllers take a ProvisionerMetrics* that may be null (unit tests, `plan`).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstddef>
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

  // Provisioning (provisioner/provisioning): one pass over a closed batch.
  // gantry_provisioning_batch_size: the pending pods a pass planned for.
  void batchSize(size_t pods);
  // gantry_provisioning_duration_seconds: from the batch window's close (or the pass's start
  // for a re-plan) to the last NodeClaim created.
  void provisioningDuration(Clock::Duration d);
  // gantry_solver_duration_seconds: one binpack::solve call.
  void solverDuration(Clock::Duration d);
  // gantry_nodeclaims_created_total{nodepool,instance_type,capacity_type,zone}: instance_type
  // is the plan's (cheapest) choice, zone empty when the claim allows several.
  void nodeClaimCreated(const std::string& nodePool, const std::string& instanceType,
                        const std::string& capacityType, const std::string& zone);

  // The NodeClaim lifecycle (provisioner/nodeclaim), each once per claim, when the condition
  // has been written: gantry_nodeclaims_{launched,registered,initialized}_total{nodepool}.
  // Launched also starts gantry_nodeclaim_launch_failures_total{nodepool,
  // code="InsufficientCapacity"} at 0, so "no capacity errors in this pool" is a sample.
  void nodeClaimLaunched(const std::string& nodePool);
  void nodeClaimRegistered(const std::string& nodePool);
  // And gantry_node_startup_duration_seconds: the claim's creation to Initialized.
  void nodeClaimInitialized(const std::string& nodePool, Clock::Duration sinceCreated);
  // A launch given up (the claim deleted): gantry_nodeclaim_launch_failures_total{nodepool,
  // code}, code the error's kind (InsufficientCapacity, Unauthorized, Invalid, ...).
  void launchFailed(const std::string& nodePool, const std::string& code);

 private:
  prometheus::Family<prometheus::Counter>& disrupted_;
  prometheus::Family<prometheus::Gauge>& eligible_;
  prometheus::Family<prometheus::Counter>& blocked_;
  prometheus::Family<prometheus::Counter>& terminated_;
  prometheus::Family<prometheus::Histogram>& lifetime_;
  prometheus::Family<prometheus::Counter>& gpuIdle_;
  prometheus::Family<prometheus::Histogram>& batchSize_;
  prometheus::Family<prometheus::Histogram>& provisioningDuration_;
  prometheus::Family<prometheus::Histogram>& solverDuration_;
  prometheus::Family<prometheus::Counter>& created_;
  prometheus::Family<prometheus::Counter>& launched_;
  prometheus::Family<prometheus::Counter>& registered_;
  prometheus::Family<prometheus::Counter>& initialized_;
  prometheus::Family<prometheus::Counter>& launchFailures_;
  prometheus::Family<prometheus::Histogram>& startupDuration_;
};

}  // namespace gantry::provisioner
