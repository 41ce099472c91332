// The GPU co-location rule, once for every part of the solver that packs or bounds: the
// greedy packer, the local search, the exact search and the lower bound. Each NodePool's
// policy (src/api/gpu_isolation.h) says which pods may share a node with GPU work (pods that
// use an accelerator type) of other owners: under strict only the GPU work's own owners'
// pods, under batch also pods of Jobs, under off any pod.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "binpack/catalog_index.h"
#include "binpack/pod_class.h"
#include "src/api/gpu_isolation.h"

namespace gantry::binpack {

// One class's membership on a node and whether it joined with its preferences.
struct Member {
  uint32_t cls;
  bool strict;
  friend bool operator==(const Member&, const Member&) = default;
};

// The GPU work on a node (or on a block of pods that would make one): whether some pod uses an
// accelerator type, and the owners of those pods. All the rule needs to know about what a node
// already holds; the packer, the local search and the exact search all keep it this way.
struct GpuWork {
  bool any = false;
  std::set<std::string> owners;

  // A pod of `cls` joined.
  void add(const PodClass& cls) {
    if (!cls.usesAcceleratorType()) return;
    any = true;
    owners.insert(cls.owner);
  }
  // The pods of another node joined (a merge).
  void add(const GpuWork& other) {
    any = any || other.any;
    owners.insert(other.owners.begin(), other.owners.end());
  }
};

// Which kind of instance type a node buys, as an index into PoolEntry::byKind: accelerator
// types (1) exactly when it holds GPU work, counting `joining` when given; otherwise types
// without accelerators (0), since buying a GPU for pods that use none is waste.
inline size_t typeKind(const GpuWork& work, const PodClass* joining = nullptr) {
  return work.any || (joining && joining->usesAcceleratorType()) ? 1 : 0;
}
// The kind of type a fresh node for pods of `cls` alone buys.
inline size_t typeKind(const PodClass& cls) { return cls.usesAcceleratorType() ? 1 : 0; }

class GpuColocation {
 public:
  GpuColocation(const CatalogIndex& index, const std::vector<PodClass>& classes);

  // May a node of `pool` whose GPU work has `owners` (plus `joiningOwner`, when not empty)
  // hold a pod of `plain`, a class that uses no accelerator type?
  bool plainMayJoin(size_t pool, const PodClass& plain, const std::set<std::string>& owners,
                    std::string_view joiningOwner = {}) const;
  // May class `c` join a node of `pool` that holds `members` and `gpu`?
  bool mayJoin(size_t pool, const std::vector<Member>& members, const GpuWork& gpu,
               uint32_t c) const;
  // Does a node of `pool` with these members keep the rule (after a merge or a search move)?
  bool holds(size_t pool, const std::vector<Member>& members, const GpuWork& gpu) const;
  // Whether pods of class `c`, which uses no accelerator type, may share some pool's GPU
  // nodes at all: a GPU class of the same owner, or a policy that lets it. The packer offers
  // such a class the open GPU nodes; the lower bound cannot tell which kind of node it
  // ends on.
  bool mayShareGpuNodes(uint32_t c) const { return sharesGpuNodes_[c]; }
  // The policies in force, for the plan's lower bound: "strict", or per pool
  // ("general=off, gpu=strict") when the pools differ.
  std::string describe() const;

 private:
  const CatalogIndex& index_;
  const std::vector<PodClass>& classes_;
  std::vector<api::GpuIsolation> policy_;  // per pool
  std::vector<bool> sharesGpuNodes_;       // per class
};

}  // namespace gantry::binpack
