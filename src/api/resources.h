// Resource names Gantry reasons about and ResourceList, the name -> Quantity map used for
// pod requests, node capacity and allocatable, NodePool limits.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "src/api/quantity.h"

namespace gantry::api {

namespace resource {
inline constexpr std::string_view kCpu = "cpu";
inline constexpr std::string_view kMemory = "memory";
inline constexpr std::string_view kPods = "pods";
inline constexpr std::string_view kEphemeralStorage = "ephemeral-storage";
inline constexpr std::string_view kNvidiaGpu = "nvidia.com/gpu";
inline constexpr std::string_view kAmdGpu = "amd.com/gpu";
inline constexpr std::string_view kNeuron = "aws.amazon.com/neuron";
inline constexpr std::string_view kNeuronCore = "aws.amazon.com/neuroncore";
// Number of nodes, only meaningful in NodePool limits.
inline constexpr std::string_view kNodes = "nodes";

// Extended resources are those a node advertises through a device plugin: anything with a
// domain prefix other than kubernetes.io (and not hugepages-*). They are counted in whole
// units and, unlike cpu/memory, a request equal to a limit is defaulted from the limit.
bool isExtended(std::string_view name);
// GPU-like accelerators that make a node a "GPU node" for the packing rules.
bool isAccelerator(std::string_view name);
}  // namespace resource

// A set of named quantities. Missing names are zero.
class ResourceList {
 public:
  using Map = std::map<std::string, Quantity, std::less<>>;

  ResourceList() = default;
  explicit ResourceList(Map entries) : entries_(std::move(entries)) {}

  // Zero when absent.
  Quantity get(std::string_view name) const;
  void set(std::string_view name, Quantity q);
  bool has(std::string_view name) const { return entries_.find(name) != entries_.end(); }

  ResourceList& operator+=(const ResourceList& other);
  ResourceList& operator-=(const ResourceList& other);
  friend ResourceList operator+(ResourceList a, const ResourceList& b) { return a += b; }
  friend ResourceList operator-(ResourceList a, const ResourceList& b) { return a -= b; }

  // Per-name maximum of both lists (how init containers combine with app containers).
  static ResourceList max(const ResourceList& a, const ResourceList& b);

  // True when every quantity in *this is <= the same-named quantity in `capacity`.
  bool fitsIn(const ResourceList& capacity) const;
  // Names whose quantity here exceeds `capacity`, in name order.
  std::vector<std::string> exceeding(const ResourceList& capacity) const;

  bool empty() const { return entries_.empty(); }
  const Map& entries() const { return entries_; }
  // "cpu=2, memory=4Gi, nvidia.com/gpu=1"
  std::string toString() const;

  friend bool operator==(const ResourceList& a, const ResourceList& b);

 private:
  Map entries_;
};

}  // namespace gantry::api
