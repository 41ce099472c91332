// The fingerprint that lets consolidation skip searching an unchanged cluster: the same input
// gives the same number, and each thing a search depends on changes it.
#include "provisioner/disruption/consolidation_fingerprint.h"

#include <gtest/gtest.h>

#include <functional>
#include <utility>
#include <vector>

namespace gantry::provisioner::disruption {
namespace {

api::Pod pod(const std::string& name, const std::string& cpu) {
  api::Pod p;
  p.ns = "web";
  p.name = name;
  p.requests.set("cpu", api::Quantity::parse(cpu).value());
  return p;
}

ConsolidationInput input() {
  ConsolidationInput in;
  in.region = "us-east-1";
  ClusterNode n;
  n.node.name = "node-a";
  n.node.labels = {{"node.kubernetes.io/instance-type", "c6a.large"}};
  n.node.allocatable.set("cpu", api::Quantity::parse("2").value());
  n.claim = "general-00001";
  n.nodePool = "general";
  n.pricePerHour = 0.0765;
  n.candidate = true;
  n.pods = {pod("api-0", "900m")};
  in.nodes.push_back(n);
  api::NodePool pool;
  pool.name = "general";
  in.nodePools.push_back(pool);
  in.allowed["general"] = 1;
  return in;
}

TEST(ConsolidationFingerprintTest, EqualInputsAgreeAndEachDependencyChangesIt) {
  const api::InstanceTypes catalog, otherCatalog;
  const uint64_t base = consolidationFingerprint(input(), &catalog);
  EXPECT_EQ(consolidationFingerprint(input(), &catalog), base);
  std::vector<std::pair<const char*, std::function<void(ConsolidationInput&)>>> edits = {
      {"a pod came", [](ConsolidationInput& in) { in.nodes[0].pods.push_back(pod("api-1", "1")); }},
      {"a pod's request", [](ConsolidationInput& in) { in.nodes[0].pods[0] = pod("api-0", "1"); }},
      {"candidate", [](ConsolidationInput& in) { in.nodes[0].candidate = false; }},
      {"target", [](ConsolidationInput& in) { in.nodes[0].target = false; }},
      {"price", [](ConsolidationInput& in) { in.nodes[0].pricePerHour = 0.05; }},
      {"a label", [](ConsolidationInput& in) { in.nodes[0].node.labels["x"] = "y"; }},
      {"a taint", [](ConsolidationInput& in) {
         in.nodes[0].node.taints.push_back({"k", "v", api::TaintEffect::kNoSchedule});
       }},
      {"a node went", [](ConsolidationInput& in) { in.nodes.clear(); }},
      {"budget", [](ConsolidationInput& in) { in.allowed["general"] = 0; }},
      {"pool requirements", [](ConsolidationInput& in) {
         in.nodePools[0].requirements.push_back({.key = "k", .op = api::SelectorOp::kExists, .values = {}});
       }},
      {"pool weight", [](ConsolidationInput& in) { in.nodePools[0].weight = 5; }},
      {"no pools", [](ConsolidationInput& in) { in.nodePools.clear(); }},
  };
  for (const auto& [what, edit] : edits) {
    ConsolidationInput changed = input();
    edit(changed);
    EXPECT_NE(consolidationFingerprint(changed, &catalog), base) << what;
  }
  EXPECT_NE(consolidationFingerprint(input(), &otherCatalog), base) << "a refreshed catalog";
}

}  // namespace
}  // namespace gantry::provisioner::disruption
