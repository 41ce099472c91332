// EC2NodeClass decoding: Karpenter v1's layout with its defaults, and errors that name the
// field path for hostile or invalid input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/api/ec2_nodeclass.h"

namespace gantry::api {
namespace {

using nlohmann::json;

json karpenterExample() {
  return json::parse(R"({
    "apiVersion": "gantry.dev/v1", "kind": "EC2NodeClass",
    "metadata": {"name": "gpu", "generation": 4},
    "spec": {
      "amiFamily": "AL2023",
      "role": "KarpenterNodeRole-demo",
      "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": "demo"}}, {"id": "subnet-0abc"}],
      "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery": "demo"}}, {"name": "extra"}],
      "amiSelectorTerms": [{"alias": "al2023@latest"}],
      "userData": "#!/bin/bash\necho hello",
      "blockDeviceMappings": [{"deviceName": "/dev/xvda", "rootVolume": true,
        "ebs": {"volumeSize": "100Gi", "volumeType": "gp3", "iops": 10000, "throughput": 125,
                "encrypted": true, "deleteOnTermination": true, "kmsKeyID": "arn:aws:kms:k",
                "snapshotID": "snap-1"}}],
      "metadataOptions": {"httpEndpoint": "enabled", "httpProtocolIPv6": "disabled",
                          "httpPutResponseHopLimit": 2, "httpTokens": "required"},
      "tags": {"team": "ml"},
      "associatePublicIPAddress": false,
      "detailedMonitoring": true
    }})");
}

TEST(Ec2NodeClassDecodeTest, DecodesKarpenterV1Layout) {
  auto nc = decodeEc2NodeClass(karpenterExample());
  ASSERT_TRUE(nc.has_value()) << nc.error().field << ": " << nc.error().message;
  EXPECT_EQ(nc->name, "gpu");
  EXPECT_EQ(nc->generation, 4);
  EXPECT_EQ(nc->amiFamily, "AL2023");
  EXPECT_EQ(nc->role, "KarpenterNodeRole-demo");
  ASSERT_EQ(nc->subnetSelectorTerms.size(), 2u);
  EXPECT_EQ(nc->subnetSelectorTerms[0].tags.at("karpenter.sh/discovery"), "demo");
  EXPECT_EQ(nc->subnetSelectorTerms[1].id, "subnet-0abc");
  EXPECT_EQ(nc->securityGroupSelectorTerms[1].name, "extra");
  EXPECT_EQ(nc->amiSelectorTerms.at(0).alias, "al2023@latest");
  EXPECT_EQ(nc->userData, "#!/bin/bash\necho hello");
  ASSERT_EQ(nc->blockDeviceMappings.size(), 1u);
  const auto& bdm = nc->blockDeviceMappings[0];
  EXPECT_TRUE(bdm.rootVolume);
  ASSERT_TRUE(bdm.ebs.has_value());
  EXPECT_EQ(bdm.ebs->volumeSizeGiB, 100);
  EXPECT_EQ(bdm.ebs->iops, 10000);
  EXPECT_EQ(bdm.ebs->throughput, 125);
  EXPECT_EQ(bdm.ebs->encrypted, true);
  EXPECT_EQ(bdm.ebs->kmsKeyId, "arn:aws:kms:k");
  EXPECT_EQ(bdm.ebs->snapshotId, "snap-1");
  EXPECT_EQ(nc->metadataOptions.httpPutResponseHopLimit, 2);
  EXPECT_EQ(nc->tags.at("team"), "ml");
  EXPECT_EQ(nc->associatePublicIpAddress, false);
  EXPECT_EQ(nc->detailedMonitoring, true);
}

TEST(Ec2NodeClassDecodeTest, AppliesKarpenterDefaults) {
  json j = karpenterExample();
  j["spec"].erase("metadataOptions");
  j["spec"].erase("associatePublicIPAddress");
  j["spec"]["blockDeviceMappings"][0]["ebs"]["volumeSize"] = "20G";  // decimal: rounds up
  auto nc = decodeEc2NodeClass(j);
  ASSERT_TRUE(nc.has_value()) << nc.error().message;
  EXPECT_EQ(nc->metadataOptions.httpTokens, "required");
  EXPECT_EQ(nc->metadataOptions.httpEndpoint, "enabled");
  EXPECT_EQ(nc->metadataOptions.httpProtocolIpv6, "disabled");
  EXPECT_EQ(nc->metadataOptions.httpPutResponseHopLimit, 1);
  EXPECT_FALSE(nc->associatePublicIpAddress.has_value());
  EXPECT_EQ(nc->blockDeviceMappings[0].ebs->volumeSizeGiB, 19);
}

struct BadCase {
  const char* pointer;  // JSON pointer to change
  json value;
  const char* field;    // expected error path
};

TEST(Ec2NodeClassDecodeTest, ErrorsNameTheFieldPath) {
  const std::vector<BadCase> cases = {
      {"/spec/blockDeviceMappings/0/ebs/volumeSize", "lots", "spec.blockDeviceMappings[0].ebs.volumeSize"},
      {"/spec/blockDeviceMappings/0/ebs/iops", "fast", "spec.blockDeviceMappings[0].ebs.iops"},
      {"/spec/metadataOptions/httpTokens", "maybe", "spec.metadataOptions.httpTokens"},
      {"/spec/metadataOptions/httpPutResponseHopLimit", 0, "spec.metadataOptions.httpPutResponseHopLimit"},
      {"/spec/subnetSelectorTerms/1", json::object(), "spec.subnetSelectorTerms[1]"},
      {"/spec/subnetSelectorTerms", json::array(), "spec.subnetSelectorTerms"},
      {"/spec/securityGroupSelectorTerms/0/tags", "x", "spec.securityGroupSelectorTerms[0].tags"},
      {"/spec/amiSelectorTerms/0/alias", "al2023", "spec.amiSelectorTerms[0].alias"},
      {"/spec/tags", json::array({1}), "spec.tags"},
      {"/spec/detailedMonitoring", "yes", "spec.detailedMonitoring"},
      {"/spec/instanceProfile", "both-set", "spec"},
      {"/spec", 7, "spec"},
  };
  for (const auto& c : cases) {
    json j = karpenterExample();
    j[json::json_pointer(c.pointer)] = c.value;
    auto nc = decodeEc2NodeClass(j);
    ASSERT_FALSE(nc.has_value()) << c.pointer;
    EXPECT_EQ(nc.error().field, c.field) << c.pointer << ": " << nc.error().message;
    EXPECT_FALSE(nc.error().message.empty());
  }
  json noAmi = karpenterExample();
  noAmi["spec"].erase("amiSelectorTerms");
  EXPECT_EQ(decodeEc2NodeClass(noAmi).error().field, "spec.amiSelectorTerms");
  json aliasPlus = karpenterExample();
  aliasPlus["spec"]["amiSelectorTerms"].push_back({{"id", "ami-1"}});
  EXPECT_EQ(decodeEc2NodeClass(aliasPlus).error().field, "spec.amiSelectorTerms[0]");
  EXPECT_FALSE(decodeEc2NodeClass(json("not an object")).has_value());
}

}  // namespace
}  // namespace gantry::api
