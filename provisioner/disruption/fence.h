// The fence the disruption pass puts on a Node before its last check (nodeclaim's
// disruptedTaintPatch: our disrupted taint and a cordon), read back and taken down again when
// the node is kept after all or a crash left the fence behind.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "provisioner/nodeclaim/cluster_access.h"
#include "src/api/node.h"

namespace gantry::provisioner::disruption {

// Whether the Node carries our disrupted taint.
bool fenced(const api::Node& node);

// Whether a raw Node is cordoned (spec.unschedulable).
bool cordoned(const nlohmann::json& node);

// The merge patch taking the fence off a raw Node again: our disrupted taint, and with
// `uncordon` the cordon it set. Empty when there is neither.
nlohmann::json unfencePatch(const nlohmann::json& node, bool uncordon);

// Takes the fence down again, retrying a stale resourceVersion a few times (the kubelet's
// status updates bump it). It matters: a fenced node counts as disrupting and is never looked
// at again, so a fence left behind would keep the node cordoned and spend the pool's budget
// for good. Failures are logged.
void unfence(nodeclaim::LifecycleWriter& writer, const std::string& nodeName, bool uncordon);

}  // namespace gantry::provisioner::disruption
