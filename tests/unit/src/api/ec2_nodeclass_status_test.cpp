// EC2NodeClass status: Karpenter v1's status layout decodes, encodes back to the same JSON
// (every list present so a merge patch replaces it), and a broken status never makes the
// object itself undecodable.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/api/ec2_nodeclass.h"

namespace gantry::api {
namespace {

using nlohmann::json;

json karpenterStatus() {
  return json::parse(R"({
    "subnets": [{"id": "subnet-1", "zone": "us-east-1a", "zoneID": "use1-az1"},
                {"id": "subnet-2", "zone": "us-east-1b"}],
    "securityGroups": [{"id": "sg-1", "name": "nodes"}, {"id": "sg-2"}],
    "amis": [{"id": "ami-gpu", "name": "eks-nvidia", "requirements": [
                {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
                {"key": "gantry.dev/instance-gpu-manufacturer", "operator": "In", "values": ["nvidia"]}]},
             {"id": "ami-std", "deprecated": true, "requirements": [
                {"key": "gantry.dev/instance-gpu-manufacturer", "operator": "DoesNotExist"}]}],
    "instanceProfile": "nodes-profile",
    "conditions": [{"type": "Ready", "status": "True", "reason": "Ready",
                    "lastTransitionTime": "2026-01-02T15:04:05Z", "observedGeneration": 3}]
  })");
}

json nodeClassWith(const json& status) {
  json object = {{"metadata", {{"name", "default"}, {"uid", "u-1"}, {"generation", 3}}},
                 {"spec",
                  {{"role", "nodes"},
                   {"subnetSelectorTerms", {{{"tags", {{"a", "b"}}}}}},
                   {"securityGroupSelectorTerms", {{{"tags", {{"a", "b"}}}}}},
                   {"amiSelectorTerms", {{{"alias", "al2023@latest"}}}}}}};
  if (!status.is_null()) object["status"] = status;
  return object;
}

TEST(Ec2NodeClassStatusTest, DecodesKarpenterV1StatusLayout) {
  auto s = decodeEc2NodeClassStatus(karpenterStatus());
  ASSERT_TRUE(s.has_value()) << s.error().field << ": " << s.error().message;
  ASSERT_EQ(s->subnets.size(), 2u);
  EXPECT_EQ(s->subnets[0], (NodeClassSubnet{.id = "subnet-1", .zone = "us-east-1a", .zoneId = "use1-az1"}));
  EXPECT_EQ(s->subnets[1].zoneId, "");
  ASSERT_EQ(s->securityGroups.size(), 2u);
  EXPECT_EQ(s->securityGroups[0].name, "nodes");
  ASSERT_EQ(s->amis.size(), 2u);
  EXPECT_EQ(s->amis[0].name, "eks-nvidia");
  ASSERT_EQ(s->amis[0].requirements.size(), 2u);
  EXPECT_EQ(s->amis[0].requirements[1].toString(), "gantry.dev/instance-gpu-manufacturer In [nvidia]");
  EXPECT_TRUE(s->amis[1].deprecated);
  EXPECT_EQ(s->amis[1].requirements[0].op, SelectorOp::kDoesNotExist);
  EXPECT_EQ(s->instanceProfile, "nodes-profile");
  ASSERT_EQ(s->conditions.size(), 1u);
  EXPECT_EQ(s->conditions[0].observedGeneration, 3);
}

TEST(Ec2NodeClassStatusTest, EncodeRoundTripsAndWritesEveryList) {
  auto s = decodeEc2NodeClassStatus(karpenterStatus());
  ASSERT_TRUE(s.has_value());
  const json encoded = encodeEc2NodeClassStatus(*s);
  EXPECT_EQ(encoded, karpenterStatus());
  auto again = decodeEc2NodeClassStatus(encoded);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *s);

  // Nothing resolved: empty lists (a merge patch then clears the server's), profile removed.
  const json empty = encodeEc2NodeClassStatus(Ec2NodeClassStatus{});
  EXPECT_EQ(empty["subnets"], json::array());
  EXPECT_EQ(empty["securityGroups"], json::array());
  EXPECT_EQ(empty["amis"], json::array());
  EXPECT_EQ(empty["conditions"], json::array());
  ASSERT_TRUE(empty.contains("instanceProfile"));
  EXPECT_TRUE(empty["instanceProfile"].is_null());
}

TEST(Ec2NodeClassStatusTest, AmiEqualityComparesRequirements) {
  NodeClassAmi a{.id = "ami-1", .requirements = {{.key = "k", .op = SelectorOp::kIn, .values = {"a"}}}};
  NodeClassAmi b = a;
  EXPECT_EQ(a, b);
  b.requirements[0].values = {"b"};
  EXPECT_NE(a, b);
  b = a;
  b.requirements[0].op = SelectorOp::kNotIn;
  EXPECT_NE(a, b);
  b = a;
  b.requirements.clear();
  EXPECT_NE(a, b);
}

TEST(Ec2NodeClassStatusTest, ErrorsNameTheField) {
  json s = karpenterStatus();
  s["subnets"][1].erase("zone");
  EXPECT_EQ(decodeEc2NodeClassStatus(s).error().field, "status.subnets[1].zone");
  s = karpenterStatus();
  s["amis"][0]["requirements"][0]["operator"] = "Near";
  EXPECT_EQ(decodeEc2NodeClassStatus(s).error().field, "status.amis[0].requirements[0].operator");
  s = karpenterStatus();
  s["securityGroups"] = "sg-1";
  EXPECT_EQ(decodeEc2NodeClassStatus(s).error().field, "status.securityGroups");
  s = karpenterStatus();
  s["conditions"][0]["status"] = "Maybe";
  EXPECT_EQ(decodeEc2NodeClassStatus(s).error().field, "status.conditions[0].status");
}

TEST(Ec2NodeClassStatusTest, NodeClassCarriesUidAndStatus) {
  auto nc = decodeEc2NodeClass(nodeClassWith(karpenterStatus()));
  ASSERT_TRUE(nc.has_value()) << nc.error().field << ": " << nc.error().message;
  EXPECT_EQ(nc->uid, "u-1");
  EXPECT_EQ(nc->status.subnets.size(), 2u);
  EXPECT_EQ(nc->status.instanceProfile, "nodes-profile");

  auto none = decodeEc2NodeClass(nodeClassWith(json(nullptr)));
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->status, Ec2NodeClassStatus{});

  // A status that does not decode is left empty: the spec still counts, and the status
  // controller rewrites the status.
  json broken = karpenterStatus();
  broken["amis"] = json::object({{"id", "ami-1"}});
  auto tolerated = decodeEc2NodeClass(nodeClassWith(broken));
  ASSERT_TRUE(tolerated.has_value());
  EXPECT_EQ(tolerated->status, Ec2NodeClassStatus{});
  EXPECT_EQ(tolerated->subnetSelectorTerms.size(), 1u);
}

}  // namespace
}  // namespace gantry::api
