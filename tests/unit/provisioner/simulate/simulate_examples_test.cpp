// The bundled traces in examples/simulate/ through the real binary, as the README's first
// command runs them: each simulates without a warning, does what its comment says, and
// repeats byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.h"

namespace gantry {
namespace {

using nlohmann::json;

std::string example(const std::string& name) {
  return std::string(GANTRY_SOURCE_DIR) + "/examples/simulate/" + name;
}

gantry::testing::CommandResult simulate(const std::string& path, const std::string& extra = "") {
  return gantry::testing::runCommand(std::string(GANTRY_BINARY) + " simulate --trace " + path +
                                     " -o json" + extra);
}

json report(const std::string& name) {
  auto run = simulate(example(name));
  EXPECT_EQ(run.exitCode, 0) << name << ": " << run.err;
  EXPECT_EQ(run.err, "") << name << ": the examples draw no warnings";
  json out = json::parse(run.out, nullptr, false);
  EXPECT_FALSE(out.is_discarded()) << run.out;
  return out;
}

std::map<std::string, json> nodesByName(const json& r) {
  std::map<std::string, json> out;
  for (const json& n : r["nodes"]) out[n["name"].get<std::string>()] = n;
  return out;
}

bool isGpuType(const std::string& type) { return type.starts_with("g") || type.starts_with("p"); }

TEST(SimulateExamples, EveryExampleSimulatesAndRepeatsByteForByte) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(example(""))) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    auto first = simulate(entry.path().string());
    ASSERT_EQ(first.exitCode, 0) << entry.path() << ": " << first.err;
    EXPECT_EQ(first.err, "") << entry.path();
    EXPECT_EQ(simulate(entry.path().string()).out, first.out) << entry.path();
    json r = json::parse(first.out);
    EXPECT_GT(r["total_cost"].get<double>(), 0) << entry.path();
    for (const json& pod : r["pods"]) {
      EXPECT_FALSE(pod["bound_at"].is_null()) << entry.path() << ": " << pod.dump();
    }
  }
  EXPECT_EQ(files, 3u);
}

// 3 trials at a time, 12 in all, 20-40 min each: warm nodes are reused, so three nodes serve
// all twelve, and every node goes once the last trial is done.
TEST(SimulateExamples, KatibRandomSearchReusesWarmNodesThenReapsThem) {
  json r = report("katib-random-search.yaml");
  ASSERT_EQ(r["pods"].size(), 12u);
  EXPECT_EQ(r["nodes_launched"], 3);
  EXPECT_EQ(r["nodes_reaped"], 3);
  EXPECT_EQ(r["peak_nodes"], 3);
  for (const json& n : r["nodes"]) {
    EXPECT_EQ(n["nodepool"], "gpu");
    EXPECT_TRUE(isGpuType(n["instance_type"])) << n.dump();
    EXPECT_FALSE(n["terminated_at"].is_null()) << n.dump();
  }
  for (const json& p : r["pods"]) {
    const double ran = p["finished_at"].get<double>() - p["started_at"].get<double>();
    EXPECT_GE(ran, 20 * 60.0) << p.dump();
    EXPECT_LE(ran, 40 * 60.0) << p.dump();
  }
  // Reaped a minute (consolidateAfter) after its last trial, so paid-for idle GPU time is
  // small next to the training time.
  EXPECT_LT(r["gpu_hours_idle"].get<double>(), 0.1 * r["gpu_hours_paid"].get<double>());
}

// A TFJob is a gang: chief, 2 PS and 4 GPU workers are bound together, start when their own
// images are pulled (the GPU image takes 3 min), and finish together; the CPU replicas land on
// the general pool, the workers on GPU instances of the gpu pool.
TEST(SimulateExamples, TfJobGangStartsTogetherAcrossPools) {
  json r = report("tfjob-distributed.yaml");
  ASSERT_EQ(r["pods"].size(), 7u);
  std::set<double> bound, started, finished;
  auto nodes = nodesByName(r);
  size_t onGpu = 0;
  for (const json& p : r["pods"]) {
    bound.insert(p["bound_at"].get<double>());
    started.insert(p["started_at"].get<double>());
    finished.insert(p["finished_at"].get<double>());
    const json& node = nodes.at(p["node"].get<std::string>());
    if (node["nodepool"] == "gpu") {
      ++onGpu;
      EXPECT_TRUE(isGpuType(node["instance_type"])) << node.dump();
    } else {
      EXPECT_EQ(node["nodepool"], "general");
      EXPECT_FALSE(isGpuType(node["instance_type"])) << node.dump();
    }
  }
  EXPECT_EQ(onGpu, 4u);
  EXPECT_EQ(bound.size(), 1u) << "the gang is bound at one moment";
  EXPECT_EQ(started.size(), 2u) << "each container once its image is on the node";
  EXPECT_EQ(*started.rbegin() - *started.begin(), 3 * 60.0 - 20) << "3 min GPU image, 20 s CPU";
  EXPECT_EQ(finished.size(), 1u) << "and finishes at one moment";
  EXPECT_EQ(r["nodes_reaped"], r["nodes_launched"]);
}

// A day: both pools are used, the notebooks come at 09:00 and go at 18:00, and the run stops
// at its 24 h duration with the always-on services' nodes still up.
TEST(SimulateExamples, PlatformDayRunsItsDayOnBothPools) {
  json r = report("platform-day.yaml");
  std::set<std::string> pools;
  for (const json& n : r["nodes"]) pools.insert(n["nodepool"].get<std::string>());
  EXPECT_EQ(pools, (std::set<std::string>{"general", "gpu-training"}));
  size_t notebooks = 0;
  for (const json& p : r["pods"]) {
    if (!p["name"].get<std::string>().starts_with("kubeflow-user/notebooks-")) continue;
    ++notebooks;
    EXPECT_GE(p["created_at"].get<double>(), 9 * 3600.0) << p.dump();
    EXPECT_EQ(p["finished_at"].get<double>(), 18 * 3600.0) << p.dump();
  }
  EXPECT_EQ(notebooks, 6u);
  EXPECT_LT(r["nodes_reaped"].get<int>(), r["nodes_launched"].get<int>());
  EXPECT_LE(r["makespan_seconds"].get<double>(), 24 * 3600.0);
}

}  // namespace
}  // namespace gantry
