// Ec2CloudProvider::resolveNodeClass over the FakeEc2Api: what an EC2NodeClass resolves to,
// a part that selects nothing as its own False condition naming the selector (with EC2's
// message for an unknown id), and errors about reaching EC2 failing the call.
#include <gtest/gtest.h>

#include "tests/unit/cloudprovider/aws/ec2_provider_fixture.h"

namespace gantry::cloudprovider::aws {
namespace {

namespace nc = api::nodeclass;

const api::Condition& condition(const api::Ec2NodeClassStatus& s, std::string_view type) {
  const api::Condition* c = api::findCondition(s.conditions, type);
  EXPECT_NE(c, nullptr) << type;
  static const api::Condition missing;
  return c ? *c : missing;
}

class Ec2ResolveNodeClassTest : public Ec2ProviderTest {
 protected:
  void SetUp() override {
    Ec2ProviderTest::SetUp();
    ec2_.subnets[0].availabilityZoneId = "use1-az1";
    ec2_.securityGroups[0].groupName = "nodes";
    ec2_.images[0].name = "my-image";
  }
};

TEST_F(Ec2ResolveNodeClassTest, GoodNodeClassListsWhatItResolvesTo) {
  auto status = provider_->resolveNodeClass(testNodeClass());
  ASSERT_TRUE(status.has_value()) << status.error().toString();
  ASSERT_EQ(status->subnets.size(), 3u);
  EXPECT_EQ(status->subnets[0],
            (api::NodeClassSubnet{.id = "subnet-a", .zone = "us-east-1a", .zoneId = "use1-az1"}));
  EXPECT_EQ(status->subnets[2].zone, "us-east-1c");
  ASSERT_EQ(status->securityGroups.size(), 1u);
  EXPECT_EQ(status->securityGroups[0], (api::NodeClassSecurityGroup{.id = "sg-1", .name = "nodes"}));
  ASSERT_EQ(status->amis.size(), 1u);
  EXPECT_EQ(status->amis[0].id, "ami-123");
  EXPECT_EQ(status->amis[0].name, "my-image");
  ASSERT_EQ(status->amis[0].requirements.size(), 1u);
  EXPECT_EQ(status->amis[0].requirements[0].toString(), "kubernetes.io/arch In [amd64]");
  EXPECT_EQ(status->instanceProfile, "node-profile");
  for (auto type : {nc::kSubnetsReady, nc::kSecurityGroupsReady, nc::kAmisReady}) {
    EXPECT_EQ(condition(*status, type).status, api::ConditionStatus::kTrue) << type;
  }
  EXPECT_EQ(api::findCondition(status->conditions, nc::kReady), nullptr) << "Ready is the caller's";
}

TEST_F(Ec2ResolveNodeClassTest, SubnetSelectorMatchingNothingIsAFalseConditionNamingIt) {
  api::Ec2NodeClass nodeClass = testNodeClass();
  nodeClass.subnetSelectorTerms = {{.tags = {{"gantry.dev/discovery", "nobody"}}}};
  auto status = provider_->resolveNodeClass(nodeClass);
  ASSERT_TRUE(status.has_value()) << status.error().toString();
  const api::Condition& subnets = condition(*status, nc::kSubnetsReady);
  EXPECT_EQ(subnets.status, api::ConditionStatus::kFalse);
  EXPECT_EQ(subnets.reason, nc::kSubnetsNotFound);
  EXPECT_NE(subnets.message.find("no subnet matches spec.subnetSelectorTerms [0] "
                                 "tags={gantry.dev/discovery=nobody}"),
            std::string::npos)
      << subnets.message;
  EXPECT_TRUE(status->subnets.empty());
  // The other parts still resolve and are listed.
  EXPECT_EQ(condition(*status, nc::kSecurityGroupsReady).status, api::ConditionStatus::kTrue);
  EXPECT_EQ(condition(*status, nc::kAmisReady).status, api::ConditionStatus::kTrue);
  EXPECT_EQ(status->securityGroups.size(), 1u);
  EXPECT_EQ(status->amis.size(), 1u);
}

TEST_F(Ec2ResolveNodeClassTest, UnknownIdCarriesEc2sMessageAndOtherTermsStillCount) {
  const Status unknown = Status::notFound(
      "EC2 DescribeSecurityGroups: InvalidGroup.NotFound: The security group 'sg-gone' does not exist");
  api::Ec2NodeClass onlyId = testNodeClass();
  onlyId.securityGroupSelectorTerms = {{.id = "sg-gone"}};
  ec2_.failNext("DescribeSecurityGroups", unknown);
  auto status = provider_->resolveNodeClass(onlyId);
  ASSERT_TRUE(status.has_value()) << status.error().toString();
  const api::Condition& groups = condition(*status, nc::kSecurityGroupsReady);
  EXPECT_EQ(groups.status, api::ConditionStatus::kFalse);
  EXPECT_EQ(groups.reason, nc::kSecurityGroupsNotFound);
  EXPECT_NE(groups.message.find("[0] id=sg-gone (EC2 DescribeSecurityGroups: InvalidGroup.NotFound"),
            std::string::npos)
      << groups.message;

  // Terms are ORed: a stale id next to a tag term that matches leaves the part resolved.
  api::Ec2NodeClass mixed = testNodeClass();
  mixed.securityGroupSelectorTerms = {{.id = "sg-gone"}, {.tags = {{"gantry.dev/discovery", "unit"}}}};
  ec2_.failNext("DescribeSecurityGroups", unknown);
  auto resolved = provider_->resolveNodeClass(mixed);
  ASSERT_TRUE(resolved.has_value()) << resolved.error().toString();
  EXPECT_EQ(condition(*resolved, nc::kSecurityGroupsReady).status, api::ConditionStatus::kTrue);
  ASSERT_EQ(resolved->securityGroups.size(), 1u);
  EXPECT_EQ(resolved->securityGroups[0].id, "sg-1");
}

TEST_F(Ec2ResolveNodeClassTest, TroubleReachingEc2FailsTheCall) {
  ec2_.failNext("DescribeImages", Status::throttled("EC2 DescribeImages: RequestLimitExceeded"));
  auto throttled = provider_->resolveNodeClass(testNodeClass());
  ASSERT_FALSE(throttled.has_value());
  EXPECT_TRUE(throttled.error().isThrottled()) << throttled.error().toString();

  ec2_.failNext("DescribeSubnets", Status::unauthorized("EC2 DescribeSubnets: AuthFailure"));
  auto unauthorized = provider_->resolveNodeClass(testNodeClass());
  ASSERT_FALSE(unauthorized.has_value());
  EXPECT_TRUE(unauthorized.error().isUnauthorized()) << unauthorized.error().toString();
}

TEST_F(Ec2ResolveNodeClassTest, AliasListsEachVariantWithTheTypesItServes) {
  ssm_.values[eksOptimizedAmiParameter("1.34", "x86_64", false)] = "ami-std";
  ssm_.values[eksOptimizedAmiParameter("1.34", "x86_64", true)] = "ami-gpu";
  ssm_.values[eksOptimizedAmiParameter("1.34", "arm64", false)] = "ami-arm";
  api::Ec2NodeClass nodeClass = testNodeClass();
  nodeClass.amiSelectorTerms = {{.alias = "al2023@latest"}};
  auto status = provider_->resolveNodeClass(nodeClass);
  ASSERT_TRUE(status.has_value()) << status.error().toString();
  std::map<std::string, std::vector<std::string>> requirements;
  for (const auto& ami : status->amis) {
    for (const auto& r : ami.requirements) requirements[ami.id].push_back(r.toString());
  }
  EXPECT_EQ(requirements["ami-std"],
            (std::vector<std::string>{"kubernetes.io/arch In [amd64]",
                                      "gantry.dev/instance-gpu-manufacturer NotIn [nvidia]"}));
  EXPECT_EQ(requirements["ami-gpu"],
            (std::vector<std::string>{"kubernetes.io/arch In [amd64]",
                                      "gantry.dev/instance-gpu-manufacturer In [nvidia]"}));
  EXPECT_EQ(requirements["ami-arm"],
            (std::vector<std::string>{"kubernetes.io/arch In [arm64]",
                                      "gantry.dev/instance-gpu-manufacturer NotIn [nvidia]"}));
  EXPECT_EQ(status->amis.size(), 3u);
}

TEST_F(Ec2ResolveNodeClassTest, AliasSsmDoesNotKnowIsAFalseAmisCondition) {
  api::Ec2NodeClass nodeClass = testNodeClass();
  nodeClass.amiSelectorTerms = {{.alias = "al2023@v20990101"}};
  auto status = provider_->resolveNodeClass(nodeClass);
  ASSERT_TRUE(status.has_value()) << status.error().toString();
  const api::Condition& amis = condition(*status, nc::kAmisReady);
  EXPECT_EQ(amis.status, api::ConditionStatus::kFalse);
  EXPECT_EQ(amis.reason, nc::kAmisNotFound);
  EXPECT_NE(amis.message.find("[0] alias=al2023@v20990101"), std::string::npos) << amis.message;
  EXPECT_TRUE(status->amis.empty());

  // Without an SSM client an alias cannot resolve either: a False condition, not an error.
  auto noSsm = std::make_unique<Ec2CloudProvider>(Ec2CloudProviderOptions{.clusterName = "c"}, ec2_,
                                                  nullptr, clock_, nullptr, nodeClasses_);
  auto without = noSsm->resolveNodeClass(nodeClass);
  ASSERT_TRUE(without.has_value()) << without.error().toString();
  EXPECT_EQ(condition(*without, nc::kAmisReady).status, api::ConditionStatus::kFalse);
}

TEST_F(Ec2ResolveNodeClassTest, RoleBasedClassReportsNoInstanceProfile) {
  api::Ec2NodeClass nodeClass = testNodeClass();
  nodeClass.instanceProfile.clear();
  nodeClass.role = "NodeRole";
  auto status = provider_->resolveNodeClass(nodeClass);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->instanceProfile, "");
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
