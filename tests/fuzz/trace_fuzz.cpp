// libFuzzer target for the trace decoder: `gantry simulate --trace` reads the same untrusted
// files as `gantry plan`, plus annotation values and a Simulation document in small languages
// of their own (durations, distributions, scale schedules). Any bytes must become a Trace
// whose errors name their file, object or field, and whose values keep the decoder's promises
// (arrivals ordered by time, every duration within a simulation, schedules increasing, runs
// counted consistently): never a crash, an escaped exception, or undefined behaviour.
//
// Built by tests/fuzz/CMakeLists.txt (target trace_fuzz); run it as that file's header shows.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/simulate/trace_decoder.h"
#include "src/simulate/trace_values.h"

namespace {

using namespace gantry;
using namespace gantry::simulate;

void require(bool ok, const char* invariant) {
  if (ok) return;
  std::fprintf(stderr, "trace invariant broken: %s\n", invariant);
  std::abort();
}

workload::LoadOptions fuzzOptions() {
  workload::LoadOptions options;
  options.maxNodesPerDocument = 20'000;
  options.expand.maxPodsPerObject = 64;
  options.expand.maxPodsTotal = 256;
  return options;
}

// One region with two types, so capacityErrors reach both the known and unknown branches.
Result<api::InstanceTypesPtr> catalog(std::string_view region) {
  if (region != "us-east-1") return fail(Status::invalid("unknown region"));
  static const api::InstanceTypesPtr types = [] {
    api::InstanceType g5;
    g5.name = "g5.xlarge";
    g5.offerings = {{"us-east-1a", api::CapacityType::kOnDemand, 1.0}};
    api::InstanceType m5;
    m5.name = "m5.large";
    m5.offerings = {{"us-east-1b", api::CapacityType::kSpot, 0.1}};
    return std::make_shared<const api::InstanceTypes>(api::InstanceTypes{g5, m5});
  }();
  return types;
}

bool within(Duration d) {
  return d >= Duration::zero() && d <= kMaxSimulatedTime;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const workload::LoadOptions options = fuzzOptions();
  const std::string text(reinterpret_cast<const char*>(data), size);

  // The value languages alone, on the raw bytes (annotations reach them only through YAML).
  if (auto r = parseRunFor(text)) {
    require(r->kind != RunFor::Kind::kUntilEnd, "a parsed run-for has a length");
    require(within(r->first) && within(r->second), "run-for within a simulation");
    SeededRandom random(size);
    auto d = r->sample(random);
    require(d && *d > Duration::zero() && *d <= kMaxSimulatedTime,
            "a drawn run-for is positive and bounded");
  }
  if (auto steps = parseReplicasAt(text, options.expand.maxPodsPerObject)) {
    require(!steps->empty(), "a schedule has a step");
    for (size_t i = 0; i < steps->size(); ++i) {
      require(within((*steps)[i].at), "step times within a simulation");
      require(i == 0 || (*steps)[i - 1].at < (*steps)[i].at, "step times increase");
    }
  }

  workload::ManifestCollection collection;
  workload::collectText(text, "fuzz.yaml", collection, options);
  const Trace trace = decodeTrace(std::move(collection), catalog, options);
  for (const auto& e : trace.errors) {
    require(e.source == "fuzz.yaml", "errors name their file");
    require(!e.message.empty(), "errors say what is wrong");
  }
  require(!trace.settings.duration || (*trace.settings.duration > Duration::zero() &&
                                       *trace.settings.duration <= kMaxSimulatedTime),
          "the simulation's duration is positive and bounded");
  for (const auto& c : trace.settings.capacityErrors) {
    require(c.instanceType == "g5.xlarge" || c.instanceType == "m5.large",
            "capacity errors name known types");
    require(!c.until || *c.until > c.from, "capacity windows end after they start");
  }
  for (size_t i = 0; i < trace.arrivals.size(); ++i) {
    const Arrival& a = trace.arrivals[i];
    require(i == 0 || trace.arrivals[i - 1].at <= a.at, "arrivals ordered by time");
    require(within(a.at), "arrival within a simulation");
    require(!a.deleteAt || *a.deleteAt > a.at, "deleted after arriving");
    require(!a.object.empty(), "arrivals are named");
    require(a.podsPerRun >= 1 && a.concurrentRuns >= 0, "run counts are sane");
    require(
        a.pods.empty() || static_cast<int64_t>(a.pods.size()) == a.podsPerRun * a.concurrentRuns,
        "pods are concurrentRuns x podsPerRun");
    require(a.replicasAt.empty() || a.replicaTemplate.has_value(),
            "a scale schedule comes with a replica template");
  }
  return 0;
}
