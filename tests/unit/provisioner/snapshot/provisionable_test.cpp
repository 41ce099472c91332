// The provisionable-pod rules of `plan --kubeconfig`: each case is a Pod as the apiserver
// returns it, decoded by the real decoder, so a decoder change that loses a field the
// filter needs (conditions, gates, owner, mirror annotation) fails here.
#include "provisioner/snapshot/provisionable.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"

namespace gantry::provisioner {
namespace {

using nlohmann::json;

const std::set<std::string, std::less<>> kNodes = {"node-a"};

// An Unschedulable pending pod; tests add or change one thing.
json pendingPod() {
  return json::parse(R"({
    "metadata": {"name": "p", "namespace": "team"},
    "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}]},
    "status": {"phase": "Pending",
               "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}
  })");
}

PodVerdict verdictOf(const json& object) {
  auto pod = api::decodePod(object);
  EXPECT_TRUE(pod) << pod.error().field << ": " << pod.error().message;
  return pod ? classifyPendingPod(*pod, kNodes) : PodVerdict::kTerminal;
}

TEST(PendingPods, UnschedulableUnboundPodIsProvisionable) {
  EXPECT_EQ(verdictOf(pendingPod()), PodVerdict::kProvisionable);
}

TEST(PendingPods, PodTheSchedulerHasNotRejectedIsLeftToIt) {
  json pod = pendingPod();
  pod["status"].erase("conditions");
  EXPECT_EQ(verdictOf(pod), PodVerdict::kNotYetUnschedulable);
  // Rejected for another reason (a gate) is not "no node fits" either.
  pod = pendingPod();
  pod["status"]["conditions"][0]["reason"] = "SchedulingGated";
  EXPECT_EQ(verdictOf(pod), PodVerdict::kNotYetUnschedulable);
  pod = pendingPod();
  pod["status"]["conditions"][0]["status"] = "True";
  EXPECT_EQ(verdictOf(pod), PodVerdict::kNotYetUnschedulable);
}

TEST(PendingPods, BoundAndTerminalPodsAreNotPlaced) {
  json bound = pendingPod();
  bound["spec"]["nodeName"] = "node-a";
  EXPECT_EQ(verdictOf(bound), PodVerdict::kBound);
  for (const char* phase : {"Succeeded", "Failed"}) {
    json done = pendingPod();
    done["status"]["phase"] = phase;
    EXPECT_EQ(verdictOf(done), PodVerdict::kTerminal) << phase;
  }
}

TEST(PendingPods, TerminatingPodIsNotPlaced) {
  json pod = pendingPod();
  pod["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z";
  EXPECT_EQ(verdictOf(pod), PodVerdict::kTerminating);
}

TEST(PendingPods, DaemonSetPodIsNotPlacedButOtherOwnersAre) {
  json pod = pendingPod();
  pod["metadata"]["ownerReferences"] =
      json::array({{{"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"name", "agent"}, {"uid", "u"},
                    {"controller", true}}});
  EXPECT_EQ(verdictOf(pod), PodVerdict::kDaemonSetPod);
  pod["metadata"]["ownerReferences"][0]["kind"] = "Job";
  EXPECT_EQ(verdictOf(pod), PodVerdict::kProvisionable);
  // A non-controller DaemonSet reference does not make it a DaemonSet's pod.
  pod["metadata"]["ownerReferences"][0] = {{"kind", "DaemonSet"}, {"name", "x"}, {"uid", "v"}};
  EXPECT_EQ(verdictOf(pod), PodVerdict::kProvisionable);
}

TEST(PendingPods, MirrorPodByAnnotationOrNodeOwnerIsNotPlaced) {
  json annotated = pendingPod();
  annotated["metadata"]["annotations"] = {{"kubernetes.io/config.mirror", "hash"}};
  EXPECT_EQ(verdictOf(annotated), PodVerdict::kMirrorPod);
  json owned = pendingPod();
  owned["metadata"]["ownerReferences"] =
      json::array({{{"kind", "Node"}, {"name", "node-a"}, {"uid", "n"}, {"controller", true}}});
  EXPECT_EQ(verdictOf(owned), PodVerdict::kMirrorPod);
}

TEST(PendingPods, GatedPodIsNotPlacedUntilItsGatesAreGone) {
  json pod = pendingPod();
  pod["spec"]["schedulingGates"] = json::array({{{"name", "example.com/quota"}}});
  EXPECT_EQ(verdictOf(pod), PodVerdict::kSchedulingGated);
  pod["spec"]["schedulingGates"] = json::array();
  EXPECT_EQ(verdictOf(pod), PodVerdict::kProvisionable);
}

TEST(PendingPods, NominatedPodWaitsForItsNodeUnlessTheNodeIsGone) {
  json pod = pendingPod();
  pod["status"]["nominatedNodeName"] = "node-a";
  EXPECT_EQ(verdictOf(pod), PodVerdict::kNominated);
  pod["status"]["nominatedNodeName"] = "node-deleted";
  EXPECT_EQ(verdictOf(pod), PodVerdict::kProvisionable);
  // Even before the scheduler re-marks it: nothing else will place it.
  pod["status"].erase("conditions");
  EXPECT_EQ(verdictOf(pod), PodVerdict::kProvisionable);
}

TEST(PendingPods, VerdictsHaveNames) {
  EXPECT_EQ(podVerdictName(PodVerdict::kProvisionable), "provisionable");
  EXPECT_EQ(podVerdictName(PodVerdict::kMirrorPod), "mirror pod");
}

}  // namespace
}  // namespace gantry::provisioner
