// Metrics and logs for every cloud call, added by wrapping a CloudProvider (Envoy-style
// decorator) instead of inside each implementation: calls, errors by kind and latency per
// method, and one log line per failed call.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <string>

#include "cloudprovider/cloud_provider.h"
#include "src/common/clock.h"

namespace gantry::cloudprovider {

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
                                               const api::Ec2NodeClass& nodeClass) override;
  Result<api::Ec2NodeClassStatus> resolveNodeClass(const api::Ec2NodeClass& nodeClass) override;
  std::string_view name() const override { return inner_->name(); }

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

}  // namespace gantry::cloudprovider
