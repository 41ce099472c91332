// Reads one series back out of a prometheus::Registry through Collect(), as a scrape would,
// so unit tests check what the exposer would print rather than the recorder's calls.
#pragma once

#include <prometheus/registry.h>

#include <map>
#include <optional>
#include <string>

namespace gantry::testing {

// The value of the series of `family` whose labels include every one of `labels` (the first
// such series): a counter's or gauge's value, or a histogram's sample count. nullopt when the
// family has no such series (never recorded, or dropped).
inline std::optional<double> sampleValue(prometheus::Registry& registry, const std::string& family,
                                         const std::map<std::string, std::string>& labels = {}) {
  for (const auto& f : registry.Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      std::map<std::string, std::string> have;
      for (const auto& l : m.label) have[l.name] = l.value;
      bool match = true;
      for (const auto& [k, v] : labels) match = match && have.contains(k) && have[k] == v;
      if (!match) continue;
      switch (f.type) {
        case prometheus::MetricType::Counter: return m.counter.value;
        case prometheus::MetricType::Gauge: return m.gauge.value;
        case prometheus::MetricType::Histogram: return static_cast<double>(m.histogram.sample_count);
        default: return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

// A histogram series' sum of observations (nullopt when absent).
inline std::optional<double> histogramSum(prometheus::Registry& registry, const std::string& family,
                                          const std::map<std::string, std::string>& labels = {}) {
  for (const auto& f : registry.Collect()) {
    if (f.name != family || f.type != prometheus::MetricType::Histogram) continue;
    for (const auto& m : f.metric) {
      std::map<std::string, std::string> have;
      for (const auto& l : m.label) have[l.name] = l.value;
      bool match = true;
      for (const auto& [k, v] : labels) match = match && have.contains(k) && have[k] == v;
      if (match) return m.histogram.sample_sum;
    }
  }
  return std::nullopt;
}

// How many series `family` has (0 when it has none or does not exist).
inline size_t seriesCount(prometheus::Registry& registry, const std::string& family) {
  for (const auto& f : registry.Collect()) {
    if (f.name == family) return f.metric.size();
  }
  return 0;
}

}  // namespace gantry::testing
