// The Kubernetes client's metrics (one metrics.{h,cpp} per library, as DESIGN asks): every
// apiserver request the RestClient sends and every watch an informer has to start again.
// Registered on an injected registry by the binary; the client takes a nullable KubeMetrics*
// through RestClientOptions, so unit tests, `plan` and the e2e fixture run without one.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

#include "src/common/clock.h"

namespace gantry::kube {

// Watch restart reasons (gantry_watch_restarts_total{reason}).
inline constexpr std::string_view kWatchClosed = "closed";    // the server ended it (timeout)
inline constexpr std::string_view kWatchExpired = "expired";  // 410: relist
inline constexpr std::string_view kWatchError = "error";      // anything else

// Thread-safe (prometheus-cpp families lock their own maps).
class KubeMetrics {
 public:
  // REQUIRES: registry outlives this object.
  explicit KubeMetrics(prometheus::Registry& registry);

  // One apiserver request that got an answer or failed for good (retries count as requests
  // of their own): gantry_kube_requests_total{verb,resource,code} and, except for watches
  // (which last minutes by design), gantry_kube_request_duration_seconds{verb,resource}.
  // `verb` is the Kubernetes verb (get, list, watch, create, update, patch, delete),
  // `resource` the plural ("pods"), `code` the HTTP status or "error" without an answer.
  void request(std::string_view verb, const std::string& resource, int code,
               Clock::Duration duration);
  // gantry_watch_restarts_total{resource,reason}.
  void watchRestarted(const std::string& resource, std::string_view reason);
  // Starts the resource's restart counts at 0 for every reason (an informer's first list):
  // "no restarts yet" is then a sample a rate() can read, not a missing series.
  void watchesStarted(const std::string& resource);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& watchRestarts_;
};

// The Kubernetes verb of a request: GET of a named object is `get`, of a collection `list`
// (`watch` when the query asks for one); POST create, PUT update, PATCH patch, DELETE delete.
std::string_view kubeVerb(std::string_view method, bool named, std::string_view query);

}  // namespace gantry::kube
