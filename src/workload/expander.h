// Expands one decoded manifest object into the pods its controller would create:
// Pod, Deployment, ReplicaSet, StatefulSet, Job, CronJob (one run), DaemonSet (as overhead),
// Kubeflow training jobs (TFJob, PyTorchJob, MPIJob, ... every replica spec) and Katib
// Experiments (parallelTrialCount trials of the trial template). Also accepts NodePools,
// EC2NodeClasses, Nodes, and `List` objects. Kinds that create no pods (Service, ConfigMap,
// ...) are ignored.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "src/workload/workload.h"

namespace gantry::workload {

// ManifestError::object of an object without metadata.name is "<Kind> (unnamed)";
// loadManifests replaces the suffix with the document's number in its file.
inline constexpr std::string_view kUnnamedObject = "(unnamed)";

struct ExpandOptions {
  // Refuse objects that would create more pods than this (a typo like replicas: 1e9).
  int64_t maxPodsPerObject = 100000;
  // Refuse an object whose pods would take out.pods past this many in all (a List, or a file,
  // repeating a large object through YAML aliases).
  int64_t maxPodsTotal = 250000;
};

// Appends what `object` expands to into `out`. Decoding problems are appended to
// out.errors with `source`; the function itself never fails. An object with an error adds
// no pods (all of its pods or none, so gangs stay whole).
// Generated pods are named "<owner>-<index>" in the owner's namespace ("default" if none);
// index counts across all pods of the object, in replica-spec order.
void expandObject(const nlohmann::json& object, const std::string& source, Workload& out,
                  const ExpandOptions& options = {});

// How ManifestError::object names `object`: "<Kind> <namespace>/<name>" ("default" when no
// namespace is given), or "<Kind> (unnamed)".
std::string describeObject(const nlohmann::json& object);

}  // namespace gantry::workload
