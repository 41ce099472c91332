// Small builders for unit tests: synthetic instance types, pods, NodePools and nodes,
// so that solver tests state only what matters to them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "src/api/instance_type.h"
#include "src/api/node.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"
#include "src/api/well_known_labels.h"

namespace gantry::testing {

inline api::Quantity q(std::string_view text) { return *api::Quantity::parse(text); }

inline api::ResourceList resources(std::initializer_list<std::pair<std::string, std::string>> items) {
  api::ResourceList out;
  for (const auto& [name, value] : items) out.set(name, q(value));
  return out;
}

// An instance type with the given allocatable (no overhead), offered on-demand (and spot
// at half price when `spot`) in every zone.
struct TypeSpec {
  std::string name;
  std::string cpu;
  std::string memory;
  double price;
  int gpus = 0;
  std::string gpuManufacturer = "NVIDIA";
  std::vector<std::string> zones = {"us-east-1a", "us-east-1b", "us-east-1c"};
  bool spot = false;
  int maxPods = 110;
  std::string arch = "amd64";
};

inline api::InstanceType makeType(const TypeSpec& s) {
  api::InstanceType t;
  t.name = s.name;
  t.family = s.name.substr(0, s.name.find('.'));
  t.size = s.name.substr(s.name.find('.') + 1);
  t.architecture = s.arch;
  t.capacity = resources({{"cpu", s.cpu}, {"memory", s.memory}, {"pods", std::to_string(s.maxPods)}});
  if (s.gpus > 0) {
    t.gpu = api::GpuSpec{s.gpuManufacturer, "T4", s.gpus, 16384};
    t.capacity.set(s.gpuManufacturer == "AMD" ? "amd.com/gpu" : "nvidia.com/gpu",
                   api::Quantity::fromValue(s.gpus));
  }
  t.labels = {{std::string(api::label::kInstanceType), s.name},
              {std::string(api::label::kArch), s.arch},
              {std::string(api::label::kOs), "linux"},
              {std::string(api::label::kInstanceFamily), t.family},
              {std::string(api::label::kInstanceCurrentGeneration), "true"}};
  for (const auto& z : s.zones) {
    t.offerings.push_back({z, api::CapacityType::kOnDemand, s.price, true, false});
    if (s.spot) t.offerings.push_back({z, api::CapacityType::kSpot, s.price / 2, true, true});
  }
  return t;
}

inline api::InstanceTypes makeTypes(const std::vector<TypeSpec>& specs) {
  api::InstanceTypes out;
  for (const auto& s : specs) out.push_back(makeType(s));
  return out;
}

inline api::Pod makePod(std::string name, std::initializer_list<std::pair<std::string, std::string>> req,
                        std::string ns = "default") {
  api::Pod p;
  p.ns = std::move(ns);
  p.name = std::move(name);
  p.requests = resources(req);
  p.phase = "Pending";
  p.unschedulable = true;
  return p;
}

inline api::NodePool openPool(std::string name = "default") {
  api::NodePool pool;
  pool.name = std::move(name);
  return pool;
}

// Immutable shared copies, as a cache hands its objects out (ClusterObjects::nodes, nodeClaims).
template <typename T>
std::vector<std::shared_ptr<const T>> shared(std::vector<T> values) {
  std::vector<std::shared_ptr<const T>> out;
  out.reserve(values.size());
  for (T& v : values) out.push_back(std::make_shared<const T>(std::move(v)));
  return out;
}

}  // namespace gantry::testing
