// Help texts and buckets of the interruption metrics. The latency buckets span what matters
// for a spot warning (two minutes' notice): a handful of seconds is healthy, a minute means
// the drain has little time left, beyond two minutes the instance is already gone.
#include "provisioner/interruption/interruption_metrics.h"

#include <algorithm>

namespace gantry::provisioner::interruption {

InterruptionMetrics::InterruptionMetrics(prometheus::Registry& registry)
    : messages_(prometheus::BuildCounter()
                    .Name("gantry_interruption_messages_total")
                    .Help("Interruption queue messages handled, by event kind and action taken.")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("gantry_interruption_message_latency_seconds")
                   .Help("Time from an interruption event (its EventBridge time) to its handling.")
                   .Register(registry)
                   .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 1, 2, 5, 10, 20, 30, 60,
                                                                    120, 300, 600})) {}

void InterruptionMetrics::message(const std::string& kind, const std::string& action) {
  messages_.Add({{"kind", kind}, {"action", action}}).Increment();
}

void InterruptionMetrics::latency(Clock::Duration sinceEvent) {
  // A clock skewed against EventBridge's must not produce negative observations.
  latency_.Observe(std::max(0.0, std::chrono::duration<double>(sinceEvent).count()));
}

}  // namespace gantry::provisioner::interruption
