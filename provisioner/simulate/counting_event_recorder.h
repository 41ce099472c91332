// The EventRecorder of hosts that have no apiserver to send Events to (`gantry simulate`, the
// benchmarks): the controllers tell pods and claims what happened exactly as in the cluster,
// and this counts the Events and drops them (the real recorder queues them for a background
// thread, which a virtual clock must not wait on).
#pragma once

#include <atomic>
#include <string>

#include "src/kube/event_recorder.h"

namespace gantry::provisioner::simulate {

// Thread-safe.
class CountingEventRecorder final : public kube::EventRecorder {
 public:
  void record(const kube::ObjectReference&, kube::EventType, const std::string&,
              const std::string&) override {
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  size_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::atomic<size_t> count_{0};
};

}  // namespace gantry::provisioner::simulate
