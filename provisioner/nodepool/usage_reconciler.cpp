// One pass over one pool. The sum is recomputed from the cache every time, so a pool's usage
// is always a whole fresh count, never an increment that a missed or doubled event could skew.
#include "provisioner/nodepool/usage_reconciler.h"

#include <spdlog/spdlog.h>

#include "provisioner/nodepool/usage.h"
#include "src/common/logging.h"

namespace gantry::provisioner::nodepool {

namespace {
spdlog::logger& log() {
  static auto logger = componentLogger("nodepool");
  return *logger;
}
}  // namespace

Result<runtime::Requeue> UsageReconciler::reconcile(const std::string& key) {
  const auto pool = reader_.nodePool(key);
  if (!pool) {
    std::lock_guard lock(mu_);
    lastWrite_.erase(key);
    return runtime::Requeue{};
  }
  const api::ResourceList usage = nodePoolUsage(key, reader_.nodeClaimsOf(key));
  if (sameResources(usage, pool->statusResources)) return runtime::Requeue{};
  const auto now = clock_.now();
  {
    std::lock_guard lock(mu_);
    if (auto last = lastWrite_.find(key); last != lastWrite_.end()) {
      // Debounce: the write waits for the interval, and whatever else changes until then
      // rides along in it (the sum is recomputed when the pool comes due again).
      const auto allowed = last->second + minWriteInterval_;
      if (now < allowed) return runtime::Requeue{allowed - now};
    }
  }
  if (Status written = writer_.setNodePoolResources(key, usage); !written.isOk()) {
    if (!written.isNotFound()) return fail(std::move(written));
    // Deleted since the cache looked; its delete event is coming.
    std::lock_guard lock(mu_);
    lastWrite_.erase(key);
    return runtime::Requeue{};
  }
  {
    std::lock_guard lock(mu_);
    lastWrite_[key] = now;
  }
  log().debug("updated nodepool usage nodepool={} nodes={} resources={}", key,
              usage.get(api::resource::kNodes).toString(), usage.toString());
  return runtime::Requeue{};
}

std::vector<std::string> UsageReconciler::resyncKeys() {
  std::vector<std::string> keys;
  for (const auto& p : reader_.nodePools()) keys.push_back(p->name);
  return keys;
}

}  // namespace gantry::provisioner::nodepool
