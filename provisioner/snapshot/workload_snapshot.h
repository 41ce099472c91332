// The solver's view of a workload: which pods are to be placed and which already use
// capacity on a given Node. The plan host and the controller's provisioner both build their
// snapshots here, so the dry run and the controller agree on what is already there.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "binpack/snapshot.h"
#include "src/workload/workload.h"

namespace gantry::provisioner {

// Builds the solver snapshot for a loaded workload: pending pods, NodePools (or the
// default), given Nodes with the requests of pods bound to them, and DaemonSets. Pods that
// finished or are terminating are left out. Pure; thread-safe.
binpack::Snapshot snapshotOf(const workload::Workload& workload, const std::string& region);

// The same over the controller's two lists, the workload's own `pods` ignored: pending pods,
// and bound pods shared with the informer cache (tens of thousands: never copied). Takes the
// workload's nodes, pools and DaemonSets over: the caller assembled them for this snapshot,
// and copying every Node again on every provisioning pass cost about 4% of a simulated day.
binpack::Snapshot snapshotOf(workload::Workload&& workload,
                             const std::vector<api::Pod>& pending,
                             const std::vector<std::shared_ptr<const api::Pod>>& bound,
                             const std::string& region);

}  // namespace gantry::provisioner
