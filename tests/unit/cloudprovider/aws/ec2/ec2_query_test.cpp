// Request encoding: indexed list parameters, nested fleet configs and tag specifications
// exactly as the EC2 Query API names them.
#include "cloudprovider/aws/ec2/ec2_query.h"

#include <gtest/gtest.h>

#include <map>

namespace gantry::cloudprovider::aws {
namespace {

std::map<std::string, std::string> asMap(const QueryParams& q) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : q.entries()) out.emplace(k, v);
  return out;
}

TEST(Ec2QueryTest, EncodesFormBodyWithActionVersionAndPercentEncoding) {
  QueryParams q("DescribeInstances", kEc2ApiVersion);
  q.add("Filter.1.Name", "tag:gantry.dev/nodepool");
  q.add("Filter.1.Value.1", "gpu training/a+b");
  EXPECT_EQ(q.encode(),
            "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Agantry.dev%2Fnodepool"
            "&Filter.1.Value.1=gpu%20training%2Fa%2Bb");
  EXPECT_EQ(q.action(), "DescribeInstances");
}

TEST(Ec2QueryTest, FiltersAndIdsAreOneBased) {
  auto q = encodeDescribeInstances(
      {.instanceIds = {"i-1", "i-2"},
       .filters = {{"instance-state-name", {"pending", "running"}}, {"tag-key", {"a"}}}});
  auto m = asMap(q);
  EXPECT_EQ(m["InstanceId.1"], "i-1");
  EXPECT_EQ(m["InstanceId.2"], "i-2");
  EXPECT_EQ(m["Filter.1.Name"], "instance-state-name");
  EXPECT_EQ(m["Filter.1.Value.1"], "pending");
  EXPECT_EQ(m["Filter.1.Value.2"], "running");
  EXPECT_EQ(m["Filter.2.Name"], "tag-key");
  EXPECT_EQ(m["Filter.2.Value.1"], "a");
  EXPECT_FALSE(m.contains("MaxResults"));  // pagination is the client's business
}

TEST(Ec2QueryTest, CreateFleetNestsConfigsOverridesAndTags) {
  CreateFleetRequest r;
  r.launchTemplateConfigs = {
      {.launchTemplate = {.launchTemplateId = "lt-1", .version = "$Latest"},
       .overrides = {{.instanceType = "p5.48xlarge", .subnetId = "subnet-a", .priority = 1.0},
                     {.instanceType = "p4d.24xlarge",
                      .subnetId = "subnet-b",
                      .availabilityZone = "us-east-1b",
                      .imageId = "ami-1",
                      .priority = 2.5}}},
      {.launchTemplate = {.launchTemplateName = "arm"},
       .overrides = {{.instanceType = "g5g.xlarge"}}}};
  r.totalTargetCapacity = 3;
  r.defaultTargetCapacityType = "on-demand";
  r.onDemandAllocationStrategy = "prioritized";
  r.spotAllocationStrategy = "price-capacity-optimized";  // ignored for on-demand
  r.singleInstanceType = true;
  r.minTargetCapacity = 3;
  r.tagSpecifications = {{"instance", {{"gantry.dev/nodepool", "gpu"}, {"Name", "n"}}},
                         {"fleet", {{"k", "v"}}}};
  r.clientToken = "token-1";
  auto m = asMap(encodeCreateFleet(r));
  EXPECT_EQ(m["Action"], "CreateFleet");
  EXPECT_EQ(m["Type"], "instant");
  EXPECT_EQ(m["ClientToken"], "token-1");
  EXPECT_EQ(m["LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateId"], "lt-1");
  EXPECT_EQ(m["LaunchTemplateConfigs.1.LaunchTemplateSpecification.Version"], "$Latest");
  EXPECT_EQ(m["LaunchTemplateConfigs.1.Overrides.1.InstanceType"], "p5.48xlarge");
  EXPECT_EQ(m["LaunchTemplateConfigs.1.Overrides.1.SubnetId"], "subnet-a");
  EXPECT_EQ(m["LaunchTemplateConfigs.1.Overrides.1.Priority"], "1");
  EXPECT_EQ(m["LaunchTemplateConfigs.1.Overrides.2.InstanceType"], "p4d.24xlarge");
  EXPECT_EQ(m["LaunchTemplateConfigs.1.Overrides.2.AvailabilityZone"], "us-east-1b");
  EXPECT_EQ(m["LaunchTemplateConfigs.1.Overrides.2.ImageId"], "ami-1");
  EXPECT_EQ(m["LaunchTemplateConfigs.1.Overrides.2.Priority"], "2.5");
  EXPECT_EQ(m["LaunchTemplateConfigs.2.LaunchTemplateSpecification.LaunchTemplateName"], "arm");
  EXPECT_EQ(m["LaunchTemplateConfigs.2.Overrides.1.InstanceType"], "g5g.xlarge");
  EXPECT_FALSE(m.contains("LaunchTemplateConfigs.2.Overrides.1.SubnetId"));
  EXPECT_EQ(m["TargetCapacitySpecification.TotalTargetCapacity"], "3");
  EXPECT_EQ(m["TargetCapacitySpecification.DefaultTargetCapacityType"], "on-demand");
  EXPECT_EQ(m["OnDemandOptions.AllocationStrategy"], "prioritized");
  EXPECT_EQ(m["OnDemandOptions.SingleInstanceType"], "true");
  EXPECT_EQ(m["OnDemandOptions.MinTargetCapacity"], "3");
  EXPECT_FALSE(m.contains("SpotOptions.AllocationStrategy"));
  EXPECT_EQ(m["TagSpecification.1.ResourceType"], "instance");
  EXPECT_EQ(m["TagSpecification.1.Tag.1.Key"], "gantry.dev/nodepool");
  EXPECT_EQ(m["TagSpecification.1.Tag.1.Value"], "gpu");
  EXPECT_EQ(m["TagSpecification.1.Tag.2.Key"], "Name");
  EXPECT_EQ(m["TagSpecification.2.ResourceType"], "fleet");
  EXPECT_EQ(m["TagSpecification.2.Tag.1.Value"], "v");
}

TEST(Ec2QueryTest, CreateFleetSpotUsesSpotOptions) {
  auto m = asMap(encodeCreateFleet({.defaultTargetCapacityType = "spot",
                                    .onDemandAllocationStrategy = "lowest-price",
                                    .spotAllocationStrategy = "price-capacity-optimized"}));
  EXPECT_EQ(m["SpotOptions.AllocationStrategy"], "price-capacity-optimized");
  EXPECT_FALSE(m.contains("OnDemandOptions.AllocationStrategy"));
}

TEST(Ec2QueryTest, RunTerminateAndCreateTags) {
  auto run =
      asMap(encodeRunInstances({.launchTemplate = {.launchTemplateId = "lt-1", .version = "2"},
                                .instanceType = "g5.xlarge",
                                .subnetId = "subnet-1",
                                .securityGroupIds = {"sg-1", "sg-2"},
                                .marketType = "spot",
                                .clientToken = "t"}));
  EXPECT_EQ(run["LaunchTemplate.LaunchTemplateId"], "lt-1");
  EXPECT_EQ(run["LaunchTemplate.Version"], "2");
  EXPECT_EQ(run["SecurityGroupId.2"], "sg-2");
  EXPECT_EQ(run["MinCount"], "1");
  EXPECT_EQ(run["MaxCount"], "1");
  EXPECT_EQ(run["InstanceMarketOptions.MarketType"], "spot");
  EXPECT_FALSE(run.contains("ImageId"));

  auto term = asMap(encodeTerminateInstances({.instanceIds = {"i-1", "i-2", "i-3"}}));
  EXPECT_EQ(term["InstanceId.3"], "i-3");

  auto tags = asMap(encodeCreateTags({"i-1", "vol-1"}, {{"k1", "v1"}, {"k2", ""}}));
  EXPECT_EQ(tags["ResourceId.2"], "vol-1");
  EXPECT_EQ(tags["Tag.2.Key"], "k2");
  EXPECT_EQ(tags["Tag.2.Value"], "");
}

TEST(Ec2QueryTest, CreateLaunchTemplateNestsData) {
  CreateLaunchTemplateRequest r;
  r.launchTemplateName = "gantry/gpu/abc";
  r.data.imageId = "ami-1";
  r.data.userData = "IyEvYmluL2Jhc2g=";
  r.data.securityGroupIds = {"sg-1"};
  r.data.iamInstanceProfileName = "gantry-node";
  r.data.blockDeviceMappings = {{.deviceName = "/dev/xvda",
                                 .volumeSizeGiB = 200,
                                 .volumeType = "gp3",
                                 .iops = 3000,
                                 .encrypted = true,
                                 .deleteOnTermination = true}};
  r.data.metadataOptions = {.httpTokens = "required", .httpPutResponseHopLimit = 1};
  r.data.tagSpecifications = {{"volume", {{"k", "v"}}}};
  r.tagSpecifications = {{"launch-template", {{"gantry.dev/cluster", "c"}}}};
  auto m = asMap(encodeCreateLaunchTemplate(r));
  EXPECT_EQ(m["LaunchTemplateName"], "gantry/gpu/abc");
  EXPECT_EQ(m["LaunchTemplateData.ImageId"], "ami-1");
  EXPECT_EQ(m["LaunchTemplateData.UserData"], "IyEvYmluL2Jhc2g=");
  EXPECT_EQ(m["LaunchTemplateData.SecurityGroupId.1"], "sg-1");
  EXPECT_EQ(m["LaunchTemplateData.IamInstanceProfile.Name"], "gantry-node");
  EXPECT_EQ(m["LaunchTemplateData.BlockDeviceMapping.1.DeviceName"], "/dev/xvda");
  EXPECT_EQ(m["LaunchTemplateData.BlockDeviceMapping.1.Ebs.VolumeSize"], "200");
  EXPECT_EQ(m["LaunchTemplateData.BlockDeviceMapping.1.Ebs.VolumeType"], "gp3");
  EXPECT_EQ(m["LaunchTemplateData.BlockDeviceMapping.1.Ebs.Iops"], "3000");
  EXPECT_EQ(m["LaunchTemplateData.BlockDeviceMapping.1.Ebs.Encrypted"], "true");
  EXPECT_EQ(m["LaunchTemplateData.BlockDeviceMapping.1.Ebs.DeleteOnTermination"], "true");
  EXPECT_FALSE(m.contains("LaunchTemplateData.BlockDeviceMapping.1.Ebs.Throughput"));
  EXPECT_EQ(m["LaunchTemplateData.MetadataOptions.HttpTokens"], "required");
  EXPECT_EQ(m["LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit"], "1");
  EXPECT_EQ(m["LaunchTemplateData.TagSpecification.1.ResourceType"], "volume");
  EXPECT_EQ(m["TagSpecification.1.ResourceType"], "launch-template");
  EXPECT_EQ(m["TagSpecification.1.Tag.1.Key"], "gantry.dev/cluster");
}

TEST(Ec2QueryTest, CatalogAndResourceDescribes) {
  auto types = asMap(encodeDescribeInstanceTypes({.instanceTypes = {"p5.48xlarge"}}));
  EXPECT_EQ(types["InstanceType.1"], "p5.48xlarge");
  auto offerings = asMap(encodeDescribeInstanceTypeOfferings({}));
  EXPECT_EQ(offerings["LocationType"], "availability-zone");
  auto images = asMap(encodeDescribeImages({.ids = {"ami-1"}, .owners = {"amazon"}}));
  EXPECT_EQ(images["ImageId.1"], "ami-1");
  EXPECT_EQ(images["Owner.1"], "amazon");
  auto groups = asMap(encodeDescribeSecurityGroups({.ids = {"sg-1"}}));
  EXPECT_EQ(groups["GroupId.1"], "sg-1");
  auto subnets = asMap(encodeDescribeSubnets({.filters = {{"tag:k", {"v"}}}}));
  EXPECT_EQ(subnets["Filter.1.Name"], "tag:k");
  auto spot = asMap(encodeDescribeSpotPriceHistory(
      {.instanceTypes = {"g5.xlarge"},
       .productDescriptions = {"Linux/UNIX"},
       .startTime = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1}}));
  EXPECT_EQ(spot["InstanceType.1"], "g5.xlarge");
  EXPECT_EQ(spot["ProductDescription.1"], "Linux/UNIX");
  EXPECT_EQ(spot["StartTime"], "2024-05-01T00:00:00Z");
  auto lts = asMap(encodeDescribeLaunchTemplates({.launchTemplateNames = {"a", "b"}}));
  EXPECT_EQ(lts["LaunchTemplateName.2"], "b");
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
