// The trace decoder: each annotation, the runs of Jobs and Katib Experiments, loading files
// like `plan`, and every refusal naming file, object and field.
#include "src/simulate/trace_decoder.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/unit/src/simulate/trace_test_support.h"
#include "tests/unit/src/workload/temp_dir.h"

namespace gantry::simulate {
namespace {

using namespace std::chrono_literals;
using namespace testing;

TEST(TraceDecoderTest, WithoutAnnotationsEverythingArrivesAtZeroAndRunsToTheEnd) {
  Trace t = decode(deployment("web", ""));
  ASSERT_TRUE(t.errors.empty()) << errorsOf(t);
  ASSERT_EQ(t.arrivals.size(), 1u);
  const Arrival& a = t.arrivals[0];
  EXPECT_EQ(a.object, "Deployment shop/web");
  EXPECT_EQ(a.source, "trace.yaml");
  EXPECT_EQ(a.at, 0s);
  EXPECT_EQ(a.runFor.kind, RunFor::Kind::kUntilEnd);
  EXPECT_EQ(a.deleteAt, std::nullopt);
  EXPECT_EQ(a.pods.size(), 2u);
  EXPECT_EQ(a.pods[0].name, "web-0");
  EXPECT_TRUE(a.replacesPods);
  EXPECT_EQ(a.concurrentRuns, 2);
  EXPECT_EQ(a.totalRuns, std::nullopt);
  // The Simulation defaults.
  EXPECT_EQ(t.settings.seed, 1u);
  EXPECT_EQ(t.settings.region, "us-east-1");
  EXPECT_EQ(t.settings.duration, std::nullopt);
  EXPECT_EQ(t.settings.cpuLaunchLatency, 45s);
  EXPECT_EQ(t.settings.gpuLaunchLatency, 90s);
  EXPECT_EQ(t.settings.devicePluginDelay, 30s);
  EXPECT_EQ(t.settings.imagePull, 20s);
  EXPECT_EQ(t.settings.spotPriceRatio, std::nullopt);
  EXPECT_EQ(t.settings.spotInterruptionsPerHour, 0.0);
  EXPECT_TRUE(t.settings.source.empty());
}

TEST(TraceDecoderTest, ReadsAtRunForAndDeleteAtAndOrdersArrivalsByTime) {
  Trace t =
      decode(deployment("late", "    simulate.gantry.dev/at: 2h\n") + "---\n" +
             deployment("early",
                        "    simulate.gantry.dev/at: 30m\n"
                        "    simulate.gantry.dev/run-for: uniform(20m,40m)\n"
                        "    simulate.gantry.dev/delete-at: 6h\n") +
             "---\n" + deployment("first", "    simulate.gantry.dev/run-for: normal(30m,5m)\n"));
  ASSERT_TRUE(t.errors.empty()) << errorsOf(t);
  ASSERT_EQ(t.arrivals.size(), 3u);
  EXPECT_EQ(t.arrivals[0].name, "first");
  EXPECT_EQ(t.arrivals[0].runFor, (RunFor{RunFor::Kind::kNormal, 30min, 5min}));
  EXPECT_EQ(t.arrivals[1].name, "early");
  EXPECT_EQ(t.arrivals[1].at, 30min);
  EXPECT_EQ(t.arrivals[1].runFor, (RunFor{RunFor::Kind::kUniform, 20min, 40min}));
  EXPECT_EQ(t.arrivals[1].deleteAt, Duration(6h));
  EXPECT_EQ(t.arrivals[2].name, "late");
  EXPECT_EQ(t.arrivals[2].at, 2h);
}

TEST(TraceDecoderTest, EqualTimesKeepInputOrder) {
  Trace t = decode(deployment("zeta", "") + "---\n" + deployment("alpha", ""));
  ASSERT_EQ(t.arrivals.size(), 2u);
  EXPECT_EQ(t.arrivals[0].name, "zeta");
  EXPECT_EQ(t.arrivals[1].name, "alpha");
}

TEST(TraceDecoderTest, ReplicasAtGivesAScheduleAndATemplateEvenFromZeroReplicas) {
  Trace t =
      decode(deployment("web", "    simulate.gantry.dev/replicas-at: \"0s=2,8h=10,18h=2\"\n", 0));
  ASSERT_TRUE(t.errors.empty()) << errorsOf(t);
  ASSERT_EQ(t.arrivals.size(), 1u);
  const Arrival& a = t.arrivals[0];
  EXPECT_TRUE(a.pods.empty());
  EXPECT_EQ(a.replicasAt, (std::vector<ScaleStep>{{0s, 2}, {8h, 10}, {18h, 2}}));
  ASSERT_TRUE(a.replicaTemplate.has_value());
  EXPECT_EQ(a.replicaTemplate->ns, "shop");
  EXPECT_EQ(a.replicaTemplate->requests.get("cpu").milliValue(), 1000);
}

TEST(TraceDecoderTest, JobRunsParallelismAtOnceUntilCompletions) {
  Trace t = decode(R"(
apiVersion: batch/v1
kind: Job
metadata: {name: train, annotations: {simulate.gantry.dev/run-for: 10m}}
spec:
  parallelism: 3
  completions: 10
  template:
    spec:)" + kPodSpec +
                   R"(
---
apiVersion: batch/v1
kind: Job
metadata: {name: queue}
spec:
  parallelism: 4
  template:
    spec:)" + kPodSpec +
                   "\n");
  ASSERT_TRUE(t.errors.empty()) << errorsOf(t);
  ASSERT_EQ(t.arrivals.size(), 2u);
  EXPECT_EQ(t.arrivals[0].pods.size(), 3u);
  EXPECT_EQ(t.arrivals[0].concurrentRuns, 3);
  EXPECT_EQ(t.arrivals[0].podsPerRun, 1);
  EXPECT_EQ(t.arrivals[0].totalRuns, 10);
  EXPECT_FALSE(t.arrivals[0].replacesPods);
  EXPECT_EQ(t.arrivals[0].runFor, (RunFor{RunFor::Kind::kFixed, 10min, {}}));
  EXPECT_EQ(t.arrivals[1].concurrentRuns, 4);
  EXPECT_EQ(t.arrivals[1].totalRuns, 4);  // no completions: each parallel pod once
}

TEST(TraceDecoderTest, KatibExperimentRunsParallelTrialsUpToMaxTrialCount) {
  Trace t = decode(R"y(
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: hpo, namespace: ml, annotations: {simulate.gantry.dev/run-for: "normal(30m,5m)"}}
spec:
  parallelTrialCount: 3
  maxTrialCount: 12
  trialTemplate:
    trialSpec:
      apiVersion: kubeflow.org/v1
      kind: PyTorchJob
      spec:
        pytorchReplicaSpecs:
          Master: {replicas: 1, template: {spec: {containers: [{name: m, image: x, resources: {requests: {cpu: "1"}}}]}}}
          Worker: {replicas: 1, template: {spec: {containers: [{name: w, image: x, resources: {requests: {cpu: "1"}}}]}}}
)y");
  ASSERT_TRUE(t.errors.empty()) << errorsOf(t);
  ASSERT_EQ(t.arrivals.size(), 1u);
  const Arrival& a = t.arrivals[0];
  EXPECT_EQ(a.object, "Experiment ml/hpo");
  EXPECT_EQ(a.pods.size(), 6u);
  EXPECT_EQ(a.concurrentRuns, 3);
  EXPECT_EQ(a.podsPerRun, 2);
  EXPECT_EQ(a.totalRuns, 12);
}

TEST(TraceDecoderTest, BarePodAndTrainingJobRunOnce) {
  Trace t = decode(R"(
apiVersion: v1
kind: Pod
metadata: {name: solo, annotations: {simulate.gantry.dev/at: 1h, simulate.gantry.dev/run-for: 5m}}
spec:)" + std::string(R"(
  containers: [{name: c, image: x}]
---
apiVersion: kubeflow.org/v1
kind: TFJob
metadata: {name: tf}
spec:
  tfReplicaSpecs:
    Worker: {replicas: 4, template: {spec: {containers: [{name: w, image: x}]}}}
)"));
  ASSERT_TRUE(t.errors.empty()) << errorsOf(t);
  ASSERT_EQ(t.arrivals.size(), 2u);
  EXPECT_EQ(t.arrivals[0].kind, "TFJob");
  EXPECT_EQ(t.arrivals[0].podsPerRun, 4);
  EXPECT_EQ(t.arrivals[0].totalRuns, 1);
  EXPECT_EQ(t.arrivals[1].kind, "Pod");
  EXPECT_EQ(t.arrivals[1].at, 1h);
  EXPECT_EQ(t.arrivals[1].totalRuns, 1);
}

TEST(TraceDecoderTest, AnnotationErrorsNameFileObjectAndFieldAndDropTheObject) {
  EXPECT_EQ(onlyError(deployment("web", "    simulate.gantry.dev/at: -5m\n")),
            "Deployment shop/web | metadata.annotations[simulate.gantry.dev/at] | duration \"-5m\" "
            "is negative");
  EXPECT_EQ(onlyError(deployment("web", "    simulate.gantry.dev/run-for: uniform(40m,20m)\n")),
            "Deployment shop/web | metadata.annotations[simulate.gantry.dev/run-for] | "
            "\"uniform(40m,20m)\": uniform(LOW,HIGH) needs LOW below HIGH");
  EXPECT_EQ(onlyError(deployment("web", "    simulate.gantry.dev/delete-at: 0s\n")),
            "Deployment shop/web | metadata.annotations[simulate.gantry.dev/delete-at] | "
            "duration \"0s\" must be more than zero");
  EXPECT_EQ(onlyError(deployment(
                "web", "    simulate.gantry.dev/at: 2h\n    simulate.gantry.dev/delete-at: 1h\n")),
            "Deployment shop/web | metadata.annotations[simulate.gantry.dev/delete-at] | "
            "must be later than simulate.gantry.dev/at");
  EXPECT_EQ(onlyError(deployment("web", "    simulate.gantry.dev/replicas-at: \"0s=2,1h\"\n")),
            "Deployment shop/web | metadata.annotations[simulate.gantry.dev/replicas-at] | "
            "step 2 \"1h\" is not TIME=REPLICAS (want e.g. \"0s=2,8h=10,18h=2\")");
  EXPECT_EQ(onlyError(deployment("web", "    simulate.gantry.dev/runfor: 5m\n")),
            "Deployment shop/web | metadata.annotations[simulate.gantry.dev/runfor] | "
            "unknown simulate.gantry.dev annotation (known: at, run-for, delete-at, replicas-at)");
  EXPECT_EQ(onlyError(deployment("web", "    simulate.gantry.dev/at: 200h\n")),
            "Deployment shop/web | metadata.annotations[simulate.gantry.dev/at] | "
            "duration \"200h\" is longer than a simulation may run (168h, 7 days)");
  EXPECT_EQ(
      onlyError("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n"
                "    simulate.gantry.dev/replicas-at: \"0s=1\"\nspec:\n  template:\n    spec:" +
                kPodSpec + "\n"),
      "Job default/j | metadata.annotations[simulate.gantry.dev/replicas-at] | "
      "only Deployments and StatefulSets scale; a Job does not");
  Trace t =
      decode(deployment("web", "    simulate.gantry.dev/at: x\n") + "---\n" + deployment("ok", ""));
  ASSERT_EQ(t.arrivals.size(), 1u);  // the broken object is left out, the rest still plays
  EXPECT_EQ(t.arrivals[0].name, "ok");
}

TEST(TraceDecoderTest, LoadsFilesAndDirectoriesLikePlan) {
  workload::testing::TempDir dir("gantry-trace");
  std::ofstream(dir.path() / "sim.yaml") << simulationWith("  seed: 3\n");
  std::filesystem::create_directories(dir.path() / "apps");
  std::ofstream(dir.path() / "apps" / "web.yaml")
      << deployment("web", "    simulate.gantry.dev/at: 1h\n");
  std::ofstream(dir.path() / "apps" / "notes.txt") << "not a manifest";
  auto t = loadTrace({dir.path().string()}, smallCatalog);
  ASSERT_TRUE(t.has_value()) << t.error().toString();
  EXPECT_TRUE(t->errors.empty()) << errorsOf(*t);
  EXPECT_EQ(t->settings.seed, 3u);
  ASSERT_EQ(t->arrivals.size(), 1u);
  EXPECT_EQ(t->arrivals[0].source, (dir.path() / "apps" / "web.yaml").string());
  EXPECT_TRUE(loadTrace({(dir.path() / "missing").string()}, smallCatalog).error().isNotFound());
}

TEST(TraceDecoderTest, ADumpWithOwnedObjectsArrivesOnceThroughItsOwner) {
  Trace t = decode(deployment("web", "    simulate.gantry.dev/at: 1h\n") + R"(---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d4
  namespace: shop
  ownerReferences: [{kind: Deployment, name: web}]
spec:
  replicas: 2
  template: {spec: {containers: [{name: c, image: x}]}}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-5d4-abc
  namespace: shop
  ownerReferences: [{kind: ReplicaSet, name: web-5d4}]
spec: {containers: [{name: c, image: x}]}
)");
  ASSERT_TRUE(t.errors.empty()) << errorsOf(t);
  ASSERT_EQ(t.arrivals.size(), 1u);
  EXPECT_EQ(t.arrivals[0].object, "Deployment shop/web");
  EXPECT_EQ(t.arrivals[0].at, 1h);
  EXPECT_EQ(t.arrivals[0].pods.size(), 2u);
}

TEST(TraceDecoderTest, ABrokenTemplateBehindZeroReplicasIsReportedOnce) {
  Trace t = decode(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n"
      "    simulate.gantry.dev/replicas-at: \"1h=3\"\nspec:\n  replicas: 0\n"
      "  template: {spec: {containers: [{name: c, resources: {requests: {cpu: lots}}}]}}\n");
  ASSERT_EQ(t.errors.size(), 1u) << errorsOf(t);
  EXPECT_EQ(t.errors[0].object, "Deployment default/web");
  EXPECT_EQ(t.errors[0].count, 1u);
  EXPECT_NE(t.errors[0].field.find("spec.template"), std::string::npos) << t.errors[0].field;
  EXPECT_TRUE(t.arrivals.empty());
}

TEST(TraceDecoderTest, WorkloadErrorsComeThroughFromTheExpansion) {
  Trace t = decode(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\nspec: {replicas: -3}\n");
  ASSERT_EQ(t.errors.size(), 1u) << errorsOf(t);
  EXPECT_EQ(t.errors[0].field, "spec.replicas");
  EXPECT_TRUE(t.arrivals.empty());
}

}  // namespace
}  // namespace gantry::simulate
