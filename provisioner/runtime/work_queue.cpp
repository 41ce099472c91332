// The work queue. A map keyed by name keeps duplicates out; finding the earliest due key is a
// scan, because the queue holds only the keys with something to do (hundreds, not millions),
// and a scan keeps add() O(log n) without a second index to keep in step.
#include "provisioner/runtime/work_queue.h"

#include <algorithm>

namespace gantry::provisioner::runtime {

void WorkQueue::addAt(const std::string& key, Clock::TimePoint at) {
  {
    std::lock_guard lock(mu_);
    auto [it, inserted] = due_.try_emplace(key, at);
    if (!inserted && at < it->second) it->second = at;
    ++wakeups_;
  }
  wake_.notify_one();
}

std::optional<std::string> WorkQueue::take() {
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  auto best = due_.end();
  for (auto it = due_.begin(); it != due_.end(); ++it) {
    if (it->second > now || held_.contains(it->first)) continue;
    if (best == due_.end() || it->second < best->second) best = it;
  }
  if (best == due_.end()) return std::nullopt;
  std::string key = best->first;
  due_.erase(best);
  held_.insert(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  bool requeued = false;
  {
    std::lock_guard lock(mu_);
    held_.erase(key);
    requeued = due_.contains(key);
    if (requeued) ++wakeups_;
  }
  if (requeued) wake_.notify_one();
}

std::vector<std::string> WorkQueue::takeDue() {
  const auto now = clock_.now();
  std::vector<std::pair<Clock::TimePoint, std::string>> ready;
  {
    std::lock_guard lock(mu_);
    for (auto it = due_.begin(); it != due_.end();) {
      if (it->second <= now && !held_.contains(it->first)) {
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

void WorkQueue::waitForWork(std::stop_token stop, Clock::Duration maxWait) {
  std::unique_lock lock(mu_);
  auto wait = maxWait;
  if (auto next = nextDueLocked()) wait = std::min(wait, *next - clock_.now());
  if (wait <= Clock::Duration::zero()) return;
  // Woken by an add (which may bring an earlier due time), by stop, or when the wait ends.
  const uint64_t before = wakeups_;
  wake_.wait_for(lock, stop, wait, [&] {
    if (wakeups_ != before) return true;
    auto next = nextDueLocked();
    return next && *next <= clock_.now();
  });
}

std::optional<Clock::TimePoint> WorkQueue::nextDue() const {
  std::lock_guard lock(mu_);
  return nextDueLocked();
}

std::optional<Clock::TimePoint> WorkQueue::nextDueLocked() const {
  std::optional<Clock::TimePoint> first;
  for (const auto& [key, at] : due_) {
    if (held_.contains(key)) continue;
    if (!first || at < *first) first = at;
  }
  return first;
}

size_t WorkQueue::size() const {
  std::lock_guard lock(mu_);
  return due_.size();
}

bool WorkQueue::contains(const std::string& key) const {
  std::lock_guard lock(mu_);
  return due_.contains(key);
}

}  // namespace gantry::provisioner::runtime
