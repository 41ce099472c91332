// The solver-relevant view of an existing or in-flight node: labels, taints, allocatable,
// and what is already requested on it.
#pragma once

#include <string>
#include <vector>

#include "src/api/host_port.h"
#include "src/api/labels.h"
#include "src/api/resources.h"
#include "src/api/taints.h"

namespace gantry::api {

struct Node {
  std::string name;
  std::string providerId;
  Labels labels;
  // metadata.annotations under gantry.dev/ and karpenter.sh/ only (do-not-disrupt); the rest
  // is no controller's business and would only cost memory.
  Labels annotations;
  std::vector<Taint> taints;
  ResourceList allocatable;
  // Sum of requests of pods bound (or nominated) to it, daemonsets included.
  ResourceList requested;
  bool ready = true;
  bool unschedulable = false;  // spec.unschedulable (cordoned)
  bool deleting = false;       // metadata.deletionTimestamp is set (finalizers pending)
  // True for a NodeClaim launched but not yet registered: capacity that will exist soon.
  bool inFlight = false;
  // Nodepool that owns it, empty when not managed by Gantry.
  std::string nodePool;
  std::string instanceType;
  double pricePerHour = 0;
  // Pods already on it ("ns/name") and their labels, for pod affinity and spread counting.
  std::vector<std::pair<std::string, Labels>> pods;
  // Host ports those pods bind: a pending pod asking for an overlapping one cannot go here.
  std::vector<HostPort> hostPorts;
};

}  // namespace gantry::api
