// The EventRecorder of hosts that have no apiserver to send Events to (`gantry simulate`, the
// benchmarks): the controllers tell pods and claims what happened exactly as in the cluster,
// and this counts the Events and drops them (the real recorder queues them for a background
// thread, which a virtual clock must not wait on).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "src/kube/event_recorder.h"

namespace gantry::provisioner::simulate {

// Thread-safe.
class CountingEventRecorder final : public kube::EventRecorder {
 public:
  void record(const kube::ObjectReference&, kube::EventType, const std::string& reason,
              const std::string&) override {
    std::lock_guard lock(mu_);
    ++count_;
    ++byReason_[reason];
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return count_;
  }
  size_t count(const std::string& reason) const {
    std::lock_guard lock(mu_);
    auto it = byReason_.find(reason);
    return it == byReason_.end() ? 0 : it->second;
  }

 private:
  mutable std::mutex mu_;
  size_t count_ = 0;
  std::map<std::string, size_t> byReason_;
};

}  // namespace gantry::provisioner::simulate
