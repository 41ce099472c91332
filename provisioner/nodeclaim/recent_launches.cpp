#include "provisioner/nodeclaim/recent_launches.h"

namespace gantry::provisioner::nodeclaim {

void RecentLaunches::remember(const std::string& uid, RecentLaunch launch, Clock::TimePoint now) {
  if (uid.empty()) return;  // not from the apiserver: nothing to key it by
  std::lock_guard lock(mu_);
  std::erase_if(byUid_, [&](const auto& entry) { return now - entry.second.at > kSpan; });
  byUid_.insert_or_assign(uid, Entry{std::move(launch), now});
}

std::optional<RecentLaunch> RecentLaunches::find(const std::string& uid, Clock::TimePoint now) const {
  if (uid.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = byUid_.find(uid);
  if (it == byUid_.end() || now - it->second.at > kSpan) return std::nullopt;
  return it->second.launch;
}

void RecentLaunches::forget(const std::string& uid) {
  std::lock_guard lock(mu_);
  byUid_.erase(uid);
}

}  // namespace gantry::provisioner::nodeclaim
