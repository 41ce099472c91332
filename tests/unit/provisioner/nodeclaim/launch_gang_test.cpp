// Gang launches: claims annotated gantry.dev/gang + gantry.dev/gang-size launch as one
// createGroup call naming every member (sorted), each recording its own instance; a member
// waits for the rest of its gang up to gangAssemblyTimeout and is then given up as a capacity
// failure (deleted, re-planned at once, no backoff), also when a group launch failed for a
// member before it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "provisioner/nodeclaim/launch.h"
#include "tests/unit/provisioner/nodeclaim/launch_fixture.h"

namespace gantry::provisioner::nodeclaim {
namespace {

using namespace std::chrono_literals;
using testing::Failure;
namespace nc = api::nodeclaim;

class LaunchGangTest : public testing::LaunchFixture {};

TEST_F(LaunchGangTest, MembersLaunchThroughOneGroupEachWithItsOwnInstance) {
  cluster_.putClaim(gangClaim("train-b", "g", "2"));
  cluster_.putClaim(gangClaim("train-a", "g", "2"));

  auto first = reconciler().reconcile("train-b");
  ASSERT_TRUE(first) << first.error().toString();
  ASSERT_EQ(cloud_.groupCreates.size(), 1u);
  const auto request = cloud_.groupCreates[0];  // a copy: the vector grows below
  EXPECT_EQ(request.groupName, "g");
  EXPECT_EQ(request.nodeClaimNames, (std::vector<std::string>{"train-a", "train-b"}));
  EXPECT_EQ(request.nodePoolName, "gpu");
  EXPECT_EQ(request.nodeClassRef.name, "default");
  ASSERT_FALSE(request.instanceTypes.empty());
  EXPECT_EQ(request.instanceTypes[0].name, "g4dn.xlarge");
  EXPECT_TRUE(cloud_.creates.empty()) << "no single launches for a gang";
  EXPECT_EQ(cloud_.launches, 2) << "the whole gang at once";
  EXPECT_TRUE(cluster_.nodeClaim("train-b")->isTrue(nc::kLaunched));
  EXPECT_FALSE(cluster_.nodeClaim("train-a")->condition(nc::kLaunched))
      << "each member records its own launch on its own pass";

  auto second = reconciler().reconcile("train-a");
  ASSERT_TRUE(second) << second.error().toString();
  ASSERT_EQ(cloud_.groupCreates.size(), 2u) << "the same group asked for again";
  EXPECT_EQ(cloud_.groupCreates[1].groupName, "g");
  EXPECT_EQ(cloud_.groupCreates[1].nodeClaimNames, request.nodeClaimNames);
  EXPECT_EQ(cloud_.launches, 2) << "and found, not launched twice";

  auto a = cluster_.nodeClaim("train-a");
  auto b = cluster_.nodeClaim("train-b");
  ASSERT_TRUE(a->isTrue(nc::kLaunched));
  EXPECT_FALSE(a->providerId.empty());
  EXPECT_NE(a->providerId, b->providerId);
  for (const auto& c : {a, b}) {
    auto instance = cloud_.get(c->providerId);
    ASSERT_TRUE(instance);
    EXPECT_EQ(instance->nodeClaimName, c->name);
  }
  EXPECT_EQ(events_.count("Launched"), 2u);
  EXPECT_TRUE(failures_.empty());
}

// A TFJob's chief and workers are planned with different requirements (often onto different
// pools); one cloud group is one instance type, so each shape is its own group.
TEST_F(LaunchGangTest, EachShapeOfAGangLaunchesAsItsOwnGroup) {
  api::NodeClaim chief = gangClaim("train-chief", "g", "3");
  chief.requirements[1] = testing::inReq(api::label::kInstanceType, {"g5.xlarge"});
  cluster_.putClaim(chief);
  cluster_.putClaim(gangClaim("train-w0", "g", "3"));
  cluster_.putClaim(gangClaim("train-w1", "g", "3"));

  for (const char* name : {"train-w1", "train-chief", "train-w0"}) {
    auto r = reconciler().reconcile(name);
    ASSERT_TRUE(r) << name << ": " << r.error().toString();
    EXPECT_TRUE(cluster_.nodeClaim(name)->isTrue(nc::kLaunched)) << name;
  }
  ASSERT_EQ(cloud_.groupCreates.size(), 3u);
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& request : cloud_.groupCreates) {
    groups[request.groupName] = request.nodeClaimNames;
  }
  ASSERT_EQ(groups.size(), 2u) << "one group per shape, each asked for by each of its members";
  std::vector<std::vector<std::string>> members;
  for (const auto& [name, claims] : groups) members.push_back(claims);
  EXPECT_TRUE(groups.contains("g-0") && groups.contains("g-1"));
  EXPECT_THAT(members, ::testing::UnorderedElementsAre(
                           std::vector<std::string>{"train-chief"},
                           std::vector<std::string>{"train-w0", "train-w1"}));
  EXPECT_EQ(cloud_.launches, 3) << "every member launched once";
  EXPECT_EQ(cloud_.get(cluster_.nodeClaim("train-chief")->providerId)->instanceType, "g5.xlarge");
  EXPECT_EQ(cloud_.get(cluster_.nodeClaim("train-w0")->providerId)->instanceType, "g4dn.xlarge");
}

TEST_F(LaunchGangTest, LoneMemberWaitsForItsGangThenIsGivenUpAsCapacity) {
  cluster_.putClaim(gangClaim("train-a", "g", "2"));

  for (auto elapsed : {0s, 10s, 29s}) {
    clock_.set(*cluster_.nodeClaim("train-a")->creationTimestamp + elapsed);
    auto waiting = reconciler().reconcile("train-a");
    ASSERT_TRUE(waiting) << "waiting is no error";
    EXPECT_EQ(*waiting, 1s) << "looked at again shortly";
  }
  EXPECT_TRUE(cloud_.groupCreates.empty());
  EXPECT_TRUE(cloud_.creates.empty());
  EXPECT_TRUE(cluster_.calls().empty()) << "nothing written while it waits";
  EXPECT_FALSE(cluster_.nodeClaim("train-a")->deleting());

  clock_.set(*cluster_.nodeClaim("train-a")->creationTimestamp + options_.gangAssemblyTimeout);
  ASSERT_TRUE(reconciler().reconcile("train-a"));
  auto c = cluster_.nodeClaim("train-a");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->deleting());
  const api::Condition* launched = c->condition(nc::kLaunched);
  ASSERT_NE(launched, nullptr);
  EXPECT_EQ(launched->reason, "InsufficientCapacity");
  EXPECT_NE(launched->message.find("gang g has 1 of 2"), std::string::npos) << launched->message;
  EXPECT_EQ(events_.count("InsufficientCapacity", "train-a"), 1u);
  EXPECT_EQ(failures_, (std::vector<Failure>{{"train-a", true}}));
  EXPECT_FALSE(backoff_.held("gpu", "default", clock_.now())) << "the node class is fine";
  EXPECT_TRUE(cloud_.groupCreates.empty());
}

TEST_F(LaunchGangTest, GangCompletedWithinTheTimeoutLaunches) {
  cluster_.putClaim(gangClaim("train-a", "g", "2"));
  auto waiting = reconciler().reconcile("train-a");
  ASSERT_TRUE(waiting);
  ASSERT_EQ(*waiting, 1s);

  clock_.advance(12s);
  cluster_.putClaim(gangClaim("train-b", "g", "2"));
  ASSERT_TRUE(reconciler().reconcile("train-a"));
  EXPECT_TRUE(cluster_.nodeClaim("train-a")->isTrue(nc::kLaunched));
  ASSERT_EQ(cloud_.groupCreates.size(), 1u);
  EXPECT_EQ(cloud_.groupCreates[0].nodeClaimNames,
            (std::vector<std::string>{"train-a", "train-b"}));
}

TEST_F(LaunchGangTest, OtherGangsDoNotCountAsMembers) {
  cluster_.putClaim(gangClaim("train-a", "g", "2"));
  cluster_.putClaim(gangClaim("other-a", "h", "2"));
  cluster_.putClaim(pendingClaim("single"));
  auto waiting = reconciler().reconcile("train-a");
  ASSERT_TRUE(waiting);
  EXPECT_EQ(*waiting, 1s);
  EXPECT_TRUE(cloud_.groupCreates.empty());
}

TEST_F(LaunchGangTest, GroupCapacityErrorNeverLeavesItsPeerLaunchingAlone) {
  cluster_.putClaim(gangClaim("train-a", "g", "2"));
  cluster_.putClaim(gangClaim("train-b", "g", "2"));
  cloud_.createErrors = {Status::insufficientCapacity("no 2 x g4dn.xlarge in one zone")};

  ASSERT_TRUE(reconciler().reconcile("train-a"));
  ASSERT_TRUE(cluster_.nodeClaim("train-a")->deleting());
  EXPECT_EQ(cluster_.nodeClaim("train-a")->condition(nc::kLaunched)->reason,
            "InsufficientCapacity");
  ASSERT_TRUE(reconciler().reconcile("train-a"));  // its finalizer lets it go
  ASSERT_FALSE(cluster_.nodeClaim("train-a"));

  // The peer asks for no group (which would name a claim that is gone, or launch half the
  // gang) and is given up by the assembly timeout.
  for (Clock::Duration elapsed : {Clock::Duration(0s), Clock::Duration(10s),
                                  options_.gangAssemblyTimeout}) {
    clock_.set(*cluster_.nodeClaim("train-b")->creationTimestamp + elapsed);
    ASSERT_TRUE(reconciler().reconcile("train-b"));
    EXPECT_EQ(cloud_.groupCreates.size(), 1u);
    EXPECT_EQ(cloud_.launches, 0);
  }
  ASSERT_TRUE(cluster_.nodeClaim("train-b")->deleting());
  EXPECT_EQ(cluster_.nodeClaim("train-b")->condition(nc::kLaunched)->reason,
            "InsufficientCapacity");
  EXPECT_EQ(failures_, (std::vector<Failure>{{"train-a", true}, {"train-b", true}}));
  EXPECT_FALSE(backoff_.held("gpu", "default", clock_.now()));
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
