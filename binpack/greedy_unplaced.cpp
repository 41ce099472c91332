// The pods the greedy pass leaves without a place: why each class's could not go anywhere, and
// the gangs (all-or-nothing) that lose every placement when one of their pods has none.
#include <map>
#include <string>
#include <utility>

#include "binpack/greedy_packer.h"

namespace gantry::binpack {

void GreedyPacker::enforceGangs() {
  std::map<std::string, std::pair<size_t, std::string>> failedGangs;  // gang -> (count, reason)
  std::map<std::string, size_t> gangSize;
  for (const PodClass& cls : classes_) {
    if (cls.gang.empty()) continue;
    gangSize[cls.gang] += cls.pods.size();
    for (size_t pod : cls.pods) {
      if (state_.placed[pod]) continue;
      auto& f = failedGangs[cls.gang];
      if (f.first++ == 0) f.second = state_.unplaced[pod];
    }
  }
  if (failedGangs.empty()) return;
  for (size_t n = 0; n < state_.nodes.size(); ++n) {
    if (state_.nodes[n].alive && failedGangs.count(state_.nodes[n].gang)) state_.removeNode(n);
  }
  for (ExistingSlot& slot : state_.existing) {
    std::erase_if(slot.placed, [&](const auto& entry) {
      const PodClass& cls = classes_[entry.second];
      if (!failedGangs.count(cls.gang)) return false;
      slot.free += cls.requests;
      return true;
    });
  }
  for (const PodClass& cls : classes_) {
    auto it = failedGangs.find(cls.gang);
    if (cls.gang.empty() || it == failedGangs.end()) continue;
    const std::string reason = "gang " + cls.gang + " starts all or nothing and " +
                               std::to_string(it->second.first) + " of its " +
                               std::to_string(gangSize[cls.gang]) +
                               " pods cannot be placed: " + it->second.second;
    for (size_t pod : cls.pods) {
      state_.placed[pod] = false;
      state_.unplaced[pod] = reason;
    }
  }
}

std::string GreedyPacker::unplacedReason(uint32_t c) const {
  const PodClass& cls = classes_[c];
  if (index_.pools().empty()) return "no NodePool to provision from";
  std::string rejections;
  bool anyPool = false;
  for (size_t p = 0; p < index_.pools().size(); ++p) {
    if (cls.poolRejections[p].empty()) {
      anyPool = true;
      continue;
    }
    if (!rejections.empty()) rejections += "; ";
    rejections += cls.poolRejections[p];
  }
  if (!anyPool) return rejections;
  // Some pool fits the pod alone: limits or topology must be what stopped it.
  for (size_t p = 0; p < index_.pools().size(); ++p) {
    if (!cls.poolRejections[p].empty()) continue;
    const PoolEntry& pe = index_.pools()[p];
    if (state_.limits.remainingNodes(p) < 1) {
      return "NodePool " + pe.pool->name + " has reached its limit on nodes";
    }
    for (size_t d = 0; d < dims_.names().size(); ++d) {
      if (!state_.limits.limits(p, d)) continue;
      bool blocks = true;
      for (uint32_t t : pe.typesByPrice) {
        if (!cls.relaxed()[p][t].empty() &&
            index_.limitCapacity(t).v[d] <= state_.limits.remaining(p).v[d]) {
          blocks = false;
          break;
        }
      }
      if (blocks) {
        return "NodePool " + pe.pool->name + " limit " + dims_.names()[d] + "=" +
               pe.pool->limits.get(dims_.names()[d]).toString() +
               " would be exceeded by any node that fits the pod";
      }
    }
  }
  if (cls.hasTopology) {
    if (std::string why = topology_.impossibleReason(c); !why.empty()) return why;
    return "its topology spread or pod (anti-)affinity constraints cannot be met by any "
           "allowed node and zone";
  }
  if (!cls.gang.empty()) return "gang " + cls.gang + " must fit in one zone and it does not";
  return "no allowed instance type and offering is left for it";
}

}  // namespace gantry::binpack
