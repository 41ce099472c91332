// Series per method are created up front so the hot path only increments; error series are
// added on first use (prometheus-cpp's Family::Add is thread-safe), as kinds are few.
#include "cloudprovider/metered_cloud_provider.h"

#include <spdlog/spdlog.h>

#include <type_traits>

namespace gantry::cloudprovider {

namespace {

std::shared_ptr<spdlog::logger> logger() {
  auto l = spdlog::get("cloudprovider");
  return l ? l : spdlog::default_logger();
}

constexpr const char* kMethods[] = {"create",        "createGroup", "delete", "get", "list",
                                    "instanceTypes", "isDrifted"};

}  // namespace

MeteredCloudProvider::MeteredCloudProvider(CloudProviderPtr inner, prometheus::Registry& registry,
                                           Clock& clock)
    : inner_(std::move(inner)),
      clock_(clock),
      calls_(prometheus::BuildCounter()
                 .Name("gantry_cloudprovider_calls_total")
                 .Help("Cloud provider calls by method")
                 .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name("gantry_cloudprovider_errors_total")
                  .Help("Failed cloud provider calls by method and error kind")
                  .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("gantry_cloudprovider_call_duration_seconds")
                     .Help("Cloud provider call latency by method")
                     .Register(registry)) {
  const std::string provider(inner_->name());
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  auto addMethod = [&](const std::string& m) {
    methods_[m] = Method{&calls_.Add({{"provider", provider}, {"method", m}}),
                         &durations_.Add({{"provider", provider}, {"method", m}}, kBuckets)};
  };
  for (const char* m : kMethods) addMethod(m);
  for (std::string_view m : kExtensionMethods) addMethod(std::string(m));
}

void MeteredCloudProvider::recordError(std::string_view method, std::string_view subject,
                                       const Status& status) {
  if (status.isCancelled()) {  // abandoned because the process is stopping: not the cloud's failure
    logger()->debug("cloud call abandoned for shutdown provider={} method={} subject={}", inner_->name(), method,
                    subject);
    return;
  }
  errors_
      .Add({{"provider", std::string(inner_->name())},
            {"method", std::string(method)},
            {"kind", std::string(statusCodeName(status.code()))}})
      .Increment();
  logger()->warn("cloud call failed provider={} method={} subject={} kind={} error={}",
                 inner_->name(), method, subject, statusCodeName(status.code()), status.message());
}

Result<CloudInstance> MeteredCloudProvider::create(const CreateRequest& request) {
  return observe("create", request.nodeClaimName, [&] { return inner_->create(request); });
}

Result<std::vector<CloudInstance>> MeteredCloudProvider::createGroup(
    const CreateGroupRequest& request) {
  return observe("createGroup", request.groupName, [&] { return inner_->createGroup(request); });
}

Status MeteredCloudProvider::deleteInstance(std::string_view providerId) {
  return observe("delete", providerId, [&] { return inner_->deleteInstance(providerId); });
}

std::vector<Status> MeteredCloudProvider::deleteInstances(
    const std::vector<std::string>& providerIds) {
  const Method& m = methods_.find("delete")->second;
  const auto start = clock_.now();
  auto results = inner_->deleteInstances(providerIds);
  const std::chrono::duration<double> elapsed = clock_.now() - start;
  m.calls->Increment();
  m.duration->Observe(elapsed.count());
  for (size_t i = 0; i < results.size() && i < providerIds.size(); ++i) {
    // kNotFound is delete's normal "already gone", not a failure worth a log line.
    if (!results[i].isOk() && !results[i].isNotFound()) {
      recordError("delete", providerIds[i], results[i]);
    }
  }
  return results;
}

Result<CloudInstance> MeteredCloudProvider::get(std::string_view providerId) {
  return observe("get", providerId, [&] { return inner_->get(providerId); });
}

Result<std::vector<CloudInstance>> MeteredCloudProvider::list() {
  return observe("list", "", [&] { return inner_->list(); });
}

Result<api::InstanceTypesPtr> MeteredCloudProvider::instanceTypes() {
  return observe("instanceTypes", "", [&] { return inner_->instanceTypes(); });
}

Result<std::optional<std::string>> MeteredCloudProvider::isDrifted(
    const CloudInstance& instance, const api::NodeClassRef& nodeClassRef) {
  return observe("isDrifted", instance.providerId,
                 [&] { return inner_->isDrifted(instance, nodeClassRef); });
}

}  // namespace gantry::cloudprovider
