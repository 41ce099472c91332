// The interruption controller's metric families, registered against the binary's registry
// (apart from ProvisionerMetrics, as consolidation's are).
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "src/common/clock.h"

namespace gantry::provisioner::interruption {

// What the controller did with a message (the `action` label).
// The node was fenced and its claim handed to termination.
inline constexpr const char* kActionCordonAndDrain = "cordon-and-drain";
inline constexpr const char* kActionNone = "none";            // logged only (rebalance, noop)
inline constexpr const char* kActionNotOwned = "not-owned";   // no NodeClaim of ours
inline constexpr const char* kActionMalformed = "malformed";  // unparseable, deleted
inline constexpr const char* kActionFailed = "failed";        // left on the queue for a retry

// Thread-safe (prometheus-cpp families are).
class InterruptionMetrics {
 public:
  // REQUIRES: registry outlives the metrics; registered once per registry.
  explicit InterruptionMetrics(prometheus::Registry& registry);
  // gantry_interruption_messages_total{kind,action}: kind is the parser's name for the event
  // (spot-interruption, rebalance-recommendation, state-change, scheduled-change, noop) or
  // "invalid"; action one of the kAction* above.
  void message(const std::string& kind, const std::string& action);
  // gantry_interruption_message_latency_seconds: from the event's time to its handling.
  void latency(Clock::Duration sinceEvent);

 private:
  prometheus::Family<prometheus::Counter>& messages_;
  prometheus::Histogram& latency_;
};

}  // namespace gantry::provisioner::interruption
