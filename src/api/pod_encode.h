// Pod encoding to Kubernetes v1 JSON. `gantry plan -o pods` prints the pods a workload expands
// to with it, so that another scheduler (bench/karpenter runs Karpenter's) can be given exactly
// the pods Gantry plans, without expanding Deployments, Jobs or Katib Experiments again.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "src/api/pod.h"

namespace gantry::api {

// A v1 Pod carrying every field the model keeps: metadata (name, namespace, uid, labels,
// annotations, the controlling owner), one container per image (the first one holding the
// pod's effective requests; extended resources also as limits, as the apiserver requires),
// nodeSelector, affinity, topologySpreadConstraints, tolerations, host ports, priority,
// schedulerName, nodeName and status.phase. A gang that no label names is written as the
// Volcano group annotation. decodePod(encodePod(p)) gives back the scheduling fields of p
// (requests, constraints, owner, gang); init containers and overhead are folded into the
// single request, and a hostPath volume stands for localStorage.
nlohmann::json encodePod(const Pod& pod);

// {"apiVersion": "v1", "kind": "PodList", "items": [...]}, in the order given.
nlohmann::json encodePodList(const std::vector<Pod>& pods);

}  // namespace gantry::api
