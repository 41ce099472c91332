// MeteredCloudProvider: behaviour passes through unchanged, and each call is counted with
// its latency, errors by kind (delete's "already gone" is not an error), on the registry.
#include "cloudprovider/metered_cloud_provider.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <deque>

#include "cloudprovider/aws/nodeclass_status_resolver.h"
#include "tests/fakes/fake_clock.h"

namespace gantry::cloudprovider {
namespace {

// Answers from a script and advances the clock by one second per call. It resolves node
// classes too, as the EC2 provider does outside the neutral seam.
class ScriptedProvider final : public CloudProvider, public aws::Ec2NodeClassStatusResolver {
 public:
  explicit ScriptedProvider(FakeClock& clock) : clock_(clock) {}
  std::deque<Status> next;

  Result<CloudInstance> create(const CreateRequest& r) override {
    clock_.advance(std::chrono::seconds(1));
    if (Status s = pop(); !s.isOk()) return fail(s);
    return CloudInstance{.instanceId = "i-1", .nodeClaimName = r.nodeClaimName};
  }
  Result<std::vector<CloudInstance>> createGroup(const CreateGroupRequest&) override {
    return fail(Status::unimplemented("no groups"));
  }
  Status deleteInstance(std::string_view) override { return pop(); }
  std::vector<Status> deleteInstances(const std::vector<std::string>& ids) override {
    std::vector<Status> out;
    for (size_t i = 0; i < ids.size(); ++i) out.push_back(pop());
    return out;
  }
  Result<CloudInstance> get(std::string_view) override { return fail(Status::notFound("gone")); }
  Result<std::vector<CloudInstance>> list() override { return std::vector<CloudInstance>{}; }
  Result<api::InstanceTypesPtr> instanceTypes() override {
    return std::make_shared<const api::InstanceTypes>();
  }
  Result<std::optional<std::string>> isDrifted(const CloudInstance&, const api::NodeClassRef&) override {
    return std::optional<std::string>();
  }
  Result<api::Ec2NodeClassStatus> resolveNodeClass(const api::Ec2NodeClass&) override {
    clock_.advance(std::chrono::seconds(1));
    if (Status s = pop(); !s.isOk()) return fail(s);
    return api::Ec2NodeClassStatus{.instanceProfile = "profile"};
  }
  std::string_view name() const override { return "scripted"; }

 private:
  Status pop() {
    if (next.empty()) return Status::ok();
    Status s = next.front();
    next.pop_front();
    return s;
  }
  FakeClock& clock_;
};

double valueOf(prometheus::Registry& registry, const std::string& family,
               const std::map<std::string, std::string>& labels, bool histogramCount = false) {
  for (const auto& f : registry.Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      std::map<std::string, std::string> have;
      for (const auto& l : m.label) have[l.name] = l.value;
      bool match = true;
      for (const auto& [k, v] : labels) match = match && have[k] == v;
      if (!match) continue;
      return histogramCount ? static_cast<double>(m.histogram.sample_count) : m.counter.value;
    }
  }
  return -1;
}

TEST(MeteredCloudProviderTest, CountsCallsErrorsByKindAndLatency) {
  FakeClock clock;
  prometheus::Registry registry;
  auto inner = std::make_unique<ScriptedProvider>(clock);
  ScriptedProvider* script = inner.get();
  MeteredCloudProvider metered(std::move(inner), registry, clock);
  EXPECT_EQ(metered.name(), "scripted");

  script->next = {Status::ok(), Status::insufficientCapacity("no room"),
                  Status::insufficientCapacity("no room")};
  auto ok = metered.create({.nodeClaimName = "a"});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->nodeClaimName, "a");  // passed through
  EXPECT_TRUE(metered.create({.nodeClaimName = "b"}).error().isInsufficientCapacity());
  EXPECT_TRUE(metered.create({.nodeClaimName = "c"}).error().isInsufficientCapacity());
  EXPECT_TRUE(metered.get("aws:///z/i-1").error().isNotFound());

  const std::map<std::string, std::string> create = {{"provider", "scripted"}, {"method", "create"}};
  EXPECT_EQ(valueOf(registry, "gantry_cloudprovider_calls_total", create), 3);
  EXPECT_EQ(valueOf(registry, "gantry_cloudprovider_errors_total",
                    {{"method", "create"}, {"kind", std::string(statusCodeName(StatusCode::kInsufficientCapacity))}}),
            2);
  EXPECT_EQ(valueOf(registry, "gantry_cloudprovider_call_duration_seconds", create, true), 3);
  EXPECT_EQ(valueOf(registry, "gantry_cloudprovider_errors_total",
                    {{"method", "get"}, {"kind", std::string(statusCodeName(StatusCode::kNotFound))}}),
            1);
  // Latency comes from the injected clock: three one-second calls.
  for (const auto& f : registry.Collect()) {
    if (f.name != "gantry_cloudprovider_call_duration_seconds") continue;
    for (const auto& m : f.metric) {
      for (const auto& l : m.label) {
        if (l.name == "method" && l.value == "create") {
          EXPECT_DOUBLE_EQ(m.histogram.sample_sum, 3.0);
        }
      }
    }
  }
}

TEST(MeteredCloudProviderTest, DeleteNotFoundIsNotCountedAsAnError) {
  FakeClock clock;
  prometheus::Registry registry;
  auto inner = std::make_unique<ScriptedProvider>(clock);
  ScriptedProvider* script = inner.get();
  MeteredCloudProvider metered(std::move(inner), registry, clock);
  script->next = {Status::notFound("gone"), Status::ok(), Status::unavailable("down")};
  EXPECT_TRUE(metered.deleteInstance("aws:///z/i-1").isNotFound());
  auto results = metered.deleteInstances({"aws:///z/i-2", "aws:///z/i-3"});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[1].isUnavailable());
  EXPECT_EQ(valueOf(registry, "gantry_cloudprovider_calls_total", {{"method", "delete"}}), 2);
  EXPECT_EQ(valueOf(registry, "gantry_cloudprovider_errors_total",
                    {{"method", "delete"}, {"kind", std::string(statusCodeName(StatusCode::kNotFound))}}),
            -1);
  EXPECT_EQ(valueOf(registry, "gantry_cloudprovider_errors_total",
                    {{"method", "delete"}, {"kind", std::string(statusCodeName(StatusCode::kUnavailable))}}),
            1);
}

// Resolution is the EC2 provider's own extension, not a CloudProvider call; its metered
// wrapper still counts it on the provider's series, as before it left the neutral seam.
TEST(MeteredCloudProviderTest, ResolveNodeClassPassesThroughAndIsCounted) {
  FakeClock clock;
  prometheus::Registry registry;
  auto inner = std::make_unique<ScriptedProvider>(clock);
  ScriptedProvider* script = inner.get();
  MeteredCloudProvider metered(std::move(inner), registry, clock);
  aws::MeteredEc2NodeClassStatusResolver resolver(*script, metered);
  script->next = {Status::ok(), Status::throttled("RequestLimitExceeded")};
  auto resolved = resolver.resolveNodeClass(api::Ec2NodeClass{.name = "default"});
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->instanceProfile, "profile");
  EXPECT_TRUE(resolver.resolveNodeClass(api::Ec2NodeClass{.name = "default"}).error().isThrottled());
  const std::map<std::string, std::string> method = {{"provider", "scripted"},
                                                     {"method", "resolveNodeClass"}};
  EXPECT_EQ(valueOf(registry, "gantry_cloudprovider_calls_total", method), 2);
  EXPECT_EQ(valueOf(registry, "gantry_cloudprovider_call_duration_seconds", method, true), 2);
  EXPECT_EQ(valueOf(registry, "gantry_cloudprovider_errors_total",
                    {{"method", "resolveNodeClass"},
                     {"kind", std::string(statusCodeName(StatusCode::kThrottled))}}),
            1);
}

}  // namespace
}  // namespace gantry::cloudprovider
