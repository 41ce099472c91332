// What a simulation leaves behind: every pod's and every node's times and the cloud's bill,
// as plain values the report (simulation_report.h) turns into the JSON contract.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "provisioner/simulate/workload_model.h"
#include "src/common/clock.h"

namespace gantry::provisioner::simulate {

struct NodeRecord {
  std::string name;  // the Node's name (the instance id), "" if it never registered
  std::string nodeClaim;
  std::string nodePool;
  std::string instanceType;
  std::string capacityType;  // "on-demand" | "spot"
  std::string zone;
  int64_t gpus = 0;  // nvidia.com/gpu of the type
  double pricePerHour = 0;      // the instance's
  double fixedCostPerHour = 0;  // its volumes and addresses (EngineOptions::nodeFixedCostPerHour)
  Clock::TimePoint launchedAt{};
  std::optional<Clock::TimePoint> readyAt{};       // its NodeClaim became Ready
  std::optional<Clock::TimePoint> terminatedAt{};  // nullopt: still running at the end
  // (pricePerHour + fixedCostPerHour) x hours from launch to termination or the end
  double cost = 0;
};

struct SimulationOutcome {
  Clock::TimePoint start{};
  Clock::TimePoint end{};
  std::vector<PodRecord> pods;    // in creation order
  std::vector<NodeRecord> nodes;  // in launch order
  size_t events = 0;              // Kubernetes Events the controllers recorded (dropped)
  size_t wakes = 0;               // distinct virtual times the engine stopped at
  uint64_t sleeps = 0;        // Clock::sleepFor calls by the controllers: 0, or one of them polled
  size_t stalledMoments = 0;  // moments settle() left with work still coming (a bug if > 0)
  // NodeClaims disrupted, by reason ("Empty", "Interrupted" for a spot reclaim, ...).
  std::map<std::string, size_t> disruptions;
  // NodeClaims whose launch or registration failed, by their Event's reason.
  std::map<std::string, size_t> launchFailures;
};

}  // namespace gantry::provisioner::simulate
