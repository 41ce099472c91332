// Metrics and logs for every cloud call, added by wrapping a CloudProvider (Envoy-style
// decorator) instead of inside each implementation: calls, errors by kind and latency per
// method, and one log line per failed call.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "cloudprovider/cloud_provider.h"
#include "src/common/clock.h"

namespace gantry::cloudprovider {

namespace metered_detail {
inline Status errorOf(const Status& s) { return s; }
template <typename T>
Status errorOf(const Result<T>& r) {
  return r ? Status::ok() : r.error();
}
}  // namespace metered_detail

// Registers on `registry` (labels: provider = inner.name(), method; errors also kind):
//   gantry_cloudprovider_calls_total, gantry_cloudprovider_errors_total,
//   gantry_cloudprovider_call_duration_seconds (histogram).
// Behaviour is the inner provider's, unchanged. Thread-safe if the inner provider is.
// `registry` and `clock` must outlive this object; it owns `inner`.
// Two MeteredCloudProviders for the same inner name on one registry share the series.
class MeteredCloudProvider final : public CloudProvider {
 public:
  MeteredCloudProvider(CloudProviderPtr inner, prometheus::Registry& registry, Clock& clock);

  Result<CloudInstance> create(const CreateRequest& request) override;
  Result<std::vector<CloudInstance>> createGroup(const CreateGroupRequest& request) override;
  Status deleteInstance(std::string_view providerId) override;
  std::vector<Status> deleteInstances(const std::vector<std::string>& providerIds) override;
  Result<CloudInstance> get(std::string_view providerId) override;
  Result<std::vector<CloudInstance>> list() override;
  Result<api::InstanceTypesPtr> instanceTypes() override;
  Result<std::optional<std::string>> isDrifted(const CloudInstance& instance,
                                               const api::NodeClassRef& nodeClassRef) override;
  // Forwarded unmetered: a table look-up, not a cloud call.
  double nodeFixedCostPerHour(const api::NodeClassRef& nodeClassRef) const override {
    return inner_->nodeFixedCostPerHour(nodeClassRef);
  }
  std::string_view name() const override { return inner_->name(); }

  // Meters a provider's own extension call on the same series, so calls outside the neutral
  // seam (the EC2NodeClass status resolution, method "resolveNodeClass") are counted too.
  // `method` must be one of kExtensionMethods. Returns fn()'s result unchanged.
  static constexpr std::string_view kExtensionMethods[] = {"resolveNodeClass"};
  template <typename Fn>
  auto observeExtension(std::string_view method, std::string_view subject, Fn&& fn) {
    return observe(method, subject, std::forward<Fn>(fn));
  }

 private:
  struct Method {
    prometheus::Counter* calls = nullptr;
    prometheus::Histogram* duration = nullptr;
  };
  // Times `fn` and counts its call, and its error if any.
  template <typename Fn>
  auto observe(std::string_view method, std::string_view subject, Fn&& fn);
  void recordError(std::string_view method, std::string_view subject, const Status& status);

  CloudProviderPtr inner_;
  Clock& clock_;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Histogram>& durations_;
  std::map<std::string, Method, std::less<>> methods_;  // fixed after construction
};

template <typename Fn>
auto MeteredCloudProvider::observe(std::string_view method, std::string_view subject, Fn&& fn) {
  const Method& m = methods_.find(method)->second;
  const auto start = clock_.now();
  auto result = fn();
  const std::chrono::duration<double> elapsed = clock_.now() - start;
  m.calls->Increment();
  m.duration->Observe(elapsed.count());
  // kNotFound is delete's normal "already gone", not a failure.
  if (Status s = metered_detail::errorOf(result); !s.isOk() && !(method == "delete" && s.isNotFound())) {
    recordError(method, subject, s);
  }
  return result;
}

}  // namespace gantry::cloudprovider
