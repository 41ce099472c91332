// The set-up the launch step's tests share: a FakeCluster holding the "gpu" NodePool and the
// "default" EC2NodeClass, a FakeCloud with a small catalog, a LaunchBackoff, and a
// LifecycleReconciler over them that records every onLaunchFailed call.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "provisioner/nodeclaim/lifecycle_reconciler.h"
#include "provisioner/state/launch_backoff.h"
#include "src/api/well_known_labels.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/support/builders.h"
#include "tests/unit/provisioner/nodeclaim/fake_lifecycle.h"

namespace gantry::provisioner::nodeclaim::testing {

namespace nc = api::nodeclaim;

// g4dn.xlarge is the cheapest GPU type; the catalog lists it after the dearer g5.xlarge so
// that "cheapest first" is the candidates' doing, not the catalog's order.
inline api::InstanceTypes launchCatalog() {
  auto types = gantry::testing::makeTypes({
      {.name = "g5.xlarge", .cpu = "4", .memory = "16Gi", .price = 1.006, .gpus = 1},
      {.name = "g4dn.xlarge", .cpu = "4", .memory = "16Gi", .price = 0.526, .gpus = 1,
       .spot = true},
      {.name = "m5.large", .cpu = "2", .memory = "8Gi", .price = 0.096},
  });
  types[1].overhead = gantry::testing::resources({{"cpu", "80m"}, {"memory", "1Gi"}});
  return types;
}

inline api::Requirement inReq(std::string_view key, std::vector<std::string> values) {
  return {.key = std::string(key), .op = api::SelectorOp::kIn, .values = std::move(values)};
}

// One LifecycleShared::onLaunchFailed call.
struct Failure {
  std::string claim;
  bool capacity = false;
  friend bool operator==(const Failure&, const Failure&) = default;
  friend void PrintTo(const Failure& f, std::ostream* out) {
    *out << "{" << f.claim << ", capacity=" << f.capacity << "}";
  }
};

class LaunchFixture : public ::testing::Test {
 protected:
  LaunchFixture() : cluster_(clock_) {
    cloud_.catalog = std::make_shared<const api::InstanceTypes>(launchCatalog());
    api::NodePool pool;
    pool.name = "gpu";
    pool.nodeClassRef = "default";
    cluster_.putPool(pool);
  }

  LifecycleShared shared() {
    return {.launchBackoff = &backoff_,
            .onLaunchFailed = [this](const std::string& claim, bool capacity) {
              failures_.push_back({claim, capacity});
            }};
  }

  LifecycleReconciler& reconciler() {
    if (!reconciler_) {
      reconciler_ = std::make_unique<LifecycleReconciler>(cluster_, cluster_, cloud_, events_,
                                                          clock_, options_, shared());
    }
    return *reconciler_;
  }

  // What the provisioner creates: the pool's label, the finalizer, In requirements on the
  // instance type, zone and capacity type, and no status.
  api::NodeClaim pendingClaim(const std::string& name = "gpu-a") {
    api::NodeClaim c;
    c.name = name;
    c.labels = {{std::string(api::label::kNodePool), "gpu"}};
    c.finalizers = {std::string(nc::kTerminationFinalizer)};
    c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "default"};
    c.requirements = {inReq(api::label::kNodePool, {"gpu"}),
                      inReq(api::label::kInstanceType, {"g5.xlarge", "g4dn.xlarge"}),
                      inReq(api::label::kZone, {"us-east-1a", "us-east-1b"}),
                      inReq(api::label::kCapacityType, {"on-demand"})};
    c.resourceRequests.set("cpu", api::Quantity::fromValue(2));
    c.creationTimestamp = clock_.now();
    return c;
  }

  api::NodeClaim gangClaim(const std::string& name, const std::string& gang,
                           const std::string& size) {
    api::NodeClaim c = pendingClaim(name);
    c.annotations[std::string(nc::kGangAnnotation)] = gang;
    c.annotations[std::string(nc::kGangSizeAnnotation)] = size;
    return c;
  }

  std::shared_ptr<const api::NodeClaim> claim(const std::string& name = "gpu-a") {
    return cluster_.nodeClaim(name);
  }

  size_t countCalls(const std::string& method) const {
    auto calls = cluster_.calls();
    return static_cast<size_t>(std::count(calls.begin(), calls.end(), method));
  }

  // Position of the first call of `method` in FakeCluster::calls(), or -1.
  long firstCall(const std::string& method) const {
    auto calls = cluster_.calls();
    auto it = std::find(calls.begin(), calls.end(), method);
    return it == calls.end() ? -1 : static_cast<long>(it - calls.begin());
  }

  FakeClock clock_;
  FakeCluster cluster_;
  FakeCloud cloud_;
  kube::FakeEventRecorder events_;
  state::LaunchBackoff backoff_;
  LifecycleOptions options_;
  std::vector<Failure> failures_;
  std::unique_ptr<LifecycleReconciler> reconciler_;
};

}  // namespace gantry::provisioner::nodeclaim::testing
