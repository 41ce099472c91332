// An EventRecorder for controllers' unit tests: it keeps every record() call in order so a
// test can assert which events a reconcile emitted, with no apiserver, thread or clock.
#pragma once

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "src/kube/event_recorder.h"

namespace gantry::kube {

class FakeEventRecorder final : public EventRecorder {
 public:
  struct Event {
    ObjectReference object;
    EventType type = EventType::kNormal;
    std::string reason;
    std::string message;
  };

  void record(const ObjectReference& object, EventType type, const std::string& reason,
              const std::string& message) override {
    std::lock_guard lock(mu_);
    events_.push_back(Event{object, type, reason, message});
  }

  // Every event recorded, in call order.
  std::vector<Event> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  // How many events carry `reason` (and, when given, are about the object named `name`).
  std::size_t count(const std::string& reason, const std::string& name = "") const {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(
        std::count_if(events_.begin(), events_.end(), [&](const Event& e) {
          return e.reason == reason && (name.empty() || e.object.name == name);
        }));
  }
  void reset() {
    std::lock_guard lock(mu_);
    events_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Event> events_;
};

}  // namespace gantry::kube
