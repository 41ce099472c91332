// The template hash. The encoding is length-prefixed fields in a fixed order, with labels
// sorted by key (Labels is an ordered map) and taints sorted, so neither the order in the
// manifest nor the decoder's order can change the hash; FNV-1a is simple, fixed for all time
// and good enough to tell one template from another (not a security boundary).
#include "src/api/nodepool_hash.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "src/common/fnv1a.h"

namespace gantry::api {

namespace {

std::vector<std::string> taintSet(const std::vector<Taint>& taints) {
  std::vector<std::string> out;
  for (const auto& t : taints) out.push_back(t.toString());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::string nodePoolHash(const NodePool& pool) {
  Fnv1a h;
  h.field("labels");
  for (const auto& [k, v] : pool.labels) {
    h.field(k);
    h.field(v);
  }
  h.field("taints");
  for (const auto& t : taintSet(pool.taints)) h.field(t);
  h.field("startupTaints");
  for (const auto& t : taintSet(pool.startupTaints)) h.field(t);
  h.field("nodeClassRef");
  h.field(pool.nodeClassRef);
  h.field("expireAfter");
  h.field(pool.expireAfter.empty() ? "720h" : pool.expireAfter);
  h.field("terminationGracePeriod");
  h.field(pool.terminationGracePeriod);
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h.value()));
  return out;
}

}  // namespace gantry::api
