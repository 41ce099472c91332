// The result of `gantry simulate` as the JSON contract: what the workload cost and how
// long it waited. Keys come in a fixed order and numbers are rounded to fixed precision
// (dollars and hours to 1e-6, seconds to 1e-3), so that the same outcome always prints as the
// same bytes:
//   total_cost, gpu_hours_paid, gpu_hours_requested, gpu_hours_idle, nodes_launched,
//   nodes_reaped, peak_nodes, pending_seconds {p50, p95, max}, makespan_seconds,
//   by_instance_type {TYPE: {nodes, hours, cost}},
//   nodes [{name, nodepool, instance_type, capacity_type, zone, launched_at, ready_at,
//           terminated_at, cost}],
//   pods [{name, created_at, bound_at, started_at, finished_at, node}]
// Times are seconds from the start of the simulation; a time that never came is null.
// Definitions: GPU-hours paid = the GPUs of each instance x the hours it was billed (launch to
// termination or the end); requested = each pod's nvidia.com/gpu x the hours from its binding
// to its end (or the simulation's); idle = paid - requested. Pending = binding (or the end, for
// a pod never bound) - creation; percentiles are nearest-rank. Makespan = the last workload pod
// finished (0 when none did).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "provisioner/simulate/simulation_outcome.h"

namespace gantry::provisioner::simulate {

nlohmann::ordered_json simulationReport(const SimulationOutcome& outcome);

// A short summary for people: cost in total, by NodePool and by instance type; GPU-hours paid,
// requested and idle; pending p50/p95/max; nodes launched and reaped.
std::string simulationSummaryText(const SimulationOutcome& outcome);

}  // namespace gantry::provisioner::simulate
