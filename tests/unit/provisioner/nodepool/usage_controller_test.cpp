// The NodePool usage controller over an in-memory cluster and a fake clock: what it sums
// (capacity, else requests; in-flight and deleting claims; nodes), that it writes only on a
// change, at most once per pool per second however bursty the events, retries failures, and
// reports its reconciles under its own name when given a metrics registry.
#include "provisioner/nodepool/usage_controller.h"

#include <gtest/gtest.h>

#include <prometheus/registry.h>

#include <map>
#include <mutex>

#include "tests/fakes/fake_clock.h"

namespace gantry::provisioner::nodepool {
namespace {

using namespace std::chrono_literals;

api::Quantity q(const char* text) { return *api::Quantity::parse(text); }

// Pools and claims as the cache would hold them; a write lands in the pool at once (a cache
// that keeps up) unless `lagging`. One injectable error for the next write.
class FakeUsageCluster final : public UsageReader, public NodePoolStatusWriter {
 public:
  struct Write {
    std::string pool;
    api::ResourceList resources;
    Clock::TimePoint at;
  };

  explicit FakeUsageCluster(Clock& clock) : clock_(clock) {}

  void putPool(const std::string& name) {
    std::lock_guard lock(mu_);
    api::NodePool p;
    p.name = name;
    pools_[name] = std::make_shared<api::NodePool>(p);
  }
  void removePool(const std::string& name) {
    std::lock_guard lock(mu_);
    pools_.erase(name);
  }
  void putClaim(const std::string& name, const std::string& pool, api::ResourceList capacity,
                api::ResourceList requests = {}, bool deleting = false) {
    std::lock_guard lock(mu_);
    api::NodeClaim c;
    c.name = name;
    c.labels = {{"gantry.dev/nodepool", pool}};
    c.capacity = std::move(capacity);
    c.resourceRequests = std::move(requests);
    if (deleting) c.deletionTimestamp = clock_.now();
    claims_[name] = std::make_shared<api::NodeClaim>(c);
  }
  void removeClaim(const std::string& name) {
    std::lock_guard lock(mu_);
    claims_.erase(name);
  }
  void failNextWrite(Status s) {
    std::lock_guard lock(mu_);
    fault_ = std::move(s);
  }
  std::vector<Write> writes() const {
    std::lock_guard lock(mu_);
    return writes_;
  }
  api::ResourceList shown(const std::string& pool) const {
    std::lock_guard lock(mu_);
    return pools_.at(pool)->statusResources;
  }
  bool lagging = false;

  std::vector<std::shared_ptr<const api::NodePool>> nodePools() const override {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<const api::NodePool>> out;
    for (const auto& [_, p] : pools_) out.push_back(p);
    return out;
  }
  std::shared_ptr<const api::NodePool> nodePool(const std::string& name) const override {
    std::lock_guard lock(mu_);
    auto it = pools_.find(name);
    return it == pools_.end() ? nullptr : it->second;
  }
  std::vector<std::shared_ptr<const api::NodeClaim>> nodeClaimsOf(const std::string& pool) const override {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<const api::NodeClaim>> out;
    for (const auto& [_, c] : claims_) {
      if (c->nodePool() == pool) out.push_back(c);
    }
    return out;
  }
  Status setNodePoolResources(const std::string& pool, const api::ResourceList& resources) override {
    std::lock_guard lock(mu_);
    if (fault_) {
      Status s = std::move(*fault_);
      fault_.reset();
      return s;
    }
    auto it = pools_.find(pool);
    if (it == pools_.end()) return Status::notFound("nodepool " + pool);
    writes_.push_back({pool, resources, clock_.now()});
    if (!lagging) {
      auto updated = std::make_shared<api::NodePool>(*it->second);
      updated->statusResources = resources;
      it->second = updated;
    }
    return Status::ok();
  }

 private:
  Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const api::NodePool>> pools_;
  std::map<std::string, std::shared_ptr<const api::NodeClaim>> claims_;
  std::vector<Write> writes_;
  std::optional<Status> fault_;
};

api::ResourceList gpuNode() {
  return api::ResourceList({{"cpu", q("4")}, {"memory", q("16Gi")}, {"nvidia.com/gpu", q("1")}, {"pods", q("29")}});
}

class UsageControllerTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  FakeUsageCluster cluster_{clock_};
  UsageController controller_{cluster_, cluster_, clock_};
};

TEST_F(UsageControllerTest, SumsTheCapacityOfEveryClaimOfThePoolAndCountsThem) {
  cluster_.putPool("gpu");
  cluster_.putPool("cpu");
  cluster_.putClaim("a", "gpu", gpuNode());
  cluster_.putClaim("b", "gpu", api::ResourceList({{"cpu", q("8")}, {"memory", q("32Gi")}, {"nvidia.com/gpu", q("2")}}));
  // In flight: no capacity yet, so its requests count.
  cluster_.putClaim("c", "gpu", {}, api::ResourceList({{"cpu", q("1500m")}, {"nvidia.com/gpu", q("1")}}));
  // Being deleted: its instance is still there until termination finishes.
  cluster_.putClaim("d", "gpu", gpuNode(), {}, /*deleting=*/true);
  cluster_.putClaim("other", "cpu", api::ResourceList({{"cpu", q("2")}}));

  controller_.step();

  const api::ResourceList gpu = cluster_.shown("gpu");
  EXPECT_EQ(gpu.get("cpu"), q("17500m"));
  EXPECT_EQ(gpu.get("memory"), q("64Gi"));
  EXPECT_EQ(gpu.get("nvidia.com/gpu"), q("5"));
  EXPECT_EQ(gpu.get("pods"), q("58"));
  EXPECT_EQ(gpu.get("nodes"), q("4"));
  EXPECT_EQ(gpu.get("memory").toString(), "64Gi");
  const api::ResourceList cpu = cluster_.shown("cpu");
  EXPECT_EQ(cpu.get("cpu"), q("2"));
  EXPECT_EQ(cpu.get("nodes"), q("1"));
  EXPECT_FALSE(cpu.has("nvidia.com/gpu"));
}

TEST_F(UsageControllerTest, APoolWithoutClaimsShowsZeros) {
  cluster_.putPool("idle");
  controller_.step();
  const api::ResourceList shown = cluster_.shown("idle");
  for (const char* name : {"cpu", "memory", "pods", "ephemeral-storage", "nodes"}) {
    ASSERT_TRUE(shown.has(name)) << name;
    EXPECT_TRUE(shown.get(name).isZero()) << name;
  }
  EXPECT_EQ(shown.entries().size(), 5u) << shown.toString();
}

TEST_F(UsageControllerTest, WritesOnlyWhenTheUsageChanged) {
  cluster_.putPool("gpu");
  cluster_.putClaim("a", "gpu", gpuNode());
  controller_.step();
  ASSERT_EQ(cluster_.writes().size(), 1u);
  controller_.enqueue("gpu");  // the informer event of our own write
  clock_.advance(5s);
  controller_.step();
  clock_.advance(11s);  // and the periodic resync
  controller_.step();
  EXPECT_EQ(cluster_.writes().size(), 1u);
}

TEST_F(UsageControllerTest, ABurstOfClaimsCostsOneWritePerSecond) {
  cluster_.putPool("gpu");
  controller_.step();
  ASSERT_EQ(cluster_.writes().size(), 1u);
  const auto first = clock_.now();
  // A batch of launches: a claim every 100 ms, each event queueing the pool.
  for (int i = 0; i < 25; ++i) {
    clock_.advance(100ms);
    cluster_.putClaim("c" + std::to_string(i), "gpu", gpuNode());
    controller_.enqueue("gpu");
    controller_.step();
  }
  clock_.advance(1s);
  controller_.step();
  const auto writes = cluster_.writes();
  ASSERT_GE(writes.size(), 2u);
  for (size_t i = 1; i < writes.size(); ++i) {
    EXPECT_GE(writes[i].at - writes[i - 1].at, 1s) << "write " << i;
  }
  EXPECT_LE(writes.size(), 4u);  // 3.5 s of events: the first write plus one a second
  EXPECT_GT(writes[1].at, first);
  EXPECT_EQ(cluster_.shown("gpu").get("nodes"), q("25"));
  EXPECT_EQ(cluster_.shown("gpu").get("nvidia.com/gpu"), q("25"));
}

TEST_F(UsageControllerTest, ADeletedClaimDropsOutAndAResourceNoClaimProvidesDisappears) {
  cluster_.putPool("gpu");
  cluster_.putClaim("a", "gpu", gpuNode());
  cluster_.putClaim("b", "gpu", api::ResourceList({{"cpu", q("2")}}));
  controller_.step();
  ASSERT_EQ(cluster_.shown("gpu").get("nodes"), q("2"));
  cluster_.removeClaim("a");
  controller_.enqueue("gpu");
  clock_.advance(1s);
  controller_.step();
  const api::ResourceList shown = cluster_.shown("gpu");
  EXPECT_EQ(shown.get("nodes"), q("1"));
  EXPECT_EQ(shown.get("cpu"), q("2"));
  EXPECT_FALSE(shown.has("nvidia.com/gpu")) << shown.toString();
}

TEST_F(UsageControllerTest, AFailedWriteIsRetriedAfterABackoff) {
  cluster_.putPool("gpu");
  cluster_.putClaim("a", "gpu", gpuNode());
  cluster_.failNextWrite(Status::unavailable("apiserver down"));
  controller_.step();
  EXPECT_TRUE(cluster_.writes().empty());
  controller_.step();  // not yet: the backoff has not passed
  EXPECT_TRUE(cluster_.writes().empty());
  clock_.advance(250ms);
  controller_.step();
  ASSERT_EQ(cluster_.writes().size(), 1u);
  EXPECT_EQ(cluster_.shown("gpu").get("nodes"), q("1"));
}

TEST_F(UsageControllerTest, ALaggingCacheCausesNoMoreThanOneWriteASecond) {
  cluster_.putPool("gpu");
  cluster_.lagging = true;  // our writes never show up in the cache
  cluster_.putClaim("a", "gpu", gpuNode());
  for (int i = 0; i < 20; ++i) {
    controller_.enqueue("gpu");
    controller_.step();
    clock_.advance(100ms);
  }
  EXPECT_EQ(cluster_.writes().size(), 2u);  // at 0 s and 1 s
}

TEST_F(UsageControllerTest, APoolThatIsGoneIsNotWritten) {
  cluster_.putPool("gpu");
  cluster_.putClaim("a", "gpu", gpuNode());
  controller_.enqueue("nope");
  controller_.enqueue("");
  cluster_.removePool("gpu");
  controller_.step();
  EXPECT_TRUE(cluster_.writes().empty());
  EXPECT_EQ(controller_.queue().size(), 0u);
}

TEST_F(UsageControllerTest, ReconcilesAreCountedUnderItsNameWhenGivenARegistry) {
  prometheus::Registry registry;
  UsageController metered(cluster_, cluster_, clock_, {}, &registry);
  EXPECT_EQ(metered.name(), "nodepool-usage");
  cluster_.putPool("gpu");
  cluster_.failNextWrite(Status::unavailable("apiserver down"));
  metered.step();
  clock_.advance(250ms);
  metered.step();
  std::map<std::string, double> byResult;
  for (const auto& family : registry.Collect()) {
    if (family.name != "gantry_controller_reconcile_total") continue;
    for (const auto& metric : family.metric) {
      std::map<std::string, std::string> labels;
      for (const auto& l : metric.label) labels[l.name] = l.value;
      EXPECT_EQ(labels["controller"], "nodepool-usage");
      byResult[labels["result"]] = metric.counter.value;
    }
  }
  EXPECT_EQ(byResult["error"], 1);
  EXPECT_EQ(byResult["success"], 1);
}

}  // namespace
}  // namespace gantry::provisioner::nodepool
