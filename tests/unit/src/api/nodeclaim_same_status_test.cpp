// sameStatus: the lifecycle's "is there anything to write" test. It must agree with comparing
// the encoded status objects, which is what it replaced (two JSON encodes per reconcile).
#include <gtest/gtest.h>

#include <chrono>

#include "src/api/nodeclaim_status.h"

namespace gantry::api {
namespace {

using namespace std::chrono_literals;

Quantity q(std::string_view text) {
  return Quantity::parse(text).value();
}

NodeClaim healthyClaim() {
  NodeClaim c;
  c.name = "gpu-abcde";
  c.providerId = "aws:///us-east-1a/i-0123456789abcdef0";
  c.imageId = "ami-0123";
  c.nodeName = "ip-10-0-0-1";
  c.capacity.set("cpu", q("4"));
  c.capacity.set("nvidia.com/gpu", q("1"));
  c.allocatable.set("cpu", q("3920m"));
  const Clock::TimePoint t{std::chrono::seconds(1'800'000'000)};
  c.lastPodEventTime = t;
  c.conditions.push_back({.type = "Launched", .status = ConditionStatus::kTrue, .reason = "",
                          .message = "", .lastTransitionTime = t, .observedGeneration = 1});
  c.conditions.push_back({.type = "Ready", .status = ConditionStatus::kFalse,
                          .reason = "NotReady", .message = "waiting", .lastTransitionTime = t});
  return c;
}

// The reference: what the lifecycle compared before.
bool encodedEqual(const NodeClaim& a, const NodeClaim& b) {
  return encodeNodeClaimStatus(a) == encodeNodeClaimStatus(b);
}

TEST(SameStatusTest, AgreesWithTheEncodedComparisonOnEachField) {
  const NodeClaim base = healthyClaim();
  std::vector<std::pair<const char*, void (*)(NodeClaim&)>> edits = {
      {"providerId", [](NodeClaim& c) { c.providerId.clear(); }},
      {"imageId", [](NodeClaim& c) { c.imageId = "ami-9"; }},
      {"nodeName", [](NodeClaim& c) { c.nodeName = "other"; }},
      {"capacity", [](NodeClaim& c) { c.capacity.set("cpu", q("8")); }},
      {"allocatable", [](NodeClaim& c) { c.allocatable = {}; }},
      {"lastPodEventTime", [](NodeClaim& c) { *c.lastPodEventTime += 1s; }},
      {"lastPodEventTime unset", [](NodeClaim& c) { c.lastPodEventTime.reset(); }},
      {"condition status", [](NodeClaim& c) { c.conditions[1].status = ConditionStatus::kTrue; }},
      {"condition reason", [](NodeClaim& c) { c.conditions[1].reason = "Other"; }},
      {"condition message", [](NodeClaim& c) { c.conditions[1].message = "x"; }},
      {"condition time", [](NodeClaim& c) { c.conditions[0].lastTransitionTime += 2s; }},
      {"condition generation", [](NodeClaim& c) { c.conditions[0].observedGeneration = 2; }},
      {"condition added", [](NodeClaim& c) { c.conditions.push_back(c.conditions[0]); }},
      {"condition order", [](NodeClaim& c) { std::swap(c.conditions[0], c.conditions[1]); }},
  };
  EXPECT_TRUE(sameStatus(base, base));
  for (const auto& [what, edit] : edits) {
    NodeClaim changed = base;
    edit(changed);
    EXPECT_FALSE(sameStatus(base, changed)) << what;
    EXPECT_FALSE(sameStatus(changed, base)) << what;
    EXPECT_FALSE(encodedEqual(base, changed)) << what << " (the reference disagrees)";
  }
}

TEST(SameStatusTest, IgnoresWhatTheWireDoesNotCarry) {
  const NodeClaim base = healthyClaim();
  NodeClaim changed = base;
  // Sub-second parts are not encoded: a decoded claim compared with one a step just stamped
  // must not look changed, or every pass would write and wake itself again.
  *changed.lastPodEventTime += 300ms;
  changed.conditions[0].lastTransitionTime += 999ms;
  // Metadata and spec are not status.
  changed.labels["x"] = "y";
  changed.resourceVersion = "42";
  EXPECT_TRUE(encodedEqual(base, changed));
  EXPECT_TRUE(sameStatus(base, changed));
}

// withStatus: what a status write leaves, the rest of the claim untouched.
TEST(WithStatusTest, ReplacesTheWholeStatusAndNothingElse) {
  NodeClaim claim = healthyClaim();
  claim.labels["gantry.dev/nodepool"] = "gpu";
  claim.resourceVersion = "7";
  NodeClaim next = healthyClaim();
  next.nodeName.clear();  // absent in the new status: cleared
  next.conditions.pop_back();
  next.imageId = "ami-new";
  auto replaced = withStatus(claim, encodeNodeClaimStatus(next));
  ASSERT_TRUE(replaced.has_value()) << replaced.error().message;
  EXPECT_TRUE(sameStatus(*replaced, next));
  EXPECT_EQ(replaced->nodeName, "");
  EXPECT_EQ(replaced->labels.at("gantry.dev/nodepool"), "gpu");
  EXPECT_EQ(replaced->resourceVersion, "7");
  EXPECT_EQ(replaced->name, claim.name);
}

TEST(WithStatusTest, AMalformedStatusNamesTheField) {
  auto bad = withStatus(healthyClaim(), nlohmann::json{{"conditions", "not a list"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().field.find("status.conditions"), std::string::npos) << bad.error().field;
}

TEST(WithStoredStatusTest, StoresWhatAWriteThroughTheWireWould) {
  NodeClaim claim = healthyClaim();
  claim.labels["gantry.dev/nodepool"] = "gpu";
  claim.resourceVersion = "7";
  NodeClaim next = healthyClaim();
  next.nodeName.clear();
  next.imageId = "ami-new";
  next.lastPodEventTime = *next.lastPodEventTime + 1500ms;
  next.conditions[0].lastTransitionTime += 2700ms;
  auto viaWire = withStatus(claim, encodeNodeClaimStatus(next));
  ASSERT_TRUE(viaWire.has_value());
  const NodeClaim direct = withStoredStatus(claim, next);
  EXPECT_EQ(encodeNodeClaim(direct), encodeNodeClaim(*viaWire));
  EXPECT_EQ(direct.lastPodEventTime, viaWire->lastPodEventTime) << "floored to the second";
  EXPECT_EQ(direct.conditions, viaWire->conditions);
  EXPECT_EQ(direct.resourceVersion, "7");
}

}  // namespace
}  // namespace gantry::api
