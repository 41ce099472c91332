// Collecting manifests and expanding them as one input: unknown and missing kinds, objects
// owned by other objects of the input (kubectl dumps), objects given twice, files that do
// not parse, and repeated errors collapsed.
#include "src/workload/workload_assembly.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/src/workload/temp_dir.h"

namespace gantry::workload {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::TempDir;

std::vector<std::string> podKeys(const Workload& w) {
  std::vector<std::string> out;
  for (const auto& p : w.pods) out.push_back(p.key());
  return out;
}

Workload load(const std::string& path, const LoadOptions& options = {}) {
  Workload w;
  Status s = loadManifests(path, w, options);
  EXPECT_TRUE(s.isOk()) << s.toString();
  return w;
}

constexpr std::string_view kPodSpec = "spec: {containers: [{name: c, resources: {requests: {cpu: 100m}}}]}\n";

std::string pod(const std::string& name) {
  return "kind: Pod\napiVersion: v1\nmetadata: {name: " + name + "}\n" + std::string(kPodSpec);
}

TEST(Assembly, KnownNonWorkloadKindsAreSkippedQuietly) {
  TempDir dir;
  auto file = dir.write("chart.yaml", "kind: ConfigMap\nmetadata: {name: a}\n---\n"
                                      "kind: Service\nmetadata: {name: b}\n---\n"
                                      "kind: CustomResourceDefinition\nmetadata: {name: c}\n---\n"
                                      "kind: ClusterRoleBinding\nmetadata: {name: d}\n---\n" +
                                          pod("p"));
  Workload w = load(file.string());
  EXPECT_THAT(podKeys(w), ElementsAre("default/p"));
  EXPECT_THAT(w.errors, IsEmpty());
}

TEST(Assembly, UnknownKindIsAnErrorUnlessIgnored) {
  TempDir dir;
  auto file = dir.write("x.yaml", "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: r, namespace: ml}\n---\n" +
                                      pod("p"));
  Workload w = load(file.string());
  EXPECT_THAT(podKeys(w), ElementsAre("default/p"));
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].object, "RayCluster ml/r");
  EXPECT_EQ(w.errors[0].field, "kind");
  EXPECT_THAT(w.errors[0].message, HasSubstr("unknown kind \"RayCluster\" (apiVersion \"ray.io/v1\")"));

  LoadOptions ignore;
  ignore.ignoreUnknownKinds = true;
  Workload quiet = load(file.string(), ignore);
  EXPECT_THAT(podKeys(quiet), ElementsAre("default/p"));
  EXPECT_THAT(quiet.errors, IsEmpty());
}

TEST(Assembly, MissingKindIsAnErrorEvenWhenUnknownKindsAreIgnored) {
  TempDir dir;
  auto file = dir.write("x.yaml", "metadata: {name: what}\nspec: {}\n---\nmetadata: {}\n");
  LoadOptions ignore;
  ignore.ignoreUnknownKinds = true;
  Workload w = load(file.string(), ignore);
  ASSERT_EQ(w.errors.size(), 2u);
  EXPECT_EQ(w.errors[0].object, "object default/what");
  EXPECT_EQ(w.errors[0].field, "kind");
  EXPECT_EQ(w.errors[1].object, "document 2");
}

// The shape of `kubectl get deploy,rs,pods -o yaml`: every pod appears as the Deployment's
// replicas, again as the ReplicaSet's, and once more as itself.
constexpr std::string_view kKubectlDump = R"(apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop, uid: d-1}
  spec:
    replicas: 2
    template: {spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}}
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata:
    name: web-5d9
    namespace: shop
    uid: rs-1
    ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d-1, controller: true}]
  spec:
    replicas: 2
    template: {spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-5d9-aaaaa
    namespace: shop
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9, uid: rs-1, controller: true}]
  spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-5d9-bbbbb
    namespace: shop
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9, controller: true}]
  spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
- apiVersion: v1
  kind: Pod
  metadata:
    name: lonely
    namespace: shop
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: not-in-the-dump, uid: rs-9}]
  spec: {containers: [{name: c}]}
)";

TEST(Assembly, ObjectsOwnedByAnotherObjectOfTheInputAreNotExpandedAgain) {
  TempDir dir;
  auto file = dir.write("dump.yaml", kKubectlDump);
  Workload w = load(file.string());
  // The Deployment's two replicas, plus the pod whose owner is not in the dump; the
  // ReplicaSet (owned by uid) and its pods (by uid, and by kind and name) are not counted.
  EXPECT_THAT(podKeys(w), ElementsAre("shop/web-0", "shop/web-1", "shop/lonely"));
  EXPECT_THAT(w.errors, IsEmpty());
}

TEST(Assembly, OwnersInAnotherFileOfTheSameInputCount) {
  TempDir dir;
  dir.write("a-job.yaml", "kind: Job\nmetadata: {name: train, namespace: ml}\n"
                          "spec: {template: {spec: {containers: [{name: c}]}}}\n");
  dir.write("b-pod.yaml", "kind: Pod\nmetadata: {name: train-x, namespace: ml, ownerReferences: "
                          "[{kind: Job, name: train}]}\n" + std::string(kPodSpec));
  dir.write("c-other-ns.yaml", "kind: Pod\nmetadata: {name: train-y, namespace: other, ownerReferences: "
                               "[{kind: Job, name: train}]}\n" + std::string(kPodSpec));
  Workload w = load(dir.path().string());
  // An owner is looked for in its dependent's namespace only.
  EXPECT_THAT(podKeys(w), ElementsAre("ml/train-0", "other/train-y"));
}

TEST(Assembly, AnObjectGivenTwiceIsCountedOnceAndNamesTheFirstPlace) {
  TempDir dir;
  dir.write("a.yaml", pod("p") + "---\n" + pod("q"));
  dir.write("b.yaml", "kind: ConfigMap\nmetadata: {name: x}\n---\n" + pod("p"));
  Workload w = load(dir.path().string());
  EXPECT_THAT(podKeys(w), ElementsAre("default/p", "default/q"));
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].source, (dir.path() / "b.yaml").string());
  EXPECT_EQ(w.errors[0].object, "Pod default/p");
  EXPECT_THAT(w.errors[0].message, HasSubstr("first at " + (dir.path() / "a.yaml").string() + ", document 1"));
  EXPECT_THAT(w.errors[0].message, HasSubstr("counted once"));
}

TEST(Assembly, TheSameFileNamedTwiceIsReadOnce) {
  TempDir dir;
  auto file = dir.write("a.yaml", pod("p"));
  dir.link("alias.yaml", "a.yaml");
  ManifestCollection collection;
  ASSERT_TRUE(collectManifests(file.string(), collection).isOk());
  ASSERT_TRUE(collectManifests((dir.path() / "alias.yaml").string(), collection).isOk());
  ASSERT_TRUE(collectManifests(dir.path().string(), collection).isOk());
  Workload w;
  expandManifests(collection, w, {});
  EXPECT_THAT(podKeys(w), ElementsAre("default/p"));
  EXPECT_THAT(w.errors, IsEmpty());
}

TEST(Assembly, AnUnparsableFileIsAnErrorAndTheOthersAreStillRead) {
  TempDir dir;
  dir.write("a.yaml", pod("p"));
  dir.write("b.yaml", "kind: Pod\nmetadata: {name: [unclosed\n");
  dir.write("c.yaml", pod("q"));
  Workload w = load(dir.path().string());
  EXPECT_THAT(podKeys(w), ElementsAre("default/p", "default/q"));
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].source, (dir.path() / "b.yaml").string());
  EXPECT_EQ(w.errors[0].object, "");
  EXPECT_THAT(w.errors[0].message, HasSubstr("line "));
}

TEST(Assembly, ParseProblemsRefuseTheirObjectOnly) {
  TempDir dir;
  auto file = dir.write("a.yaml", pod("p") + "---\nkind: Pod\nmetadata: {name: d, name: e}\n" +
                                      std::string(kPodSpec));
  Workload w = load(file.string());
  EXPECT_THAT(podKeys(w), ElementsAre("default/p"));
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].field, "metadata.name");
  EXPECT_THAT(w.errors[0].message, HasSubstr("duplicate key"));
}

TEST(Assembly, ObjectsPastThePodCapCollapseIntoOneErrorPerFile) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 6; ++i) text += "---\n" + pod("p" + std::to_string(i));
  text += "---\nkind: DaemonSet\nmetadata: {name: ds}\nspec: {template: {spec: {containers: [{name: c}]}}}\n";
  auto file = dir.write("many.yaml", text);
  LoadOptions options;
  options.expand.maxPodsTotal = 2;
  Workload w = load(file.string(), options);
  EXPECT_THAT(podKeys(w), ElementsAre("default/p0", "default/p1"));
  EXPECT_EQ(w.daemonSets.size(), 1u);  // adds no pods, so the cap does not stop it
  collapseRepeatedErrors(w.errors);
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].count, 4u);
  EXPECT_EQ(w.errors[0].object, "");
  EXPECT_THAT(w.errors[0].message, HasSubstr("already has 2 pods"));
}

TEST(Assembly, RepeatedIdenticalErrorsCollapseWithACount) {
  std::vector<ManifestError> errors = {
      {"a.yaml", "Pod default/p", "spec", "bad"}, {"a.yaml", "Pod default/q", "spec", "bad"},
      {"a.yaml", "Pod default/p", "spec", "bad"}, {"b.yaml", "Pod default/p", "spec", "bad"},
      {"a.yaml", "Pod default/p", "spec", "bad"},
  };
  collapseRepeatedErrors(errors);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].object, "Pod default/p");
  EXPECT_EQ(errors[0].count, 3u);
  EXPECT_EQ(errors[1].object, "Pod default/q");
  EXPECT_EQ(errors[1].count, 1u);
  EXPECT_EQ(errors[2].source, "b.yaml");
}

}  // namespace
}  // namespace gantry::workload
