// solve(): index the catalog, group pods into classes, place class by class, then
// improve. Also computes the lower bound reported next to each plan.
#include "binpack/solver.h"

#include <algorithm>
#include <map>
#include <set>

#include "binpack/catalog_index.h"
#include "binpack/packer.h"
#include "binpack/pod_class.h"

namespace gantry::binpack {

namespace {

// A bound no plan can beat: each pod on a new node pays at least its share of a node at
// the best price per unit of each resource among the types it may use. For any one
// resource the shares on a node sum to at most the node's price, so the sum over pods is
// a lower bound; the maximum over resources is the tightest of these bounds. GPU work and
// other work never share a node (the co-location rule) unless they have one owner, so
// the two groups are bounded separately and their bounds add up.
double lowerBound(const Plan& plan, const std::vector<PodClass>& classes,
                  const CatalogIndex& index, const std::vector<api::Pod>& pods) {
  std::map<std::string, size_t, std::less<>> classOfPod;
  for (size_t c = 0; c < classes.size(); ++c) {
    for (size_t p : classes[c].pods) classOfPod[pods[p].key()] = c;
  }
  std::vector<int64_t> count(classes.size(), 0);
  for (const auto& node : plan.nodes) {
    for (const auto& key : node.pods) ++count[classOfPod[key]];
  }
  std::set<std::string> gpuOwners;
  for (const auto& cls : classes) {
    if (cls.usesAcceleratorType()) gpuOwners.insert(cls.owner);
  }
  std::array<std::array<double, kMaxResourceDims>, 2> total{};  // [gpu group][dim]
  for (size_t c = 0; c < classes.size(); ++c) {
    if (count[c] == 0) continue;
    const bool gpuGroup = classes[c].usesAcceleratorType() || gpuOwners.count(classes[c].owner);
    // The types a class can end up on: accelerator types for GPU work, plain types for work
    // that never shares a GPU node, both for plain pods of a GPU job.
    const bool anyKind = gpuGroup && !classes[c].usesAcceleratorType();
    for (size_t d = 0; d < kMaxResourceDims; ++d) {
      if (classes[c].requests.v[d] <= 0) continue;
      double rate = kNoPrice;
      for (size_t p = 0; p < index.pools().size(); ++p) {
        const TypeMasks& masks = classes[c].relaxed[p];
        if (masks.empty()) continue;
        const PoolEntry& pool = index.pools()[p];
        for (uint32_t t : anyKind ? pool.typesByPrice : pool.byKind[gpuGroup ? 1 : 0].types) {
          if (masks[t].empty() || index.pools()[p].allocatable[t].v[d] <= 0) continue;
          double price = index.cheapest(t, masks[t]).price;
          rate = std::min(rate, price / static_cast<double>(index.pools()[p].allocatable[t].v[d]));
        }
      }
      if (rate < kNoPrice) {
        total[gpuGroup][d] += rate * static_cast<double>(classes[c].requests.v[d] * count[c]);
      }
    }
  }
  return *std::max_element(total[0].begin(), total[0].end()) +
         *std::max_element(total[1].begin(), total[1].end());
}

}  // namespace

Result<Plan> solve(const Snapshot& snapshot, const api::InstanceTypes& instanceTypes,
                   const Options& options) {
  ResourceDims dims;
  for (std::string_view name : {api::resource::kCpu, api::resource::kMemory, api::resource::kPods}) {
    if (auto d = dims.intern(name); !d) return fail(d.error());
  }
  for (const auto& pod : snapshot.pods) {
    for (const auto& [name, q] : pod.requests.entries()) {
      if (auto d = dims.intern(name); !d) return fail(d.error().withContext("pod " + pod.key()));
    }
  }
  auto index = CatalogIndex::build(snapshot, instanceTypes, dims);
  if (!index) return fail(index.error());
  auto classes = buildClasses(snapshot.pods, *index, dims);
  if (!classes) return fail(classes.error());

  Packer packer(snapshot, *index, *classes, dims, options);
  for (uint32_t c = 0; c < classes->size(); ++c) packer.placeClass(c);
  packer.enforceGangs();
  packer.improve();
  packer.exactSearch();
  Plan plan = packer.buildPlan();
  plan.lowerBoundPerHour = lowerBound(plan, *classes, *index, snapshot.pods);
  return plan;
}

}  // namespace gantry::binpack
