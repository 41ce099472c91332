// When a pod last bound to, or left, each node (Karpenter's podevents controller): the start
// of a node's idle clock. Pod informer handlers record the moments; the NodeClaim lifecycle
// copies them into status.lastPodEventTime, where they survive a restart. Events from the
// informer's initial list are not pod events (they replay what already happened) and are
// not recorded.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "src/common/clock.h"

namespace gantry::provisioner::state {

// Thread-safe.
class PodEvents {
 public:
  // A pod bound to or left `node` at `at`; the latest moment per node is kept.
  void record(const std::string& node, Clock::TimePoint at);
  // The latest pod event on `node` seen by this process, if any.
  std::optional<Clock::TimePoint> last(const std::string& node) const;
  // Forgets a node (deleted).
  void forget(const std::string& node);

 private:
  mutable std::mutex mu_;
  std::map<std::string, Clock::TimePoint> last_;  // guarded by mu_
};

}  // namespace gantry::provisioner::state
