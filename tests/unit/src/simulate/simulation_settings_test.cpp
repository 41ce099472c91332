// The Simulation document of a trace: every field and its default, and each refusal naming
// the file, the object and the field.
#include <gtest/gtest.h>

#include "tests/unit/src/simulate/trace_test_support.h"

namespace gantry::simulate {
namespace {

using namespace std::chrono_literals;
using namespace testing;

const std::string kSimulation = R"(
apiVersion: simulate.gantry.dev/v1
kind: Simulation
metadata: {name: day}
spec:
  duration: 24h
  seed: 42
  region: us-east-1
  launchLatency: {cpu: 30s, gpu: 2m}
  devicePluginDelay: 45s
  imagePull: {default: 10s, images: {nvcr.io/nvidia/pytorch:24.01: 3m}}
  spotPriceRatio: 0.3
  spotInterruptionsPerHour: 0.05
  capacityErrors:
  - {instanceType: g5.xlarge, zone: us-east-1a, from: 1h, until: 3h}
  - {instanceType: m5.large}
)";

TEST(SimulationSettingsTest, ReadsTheSimulationDocument) {
  Trace t = decode(kSimulation + "---\n" + deployment("web", ""));
  ASSERT_TRUE(t.errors.empty()) << errorsOf(t);
  const auto& s = t.settings;
  EXPECT_EQ(s.object, "Simulation default/day");
  EXPECT_EQ(s.source, "trace.yaml");
  EXPECT_EQ(s.duration, Duration(24h));
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.cpuLaunchLatency, 30s);
  EXPECT_EQ(s.gpuLaunchLatency, 2min);
  EXPECT_EQ(s.devicePluginDelay, 45s);
  EXPECT_EQ(s.imagePull, 10s);
  EXPECT_EQ(s.imagePullByImage.at("nvcr.io/nvidia/pytorch:24.01"), 3min);
  EXPECT_EQ(s.spotPriceRatio, 0.3);
  EXPECT_EQ(s.spotInterruptionsPerHour, 0.05);
  ASSERT_EQ(s.capacityErrors.size(), 2u);
  EXPECT_EQ(s.capacityErrors[0].instanceType, "g5.xlarge");
  EXPECT_EQ(s.capacityErrors[0].zone, "us-east-1a");
  EXPECT_EQ(s.capacityErrors[0].from, 1h);
  EXPECT_EQ(s.capacityErrors[0].until, Duration(3h));
  EXPECT_EQ(s.capacityErrors[1].zone, "");
  EXPECT_EQ(s.capacityErrors[1].from, 0s);
  EXPECT_EQ(s.capacityErrors[1].until, std::nullopt);
  EXPECT_EQ(t.arrivals.size(), 1u);  // the Simulation is not a workload
  EXPECT_EQ(decode(kSimulation).settings.imagePull, 10s);
}

TEST(SimulationSettingsTest, SimulationErrorsNameTheField) {
  const std::string obj = "Simulation default/s | ";
  EXPECT_EQ(onlyError(simulationWith("  durtion: 1h\n")),
            obj +
                "spec.durtion | unknown field (known: duration, seed, region, launchLatency, "
                "devicePluginDelay, "
                "imagePull, spotPriceRatio, capacityErrors, spotInterruptionsPerHour)");
  EXPECT_EQ(onlyError(simulationWith("  duration: 0s\n")),
            obj + "spec.duration | duration \"0s\" must be more than zero");
  EXPECT_EQ(
      onlyError(simulationWith("  duration: 8000h\n")),
      obj +
          "spec.duration | duration \"8000h\" is longer than a simulation may run (168h, 7 days)");
  EXPECT_EQ(onlyError(simulationWith("  duration: 5\n")),
            obj + "spec.duration | expected a duration string like 90s or 1h30m, got 5");
  EXPECT_EQ(onlyError(simulationWith("  seed: -1\n")),
            obj + "spec.seed | expected a non-negative whole number, got -1");
  EXPECT_EQ(onlyError(simulationWith("  region: mars-1\n")),
            obj + "spec.region | unknown region \"mars-1\" (known: us-east-1)");
  EXPECT_EQ(onlyError(simulationWith("  launchLatency: {cpu: 30s, tpu: 1m}\n")),
            obj + "spec.launchLatency.tpu | unknown field (known: cpu, gpu)");
  EXPECT_EQ(onlyError(simulationWith("  launchLatency: {gpu: -1m}\n")),
            obj + "spec.launchLatency.gpu | duration \"-1m\" is negative");
  EXPECT_EQ(onlyError(simulationWith("  imagePull: {images: {x: forever}}\n")),
            obj +
                "spec.imagePull.images[x] | duration \"forever\" needs a number before each unit "
                "(want e.g. 720h, 1h30m, Never)");
  EXPECT_EQ(onlyError(simulationWith("  spotPriceRatio: 1.5\n")),
            obj + "spec.spotPriceRatio | must be in (0, 1], got 1.5");
  EXPECT_EQ(onlyError(simulationWith("  spotInterruptionsPerHour: -2\n")),
            obj + "spec.spotInterruptionsPerHour | must be in [0, 60], got -2");
  EXPECT_EQ(onlyError(simulationWith("  capacityErrors: [{instanceType: p5.48xlarge}]\n")),
            obj +
                "spec.capacityErrors[0].instanceType | unknown instance type \"p5.48xlarge\" in "
                "us-east-1");
  EXPECT_EQ(
      onlyError(simulationWith("  capacityErrors: [{instanceType: m5.large, zone: us-east-1c}]\n")),
      obj +
          "spec.capacityErrors[0].zone | m5.large is not offered in \"us-east-1c\" (its zones: "
          "us-east-1a)");
  EXPECT_EQ(onlyError(simulationWith(
                "  capacityErrors: [{instanceType: m5.large, from: 2h, until: 1h}]\n")),
            obj + "spec.capacityErrors[0].until | must be after from");
  EXPECT_EQ(
      onlyError(simulationWith("  capacityErrors: [{zone: us-east-1a}]\n")),
      obj +
          "spec.capacityErrors[0].instanceType | required: the instance type that has no capacity");
  EXPECT_EQ(
      onlyError(simulationWith("  capacityErrors: [{instanceType: m5.large, size: 3}]\n")),
      obj + "spec.capacityErrors[0].size | unknown field (known: instanceType, zone, from, until)");
  EXPECT_EQ(onlyError(simulationWith("  - 1\n")), obj + "spec | expected an object, got [1]");
  EXPECT_EQ(
      onlyError("apiVersion: simulate.gantry.dev/v2\nkind: Simulation\nmetadata: {name: s}\n"),
      obj + "apiVersion | expected simulate.gantry.dev/v1, got \"simulate.gantry.dev/v2\"");
}

TEST(SimulationSettingsTest, ASecondSimulationIsAnErrorNamingTheFirst) {
  std::string second = simulationWith("  seed: 9\n");
  second.replace(second.find("name: s"), 7, "name: t");
  Trace t = decode(simulationWith("  seed: 7\n") + "---\n" + second);
  ASSERT_EQ(t.errors.size(), 1u) << errorsOf(t);
  EXPECT_EQ(t.errors[0].object, "Simulation default/t");
  EXPECT_EQ(t.errors[0].field, "kind");
  EXPECT_EQ(t.errors[0].message,
            "a second Simulation document; the first is Simulation default/s in trace.yaml (a "
            "trace has at most one)");
  EXPECT_EQ(t.settings.seed, 7u);
  // The same name twice is caught earlier, by the loader's duplicate check.
  Trace same = decode(simulationWith("  seed: 7\n") + "---\n" + simulationWith("  seed: 9\n"));
  ASSERT_EQ(same.errors.size(), 1u) << errorsOf(same);
  EXPECT_EQ(same.errors[0].field, "metadata.name");
  EXPECT_EQ(same.settings.seed, 7u);
}

}  // namespace
}  // namespace gantry::simulate
