// The batching windows. wait() polls in steps of at most 10 ms rather than blocking on a
// condition variable so the injected Clock stays the only source of time: with a fake clock
// tests step through windows instantly, and with the real one a window closes at most
// ~10 ms late, well inside the "batch window + 50 ms" budget to the EC2 call.
#include "provisioner/provisioning/batcher.h"

#include <algorithm>

namespace gantry::provisioner {

Batcher::Batcher(Clock& clock, BatcherOptions options) : clock_(clock), options_(options) {}

void Batcher::trigger(const std::string& key) {
  std::lock_guard lock(mu_);
  const auto now = clock_.now();
  if (!opened_) {
    opened_ = now;
    lastTrigger_ = now;
  } else if (!seen_.contains(key) && !expected_.contains(key)) {
    lastTrigger_ = now;
  }
  if (seen_.insert(key).second) keys_.push_back(key);
}

void Batcher::expect(const std::string& key) {
  std::lock_guard lock(mu_);
  if (!opened_) {
    opened_ = clock_.now();
    lastTrigger_ = *opened_;
  }
  expected_.insert(key);
}

std::optional<Clock::TimePoint> Batcher::deadlineLocked() const {
  if (!opened_) return std::nullopt;
  return std::min(lastTrigger_ + options_.idle, *opened_ + options_.max);
}

std::optional<Clock::TimePoint> Batcher::deadline() const {
  std::lock_guard lock(mu_);
  return deadlineLocked();
}

std::optional<Batch> Batcher::poll() {
  std::lock_guard lock(mu_);
  const auto due = deadlineLocked();
  const auto now = clock_.now();
  if (!due || now < *due) return std::nullopt;
  Batch batch{.keys = std::move(keys_), .opened = *opened_, .closed = now};
  keys_.clear();
  seen_.clear();
  expected_.clear();
  opened_.reset();
  return batch;
}

std::optional<Batch> Batcher::wait(const std::atomic<bool>& stop) {
  constexpr auto kStep = std::chrono::milliseconds(10);
  while (!stop.load()) {
    if (auto batch = poll()) return batch;
    auto step = Clock::Duration(kStep);
    if (auto due = deadline()) step = std::clamp<Clock::Duration>(*due - clock_.now(),
                                                                 Clock::Duration(1), kStep);
    clock_.sleepFor(step);
  }
  return std::nullopt;
}

}  // namespace gantry::provisioner
