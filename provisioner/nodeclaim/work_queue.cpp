// The work queue; a map keyed by name keeps duplicates out, sorting by due time happens when
// taking (the queue is small: the claims with something to do).
#include "provisioner/nodeclaim/work_queue.h"

#include <algorithm>
#include <optional>

namespace gantry::provisioner::nodeclaim {

void WorkQueue::addAt(const std::string& key, Clock::TimePoint at) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = due_.try_emplace(key, at);
  if (!inserted && at < it->second) it->second = at;
}

std::vector<std::string> WorkQueue::takeDue() {
  const auto now = clock_.now();
  std::vector<std::pair<Clock::TimePoint, std::string>> ready;
  {
    std::lock_guard lock(mu_);
    for (auto it = due_.begin(); it != due_.end();) {
      if (it->second <= now) {
        ready.emplace_back(it->second, it->first);
        it = due_.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::sort(ready.begin(), ready.end());
  std::vector<std::string> out;
  out.reserve(ready.size());
  for (auto& [at, key] : ready) out.push_back(std::move(key));
  return out;
}

std::optional<Clock::TimePoint> WorkQueue::nextDue() const {
  std::lock_guard lock(mu_);
  std::optional<Clock::TimePoint> first;
  for (const auto& [key, at] : due_) {
    if (!first || at < *first) first = at;
  }
  return first;
}

size_t WorkQueue::size() const {
  std::lock_guard lock(mu_);
  return due_.size();
}

}  // namespace gantry::provisioner::nodeclaim
