// Shared by the trace decoder tests: a small catalog, decoding YAML text as if from a file,
// and builders for Deployments and Simulation documents.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "src/simulate/trace_decoder.h"

namespace gantry::simulate::testing {

// us-east-1 sells g5.xlarge (zones a and b) and m5.large (zone a); no other region exists.
inline Result<api::InstanceTypesPtr> smallCatalog(std::string_view region) {
  if (region != "us-east-1")
    return fail(
        Status::invalid("unknown region \"" + std::string(region) + "\" (known: us-east-1)"));
  api::InstanceType g5;
  g5.name = "g5.xlarge";
  g5.offerings = {{"us-east-1a", api::CapacityType::kOnDemand, 1.0},
                  {"us-east-1b", api::CapacityType::kOnDemand, 1.0}};
  api::InstanceType m5;
  m5.name = "m5.large";
  m5.offerings = {{"us-east-1a", api::CapacityType::kOnDemand, 0.1}};
  return std::make_shared<const api::InstanceTypes>(api::InstanceTypes{g5, m5});
}

inline Trace decode(const std::string& yaml, const std::string& file = "trace.yaml") {
  workload::ManifestCollection collection;
  workload::collectText(yaml, file, collection);
  return decodeTrace(std::move(collection), smallCatalog);
}

inline std::string errorsOf(const Trace& t) {
  std::string out;
  for (const auto& e : t.errors)
    out += e.source + " | " + e.object + " | " + e.field + " | " + e.message + "\n";
  return out;
}

// One error expected: returns "object | field | message".
inline std::string onlyError(const std::string& yaml) {
  Trace t = decode(yaml);
  EXPECT_EQ(t.errors.size(), 1u) << errorsOf(t);
  if (t.errors.empty()) return "";
  EXPECT_EQ(t.errors[0].source, "trace.yaml");
  return t.errors[0].object + " | " + t.errors[0].field + " | " + t.errors[0].message;
}

inline const std::string kPodSpec = R"(
      containers:
      - name: c
        image: busybox
        resources: {requests: {cpu: "1"}})";

inline std::string deployment(const std::string& name, const std::string& annotations,
                              int replicas = 2) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
         "\n  namespace: shop\n" + (annotations.empty() ? "" : "  annotations:\n" + annotations) +
         "spec:\n  replicas: " + std::to_string(replicas) + "\n  template:\n    spec:" + kPodSpec +
         "\n";
}

inline std::string simulationWith(const std::string& specLines) {
  return "apiVersion: simulate.gantry.dev/v1\nkind: Simulation\nmetadata: {name: s}\nspec:\n" +
         specLines;
}

}  // namespace gantry::simulate::testing
