// The EC2NodeClass status controller over fakes: Ready and the resolved lists are written only
// when they change, a selector matching nothing turns the class not Ready with one Warning
// Event, classes are resolved again each period and at once after a spec change, cloud or
// apiserver errors leave the status alone and are retried with backoff, and a class the cloud
// cannot resolve three times running turns Ready=Unknown (False when denied), reason
// ResolutionFailed, until a resolution succeeds.
#include "provisioner/nodeclass/status_controller.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <map>
#include <string>
#include <vector>

#include "tests/fakes/fake_cloud_provider.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/unit/provisioner/nodeclass/fake_nodeclass_access.h"

namespace gantry::provisioner::nodeclass {
namespace {

using namespace std::chrono_literals;
using cloudprovider::FakeCloudProvider;
namespace nc = api::nodeclass;

constexpr char kNoSubnet[] =
    "EC2NodeClass broken: no subnet matches spec.subnetSelectorTerms [0] "
    "tags={gantry.dev/discovery=nobody}";

api::Ec2NodeClassStatus brokenSubnets() {
  api::Ec2NodeClassStatus s = FakeCloudProvider::resolvedStatus("profile");
  s.subnets.clear();
  s.conditions[0] = {.type = std::string(nc::kSubnetsReady),
                     .status = api::ConditionStatus::kFalse,
                     .reason = std::string(nc::kSubnetsNotFound),
                     .message = kNoSubnet};
  return s;
}

const api::Condition& condition(const api::Ec2NodeClassStatus& s, std::string_view type) {
  const api::Condition* c = api::findCondition(s.conditions, type);
  EXPECT_NE(c, nullptr) << type;
  static const api::Condition missing;
  return c ? *c : missing;
}

class StatusControllerTest : public ::testing::Test {
 protected:
  void add(const std::string& name, int64_t generation = 1) {
    store_.put(api::Ec2NodeClass{.name = name, .uid = "uid-" + name, .generation = generation,
                                 .instanceProfile = "profile"});
  }
  api::Ec2NodeClassStatus stored(const std::string& name) { return store_.nodeClass(name)->status; }

  FakeClock clock_;
  testing::FakeNodeClassStore store_;
  FakeCloudProvider cloud_{api::InstanceTypes{}};
  kube::FakeEventRecorder events_;
  StatusController controller_{store_, store_, cloud_, events_, clock_,
                               StatusControllerOptions{.resolvePeriod = 5min}};
};

TEST_F(StatusControllerTest, ResolvedClassIsReadyWithWhatItResolvesTo) {
  add("default");
  const auto t0 = clock_.now();
  controller_.step();
  ASSERT_EQ(store_.writes().size(), 1u);
  const api::Ec2NodeClassStatus s = stored("default");
  EXPECT_EQ(s.subnets, FakeCloudProvider::resolvedStatus().subnets);
  EXPECT_EQ(s.securityGroups.at(0).id, "sg-fake");
  EXPECT_EQ(s.amis.at(0).id, "ami-fake");
  EXPECT_EQ(s.instanceProfile, "profile");
  const api::Condition& ready = condition(s, nc::kReady);
  EXPECT_EQ(ready.status, api::ConditionStatus::kTrue);
  EXPECT_EQ(ready.reason, "Ready");
  EXPECT_EQ(ready.lastTransitionTime, t0);
  for (const auto& c : s.conditions) EXPECT_EQ(c.observedGeneration, 1) << c.type;
  EXPECT_EQ(s.conditions.size(), 4u);
  EXPECT_TRUE(events_.events().empty());
}

TEST_F(StatusControllerTest, UnchangedStatusIsNotWrittenAndIsResolvedAgainEachPeriod) {
  add("default");
  controller_.step();
  controller_.step();
  EXPECT_EQ(cloud_.resolved().size(), 1u);
  clock_.advance(4min);
  controller_.step();
  EXPECT_EQ(cloud_.resolved().size(), 1u) << "not before the period";
  clock_.advance(1min);
  controller_.step();
  EXPECT_EQ(cloud_.resolved().size(), 2u);
  EXPECT_EQ(store_.writes().size(), 1u) << "nothing changed, nothing written";
}

TEST_F(StatusControllerTest, SelectorMatchingNothingTurnsNotReadyWithOneWarningEvent) {
  add("broken");
  cloud_.setNodeClassStatus("broken", brokenSubnets());
  controller_.step();
  ASSERT_EQ(store_.writes().size(), 1u);
  const api::Ec2NodeClassStatus s = stored("broken");
  EXPECT_TRUE(s.subnets.empty());
  EXPECT_EQ(s.securityGroups.size(), 1u);
  EXPECT_EQ(condition(s, nc::kSubnetsReady).status, api::ConditionStatus::kFalse);
  const api::Condition& ready = condition(s, nc::kReady);
  EXPECT_EQ(ready.status, api::ConditionStatus::kFalse);
  EXPECT_EQ(ready.reason, nc::kSubnetsNotFound);
  EXPECT_EQ(ready.message, kNoSubnet);

  auto events = events_.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, kube::EventType::kWarning);
  EXPECT_EQ(events[0].reason, kNotReadyEventReason);
  EXPECT_EQ(events[0].object.kind, "EC2NodeClass");
  EXPECT_EQ(events[0].object.apiVersion, "gantry.dev/v1");
  EXPECT_EQ(events[0].object.name, "broken");
  EXPECT_EQ(events[0].object.uid, "uid-broken");
  EXPECT_NE(events[0].message.find("spec.subnetSelectorTerms [0]"), std::string::npos);

  // Still broken a period later: no new write, no new event.
  clock_.advance(5min);
  controller_.step();
  EXPECT_EQ(cloud_.resolved().size(), 2u);
  EXPECT_EQ(store_.writes().size(), 1u);
  EXPECT_EQ(events_.events().size(), 1u);
}

TEST_F(StatusControllerTest, TransitionTimesMoveOnlyForConditionsThatChange) {
  add("default");
  const auto t0 = clock_.now();
  controller_.step();
  clock_.advance(5min);
  const auto t1 = clock_.now();
  cloud_.setNodeClassStatus("default", brokenSubnets());
  controller_.step();
  api::Ec2NodeClassStatus s = stored("default");
  EXPECT_EQ(condition(s, nc::kReady).lastTransitionTime, t1);
  EXPECT_EQ(condition(s, nc::kSubnetsReady).lastTransitionTime, t1);
  EXPECT_EQ(condition(s, nc::kSecurityGroupsReady).lastTransitionTime, t0);
  EXPECT_EQ(events_.count(std::string(kNotReadyEventReason), "default"), 1u);

  // Fixed: Ready again, and no event for getting better.
  clock_.advance(5min);
  cloud_.setNodeClassStatus("default", FakeCloudProvider::resolvedStatus("profile"));
  controller_.step();
  s = stored("default");
  EXPECT_EQ(condition(s, nc::kReady).status, api::ConditionStatus::kTrue);
  EXPECT_EQ(condition(s, nc::kReady).lastTransitionTime, clock_.now());
  EXPECT_EQ(events_.events().size(), 1u);
  EXPECT_EQ(store_.writes().size(), 3u);
}

TEST_F(StatusControllerTest, SpecChangeIsResolvedAtOnceAndRecordsItsGeneration) {
  add("default");
  controller_.step();
  api::Ec2NodeClass changed = *store_.nodeClass("default");
  changed.generation = 2;
  changed.subnetSelectorTerms = {{.id = "subnet-new"}};
  store_.put(changed);
  controller_.enqueue("default");  // what the informer's update handler does
  controller_.step();
  EXPECT_EQ(cloud_.resolved().size(), 2u);
  ASSERT_EQ(store_.writes().size(), 2u);
  for (const auto& c : stored("default").conditions) EXPECT_EQ(c.observedGeneration, 2) << c.type;
}

TEST_F(StatusControllerTest, CloudErrorLeavesTheStatusAndIsRetriedWithBackoff) {
  add("default");
  controller_.step();
  const api::Ec2NodeClassStatus before = stored("default");
  clock_.advance(5min);
  cloud_.failNextResolve(Status::throttled("RequestLimitExceeded"));
  cloud_.setNodeClassStatus("default", brokenSubnets());
  controller_.step();
  EXPECT_EQ(stored("default"), before) << "an error is no news about the node class";
  EXPECT_EQ(controller_.queue().nextDue(), clock_.now() + 1s);
  cloud_.failNextResolve(Status::unavailable("down"));
  clock_.advance(1s);
  controller_.step();
  EXPECT_EQ(controller_.queue().nextDue(), clock_.now() + 2s) << "backoff doubles";
  clock_.advance(2s);
  controller_.step();
  EXPECT_EQ(cloud_.resolved().size(), 4u);
  EXPECT_EQ(condition(stored("default"), nc::kReady).status, api::ConditionStatus::kFalse);
  EXPECT_EQ(controller_.queue().nextDue(), clock_.now() + 5min) << "back to the period";
}

TEST_F(StatusControllerTest, WriteErrorIsRetriedAndDeletedClassesAreDropped) {
  add("default");
  store_.failNextWrite(Status::unavailable("apiserver down"));
  controller_.step();
  EXPECT_TRUE(store_.writes().empty());
  EXPECT_TRUE(events_.events().empty());
  clock_.advance(1s);
  controller_.step();
  EXPECT_EQ(store_.writes().size(), 1u);

  // Gone from the cache: resolved no more.
  store_.remove("default");
  clock_.advance(5min);
  controller_.step();
  EXPECT_EQ(cloud_.resolved().size(), 2u);
  EXPECT_EQ(controller_.queue().size(), 0u);

  // Gone on the server although the cache still has it: dropped too, no retry.
  add("racing");
  store_.failNextWrite(Status::notFound("ec2nodeclasses racing not found"));
  controller_.enqueue("racing");
  controller_.step();
  EXPECT_EQ(controller_.queue().size(), 0u);
}

TEST_F(StatusControllerTest, AClassTheCloudCannotResolveTurnsUnknownOnTheThirdFailure) {
  add("default", /*generation=*/3);
  controller_.step();
  const api::Ec2NodeClassStatus resolved = stored("default");
  const auto readySince = clock_.now();
  clock_.advance(5min);

  // Two failures: maybe a blip; the status stays as it was.
  cloud_.failNextResolve(Status::unavailable("cannot reach ssm.us-east-1.amazonaws.com"));
  controller_.step();
  clock_.advance(1s);
  cloud_.failNextResolve(Status::throttled("Rate exceeded"));
  controller_.step();
  EXPECT_EQ(stored("default"), resolved);
  EXPECT_EQ(store_.writes().size(), 1u);
  EXPECT_TRUE(events_.events().empty());

  // The third: Ready=Unknown naming the error, with one Warning Event; still retried.
  clock_.advance(2s);
  cloud_.failNextResolve(Status::unavailable("cannot reach ssm.us-east-1.amazonaws.com"));
  controller_.step();
  ASSERT_EQ(store_.writes().size(), 2u);
  api::Ec2NodeClassStatus s = stored("default");
  const api::Condition& ready = condition(s, nc::kReady);
  EXPECT_EQ(ready.status, api::ConditionStatus::kUnknown);
  EXPECT_EQ(ready.reason, nc::kResolutionFailed);
  EXPECT_EQ(ready.message,
            "cannot resolve EC2NodeClass: Unavailable: cannot reach ssm.us-east-1.amazonaws.com");
  EXPECT_EQ(ready.observedGeneration, 3);
  EXPECT_EQ(ready.lastTransitionTime, clock_.now());
  EXPECT_EQ(s.subnets, resolved.subnets) << "the last lists known are kept";
  EXPECT_EQ(condition(s, nc::kSubnetsReady), condition(resolved, nc::kSubnetsReady));
  auto events = events_.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, kube::EventType::kWarning);
  EXPECT_EQ(events[0].reason, kNotReadyEventReason);
  EXPECT_EQ(events[0].object.name, "default");
  EXPECT_EQ(events[0].message, ready.message);
  EXPECT_EQ(controller_.queue().nextDue(), clock_.now() + 4s) << "backoff goes on";

  // A fourth, same error: nothing new to write or tell.
  clock_.advance(4s);
  cloud_.failNextResolve(Status::unavailable("cannot reach ssm.us-east-1.amazonaws.com"));
  controller_.step();
  EXPECT_EQ(store_.writes().size(), 2u);
  EXPECT_EQ(events_.events().size(), 1u);
  EXPECT_EQ(controller_.queue().nextDue(), clock_.now() + 8s);

  // The cloud answers again: Ready, back to the period, no event for getting better.
  clock_.advance(8s);
  controller_.step();
  s = stored("default");
  EXPECT_EQ(condition(s, nc::kReady).status, api::ConditionStatus::kTrue);
  EXPECT_EQ(condition(s, nc::kReady).reason, "Ready");
  EXPECT_EQ(condition(s, nc::kReady).lastTransitionTime, clock_.now());
  EXPECT_EQ(condition(s, nc::kSubnetsReady).lastTransitionTime, readySince);
  EXPECT_EQ(events_.events().size(), 1u);
  EXPECT_EQ(controller_.queue().nextDue(), clock_.now() + 5min);
}

TEST_F(StatusControllerTest, AResolutionDeniedThreeTimesRunningTurnsReadyFalse) {
  add("denied");
  cloud_.failNextResolve(Status::unavailable("timeout"));
  controller_.step();
  clock_.advance(1s);
  cloud_.failNextResolve(Status::unavailable("timeout"));
  controller_.step();
  EXPECT_TRUE(store_.writes().empty());
  EXPECT_EQ(api::findCondition(store_.nodeClass("denied")->status.conditions, nc::kReady),
            nullptr);

  clock_.advance(2s);
  cloud_.failNextResolve(Status::forbidden("not authorized to perform ec2:DescribeSubnets"));
  controller_.step();
  const api::Ec2NodeClassStatus s = stored("denied");
  const api::Condition& ready = condition(s, nc::kReady);
  EXPECT_EQ(ready.status, api::ConditionStatus::kFalse) << "denied does not heal by itself";
  EXPECT_EQ(ready.reason, nc::kResolutionFailed);
  EXPECT_EQ(ready.message, "cannot resolve EC2NodeClass: Forbidden: "
                           "not authorized to perform ec2:DescribeSubnets");
  EXPECT_EQ(ready.observedGeneration, 1);
  EXPECT_EQ(events_.count(std::string(kNotReadyEventReason), "denied"), 1u);
}

TEST_F(StatusControllerTest, ResolutionFailuresAreCountedPerClassAndResetByASuccess) {
  add("a");
  // a fails twice, resolves, then fails twice more: never three in a row.
  for (auto wait : {0s, 1s}) {
    clock_.advance(wait);
    cloud_.failNextResolve(Status::unavailable("down"));
    controller_.step();
  }
  clock_.advance(2s);
  controller_.step();
  EXPECT_EQ(condition(stored("a"), nc::kReady).status, api::ConditionStatus::kTrue);
  for (auto wait : {std::chrono::seconds(5min), 1s}) {
    clock_.advance(wait);
    cloud_.failNextResolve(Status::unavailable("down"));
    controller_.step();
  }
  // b's first failure is its own first, not a's third.
  add("b");
  controller_.enqueue("b");
  cloud_.failNextResolve(Status::unavailable("down"));
  controller_.step();
  EXPECT_EQ(cloud_.resolved(), (std::vector<std::string>{"a", "a", "a", "a", "a", "b"}));
  EXPECT_EQ(condition(stored("a"), nc::kReady).status, api::ConditionStatus::kTrue);
  EXPECT_TRUE(stored("b").conditions.empty());
  EXPECT_EQ(store_.writes().size(), 1u);
  EXPECT_TRUE(events_.events().empty());
}

TEST_F(StatusControllerTest, ReconcilesAreCountedUnderItsNameWhenGivenARegistry) {
  prometheus::Registry registry;
  StatusController metered(store_, store_, cloud_, events_, clock_, {}, &registry);
  EXPECT_EQ(metered.name(), "nodeclass-status");
  add("default");
  cloud_.failNextResolve(Status::unavailable("down"));
  metered.step();
  clock_.advance(1s);
  metered.step();
  std::map<std::string, double> byResult;
  for (const auto& family : registry.Collect()) {
    if (family.name != "gantry_controller_reconcile_total") continue;
    for (const auto& metric : family.metric) {
      std::map<std::string, std::string> labels;
      for (const auto& l : metric.label) labels[l.name] = l.value;
      EXPECT_EQ(labels["controller"], "nodeclass-status");
      byResult[labels["result"]] = metric.counter.value;
    }
  }
  EXPECT_EQ(byResult["error"], 1);
  EXPECT_EQ(byResult["success"], 1);
}

TEST(UnresolvedStatusTest, KeepsWhatIsStoredAndSetsReadyByWhetherTheErrorHeals) {
  const auto now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + 0s;
  api::Ec2NodeClass current{.name = "c", .generation = 4};
  current.status = FakeCloudProvider::resolvedStatus("profile");
  const struct {
    Status error;
    api::ConditionStatus ready;
  } cases[] = {
      {Status::throttled("slow down"), api::ConditionStatus::kUnknown},
      {Status::unavailable("connection refused"), api::ConditionStatus::kUnknown},
      {Status::internal("bug"), api::ConditionStatus::kUnknown},
      {Status::unauthorized("expired token"), api::ConditionStatus::kFalse},
      {Status::forbidden("denied"), api::ConditionStatus::kFalse},
      {Status::unimplemented("no SSM client"), api::ConditionStatus::kFalse},
  };
  for (const auto& c : cases) {
    const api::Ec2NodeClassStatus next = unresolvedStatus(current, c.error, now);
    const api::Condition& ready = condition(next, nc::kReady);
    EXPECT_EQ(ready.status, c.ready) << c.error.toString();
    EXPECT_EQ(ready.reason, nc::kResolutionFailed);
    EXPECT_EQ(ready.message, "cannot resolve EC2NodeClass: " + c.error.toString());
    EXPECT_EQ(ready.observedGeneration, 4);
    EXPECT_EQ(ready.lastTransitionTime, now);
    EXPECT_EQ(next.subnets, current.status.subnets);
    EXPECT_EQ(next.conditions.size(), current.status.conditions.size() + 1);
  }
  const std::string longMessage(10000, 'x');
  EXPECT_LE(condition(unresolvedStatus(current, Status::unavailable(longMessage), now), nc::kReady)
                .message.size(),
            4096u);
}

TEST(MergeResolvedStatusTest, KeepsOtherConditionsAndCountsAMissingPartAsNotReady) {
  const auto now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + 0s;
  api::Ec2NodeClass current{.name = "c", .generation = 7};
  current.status.conditions.push_back({.type = "ValidationSucceeded",
                                       .status = api::ConditionStatus::kTrue,
                                       .reason = "ValidationSucceeded",
                                       .message = ""});
  api::Ec2NodeClassStatus resolved = FakeCloudProvider::resolvedStatus();
  resolved.conditions.pop_back();  // no AMIsReady reported
  const api::Ec2NodeClassStatus next = mergeResolvedStatus(current, resolved, now);
  EXPECT_EQ(condition(next, "ValidationSucceeded").observedGeneration, 0) << "left as it was";
  const api::Condition& amis = condition(next, nc::kAmisReady);
  EXPECT_EQ(amis.status, api::ConditionStatus::kUnknown);
  EXPECT_EQ(amis.observedGeneration, 7);
  const api::Condition& ready = condition(next, nc::kReady);
  EXPECT_EQ(ready.status, api::ConditionStatus::kFalse);
  EXPECT_EQ(ready.reason, "NotResolved");
  EXPECT_EQ(ready.lastTransitionTime, now);

  // Two broken parts: Ready names both, with the first one's reason.
  resolved = FakeCloudProvider::resolvedStatus();
  resolved.conditions[0] = {.type = "SubnetsReady", .status = api::ConditionStatus::kFalse,
                            .reason = "SubnetsNotFound", .message = "no subnet matches A"};
  resolved.conditions[2] = {.type = "AMIsReady", .status = api::ConditionStatus::kFalse,
                            .reason = "AMIsNotFound", .message = "no AMI matches B"};
  const api::Ec2NodeClassStatus merged = mergeResolvedStatus(current, resolved, now);
  const api::Condition& both = condition(merged, nc::kReady);
  EXPECT_EQ(both.reason, "SubnetsNotFound");
  EXPECT_EQ(both.message, "no subnet matches A; no AMI matches B");
}

}  // namespace
}  // namespace gantry::provisioner::nodeclass
