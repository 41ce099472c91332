// One provisioner::Controller run in-process against a real cluster cache, the way the
// controller host runs it: the cache started and synced first, the controller on a thread
// of its own until stop(). Integration suites that exercise a single controller share it.
// Header-only, tests only.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "provisioner/controller.h"
#include "src/kube/cluster_cache.h"

namespace gantry::testing {

class ControllerRunner {
 public:
  ~ControllerRunner() { stop(); }

  // Starts `cache` (handlers must be added already), waits up to 30 s for its sync, then runs
  // `controller`. Failures are gtest assertions: call it under ASSERT_NO_FATAL_FAILURE.
  // REQUIRES: both outlive stop().
  void start(kube::ClusterCache& cache, provisioner::Controller& controller) {
    cache_ = &cache;
    cache.start();
    ASSERT_TRUE(cache.waitForSync(std::chrono::seconds(30))) << "cluster cache did not sync";
    worker_ = std::jthread([&controller](std::stop_token stop) { controller.run(stop); });
  }

  // Stops and joins the controller, then the cache. Repeatable.
  void stop() {
    if (worker_.joinable()) {
      worker_.request_stop();
      worker_.join();
    }
    if (cache_) cache_->stop();
    cache_ = nullptr;
  }

 private:
  kube::ClusterCache* cache_ = nullptr;
  std::jthread worker_;
};

}  // namespace gantry::testing
