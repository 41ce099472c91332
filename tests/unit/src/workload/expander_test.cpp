// Workload expansion: every kind Gantry plans for becomes the pods its controller would
// create, named <owner>-<index> in the owner's namespace; everything else is ignored, and
// bad objects become errors that name the source, the object and the field.
#include "src/workload/expander.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "src/workload/manifest_loader.h"

namespace gantry::workload {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

api::Quantity q(std::string_view text) { return api::Quantity::parse(text).value(); }

// Expands every document of `yaml` as if it came from "w.yaml".
Workload expand(std::string_view yaml, const ExpandOptions& options = {}) {
  auto docs = parseDocuments(yaml);
  EXPECT_TRUE(docs.has_value()) << (docs ? "" : docs.error().toString());
  Workload w;
  if (!docs) return w;
  for (const json& doc : *docs) expandObject(doc, "w.yaml", w, options);
  return w;
}

std::vector<std::string> podKeys(const Workload& w) {
  std::vector<std::string> out;
  for (const auto& p : w.pods) out.push_back(p.key());
  return out;
}

std::string errorsOf(const Workload& w) {
  std::string out;
  for (const auto& e : w.errors) out += e.source + " | " + e.object + " | " + e.field + " | " + e.message + "\n";
  return out;
}

constexpr std::string_view kTemplate = R"(
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: c
          resources:
            requests: {cpu: 500m, memory: 1Gi}
)";

std::string withTemplate(std::string head) { return head + "\n  template:" + std::string(kTemplate); }

// --- Pods and replicated controllers -----------------------------------------------------

TEST(ExpandPod, PodIsDecodedAsIs) {
  Workload w = expand(R"(
apiVersion: v1
kind: Pod
metadata: {name: solo, namespace: ml}
spec:
  containers: [{name: c, resources: {limits: {nvidia.com/gpu: 1}}}]
)");
  ASSERT_EQ(w.pods.size(), 1u) << errorsOf(w);
  EXPECT_EQ(w.pods[0].key(), "ml/solo");
  EXPECT_EQ(w.pods[0].requests.get("nvidia.com/gpu"), q("1"));
  EXPECT_TRUE(w.pods[0].owner.empty());
  EXPECT_THAT(w.errors, IsEmpty());
}

TEST(ExpandDeployment, ReplicasDefaultToOne) {
  Workload w = expand(withTemplate("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:"));
  EXPECT_THAT(podKeys(w), ElementsAre("default/web-0")) << errorsOf(w);
}

TEST(ExpandDeployment, ReplicasPodsNamedByIndexInTheOwnersNamespace) {
  Workload w = expand(withTemplate(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 3"));
  EXPECT_THAT(podKeys(w), ElementsAre("shop/web-0", "shop/web-1", "shop/web-2")) << errorsOf(w);
  for (const auto& p : w.pods) {
    EXPECT_EQ(p.owner.kind, "Deployment");
    EXPECT_EQ(p.owner.name, "web");
    EXPECT_EQ(p.labels.at("app"), "web");
    EXPECT_EQ(p.requests.get("cpu"), q("500m"));
    EXPECT_EQ(p.phase, "Pending");
    EXPECT_TRUE(p.unschedulable);
    EXPECT_EQ(p.gang, "");
  }
}

TEST(ExpandDeployment, ZeroReplicasMakeNoPods) {
  Workload w = expand(withTemplate("kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 0"));
  EXPECT_THAT(w.pods, IsEmpty());
  EXPECT_THAT(w.errors, IsEmpty());
}

TEST(ExpandDeployment, NullReplicasMeanTheDefault) {
  Workload w = expand(withTemplate("kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: ~"));
  EXPECT_EQ(w.pods.size(), 1u) << errorsOf(w);
}

TEST(ExpandReplicated, ReplicaSetStatefulSetAndReplicationController) {
  for (std::string kind : {"ReplicaSet", "StatefulSet", "ReplicationController"}) {
    Workload w = expand(withTemplate("kind: " + kind + "\nmetadata: {name: db, namespace: data}\nspec:\n  replicas: 2"));
    EXPECT_THAT(podKeys(w), ElementsAre("data/db-0", "data/db-1")) << kind << errorsOf(w);
    ASSERT_FALSE(w.pods.empty());
    EXPECT_EQ(w.pods[0].owner.kind, kind);
  }
}

TEST(ExpandDeployment, BadReplicasAreErrors) {
  for (std::string replicas : {"-1", "\"3\"", "2.5", "[1]", "true", "18446744073709551615"}) {
    Workload w = expand(withTemplate("kind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: " + replicas));
    EXPECT_THAT(w.pods, IsEmpty()) << replicas;
    ASSERT_EQ(w.errors.size(), 1u) << replicas;
    EXPECT_EQ(w.errors[0].source, "w.yaml");
    EXPECT_EQ(w.errors[0].object, "Deployment shop/web");
    EXPECT_EQ(w.errors[0].field, "spec.replicas");
  }
}

TEST(ExpandDeployment, BadValuesWithInvalidUtf8AreReportedNotThrown) {
  // YAML input can carry bytes that are not UTF-8; quoting them in a message must not throw.
  json doc = {{"kind", "Deployment"},
              {"metadata", {{"name", "web"}}},
              {"spec", {{"replicas", std::string("\xff\xfe")}, {"template", {{"spec", json::object()}}}}}};
  Workload w;
  expandObject(doc, "w.yaml", w);
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].field, "spec.replicas");
}

TEST(ExpandDeployment, MissingTemplateIsAnError) {
  Workload w = expand("kind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}");
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].field, "spec.template");
  EXPECT_EQ(w.errors[0].object, "Deployment default/web");
}

TEST(ExpandDeployment, TemplateErrorsNameSourceObjectAndField) {
  Workload w = expand(R"(
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  template:
    spec:
      containers: [{name: c, resources: {requests: {cpu: lots}}}]
)");
  EXPECT_THAT(w.pods, IsEmpty());
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].source, "w.yaml");
  EXPECT_EQ(w.errors[0].object, "Deployment shop/web");
  EXPECT_EQ(w.errors[0].field, "spec.template.spec.containers[0].resources.requests.cpu");
  EXPECT_THAT(w.errors[0].message, HasSubstr("\"lots\""));
}

TEST(ExpandObject, NeedsANameAndASpec) {
  Workload w = expand(withTemplate("kind: Deployment\nmetadata: {namespace: shop}\nspec:"));
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].field, "metadata.name");
  EXPECT_EQ(w.errors[0].object, "Deployment (unnamed)");
  Workload noSpec = expand("kind: StatefulSet\nmetadata: {name: db}");
  ASSERT_EQ(noSpec.errors.size(), 1u);
  EXPECT_EQ(noSpec.errors[0].field, "spec");
  Workload badSpec = expand("kind: Job\nmetadata: {name: j}\nspec: [1]");
  ASSERT_EQ(badSpec.errors.size(), 1u);
  EXPECT_EQ(badSpec.errors[0].field, "spec");
}

// --- Jobs ----------------------------------------------------------------------------------

TEST(ExpandJob, ParallelismDefaultsToOne) {
  Workload w = expand(withTemplate("kind: Job\nmetadata: {name: etl}\nspec:\n  completions: 10"));
  EXPECT_THAT(podKeys(w), ElementsAre("default/etl-0")) << errorsOf(w);
  EXPECT_EQ(w.pods[0].owner.kind, "Job");
}

TEST(ExpandJob, ParallelismRunsAtOnce) {
  Workload w = expand(withTemplate("kind: Job\nmetadata: {name: etl}\nspec:\n  parallelism: 4"));
  EXPECT_EQ(w.pods.size(), 4u) << errorsOf(w);
}

TEST(ExpandJob, CompletionsCapParallelism) {
  Workload w = expand(withTemplate("kind: Job\nmetadata: {name: etl}\nspec:\n  parallelism: 8\n  completions: 3"));
  EXPECT_EQ(w.pods.size(), 3u) << errorsOf(w);
  Workload zero = expand(withTemplate("kind: Job\nmetadata: {name: etl}\nspec:\n  parallelism: 0\n  completions: 3"));
  EXPECT_THAT(zero.pods, IsEmpty());
  EXPECT_THAT(zero.errors, IsEmpty());
}

TEST(ExpandJob, SuspendedJobRunsNothing) {
  Workload w = expand(withTemplate("kind: Job\nmetadata: {name: etl}\nspec:\n  parallelism: 4\n  suspend: true"));
  EXPECT_THAT(w.pods, IsEmpty());
  EXPECT_THAT(w.errors, IsEmpty());
  Workload resumed = expand(withTemplate("kind: Job\nmetadata: {name: etl}\nspec:\n  parallelism: 2\n  suspend: false"));
  EXPECT_EQ(resumed.pods.size(), 2u);
}

TEST(ExpandJob, BadCountsAreErrors) {
  Workload w = expand(withTemplate("kind: Job\nmetadata: {name: etl}\nspec:\n  completions: \"3\""));
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].field, "spec.completions");
}

TEST(ExpandCronJob, OneRunOfTheJobTemplate) {
  Workload w = expand(R"(
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: batch}
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      parallelism: 2
      template:
        spec:
          containers: [{name: c, resources: {requests: {cpu: "1"}}}]
)");
  EXPECT_THAT(podKeys(w), ElementsAre("batch/nightly-0", "batch/nightly-1")) << errorsOf(w);
  EXPECT_EQ(w.pods[0].owner.kind, "CronJob");
}

TEST(ExpandCronJob, SuspendedCronJobRunsNothing) {
  Workload w = expand(R"(
kind: CronJob
metadata: {name: nightly}
spec:
  suspend: true
  jobTemplate: {spec: {template: {spec: {containers: [{name: c}]}}}}
)");
  EXPECT_THAT(w.pods, IsEmpty());
  EXPECT_THAT(w.errors, IsEmpty());
}

TEST(ExpandCronJob, MissingJobTemplateIsAnError) {
  Workload w = expand("kind: CronJob\nmetadata: {name: nightly}\nspec: {schedule: '* * * * *'}");
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].field, "spec.jobTemplate.spec");
  Workload badTemplate = expand(R"(
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate: {spec: {template: {spec: {containers: [{name: c}], priority: high}}}}
)");
  ASSERT_EQ(badTemplate.errors.size(), 1u);
  EXPECT_EQ(badTemplate.errors[0].field, "spec.jobTemplate.spec.template.spec.priority");
}

// --- DaemonSets ----------------------------------------------------------------------------

TEST(ExpandDaemonSet, GoesToDaemonSetsNotPods) {
  Workload w = expand(R"(
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: dcgm-exporter, namespace: monitoring}
spec:
  template:
    spec:
      nodeSelector: {gantry.dev/instance-gpu-manufacturer: nvidia}
      tolerations: [{operator: Exists}]
      containers: [{name: c, resources: {requests: {cpu: 100m, memory: 128Mi}}}]
)");
  EXPECT_THAT(w.pods, IsEmpty());
  ASSERT_EQ(w.daemonSets.size(), 1u) << errorsOf(w);
  const auto& ds = w.daemonSets[0];
  EXPECT_EQ(ds.key(), "monitoring/dcgm-exporter");
  EXPECT_EQ(ds.owner.kind, "DaemonSet");
  EXPECT_EQ(ds.requests.get("memory"), q("128Mi"));
  EXPECT_EQ(ds.nodeSelector.at("gantry.dev/instance-gpu-manufacturer"), "nvidia");
  EXPECT_EQ(ds.tolerations.size(), 1u);
}

TEST(ExpandDaemonSet, BadTemplateIsAnError) {
  Workload w = expand("kind: DaemonSet\nmetadata: {name: ds}\nspec:\n  template: {spec: {containers: [{name: c}], tolerations: [{key: a, operator: Sometimes}]}}");
  EXPECT_THAT(w.daemonSets, IsEmpty());
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].field, "spec.template.spec.tolerations[0].operator");
  Workload noTemplate = expand("kind: DaemonSet\nmetadata: {name: ds}\nspec: {}");
  ASSERT_EQ(noTemplate.errors.size(), 1u);
  EXPECT_EQ(noTemplate.errors[0].field, "spec.template");
}

// --- Kubeflow training jobs ----------------------------------------------------------------

constexpr std::string_view kTfJob = R"(
apiVersion: kubeflow.org/v1
kind: TFJob
metadata: {name: mnist, namespace: ml}
spec:
  runPolicy: {cleanPodPolicy: None}
  tfReplicaSpecs:
    Worker:
      replicas: 3
      template:
        spec:
          containers: [{name: tensorflow, resources: {limits: {nvidia.com/gpu: 1}}}]
    Evaluator:
      template:
        spec:
          containers: [{name: tensorflow, resources: {requests: {cpu: "1"}}}]
    PS:
      replicas: 2
      template:
        spec:
          containers: [{name: tensorflow, resources: {requests: {cpu: "4", memory: 8Gi}}}]
    Chief:
      replicas: 1
      template:
        metadata: {labels: {role: chief}}
        spec:
          containers: [{name: tensorflow, resources: {requests: {cpu: "2"}}}]
)";

TEST(ExpandTFJob, EveryReplicaSpecLeadersFirst) {
  Workload w = expand(kTfJob);
  ASSERT_EQ(w.pods.size(), 7u) << errorsOf(w);
  // Chief, PS x2, Worker x3, Evaluator: indices count across replica specs.
  EXPECT_THAT(podKeys(w), ElementsAre("ml/mnist-0", "ml/mnist-1", "ml/mnist-2", "ml/mnist-3",
                                      "ml/mnist-4", "ml/mnist-5", "ml/mnist-6"));
  EXPECT_EQ(w.pods[0].labels.at("role"), "chief");
  EXPECT_EQ(w.pods[0].requests.get("cpu"), q("2"));
  EXPECT_EQ(w.pods[1].requests.get("memory"), q("8Gi"));
  EXPECT_EQ(w.pods[2].requests.get("memory"), q("8Gi"));
  for (int i = 3; i < 6; ++i) EXPECT_EQ(w.pods[i].requests.get("nvidia.com/gpu"), q("1")) << i;
  EXPECT_EQ(w.pods[6].requests.get("cpu"), q("1"));  // Evaluator, replicas default 1
}

TEST(ExpandTFJob, AllPodsFormOneGang) {
  Workload w = expand(kTfJob);
  ASSERT_FALSE(w.pods.empty());
  for (const auto& p : w.pods) {
    EXPECT_EQ(p.gang, "ml/mnist") << p.name;
    EXPECT_EQ(p.owner.kind, "TFJob");
    EXPECT_EQ(p.owner.name, "mnist");
  }
}

TEST(ExpandTFJob, ABrokenReplicaSpecDropsTheWholeGang) {
  std::string broken(kTfJob);
  broken.replace(broken.find("cpu: \"4\""), 8, "cpu: four");
  Workload w = expand(broken);
  EXPECT_THAT(w.pods, IsEmpty());  // not the Chief alone
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].object, "TFJob ml/mnist");
  EXPECT_EQ(w.errors[0].field, "spec.tfReplicaSpecs.PS.template.spec.containers[0].resources.requests.cpu");
}

TEST(ExpandTFJob, ReplicaSpecErrorsNameTheRole) {
  Workload noTemplate = expand("apiVersion: kubeflow.org/v1\nkind: TFJob\nmetadata: {name: t}\nspec:\n  tfReplicaSpecs:\n    Worker: {replicas: 2}");
  ASSERT_EQ(noTemplate.errors.size(), 1u);
  EXPECT_EQ(noTemplate.errors[0].field, "spec.tfReplicaSpecs.Worker.template");
  Workload badReplicas = expand("apiVersion: kubeflow.org/v1\nkind: TFJob\nmetadata: {name: t}\nspec:\n  tfReplicaSpecs:\n    Worker: {replicas: -2}");
  ASSERT_EQ(badReplicas.errors.size(), 1u);
  EXPECT_EQ(badReplicas.errors[0].field, "spec.tfReplicaSpecs.Worker.replicas");
  Workload notMap = expand("apiVersion: kubeflow.org/v1\nkind: TFJob\nmetadata: {name: t}\nspec:\n  tfReplicaSpecs: [Worker]");
  ASSERT_EQ(notMap.errors.size(), 1u);
  EXPECT_EQ(notMap.errors[0].field, "spec.tfReplicaSpecs");
  Workload none = expand("apiVersion: kubeflow.org/v1\nkind: TFJob\nmetadata: {name: t}\nspec: {runPolicy: {}}");
  ASSERT_EQ(none.errors.size(), 1u);
  EXPECT_EQ(none.errors[0].field, "spec");
  EXPECT_THAT(none.errors[0].message, HasSubstr("ReplicaSpecs"));
}

TEST(ExpandPyTorchJob, MasterThenWorkers) {
  Workload w = expand(R"(
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: bert}
spec:
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      template: {spec: {containers: [{name: pytorch, resources: {limits: {nvidia.com/gpu: 4}}}]}}
    Master:
      replicas: 1
      template: {spec: {containers: [{name: pytorch, resources: {limits: {nvidia.com/gpu: 1}}}]}}
)");
  ASSERT_EQ(w.pods.size(), 3u) << errorsOf(w);
  EXPECT_THAT(podKeys(w), ElementsAre("default/bert-0", "default/bert-1", "default/bert-2"));
  EXPECT_EQ(w.pods[0].requests.get("nvidia.com/gpu"), q("1"));  // Master first
  EXPECT_EQ(w.pods[1].requests.get("nvidia.com/gpu"), q("4"));
  for (const auto& p : w.pods) EXPECT_EQ(p.gang, "default/bert");
}

TEST(ExpandMPIJob, LauncherAndWorkers) {
  Workload w = expand(R"(
apiVersion: kubeflow.org/v2beta1
kind: MPIJob
metadata: {name: hvd, namespace: ml}
spec:
  slotsPerWorker: 1
  mpiReplicaSpecs:
    Launcher:
      replicas: 1
      template: {spec: {containers: [{name: l, resources: {requests: {cpu: 500m}}}]}}
    Worker:
      replicas: 4
      template: {spec: {containers: [{name: w, resources: {limits: {nvidia.com/gpu: 1}}}]}}
)");
  ASSERT_EQ(w.pods.size(), 5u) << errorsOf(w);
  EXPECT_EQ(w.pods[0].requests.get("cpu"), q("500m"));
  EXPECT_EQ(w.pods[4].requests.get("nvidia.com/gpu"), q("1"));
  for (const auto& p : w.pods) {
    EXPECT_EQ(p.gang, "ml/hvd");
    EXPECT_EQ(p.owner.kind, "MPIJob");
  }
}

TEST(ExpandTrainingJob, OtherKubeflowFrameworksToo) {
  Workload w = expand(R"(
apiVersion: kubeflow.org/v1
kind: XGBoostJob
metadata: {name: xgb}
spec:
  xgbReplicaSpecs:
    Master: {replicas: 1, template: {spec: {containers: [{name: x}]}}}
    Worker: {replicas: 2, template: {spec: {containers: [{name: x}]}}}
)");
  EXPECT_EQ(w.pods.size(), 3u) << errorsOf(w);
}

TEST(ExpandTrainingJob, NonKubeflowJobKindsAreIgnored) {
  Workload w = expand("apiVersion: example.com/v1\nkind: FooJob\nmetadata: {name: f}\nspec: {fooReplicaSpecs: {}}");
  EXPECT_THAT(w.pods, IsEmpty());
  EXPECT_THAT(w.errors, IsEmpty());
}

// --- Katib Experiments ---------------------------------------------------------------------

constexpr std::string_view kJobExperiment = R"(
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: lr-search, namespace: ml}
spec:
  parallelTrialCount: 3
  maxTrialCount: 12
  objective: {type: maximize, goal: 0.99, objectiveMetricName: accuracy}
  trialTemplate:
    primaryContainerName: training
    trialParameters: [{name: lr, reference: lr}]
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: training
                command: ["python", "train.py", "--lr=${trialParameters.lr}"]
                resources: {limits: {nvidia.com/gpu: 1}}
)";

TEST(ExpandExperiment, ParallelTrialsOfAJob) {
  Workload w = expand(kJobExperiment);
  ASSERT_EQ(w.pods.size(), 3u) << errorsOf(w);
  EXPECT_THAT(podKeys(w), ElementsAre("ml/lr-search-0", "ml/lr-search-1", "ml/lr-search-2"));
  for (const auto& p : w.pods) {
    EXPECT_EQ(p.requests.get("nvidia.com/gpu"), q("1"));
    EXPECT_EQ(p.owner.kind, "Experiment");
    EXPECT_EQ(p.gang, "");  // Job trials are independent pods
  }
}

TEST(ExpandExperiment, MaxTrialCountCapsParallelTrials) {
  std::string yaml(kJobExperiment);
  yaml.replace(yaml.find("maxTrialCount: 12"), 17, "maxTrialCount: 2");
  EXPECT_EQ(expand(yaml).pods.size(), 2u);
}

TEST(ExpandExperiment, ParallelTrialCountDefaultsToThree) {
  std::string yaml(kJobExperiment);
  yaml.replace(yaml.find("parallelTrialCount: 3"), 21, "");
  EXPECT_EQ(expand(yaml).pods.size(), 3u);
}

TEST(ExpandExperiment, JobTrialsMultiplyByParallelism) {
  std::string yaml(kJobExperiment);
  yaml.replace(yaml.find("        template:"), 0, "        parallelism: 2\n");
  EXPECT_EQ(expand(yaml).pods.size(), 6u);
}

TEST(ExpandExperiment, PyTorchJobTrialsAreOneGangEach) {
  Workload w = expand(R"(
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: hp, namespace: ml}
spec:
  parallelTrialCount: 2
  maxTrialCount: 10
  trialTemplate:
    trialSpec:
      apiVersion: kubeflow.org/v1
      kind: PyTorchJob
      spec:
        pytorchReplicaSpecs:
          Master:
            replicas: 1
            template: {spec: {containers: [{name: pytorch, resources: {limits: {nvidia.com/gpu: 1}}}]}}
          Worker:
            replicas: 2
            template: {spec: {containers: [{name: pytorch, resources: {limits: {nvidia.com/gpu: 1}}}]}}
)");
  ASSERT_EQ(w.pods.size(), 6u) << errorsOf(w);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(w.pods[i].gang, "ml/hp-trial-0") << i;
  for (int i = 3; i < 6; ++i) EXPECT_EQ(w.pods[i].gang, "ml/hp-trial-1") << i;
  EXPECT_EQ(w.pods[5].key(), "ml/hp-5");
}

TEST(ExpandExperiment, PodTrials) {
  Workload w = expand(R"(
kind: Experiment
metadata: {name: e}
spec:
  parallelTrialCount: 2
  trialTemplate:
    trialSpec:
      kind: Pod
      spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
)");
  EXPECT_THAT(podKeys(w), ElementsAre("default/e-0", "default/e-1")) << errorsOf(w);
}

TEST(ExpandExperiment, SuspendedTrialsWithHugeParallelismFinishAtOnce) {
  // Each trial runs no pods; parallelTrialCount must not turn into a long loop.
  auto start = std::chrono::steady_clock::now();
  Workload w = expand(R"(
kind: Experiment
metadata: {name: e}
spec:
  parallelTrialCount: 9223372036854775807
  trialTemplate:
    trialSpec:
      kind: Job
      spec: {suspend: true, template: {spec: {containers: [{name: c}]}}}
)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_THAT(w.pods, IsEmpty());
  EXPECT_THAT(w.errors, IsEmpty());
}

TEST(ExpandExperiment, ErrorsNameTheTrialTemplate) {
  Workload noSpec = expand("kind: Experiment\nmetadata: {name: e}\nspec: {parallelTrialCount: 1}");
  ASSERT_EQ(noSpec.errors.size(), 1u);
  EXPECT_EQ(noSpec.errors[0].field, "spec.trialTemplate.trialSpec");
  Workload unknownKind = expand(R"(
kind: Experiment
metadata: {name: e}
spec:
  trialTemplate: {trialSpec: {kind: Deployment, spec: {template: {spec: {containers: [{name: c}]}}}}}
)");
  ASSERT_EQ(unknownKind.errors.size(), 1u);
  EXPECT_EQ(unknownKind.errors[0].field, "spec.trialTemplate.trialSpec.kind");
  EXPECT_THAT(unknownKind.errors[0].message, HasSubstr("Deployment"));
  Workload badTemplate = expand(R"(
kind: Experiment
metadata: {name: e}
spec:
  trialTemplate: {trialSpec: {kind: Job, spec: {template: {spec: {containers: [{resources: {limits: {nvidia.com/gpu: -1}}}]}}}}}
)");
  ASSERT_EQ(badTemplate.errors.size(), 1u);
  EXPECT_EQ(badTemplate.errors[0].field,
            "spec.trialTemplate.trialSpec.spec.template.spec.containers[0].resources.limits.nvidia.com/gpu");
  EXPECT_THAT(badTemplate.pods, IsEmpty());
  Workload badCount = expand("kind: Experiment\nmetadata: {name: e}\nspec: {maxTrialCount: many}");
  ASSERT_EQ(badCount.errors.size(), 1u);
  EXPECT_EQ(badCount.errors[0].field, "spec.maxTrialCount");
}

// --- Lists, NodePools, Nodes, ignored kinds --------------------------------------------------

TEST(ExpandList, ExpandsEveryItem) {
  Workload w = expand(R"(
apiVersion: v1
kind: List
items:
  - {kind: Pod, metadata: {name: a}, spec: {containers: [{name: c}]}}
  - kind: List
    items: [{kind: Pod, metadata: {name: b}, spec: {containers: [{name: c}]}}]
  - {kind: Service, metadata: {name: svc}, spec: {ports: [{port: 80}]}}
  - {kind: NodePool, metadata: {name: gpu}, spec: {weight: 10}}
)");
  EXPECT_THAT(podKeys(w), ElementsAre("default/a", "default/b"));
  ASSERT_EQ(w.nodePools.size(), 1u);
  EXPECT_EQ(w.nodePools[0].weight, 10);
  EXPECT_THAT(w.errors, IsEmpty());
}

TEST(ExpandList, DeeplyNestedListsAreRefusedNotRecursedInto) {
  json doc = {{"kind", "Pod"}, {"metadata", {{"name", "deep"}}}, {"spec", json::object()}};
  for (int i = 0; i < 100; ++i) doc = {{"kind", "List"}, {"items", json::array({doc})}};
  Workload w;
  expandObject(doc, "x.json", w);
  EXPECT_THAT(w.pods, IsEmpty());
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].source, "x.json");
  EXPECT_THAT(w.errors[0].message, HasSubstr("nested"));
}

TEST(ExpandObject, NodePoolsAndNodesAreCollected) {
  Workload w = expand(R"(
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: default}
spec: {template: {spec: {requirements: [{key: kubernetes.io/arch, operator: In, values: [arm64]}]}}}
---
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {gantry.dev/nodepool: default}}
status: {allocatable: {cpu: "4"}, conditions: [{type: Ready, status: "True"}]}
)");
  ASSERT_EQ(w.nodePools.size(), 1u) << errorsOf(w);
  ASSERT_EQ(w.nodes.size(), 1u);
  EXPECT_EQ(w.nodes[0].nodePool, "default");
  EXPECT_TRUE(w.nodes[0].ready);
  Workload bad = expand("kind: NodePool\nmetadata: {name: p}\nspec: {weight: 1000}");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].object, "NodePool default/p");
  EXPECT_EQ(bad.errors[0].field, "spec.weight");
}

TEST(ExpandObject, KindsWithoutPodsAreIgnored) {
  Workload w = expand(R"(
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {replicas: "3"}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: x.example.com}
---
kind: Namespace
metadata: {name: ml}
---
just: a map without a kind
)");
  EXPECT_THAT(w.pods, IsEmpty());
  EXPECT_THAT(w.errors, IsEmpty());
}

TEST(ExpandObject, NonObjectsAreIgnored) {
  Workload w;
  for (const json& v : {json(nullptr), json(3), json("Pod"), json::array({1, 2})}) expandObject(v, "s", w);
  EXPECT_THAT(w.pods, IsEmpty());
  EXPECT_THAT(w.errors, IsEmpty());
}

// --- limits --------------------------------------------------------------------------------

TEST(ExpandLimits, PodsPerObjectAreCapped) {
  ExpandOptions options;
  options.maxPodsPerObject = 4;
  Workload ok = expand(withTemplate("kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 4"), options);
  EXPECT_EQ(ok.pods.size(), 4u);
  Workload w = expand(withTemplate("kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 5"), options);
  EXPECT_THAT(w.pods, IsEmpty());
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].field, "spec.template");
  EXPECT_THAT(w.errors[0].message, HasSubstr("4"));
}

TEST(ExpandLimits, TheCapCountsAcrossReplicaSpecs) {
  ExpandOptions options;
  options.maxPodsPerObject = 6;
  Workload w = expand(kTfJob, options);  // 7 pods in all
  EXPECT_THAT(w.pods, IsEmpty());
  ASSERT_EQ(w.errors.size(), 1u) << errorsOf(w);
  EXPECT_EQ(w.errors[0].field, "spec.tfReplicaSpecs.Evaluator.template");
}

TEST(ExpandLimits, HugeReplicaCountsAreRefusedWithoutOverflow) {
  ExpandOptions options;
  options.maxPodsPerObject = 10;
  Workload w = expand(R"(
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: big}
spec:
  pytorchReplicaSpecs:
    Master: {replicas: 1, template: {spec: {containers: [{name: c}]}}}
    Worker: {replicas: 9223372036854775807, template: {spec: {containers: [{name: c}]}}}
)",
                      options);
  EXPECT_THAT(w.pods, IsEmpty());
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].field, "spec.pytorchReplicaSpecs.Worker.template");
  EXPECT_THAT(expand(withTemplate("kind: Job\nmetadata: {name: j}\nspec:\n  parallelism: 9223372036854775807")).pods,
              IsEmpty());
}

TEST(ExpandLimits, TotalPodsAcrossObjectsAreCapped) {
  ExpandOptions options;
  options.maxPodsTotal = 5;
  Workload w = expand(withTemplate("kind: Deployment\nmetadata: {name: a}\nspec:\n  replicas: 3") + "---\n" +
                          withTemplate("kind: Deployment\nmetadata: {name: b}\nspec:\n  replicas: 3") + "---\n" +
                          withTemplate("kind: Deployment\nmetadata: {name: c}\nspec:\n  replicas: 2") + "---\n" +
                          "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n---\n"
                          "kind: Pod\nmetadata: {name: q}\nspec: {containers: [{name: c}]}\n",
                      options);
  EXPECT_THAT(podKeys(w), ElementsAre("default/a-0", "default/a-1", "default/a-2", "default/c-0",
                                      "default/c-1"));
  ASSERT_EQ(w.errors.size(), 3u) << errorsOf(w);
  EXPECT_EQ(w.errors[0].object, "Deployment default/b");
  EXPECT_EQ(w.errors[1].object, "Pod default/p");
  EXPECT_EQ(w.errors[2].object, "Pod default/q");
}

}  // namespace
}  // namespace gantry::workload
