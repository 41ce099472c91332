// EC2 response parsers against documented response shapes, and the error-code-to-Status
// mapping callers branch on.
#include "cloudprovider/aws/ec2/ec2_xml.h"

#include <gtest/gtest.h>

#include "cloudprovider/aws/transport/iso8601.h"
#include "tests/unit/cloudprovider/aws/ec2/ec2_xml_samples.h"

namespace gantry::cloudprovider::aws {
namespace {

TEST(Ec2XmlTest, CreateFleetKeepsInstancesAndPerPoolErrors) {
  auto r = parseCreateFleetResponse(samples::kCreateFleetPartial);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->fleetId, "fleet-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d");
  ASSERT_EQ(r->instances.size(), 1u);
  EXPECT_EQ(r->instances[0].instanceIds,
            (std::vector<std::string>{"i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"}));
  EXPECT_EQ(r->instances[0].instanceType, "p5.48xlarge");
  EXPECT_EQ(r->instances[0].availabilityZone, "us-east-1c");
  EXPECT_EQ(r->instances[0].subnetId, "subnet-0ccc");
  EXPECT_EQ(r->instances[0].lifecycle, "on-demand");
  ASSERT_EQ(r->errors.size(), 2u);
  EXPECT_EQ(r->errors[0].instanceType, "p4d.24xlarge");
  EXPECT_EQ(r->errors[0].availabilityZone, "us-east-1a");
  EXPECT_EQ(r->errors[0].subnetId, "subnet-0aaa");
  EXPECT_EQ(r->errors[0].errorCode, "InsufficientInstanceCapacity");
  EXPECT_NE(r->errors[0].errorMessage.find("sufficient p4d.24xlarge capacity"), std::string::npos);
  EXPECT_EQ(r->errors[1].errorCode, "Unsupported");
  EXPECT_EQ(classifyAwsError(r->errors[1].errorCode, 200), StatusCode::kInsufficientCapacity);
}

TEST(Ec2XmlTest, CreateFleetWithOnlyErrors) {
  auto r = parseCreateFleetResponse(samples::kCreateFleetAllFailed);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->instances.empty());
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].lifecycle, "spot");
  EXPECT_EQ(r->errors[0].availabilityZone, "us-west-2d");
  EXPECT_EQ(r->errors[0].subnetId, "");
}

TEST(Ec2XmlTest, DescribeInstancesFlattensReservationsAndReadsEveryField) {
  auto p1 = parseDescribeInstancesResponse(samples::kDescribeInstancesPage1);
  ASSERT_TRUE(p1.has_value()) << p1.error().toString();
  EXPECT_EQ(p1->nextToken, "token-page-2");
  ASSERT_EQ(p1->items.size(), 1u);
  const Instance& i = p1->items[0];
  EXPECT_EQ(i.instanceId, "i-0aaaaaaaaaaaaaaa1");
  EXPECT_EQ(i.state, "running");
  EXPECT_EQ(i.instanceType, "p5.48xlarge");
  EXPECT_EQ(i.imageId, "ami-0abcdef1234567890");
  EXPECT_EQ(i.availabilityZone, "us-east-1c");
  EXPECT_EQ(i.subnetId, "subnet-0ccc");
  EXPECT_EQ(i.vpcId, "vpc-0123");
  EXPECT_EQ(i.securityGroupIds, (std::vector<std::string>{"sg-0aaa", "sg-0bbb"})) << "sorted";
  EXPECT_EQ(i.privateDnsName, "ip-10-0-1-17.ec2.internal");
  EXPECT_EQ(i.privateIpAddress, "10.0.1.17");
  EXPECT_EQ(i.architecture, "x86_64");
  EXPECT_EQ(i.lifecycle, "");
  ASSERT_TRUE(i.launchTime.has_value());
  EXPECT_EQ(formatIso8601(*i.launchTime), "2024-05-01T10:20:30Z");
  ASSERT_EQ(i.tags.size(), 2u);
  EXPECT_EQ(i.tags[0], (Tag{"gantry.dev/nodepool", "gpu-training"}));
  EXPECT_EQ(i.tags[1].value, "gantry & friends <gpu>");

  auto p2 = parseDescribeInstancesResponse(samples::kDescribeInstancesPage2);
  ASSERT_TRUE(p2.has_value());
  EXPECT_EQ(p2->nextToken, "");
  ASSERT_EQ(p2->items.size(), 2u);
  EXPECT_EQ(p2->items[0].state, "terminated");
  EXPECT_EQ(p2->items[0].lifecycle, "spot");
  EXPECT_EQ(p2->items[0].stateReasonCode, "Server.SpotInstanceTermination");
  EXPECT_FALSE(p2->items[1].launchTime.has_value());
}

TEST(Ec2XmlTest, TerminateAndRunInstances) {
  auto t = parseTerminateInstancesResponse(samples::kTerminateInstances);
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].instanceId, "i-1234567890abcdef0");
  EXPECT_EQ((*t)[0].previousState, "running");
  EXPECT_EQ((*t)[0].currentState, "shutting-down");

  auto r = parseRunInstancesResponse(samples::kRunInstances);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].instanceType, "trn1.32xlarge");
  EXPECT_EQ((*r)[0].state, "pending");
}

TEST(Ec2XmlTest, DescribeInstanceTypesReadsAcceleratorsAndNetworking) {
  auto r = parseDescribeInstanceTypesResponse(samples::kDescribeInstanceTypes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->nextToken, "AAEAAeOu8Q==");
  ASSERT_EQ(r->items.size(), 3u);
  const InstanceTypeInfo& p4d = r->items[0];
  EXPECT_EQ(p4d.instanceType, "p4d.24xlarge");
  EXPECT_TRUE(p4d.currentGeneration);
  EXPECT_FALSE(p4d.bareMetal);
  EXPECT_EQ(p4d.hypervisor, "nitro");
  EXPECT_EQ(p4d.supportedUsageClasses,
            (std::vector<std::string>{"on-demand", "spot", "capacity-block"}));
  EXPECT_EQ(p4d.supportedArchitectures, std::vector<std::string>{"x86_64"});
  EXPECT_DOUBLE_EQ(p4d.sustainedClockSpeedGhz, 3.0);
  EXPECT_EQ(p4d.defaultVCpus, 96);
  EXPECT_EQ(p4d.memoryMiB, 1179648);
  ASSERT_EQ(p4d.gpus.size(), 1u);
  EXPECT_EQ(p4d.gpus[0].name, "A100");
  EXPECT_EQ(p4d.gpus[0].manufacturer, "NVIDIA");
  EXPECT_EQ(p4d.gpus[0].count, 8);
  EXPECT_EQ(p4d.gpus[0].memoryMiB, 40960);
  EXPECT_EQ(p4d.totalGpuMemoryMiB, 327680);
  EXPECT_EQ(p4d.maximumNetworkInterfaces, 60);
  EXPECT_EQ(p4d.ipv4AddressesPerInterface, 50);
  EXPECT_EQ(p4d.networkPerformance, "4x 100 Gigabit");
  EXPECT_TRUE(p4d.efaSupported);
  EXPECT_EQ(p4d.maximumEfaInterfaces, 4);
  EXPECT_EQ(p4d.instanceStorageGb, 8000);
  EXPECT_EQ(p4d.nvmeSupport, "required");

  const InstanceTypeInfo& inf2 = r->items[1];
  ASSERT_EQ(inf2.accelerators.size(), 1u);
  EXPECT_EQ(inf2.accelerators[0].name, "Inferentia2");
  EXPECT_EQ(inf2.accelerators[0].manufacturer, "AWS");
  EXPECT_EQ(inf2.accelerators[0].count, 1);
  EXPECT_EQ(inf2.accelerators[0].coreCount, 2);
  EXPECT_EQ(inf2.accelerators[0].memoryMiB, 32768);
  EXPECT_TRUE(inf2.gpus.empty());

  EXPECT_TRUE(r->items[2].burstablePerformanceSupported);
  EXPECT_EQ(r->items[2].instanceStorageGb, 0);
}

TEST(Ec2XmlTest, OfferingsAndSpotPrices) {
  auto o = parseDescribeInstanceTypeOfferingsResponse(samples::kDescribeInstanceTypeOfferings);
  ASSERT_TRUE(o.has_value());
  ASSERT_EQ(o->items.size(), 3u);
  EXPECT_EQ(o->items[1].instanceType, "p5.48xlarge");
  EXPECT_EQ(o->items[1].locationType, "availability-zone");
  EXPECT_EQ(o->items[1].location, "us-east-1c");

  auto s = parseDescribeSpotPriceHistoryResponse(samples::kDescribeSpotPriceHistory);
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->items.size(), 2u);
  EXPECT_DOUBLE_EQ(s->items[0].price, 0.4024);
  EXPECT_EQ(s->items[0].availabilityZone, "us-east-1a");
  EXPECT_EQ(s->items[0].productDescription, "Linux/UNIX");
  ASSERT_TRUE(s->items[1].timestamp.has_value());
  EXPECT_EQ(formatIso8601(*s->items[1].timestamp), "2024-05-01T08:00:00Z");
  EXPECT_EQ(s->nextToken, "");
}

TEST(Ec2XmlTest, SubnetsSecurityGroupsImagesLaunchTemplatesTags) {
  auto subnets = parseDescribeSubnetsResponse(samples::kDescribeSubnets);
  ASSERT_TRUE(subnets.has_value());
  ASSERT_EQ(subnets->items.size(), 1u);
  EXPECT_EQ(subnets->items[0].availableIpAddressCount, 8187);
  EXPECT_EQ(subnets->items[0].availabilityZoneId, "use1-az4");
  EXPECT_EQ(subnets->items[0].tags.at(0).key, "gantry.dev/discovery");

  auto groups = parseDescribeSecurityGroupsResponse(samples::kDescribeSecurityGroups);
  ASSERT_TRUE(groups.has_value());
  EXPECT_EQ(groups->items.at(0).groupId, "sg-0123");
  EXPECT_EQ(groups->items.at(0).description, "EKS created security group");

  auto images = parseDescribeImagesResponse(samples::kDescribeImages);
  ASSERT_TRUE(images.has_value());
  EXPECT_EQ(images->items.at(0).name, "amazon-eks-gpu-node-1.30-v20240501");
  EXPECT_EQ(images->items.at(0).state, "available");
  EXPECT_EQ(images->items.at(0).ownerId, "602401143452");
  ASSERT_TRUE(images->items.at(0).deprecationTime.has_value());

  auto created = parseCreateLaunchTemplateResponse(samples::kCreateLaunchTemplate);
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->launchTemplateId, "lt-0123456789abcdef0");
  EXPECT_EQ(created->launchTemplateName, "gantry/gpu-training/abc123");
  EXPECT_EQ(created->tags.at(0).value, "my-cluster");

  auto described = parseDescribeLaunchTemplatesResponse(samples::kDescribeLaunchTemplates);
  ASSERT_TRUE(described.has_value());
  EXPECT_EQ(described->items.at(0).latestVersionNumber, 3);

  EXPECT_TRUE(parseCreateTagsResponse(samples::kCreateTags).isOk());
}

TEST(Ec2XmlTest, WrongRootOrBrokenXmlIsInvalid) {
  auto wrong = parseDescribeInstancesResponse(samples::kTerminateInstances);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_TRUE(wrong.error().isInvalid());
  EXPECT_FALSE(parseCreateFleetResponse("<CreateFleetResponse>").has_value());
  EXPECT_FALSE(parseCreateLaunchTemplateResponse("<CreateLaunchTemplateResponse/>").has_value());
}

TEST(Ec2XmlTest, ErrorDocumentsMapToStatusKindsKeepingCodeAndMessage) {
  Status throttled = awsErrorStatus("EC2", "CreateFleet", 503, samples::kErrorThrottled);
  EXPECT_TRUE(throttled.isThrottled());
  EXPECT_EQ(
      throttled.message(),
      "EC2 CreateFleet: RequestLimitExceeded: Request limit exceeded. (request 5d3a7c8b-throttle)");
  Status notFound = awsErrorStatus("EC2", "TerminateInstances", 400, samples::kErrorNotFound);
  EXPECT_TRUE(notFound.isNotFound());
  EXPECT_NE(notFound.message().find("InvalidInstanceID.NotFound"), std::string::npos);
  EXPECT_TRUE(awsErrorStatus("EC2", "X", 403, samples::kErrorUnauthorizedOperation).isForbidden());
  EXPECT_TRUE(awsErrorStatus("EC2", "X", 500, samples::kErrorInternal).isUnavailable());
  // STS shape.
  Status sts = awsErrorStatus(
      "STS", "AssumeRoleWithWebIdentity", 400,
      "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>bad "
      "token</Message></Error><RequestId>abc</RequestId></ErrorResponse>");
  EXPECT_TRUE(sts.isUnauthorized());
  EXPECT_EQ(sts.message(),
            "STS AssumeRoleWithWebIdentity: InvalidIdentityToken: bad token (request abc)");
  // Not XML at all: classified by HTTP status, with a printable excerpt.
  Status html = awsErrorStatus("EC2", "X", 502, "<html>\n<body>Bad Gateway</body></html>");
  EXPECT_TRUE(html.isUnavailable());
  EXPECT_NE(html.message().find("HTTP 502"), std::string::npos);
  EXPECT_TRUE(awsErrorStatus("EC2", "X", 429, "").isThrottled());
  EXPECT_TRUE(awsErrorStatus("EC2", "X", 400, "garbage").isInvalid());
}

TEST(Ec2XmlTest, ClassifiesTheCodesCallersBranchOn) {
  struct Case {
    const char* code;
    StatusCode want;
  };
  for (const Case& c : std::vector<Case>{
           {"RequestLimitExceeded", StatusCode::kThrottled},
           {"Throttling", StatusCode::kThrottled},
           {"InsufficientInstanceCapacity", StatusCode::kInsufficientCapacity},
           {"MaxSpotInstanceCountExceeded", StatusCode::kInsufficientCapacity},
           {"VcpuLimitExceeded", StatusCode::kInsufficientCapacity},
           {"UnfulfillableCapacity", StatusCode::kInsufficientCapacity},
           {"Unsupported", StatusCode::kInsufficientCapacity},
           {"InsufficientFreeAddressesInSubnet", StatusCode::kInsufficientCapacity},
           {"AuthFailure", StatusCode::kUnauthorized},
           {"SignatureDoesNotMatch", StatusCode::kUnauthorized},
           {"InvalidClientTokenId", StatusCode::kUnauthorized},
           {"UnauthorizedOperation", StatusCode::kForbidden},
           {"InvalidInstanceID.NotFound", StatusCode::kNotFound},
           {"InvalidLaunchTemplateName.NotFoundException", StatusCode::kNotFound},
           {"InvalidLaunchTemplateId.VersionNotFound", StatusCode::kNotFound},
           {"InvalidLaunchTemplateName.AlreadyExistsException", StatusCode::kAlreadyExists},
           {"IdempotentParameterMismatch", StatusCode::kConflict},
           {"InvalidParameterValue", StatusCode::kInvalid},
           {"InvalidInstanceID.Malformed", StatusCode::kInvalid},
       }) {
    EXPECT_EQ(classifyAwsError(c.code, 400), c.want) << c.code;
  }
  EXPECT_EQ(classifyAwsError("SomethingNew", 503), StatusCode::kUnavailable);
  EXPECT_EQ(classifyAwsError("SomethingNew", 400), StatusCode::kInvalid);
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
