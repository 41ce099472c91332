// The moves after greedy placement: undoing gangs that did not fit whole, local search
// that empties or merges new nodes when that lowers the price, and an exhaustive search
// over partitions for small plans, where the greedy's mistakes cost the most in relative
// terms and the optimum is cheap to find.
#include <algorithm>
#include <functional>
#include <map>
#include <numeric>

#include "binpack/packer.h"

namespace gantry::binpack {

void Packer::enforceGangs() {
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

}  // namespace gantry::binpack
