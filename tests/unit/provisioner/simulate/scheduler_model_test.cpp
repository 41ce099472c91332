// The scheduler model binds only where the solver's feasibility rules allow: resources
// (a GPU the device plugin has not registered yet is not there), taints, host ports, and only
// Ready, uncordoned Nodes; higher priority first.
#include "provisioner/simulate/scheduler_model.h"

#include <gtest/gtest.h>

#include "src/api/well_known_labels.h"

namespace gantry::provisioner::simulate {
namespace {

api::Quantity q(const std::string& text) {
  return *api::Quantity::parse(text);
}

api::Node node(const std::string& name, const std::string& gpus = "0") {
  api::Node n;
  n.name = name;
  n.providerId = "sim:///us-east-1a/" + name;
  n.labels = {{std::string(api::label::kHostname), name},
              {std::string(api::label::kArch), "amd64"},
              {std::string(api::label::kOs), "linux"}};
  n.allocatable.set("cpu", q("4"));
  n.allocatable.set("memory", q("16Gi"));
  n.allocatable.set("pods", q("110"));
  n.allocatable.set("nvidia.com/gpu", q(gpus));
  return n;
}

api::Pod pod(const std::string& name, const std::string& cpu, const std::string& gpus = "") {
  api::Pod p;
  p.ns = "ml";
  p.name = name;
  p.uid = "uid-" + name;
  p.phase = "Pending";
  p.requests.set("cpu", q(cpu));
  if (!gpus.empty()) p.requests.set("nvidia.com/gpu", q(gpus));
  return p;
}

// `p` bound to `node`, in `phase`.
api::Pod boundTo(api::Pod p, const std::string& node, const std::string& phase = "Running") {
  p.nodeName = node;
  p.phase = phase;
  return p;
}

std::string bindings(const SchedulingPass& pass) {
  std::string out;
  for (const auto& b : pass.bound) out += b.pod + "->" + b.node + " ";
  for (const auto& u : pass.unschedulable) out += u + "->none ";
  return out;
}

// One pass with nothing remembered, as bindings() prints it.
std::string onePass(const InMemoryCluster& cluster) {
  auto pass = schedulePending(cluster, "us-east-1");
  return pass ? bindings(*pass) : "error: " + pass.error().toString();
}

TEST(SchedulerModel, GpuPodWaitsForTheDevicePlugin) {
  InMemoryCluster cluster;
  cluster.put(node("gpu-node", "0"));
  cluster.put(pod("train", "1", "1"));
  EXPECT_EQ(onePass(cluster), "ml/train->none ");
  cluster.put(node("gpu-node", "1"));  // nvidia.com/gpu registered
  EXPECT_EQ(onePass(cluster), "ml/train->gpu-node ");
}

TEST(SchedulerModel, TaintsKeepOutPodsThatDoNotTolerateThem) {
  InMemoryCluster cluster;
  api::Node tainted = node("tainted");
  tainted.taints = {{"gantry.dev/unregistered", "", api::TaintEffect::kNoExecute}};
  cluster.put(tainted);
  cluster.put(pod("plain", "1"));
  api::Pod tolerant = pod("tolerant", "1");
  api::Toleration exists;
  exists.key = "gantry.dev/unregistered";
  exists.op = api::Toleration::Op::kExists;
  tolerant.tolerations = {exists};
  cluster.put(tolerant);
  EXPECT_EQ(onePass(cluster), "ml/tolerant->tainted ml/plain->none ");
}

TEST(SchedulerModel, OnlyReadyUncordonedNodesAndFreeCapacityCount) {
  InMemoryCluster cluster;
  api::Node notReady = node("a-not-ready");
  notReady.ready = false;
  api::Node cordoned = node("b-cordoned");
  cordoned.unschedulable = true;
  cluster.put(notReady);
  cluster.put(cordoned);
  cluster.put(node("c-ready"));
  cluster.put(boundTo(pod("running", "3"), "c-ready"));
  // Succeeded pods no longer take room.
  cluster.put(boundTo(pod("finished", "4"), "c-ready", "Succeeded"));
  cluster.put(pod("fits", "1"));
  cluster.put(pod("too-big", "2"));
  EXPECT_EQ(onePass(cluster), "ml/fits->c-ready ml/too-big->none ");
}

TEST(SchedulerModel, HostPortsAndPriorityDecideWhoGetsTheLastSeat) {
  InMemoryCluster cluster;
  cluster.put(node("only"));
  api::Pod low = pod("a-low", "1");
  api::HostPort port;
  port.port = 8080;
  low.hostPorts = {port};
  api::Pod high = pod("b-high", "1");
  high.hostPorts = {port};
  high.priority = 100;
  cluster.put(low);
  cluster.put(high);
  EXPECT_EQ(onePass(cluster), "ml/b-high->only ml/a-low->none ");
}

// Passes after the first remember the pods no node took: they are looked at again only
// against nodes that changed since, and still bind as soon as one of those has room.
TEST(SchedulerModel, APodThatFitNowhereBindsOnceANodeGainsRoom) {
  InMemoryCluster cluster;
  cluster.put(node("a-busy"));
  cluster.put(node("b-full"));
  cluster.put(boundTo(pod("busy", "3"), "a-busy"));
  cluster.put(boundTo(pod("hog", "4"), "b-full"));
  cluster.put(pod("waiting", "2"));
  SchedulerModel model("us-east-1");
  auto first = model.schedulePending(cluster);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(bindings(*first), "ml/waiting->none ");
  auto again = model.schedulePending(cluster);  // nothing changed
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(bindings(*again), "ml/waiting->none ");
  // b-full has room now; a-busy still has not.
  cluster.put(boundTo(pod("hog", "4"), "b-full", "Succeeded"));
  auto after = model.schedulePending(cluster);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(bindings(*after), "ml/waiting->b-full ");
  cluster.put(boundTo(*cluster.pod("ml/waiting"), "b-full"));  // the engine binds it
  cluster.put(pod("late", "4"));  // fits nowhere now...
  auto none = model.schedulePending(cluster);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(bindings(*none), "ml/late->none ");
  cluster.put(node("c-new"));  // ...and a new node counts as changed
  auto onNew = model.schedulePending(cluster);
  ASSERT_TRUE(onNew.has_value());
  EXPECT_EQ(bindings(*onNew), "ml/late->c-new ");
}

// Each pending pod brings only its first nodes to the solve, yet the bindings are first fit
// over every node: the second pod goes past the node the first one filled.
TEST(SchedulerModel, PodsCompetingForTheFirstNodesStillFindTheNextOne) {
  InMemoryCluster cluster;
  for (const char* name : {"n1", "n2", "n3", "n4"}) cluster.put(node(name));
  cluster.put(pod("a", "3"));
  cluster.put(pod("b", "3"));
  cluster.put(pod("c", "3"));
  EXPECT_EQ(onePass(cluster), "ml/a->n1 ml/b->n2 ml/c->n3 ");
}

// A gang binds whole or not at all, also when one member fits on no node at all.
TEST(SchedulerModel, AGangWithAMemberNoNodeTakesBindsNothing) {
  InMemoryCluster cluster;
  cluster.put(node("cpu-only"));
  api::Pod worker = pod("worker", "1");
  worker.gang = "ml/train";
  api::Pod chief = pod("chief", "1", "1");  // no node has a GPU
  chief.gang = "ml/train";
  cluster.put(worker);
  cluster.put(chief);
  EXPECT_EQ(onePass(cluster), "ml/chief->none ml/worker->none ");
}

}  // namespace
}  // namespace gantry::provisioner::simulate
