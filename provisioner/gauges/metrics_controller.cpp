// The periodic pass. It sleeps in short steps so a stop is noticed within 200 ms.
#include "provisioner/gauges/metrics_controller.h"

#include <algorithm>

#include "src/common/logging.h"

namespace gantry::provisioner::gauges {

MetricsController::MetricsController(ClusterStateSource source, ClusterGauges& gauges,
                                     Clock& clock, MetricsControllerOptions options)
    : source_(std::move(source)), gauges_(gauges), clock_(clock), options_(options) {}

void MetricsController::publishOnce() { gauges_.publish(measure(source_())); }

void MetricsController::run(std::stop_token stop) {
  auto log = componentLogger("metrics");
  log->info("starting metrics controller period_ms={}", options_.period.count());
  while (!stop.stop_requested()) {
    publishOnce();
    const auto next = clock_.now() + options_.period;
    while (!stop.stop_requested()) {
      const auto left = next - clock_.now();
      if (left <= Clock::Duration::zero()) break;
      clock_.sleepFor(std::min<Clock::Duration>(left, std::chrono::milliseconds(200)));
    }
  }
  gauges_.clear();
  log->info("stopped metrics controller");
}

}  // namespace gantry::provisioner::gauges
