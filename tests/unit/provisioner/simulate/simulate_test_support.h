// Shared by the simulation engine's tests: a trace decoded from YAML text against the bundled
// catalog, run to its outcome, and the catalog price a test computes its expected cost from.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "cloudprovider/catalog/bundled_catalog.h"
#include "provisioner/simulate/simulation_engine.h"
#include "provisioner/simulate/simulation_report.h"
#include "src/simulate/trace_decoder.h"

namespace gantry::provisioner::simulate::testing {

inline Result<api::InstanceTypesPtr> bundledCatalog(std::string_view region) {
  return cloudprovider::bundledInstanceTypes(region);
}

inline gantry::simulate::Trace traceOf(const std::string& yaml) {
  workload::ManifestCollection collection;
  workload::collectText(yaml, "trace.yaml", collection);
  return gantry::simulate::decodeTrace(std::move(collection), bundledCatalog);
}

inline SimulationOutcome simulate(const gantry::simulate::Trace& trace) {
  EXPECT_TRUE(trace.errors.empty()) << (trace.errors.empty() ? "" : trace.errors[0].message);
  auto engine = SimulationEngine::make(trace);
  EXPECT_TRUE(engine.has_value()) << (engine ? "" : engine.error().message());
  if (!engine) return {};
  return (*engine)->run();
}

// The on-demand price per hour of `type` in us-east-1 (every zone sells it at one price).
inline double onDemandPrice(const std::string& type) {
  auto catalog = bundledCatalog("us-east-1");
  if (!catalog) return -1;
  for (const auto& t : **catalog) {
    if (t.name != type) continue;
    for (const auto& o : t.offerings) {
      if (o.capacityType == api::CapacityType::kOnDemand) return o.pricePerHour;
    }
  }
  return -1;
}

// A NodePool (on-demand by the decoder's default) that empties nodes after `consolidateAfter`.
inline std::string nodePool(const std::string& name, const std::string& consolidateAfter) {
  return "apiVersion: gantry.dev/v1\nkind: NodePool\nmetadata: {name: " + name +
         "}\nspec:\n  template:\n    spec:\n      nodeClassRef: {group: gantry.dev, kind: "
         "EC2NodeClass, name: default}\n      requirements:\n      - {key: kubernetes.io/arch, "
         "operator: In, values: [amd64]}\n  disruption:\n    consolidateAfter: " +
         consolidateAfter + "\n";
}

inline const std::string kGpuContainer = R"(
      containers:
      - name: train
        image: nvcr.io/nvidia/pytorch:24.01
        resources: {limits: {nvidia.com/gpu: 1}, requests: {cpu: "2", memory: 8Gi}})";

// Pod ml/train asking for one GPU, running for `runFor` once started (one YAML document).
inline std::string trainingPod(const std::string& runFor) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: train\n  namespace: ml\n"
         "  annotations: {simulate.gantry.dev/run-for: \"" +
         runFor + "\"}\nspec:" + kGpuContainer + "\n";
}

// Seconds from the start of the outcome.
inline double at(const SimulationOutcome& o, Clock::TimePoint t) {
  return std::chrono::duration<double>(t - o.start).count();
}

}  // namespace gantry::provisioner::simulate::testing
