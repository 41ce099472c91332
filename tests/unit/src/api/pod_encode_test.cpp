// Pod encoding (`gantry plan -o pods`): what it writes decodes back to the same scheduling
// view, and reads as the v1 Pod a Kubernetes client expects.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"
#include "src/api/pod_encode.h"

namespace gantry::api {
namespace {

using nlohmann::json;

// A pod using every field the model keeps, decoded from what a user would write.
Pod fullPod() {
  auto pod = decodePod(json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "trial-0", "namespace": "ml", "uid": "u-1",
                 "labels": {"app": "resnet", "tier": "train"},
                 "annotations": {"note": "x", "scheduling.k8s.io/group-name": "gang-a"},
                 "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "trial",
                                      "uid": "j-1", "controller": true}]},
    "spec": {
      "containers": [{"name": "main", "image": "pytorch:1",
                      "resources": {"requests": {"cpu": "2", "memory": "8Gi"},
                                    "limits": {"nvidia.com/gpu": 1}},
                      "ports": [{"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}]},
                     {"name": "side", "image": "envoy:1"}],
      "nodeSelector": {"gantry.dev/instance-gpu-name": "a10g"},
      "affinity": {
        "nodeAffinity": {
          "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In",
                                   "values": ["us-east-1a", "us-east-1b"]}]}]},
          "preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 5, "preference": {"matchExpressions": [
              {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["spot"]}]}}]},
        "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
          {"labelSelector": {"matchLabels": {"app": "resnet"}}, "topologyKey": "topology.kubernetes.io/zone"}]},
        "podAntiAffinity": {
          "requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
             "namespaces": ["ml", "web"], "topologyKey": "kubernetes.io/hostname"}],
          "preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 10, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "resnet"}},
                                               "topologyKey": "kubernetes.io/hostname"}}]}},
      "topologySpreadConstraints": [
        {"maxSkew": 2, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
         "labelSelector": {"matchLabels": {"app": "resnet"}}, "minDomains": 3},
        {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
         "labelSelector": {"matchLabels": {"app": "resnet"}}}],
      "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
                      {"key": "k", "operator": "Equal", "value": "v", "effect": "NoExecute",
                       "tolerationSeconds": 30}],
      "priority": 100,
      "volumes": [{"name": "data", "hostPath": {"path": "/data"}}]
    }})"));
  EXPECT_TRUE(pod.has_value()) << (pod ? "" : pod.error().field + ": " + pod.error().message);
  return pod.value_or(Pod{});
}

TEST(PodEncode, EncodingIsAFixedPointOfDecoding) {
  const Pod pod = fullPod();
  const json encoded = encodePod(pod);
  auto again = decodePod(encoded);
  ASSERT_TRUE(again.has_value()) << again.error().field << ": " << again.error().message;
  // Everything the model keeps survives: a second encoding is identical to the first.
  EXPECT_EQ(encodePod(*again), encoded) << encoded.dump(2);
  EXPECT_EQ(again->requests, pod.requests);
  EXPECT_EQ(again->gang, "ml/gang-a");
  EXPECT_EQ(again->owner.kind, "Job");
  EXPECT_EQ(again->owner.uid, "j-1");
  EXPECT_EQ(again->images, pod.images);
  EXPECT_EQ(again->hostPorts.size(), 1u);
  EXPECT_EQ(again->requiredPodAntiAffinity.at(0).namespaces, pod.requiredPodAntiAffinity.at(0).namespaces);
  EXPECT_EQ(again->topologySpread.at(0).minDomains.value_or(0), 3);
  EXPECT_EQ(again->topologySpread.at(1).whenUnsatisfiable, UnsatisfiableAction::kScheduleAnyway);
  EXPECT_EQ(again->tolerations.at(1).tolerationSeconds.value_or(0), 30);
  EXPECT_TRUE(again->localStorage);
  EXPECT_EQ(again->priority, 100);
}

TEST(PodEncode, WritesAV1PodWithExtendedResourcesAsLimits) {
  const json encoded = encodePod(fullPod());
  EXPECT_EQ(encoded["apiVersion"], "v1");
  EXPECT_EQ(encoded["kind"], "Pod");
  EXPECT_EQ(encoded["metadata"]["namespace"], "ml");
  const json& resources = encoded["spec"]["containers"][0]["resources"];
  EXPECT_EQ(resources["requests"]["cpu"], "2");
  EXPECT_EQ(resources["requests"]["nvidia.com/gpu"], "1");
  // The apiserver refuses an extended resource request without an equal limit.
  EXPECT_EQ(resources["limits"]["nvidia.com/gpu"], "1");
  EXPECT_FALSE(resources["limits"].contains("cpu"));
  EXPECT_EQ(encoded["status"]["phase"], "Pending");
}

TEST(PodEncode, GangWithoutALabelBecomesTheGroupAnnotation) {
  Pod pod;
  pod.ns = "training";
  pod.name = "job-worker-0";
  pod.gang = "training/job";
  const json encoded = encodePod(pod);
  EXPECT_EQ(encoded["metadata"]["annotations"]["scheduling.k8s.io/group-name"], "job");
  auto again = decodePod(encoded);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->gang, "training/job");
}

TEST(PodEncode, PodListKeepsOrder) {
  Pod a;
  a.name = "a";
  Pod b;
  b.name = "b";
  const json list = encodePodList({a, b});
  EXPECT_EQ(list["kind"], "PodList");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "a");
  EXPECT_EQ(list["items"][1]["metadata"]["name"], "b");
  EXPECT_EQ(encodePodList({})["items"], json::array());
}

}  // namespace
}  // namespace gantry::api
