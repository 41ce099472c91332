// solve(): index the catalog, group pods into classes, then run the passes of a packing over
// one PackingState: the greedy places class by class, the local search and the exact search
// improve on it, and the plan is read off it. Also computes the lower bound reported next to
// each plan.
#include "binpack/solver.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "binpack/catalog_index.h"
#include "binpack/catalog_index_cache.h"
#include "binpack/exact_search.h"
#include "binpack/gpu_colocation.h"
#include "binpack/greedy_packer.h"
#include "binpack/local_search.h"
#include "binpack/packing_state.h"
#include "binpack/plan_builder.h"
#include "binpack/pod_class.h"
#include "binpack/type_chooser.h"

namespace gantry::binpack {

namespace {

// Above this many pods the solve packs once (see solve()).
constexpr size_t kMaxPodsForSecondPacking = 5000;

// A bound no plan can beat: each pod on a new node pays at least its share of a node at
// the best price per unit of each resource among the types it may use. For any one
// resource the shares on a node sum to at most the node's price, so the sum over pods is
// a lower bound; the maximum over resources is the tightest of these bounds. A node's price
// here includes its pool's fixed cost per node, which the plan's total counts too. Under the GPU
// co-location rule, GPU work and the pods that may never share its nodes are on different
// nodes, so their two bounds add up; pods that may share (their own job's, or as the pool's
// policy allows) can be on either kind, so they count only in the bound over all pods.
// `count`: per class, its pods on the plan's new nodes.
double lowerBound(const std::vector<int64_t>& count, const std::vector<PodClass>& classes,
                  const CatalogIndex& index, const GpuColocation& colocation) {
  std::array<std::array<double, kMaxResourceDims>, 2> apart{};  // [GPU work][dim]
  std::array<double, kMaxResourceDims> all{};
  // The best rates depend on the class's masks and the kind of types it may use, not on its
  // requests: classes that differ only in owner (a Katib trial each) compute them once.
  using Rates = std::array<double, kMaxResourceDims>;
  std::map<std::tuple<const ClassMasks*, bool, bool>, Rates> ratesOf;
  auto bestRates = [&](const PodClass& cls, bool gpu, bool either) -> const Rates& {
    auto [it, fresh] = ratesOf.try_emplace({cls.masks.get(), gpu, either});
    Rates& rates = it->second;
    if (!fresh) return rates;
    rates.fill(kNoPrice);
    for (size_t p = 0; p < index.pools().size(); ++p) {
      const TypeMasks& masks = cls.relaxed()[p];
      if (masks.empty()) continue;
      const PoolEntry& pool = index.pools()[p];
      for (uint32_t t : either ? pool.typesByPrice : pool.byKind[gpu ? 1 : 0].types) {
        if (masks[t].empty()) continue;
        // A node's whole cost: the pool's fixed cost is shared by its pods like the price.
        const double price = index.cheapest(t, masks[t]).price + pool.fixedCost;
        for (size_t d = 0; d < kMaxResourceDims; ++d) {
          if (pool.allocatable[t].v[d] <= 0) continue;
          rates[d] = std::min(rates[d], price / static_cast<double>(pool.allocatable[t].v[d]));
        }
      }
    }
    return rates;
  };
  for (size_t c = 0; c < classes.size(); ++c) {
    if (count[c] == 0) continue;
    const bool gpu = typeKind(classes[c]) == 1;
    const bool either = !gpu && colocation.mayShareGpuNodes(static_cast<uint32_t>(c));
    const Rates& rates = bestRates(classes[c], gpu, either);
    for (size_t d = 0; d < kMaxResourceDims; ++d) {
      if (classes[c].requests.v[d] <= 0) continue;
      const double rate = rates[d];
      if (rate >= kNoPrice) continue;
      const double share = rate * static_cast<double>(classes[c].requests.v[d] * count[c]);
      all[d] += share;
      if (!either) apart[gpu][d] += share;
    }
  }
  auto most = [](const std::array<double, kMaxResourceDims>& v) {
    return *std::max_element(v.begin(), v.end());
  };
  return std::max(most(apart[0]) + most(apart[1]), most(all));
}

// The dimensions of a solve: cpu, memory and pods, then every resource a pod asks for.
Result<ResourceDims> podDims(const Snapshot& snapshot) {
  ResourceDims dims;
  for (std::string_view name : {api::resource::kCpu, api::resource::kMemory, api::resource::kPods}) {
    if (auto d = dims.intern(name); !d) return fail(d.error());
  }
  for (const auto& pod : snapshot.pods) {
    for (const auto& [name, q] : pod.requests.entries()) {
      if (auto d = dims.intern(name); !d) return fail(d.error().withContext("pod " + pod.key()));
    }
  }
  return dims;
}

// Classes, packings and the plan, over an index built for this snapshot.
Result<Plan> solveOver(const Snapshot& snapshot, const CatalogIndex& index, ResourceDims& dims,
                       const Options& options) {
  auto classes = buildClasses(snapshot.pods, index, dims);
  if (!classes) return fail(classes.error());
  const GpuColocation colocation(index, *classes);
  // One packing over the shared, read-only index, classes and co-location rule (each packing
  // charges the pool limits into a ledger of its own, in its state).
  auto pack = [&](bool fixedCostInTargets, bool* moved) -> Plan {
    PackingState state(snapshot, index, dims);
    const TypeChooser chooser(index, *classes, state.limits);
    GreedyPacker greedy(state, snapshot, index, *classes, dims, chooser, colocation,
                        fixedCostInTargets);
    for (uint32_t c = 0; c < classes->size(); ++c) greedy.placeClass(c);
    greedy.enforceGangs();
    LocalSearch(state, index, chooser, colocation).run(options.improvementRounds);
    ExactSearch(state, *classes, chooser, colocation).run(options.exactSearchMaxPods);
    Plan plan = buildPlan(state, snapshot, index, dims, chooser, options.maxInstanceTypeOptions);
    plan.lowerBoundPerHour =
        lowerBound(podsPlannedPerClass(state, classes->size()), *classes, index, colocation);
    plan.lowerBoundGpuIsolation = colocation.describe();
    if (moved) *moved = greedy.fixedCostMovedATarget();
    return plan;
  };
  bool moved = false;
  Plan plan = pack(true, &moved);
  if (!moved || snapshot.pods.size() > kMaxPodsForSecondPacking) return plan;
  // Buying larger types for the fixed cost is a greedy bet: classes that leave a large type
  // half full (mixed shapes, tails) can lose it. The packing that buys as if nodes were free of
  // fixed costs (each still costed with them) is kept when it is cheaper and places as many.
  // Large inputs skip it: it doubles the solve (a 10,000-pod ML day took 63 s instead of
  // 32 s), and there the many nodes of each class average the bet out.
  Plan plain = pack(false, nullptr);
  if (plain.unschedulable.size() <= plan.unschedulable.size() &&
      plain.totalPricePerHour < plan.totalPricePerHour - 1e-9) {
    return plain;
  }
  return plan;
}

}  // namespace

Result<Plan> solve(const Snapshot& snapshot, const api::InstanceTypes& instanceTypes,
                   const Options& options) {
  auto dims = podDims(snapshot);
  if (!dims) return fail(dims.error());
  auto index = CatalogIndex::build(snapshot, instanceTypes, *dims);
  if (!index) return fail(index.error());
  return solveOver(snapshot, *index, *dims, options);
}

Result<Plan> solve(const Snapshot& snapshot, const api::InstanceTypesPtr& instanceTypes,
                   const Options& options, CatalogIndexCache& indexes) {
  auto dims = podDims(snapshot);
  if (!dims) return fail(dims.error());
  auto index = indexes.indexFor(snapshot, instanceTypes, *dims);
  if (!index) return fail(index.error());
  return solveOver(snapshot, **index, *dims, options);
}

}  // namespace gantry::binpack
