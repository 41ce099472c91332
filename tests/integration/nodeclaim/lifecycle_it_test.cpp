// The lifecycle controller against the real peers: a g4dn.xlarge launched in moto through
// Ec2CloudProvider (a unique gantry.dev/cluster value, plus the kubernetes.io/cluster tag the
// node bootstrapper looks for), a NodeClaim with the termination finalizer pointing at it with
// Launched=True, and the controller run in-process with real informers. Asserts adoption
// (taint removed, labels, ownerRef, finalizer), Registered, Initialized only once
// nvidia.com/gpu is allocatable, and on deletion the instance terminated in moto and the
// finalizer removed. Every object is named uniquely and cleaned up; the env is shared.
#include <gtest/gtest.h>

#include "tests/integration/nodeclaim/lifecycle_it_fixture.h"

namespace gantry::provisioner::nodeclaim {
namespace {

TEST_F(LifecycleIT, GpuNodeIsAdoptedRegisteredInitializedAndTerminatedOnDelete) {
  claimName_ = "lc-it-" + suffix_;
  const std::string pool = "lc-it-pool-" + suffix_;

  // 1. The launch, as the provisioner would make it.
  const api::Ec2NodeClass nodeClass = this->nodeClass();
  api::InstanceType type;
  type.name = "g4dn.xlarge";
  type.architecture = "amd64";
  type.capacity.set("cpu", api::Quantity::fromValue(4));
  type.capacity.set("nvidia.com/gpu", api::Quantity::fromValue(1));
  type.offerings.push_back({.zone = "us-east-1a", .capacityType = api::CapacityType::kOnDemand,
                            .pricePerHour = 0.526});
  auto instance = provider_->create(
      {.nodeClaimName = claimName_, .nodePoolName = pool, .nodeClassRef = nodeClassRef(),
       .instanceTypes = {type},
       // The bootstrapper plays kubelets for the shared test cluster's instances only.
       .tags = {{"kubernetes.io/cluster/" + env().clusterName(), "owned"}}});
  ASSERT_TRUE(instance) << instance.error().toString();

  // 2. The NodeClaim with its finalizer, then its status: Launched with the providerID.
  api::NodeClaim c;
  c.name = claimName_;
  c.labels = {{"gantry.dev/nodepool", pool}, {"gantry.dev/capacity-type", "on-demand"}};
  c.finalizers = {std::string(nc::kTerminationFinalizer)};
  c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = nodeClass.name};
  c.resourceRequests.set("nvidia.com/gpu", api::Quantity::fromValue(1));
  c.taints = {{.key = "nvidia.com/gpu", .value = "true", .effect = api::TaintEffect::kNoSchedule}};
  ASSERT_NO_FATAL_FAILURE(createLaunchedClaim(c, instance->providerId));

  ASSERT_NO_FATAL_FAILURE(startController());

  // 3. Registration: the bootstrapper's Node is adopted.
  ASSERT_TRUE(waitFor(90s, [&] {
    auto got = claim();
    if (!got || !conditionTrue(*got, nc::kRegistered)) return false;
    nodeName_ = (*got)["status"].value("nodeName", "");
    return true;
  })) << "not Registered: " << (claim() ? claim()->dump() : "gone");
  ASSERT_FALSE(nodeName_.empty());
  auto node = client().get(kNodes.withName(nodeName_));
  ASSERT_TRUE(node) << node.error().toString();
  EXPECT_EQ((*node)["spec"]["providerID"], instance->providerId);
  EXPECT_EQ((*node)["metadata"]["labels"].value("gantry.dev/nodepool", ""), pool);
  EXPECT_EQ((*node)["metadata"]["labels"].value("gantry.dev/capacity-type", ""), "on-demand");
  EXPECT_EQ((*node)["metadata"]["labels"].value("node.kubernetes.io/instance-type", ""), "g4dn.xlarge");
  bool unregistered = false, gpuTaint = false;
  for (const json& t : (*node)["spec"].value("taints", json::array())) {
    unregistered |= t.value("key", "") == "gantry.dev/unregistered";
    gpuTaint |= t.value("key", "") == "nvidia.com/gpu";
  }
  EXPECT_FALSE(unregistered);
  EXPECT_TRUE(gpuTaint);
  ASSERT_EQ((*node)["metadata"].value("ownerReferences", json::array()).size(), 1u);
  auto owner = claim();
  ASSERT_TRUE(owner);
  EXPECT_EQ((*node)["metadata"]["ownerReferences"][0]["uid"], (*owner)["metadata"]["uid"]);
  EXPECT_EQ((*node)["metadata"]["finalizers"], json::array({"gantry.dev/termination"}));

  // 4. Initialized (and Ready) only with nvidia.com/gpu allocatable.
  bool initializedEarly = false;
  ASSERT_TRUE(waitFor(60s, [&] {
    auto got = claim();
    auto n = client().get(kNodes.withName(nodeName_));
    if (!got || !n) return false;
    const bool gpu = (*n)["status"].value("allocatable", json::object()).contains("nvidia.com/gpu");
    // Read the claim after the node: Initialized without the GPU would be a bug.
    auto again = claim();
    if (again && conditionTrue(*again, nc::kInitialized) && !gpu) {
      // The node may have gained the GPU between the two reads; check once more.
      auto n2 = client().get(kNodes.withName(nodeName_));
      initializedEarly |= !(n2 && (*n2)["status"].value("allocatable", json::object()).contains("nvidia.com/gpu"));
    }
    return again && conditionTrue(*again, nc::kInitialized) && conditionTrue(*again, nc::kReady);
  })) << "not Initialized: " << (claim() ? claim()->dump() : "gone");
  EXPECT_FALSE(initializedEarly);

  // 5. Deletion: the instance is terminated in moto, the Node goes, the finalizer is removed.
  ASSERT_TRUE(client().remove(kube::kNodeClaimsPath.withName(claimName_)));
  ASSERT_TRUE(waitFor(60s, [&] {
    auto got = claim();
    return !got && got.error().isNotFound();
  })) << "claim still there: " << (claim() ? claim()->dump() : "");
  auto described = ec2_->describeInstances({.instanceIds = {instance->instanceId}});
  ASSERT_TRUE(described) << described.error().toString();
  for (const auto& i : *described) {
    EXPECT_TRUE(i.state == "terminated" || i.state == "shutting-down") << i.state;
  }
  EXPECT_TRUE(provider_->get(instance->providerId).error().isNotFound());
  EXPECT_TRUE(waitFor(20s, [&] {
    auto n = client().get(kNodes.withName(nodeName_));
    return !n && n.error().isNotFound();
  })) << "node still there";
}

TEST_F(LifecycleIT, InstanceThatNeverRegistersIsTerminatedAfterTheTtl) {
  claimName_ = "lc-it-ttl-" + suffix_;
  // No kubernetes.io/cluster tag of the shared cluster: the bootstrapper never makes a Node.
  api::InstanceType type;
  type.name = "m5.large";
  type.architecture = "amd64";
  type.capacity.set("cpu", api::Quantity::fromValue(2));
  type.offerings.push_back({.zone = "us-east-1b", .capacityType = api::CapacityType::kOnDemand,
                            .pricePerHour = 0.096});
  auto instance = provider_->create({.nodeClaimName = claimName_, .nodePoolName = "lc-it-pool",
                                     .nodeClassRef = nodeClassRef(), .instanceTypes = {type}});
  ASSERT_TRUE(instance) << instance.error().toString();

  api::NodeClaim c;
  c.name = claimName_;
  c.labels = {{"gantry.dev/nodepool", "lc-it-pool"}};
  c.finalizers = {std::string(nc::kTerminationFinalizer)};
  c.nodeClassRef = {.group = "gantry.dev", .kind = "EC2NodeClass", .name = "lc-it"};
  ASSERT_NO_FATAL_FAILURE(createLaunchedClaim(c, instance->providerId));

  const auto start = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(startController(4s));
  ASSERT_TRUE(waitFor(60s, [&] {
    auto got = claim();
    return !got && got.error().isNotFound();
  })) << "claim still there: " << (claim() ? claim()->dump() : "");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 3s) << "not before the TTL";
  EXPECT_TRUE(provider_->get(instance->providerId).error().isNotFound());
  // The Warning Event on the NodeClaim, in the default namespace (cluster-scoped object).
  recorder_->flush(5000ms);
  auto events = client().list(kube::ResourcePath{.resource = "events", .ns = "default"},
                              {.fieldSelector = "involvedObject.name=" + claimName_});
  ASSERT_TRUE(events) << events.error().toString();
  bool timeout = false;
  for (const json& e : (*events)["items"]) timeout |= e.value("reason", "") == "RegistrationTimeout";
  EXPECT_TRUE(timeout) << events->dump();
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
