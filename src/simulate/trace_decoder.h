// `gantry simulate --trace PATH`: the manifests `gantry plan` reads (files, directories,
// standard input; src/workload does the reading and the expansion into pods), decoded into a
// Trace (trace.h) from the simulate.gantry.dev/* annotations on workload objects and the one
// optional Simulation document (simulation_settings.h).
//
// Annotations (on Pod, Deployment, ReplicaSet, StatefulSet, Job, CronJob, TFJob, PyTorchJob,
// MPIJob, Katib Experiment, ...):
//   simulate.gantry.dev/at           duration from the start, default 0s
//   simulate.gantry.dev/run-for      30m | uniform(20m,40m) | normal(30m,5m); absent: until the end
//   simulate.gantry.dev/delete-at    duration from the start, after `at`
//   simulate.gantry.dev/replicas-at  "0s=2,8h=10,18h=2" (Deployments and StatefulSets only)
// Any other simulate.gantry.dev/ annotation is an error (a typo would otherwise be ignored).
#pragma once

#include <string>
#include <vector>

#include "src/simulate/simulation_settings.h"
#include "src/simulate/trace.h"
#include "src/workload/manifest_loader.h"

namespace gantry::simulate {

inline constexpr std::string_view kAtAnnotation = "simulate.gantry.dev/at";
inline constexpr std::string_view kRunForAnnotation = "simulate.gantry.dev/run-for";
inline constexpr std::string_view kDeleteAtAnnotation = "simulate.gantry.dev/delete-at";
inline constexpr std::string_view kReplicasAtAnnotation = "simulate.gantry.dev/replicas-at";

// Reads every path (collectManifests: a file, a directory below which every *.yaml, *.yml
// and *.json is read, or "-") and decodes the result. kNotFound for a path that does not
// exist; everything wrong inside the files is in Trace::errors, and the objects without
// errors are still in the trace.
Result<Trace> loadTrace(const std::vector<std::string>& paths, const CatalogLookup& catalog,
                        const workload::LoadOptions& options = {});

// The same from manifests already collected (tests, the fuzzer). Errors come in three groups,
// each in input order: the Simulation document's, the manifests' (expandManifests), then the
// annotations'; identical ones are collapsed with a count.
// An object with an annotation error is left out of the arrivals, as `plan` leaves out an
// object it cannot decode.
Trace decodeTrace(workload::ManifestCollection collection, const CatalogLookup& catalog,
                  const workload::LoadOptions& options = {});

}  // namespace gantry::simulate
