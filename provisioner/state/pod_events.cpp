// The pod-event ledger: a map from node name to the latest event time.
#include "provisioner/state/pod_events.h"

namespace gantry::provisioner::state {

void PodEvents::record(const std::string& node, Clock::TimePoint at) {
  if (node.empty()) return;
  std::lock_guard lock(mu_);
  auto [it, inserted] = last_.try_emplace(node, at);
  if (!inserted && at > it->second) it->second = at;
}

std::optional<Clock::TimePoint> PodEvents::last(const std::string& node) const {
  std::lock_guard lock(mu_);
  auto it = last_.find(node);
  if (it == last_.end()) return std::nullopt;
  return it->second;
}

void PodEvents::forget(const std::string& node) {
  std::lock_guard lock(mu_);
  last_.erase(node);
}

}  // namespace gantry::provisioner::state
