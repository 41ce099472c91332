// The cluster-state gauge families, registered on an injected registry, and how one
// measurement is published: every label set of the measurement set, and every label set
// published before but absent now removed, so a Node gone takes its series with it.
#pragma once

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <map>
#include <mutex>

#include "provisioner/gauges/measure.h"

namespace gantry::provisioner::gauges {

// One gauge family whose label sets follow the last series published. Not thread-safe
// (ClusterGauges serialises publish calls).
class PublishedSeries {
 public:
  explicit PublishedSeries(prometheus::Family<prometheus::Gauge>& family) : family_(family) {}
  void publish(const Series& series);

 private:
  prometheus::Family<prometheus::Gauge>& family_;
  std::map<LabelSet, prometheus::Gauge*> published_;
};

// Thread-safe.
class ClusterGauges {
 public:
  // REQUIRES: registry outlives this object.
  explicit ClusterGauges(prometheus::Registry& registry);

  void publish(const GaugeValues& values);
  // Removes every series: what a replica shows once it no longer measures (not leading).
  void clear();

 private:
  std::mutex mu_;
  PublishedSeries podsPending_, nodes_, nodePoolUsage_, nodePoolLimit_, gpusAllocatable_,
      gpusRequested_, clusterPrice_, nodeClaimsDrifted_, unavailableOfferings_;
};

}  // namespace gantry::provisioner::gauges
