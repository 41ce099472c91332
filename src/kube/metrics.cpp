// Metric families of the Kubernetes client. Request latency buckets run from a cached read
// on loopback (a few ms) to a request that waits out a 30 s timeout.
#include "src/kube/metrics.h"

namespace gantry::kube {

KubeMetrics::KubeMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("gantry_kube_requests_total")
                    .Help("Requests to the kube-apiserver, by verb, resource and HTTP status code "
                          "(\"error\" when no answer came).")
                    .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("gantry_kube_request_duration_seconds")
                     .Help("Time from sending a kube-apiserver request to its answer, by verb and "
                           "resource (watches excluded).")
                     .Register(registry)),
      watchRestarts_(prometheus::BuildCounter()
                         .Name("gantry_watch_restarts_total")
                         .Help("Watches an informer started again, by resource and reason "
                               "(closed, expired, error).")
                         .Register(registry)) {}

void KubeMetrics::request(std::string_view verb, const std::string& resource, int code,
                          Clock::Duration duration) {
  const std::string v(verb);
  requests_.Add({{"verb", v}, {"resource", resource},
                 {"code", code > 0 ? std::to_string(code) : "error"}})
      .Increment();
  if (verb == "watch") return;
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  durations_.Add({{"verb", v}, {"resource", resource}}, kBuckets)
      .Observe(std::chrono::duration<double>(duration).count());
}

void KubeMetrics::watchRestarted(const std::string& resource, std::string_view reason) {
  watchRestarts_.Add({{"resource", resource}, {"reason", std::string(reason)}}).Increment();
}

void KubeMetrics::watchesStarted(const std::string& resource) {
  for (std::string_view reason : {kWatchClosed, kWatchExpired, kWatchError}) {
    watchRestarts_.Add({{"resource", resource}, {"reason", std::string(reason)}});
  }
}

std::string_view kubeVerb(std::string_view method, bool named, std::string_view query) {
  if (method == "GET") {
    if (named) return "get";
    const bool watching = query.starts_with("watch=") || query.find("&watch=") != std::string_view::npos;
    return watching ? "watch" : "list";
  }
  if (method == "POST") return "create";
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return "delete";
  return method;
}

}  // namespace gantry::kube
