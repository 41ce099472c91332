// A node's fixed cost from its EC2NodeClass: each EBS volume type, the IOPS and throughput
// extras, Karpenter's default volumes per AMI family (named or from an alias), the public IPv4
// address, and the default for a class nobody gave.
#include "cloudprovider/aws/node_fixed_cost.h"

#include <gtest/gtest.h>

namespace gantry::cloudprovider::aws {
namespace {

constexpr double kHours = 730;

api::Ec2NodeClass decoded(const nlohmann::json& spec) {
  nlohmann::json object = {{"apiVersion", "gantry.dev/v1"},
                           {"kind", "EC2NodeClass"},
                           {"metadata", {{"name", "default"}}},
                           {"spec", spec}};
  object["spec"]["role"] = "node-role";
  if (!spec.contains("amiSelectorTerms")) {
    // An explicit image: the family then comes from amiFamily alone.
    object["spec"]["amiSelectorTerms"] = {{{"id", "ami-0123456789abcdef0"}}};
  }
  object["spec"]["subnetSelectorTerms"] = {{{"tags", {{"k", "v"}}}}};
  object["spec"]["securityGroupSelectorTerms"] = {{{"tags", {{"k", "v"}}}}};
  auto nc = api::decodeEc2NodeClass(object);
  EXPECT_TRUE(nc.has_value()) << (nc ? "" : nc.error().field + ": " + nc.error().message);
  return nc ? *nc : api::Ec2NodeClass{};
}

api::Ec2NodeClass oneVolume(const nlohmann::json& ebs) {
  return decoded({{"amiFamily", "AL2023"},
                  {"blockDeviceMappings",
                   {{{"deviceName", "/dev/xvda"}, {"rootVolume", true}, {"ebs", ebs}}}}});
}

TEST(NodeFixedCostTest, PricesEachVolumeTypePerGiBMonth) {
  const std::pair<const char*, double> perGiB[] = {{"gp3", 0.08}, {"gp2", 0.10},
                                                   {"io1", 0.125}, {"io2", 0.125},
                                                   {"st1", 0.045}, {"sc1", 0.015},
                                                   {"standard", 0.05}};
  for (const auto& [type, price] : perGiB) {
    EXPECT_NEAR(nodeFixedCostPerHour(oneVolume({{"volumeSize", "100Gi"}, {"volumeType", type}})),
                100 * price / kHours, 1e-12)
        << type;
  }
}

TEST(NodeFixedCostTest, ChargesProvisionedIopsAndThroughput) {
  // io1/io2: every IOPS, at $0.065 per IOPS-month.
  EXPECT_NEAR(nodeFixedCostPerHour(oneVolume(
                  {{"volumeSize", "10Gi"}, {"volumeType", "io2"}, {"iops", 1000}})),
              (10 * 0.125 + 1000 * 0.065) / kHours, 1e-12);
  // gp3: 3,000 IOPS and 125 MiB/s are included; only what is above them is charged.
  EXPECT_NEAR(nodeFixedCostPerHour(oneVolume({{"volumeSize", "20Gi"},
                                              {"volumeType", "gp3"},
                                              {"iops", 5000},
                                              {"throughput", 250}})),
              (20 * 0.08 + 2000 * 0.005 + 125 * 0.04) / kHours, 1e-12);
  EXPECT_NEAR(nodeFixedCostPerHour(oneVolume({{"volumeSize", "20Gi"},
                                              {"volumeType", "gp3"},
                                              {"iops", 3000},
                                              {"throughput", 125}})),
              20 * 0.08 / kHours, 1e-12);
}

TEST(NodeFixedCostTest, SumsEveryMappedVolumeAndSkipsDevicesWithoutEbs) {
  auto nc = decoded({{"amiFamily", "AL2023"},
                     {"blockDeviceMappings",
                      {{{"deviceName", "/dev/xvda"},
                        {"ebs", {{"volumeSize", "50Gi"}, {"volumeType", "gp3"}}}},
                       {{"deviceName", "/dev/xvdb"},
                        {"ebs", {{"volumeSize", "500Gi"}, {"volumeType", "st1"}}}},
                       {{"deviceName", "/dev/xvdc"}}}}});
  EXPECT_NEAR(nodeFixedCostPerHour(nc), (50 * 0.08 + 500 * 0.045) / kHours, 1e-12);
}

TEST(NodeFixedCostTest, MissingSizeIsTheFamilyRootAndMissingTypeIsGp2) {
  auto nc = oneVolume({{"encrypted", true}});
  EXPECT_NEAR(nodeFixedCostPerHour(nc), 20 * 0.10 / kHours, 1e-12);
}

TEST(NodeFixedCostTest, DefaultVolumesFollowTheAmiFamily) {
  EXPECT_NEAR(nodeFixedCostPerHour(decoded({{"amiFamily", "AL2023"}})), 20 * 0.08 / kHours, 1e-12);
  EXPECT_NEAR(nodeFixedCostPerHour(decoded({{"amiFamily", "AL2"}})), 20 * 0.08 / kHours, 1e-12);
  EXPECT_NEAR(nodeFixedCostPerHour(decoded({{"amiFamily", "Bottlerocket"}})),
              (4 + 20) * 0.08 / kHours, 1e-12);
  EXPECT_NEAR(nodeFixedCostPerHour(decoded({{"amiFamily", "Windows2022"}})), 50 * 0.08 / kHours,
              1e-12);
  EXPECT_EQ(nodeFixedCostPerHour(decoded({{"amiFamily", "Custom"},
                                          {"amiSelectorTerms", {{{"id", "ami-123"}}}}})),
            0.0);
}

TEST(NodeFixedCostTest, FamilyComesFromTheAliasWhenAmiFamilyIsUnset) {
  auto bottlerocket = decoded({{"amiSelectorTerms", {{{"alias", "bottlerocket@latest"}}}}});
  EXPECT_EQ(amiFamilyOf(bottlerocket), "bottlerocket");
  EXPECT_NEAR(nodeFixedCostPerHour(bottlerocket), 24 * 0.08 / kHours, 1e-12);
  auto al2023 = decoded({{"amiSelectorTerms", {{{"alias", "al2023@v20250101"}}}}});
  EXPECT_EQ(amiFamilyOf(al2023), "al2023");
  EXPECT_EQ(amiFamilyOf(api::Ec2NodeClass{}), "al2023");
}

TEST(NodeFixedCostTest, PublicIpv4OnlyWhenExplicitlyAssociated) {
  const double volume = 20 * 0.08 / kHours;
  EXPECT_NEAR(nodeFixedCostPerHour(decoded({{"associatePublicIPAddress", true}})),
              volume + 0.005, 1e-12);
  EXPECT_NEAR(nodeFixedCostPerHour(decoded({{"associatePublicIPAddress", false}})), volume, 1e-12);
  EXPECT_NEAR(nodeFixedCostPerHour(decoded(nlohmann::json::object())), volume, 1e-12);
}

TEST(NodeFixedCostTest, UnknownClassGetsTheAl2023Default) {
  EXPECT_NEAR(defaultNodeFixedCostPerHour(), 20 * 0.08 / kHours, 1e-15);
  std::vector<api::Ec2NodeClass> classes = {decoded({{"amiFamily", "Bottlerocket"}})};
  EXPECT_NEAR(nodeFixedCostPerHour(classes, "default"), 24 * 0.08 / kHours, 1e-12);
  EXPECT_NEAR(nodeFixedCostPerHour(classes, "missing"), 20 * 0.08 / kHours, 1e-12);
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
