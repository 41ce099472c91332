// NodeClaim decoding, encoding and condition handling: a full claim as the apiserver returns
// it round-trips exactly; hostile input gives a FieldError naming the field; condition
// transition times follow metav1's rule; RFC 3339 timestamps and durations are read strictly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "src/api/nodeclaim.h"
#include "tests/fakes/fake_clock.h"

namespace gantry::api {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

Quantity q(std::string_view text) {
  return Quantity::parse(text).value();
}

// A claim in the state the lifecycle controller leaves a healthy GPU node in.
const json kClaim = json::parse(R"({
  "apiVersion": "gantry.dev/v1",
  "kind": "NodeClaim",
  "metadata": {
    "name": "gpu-x7k2p",
    "uid": "2f1c6c1e-8d8a-4b7e-9e51-0c7d1c9d1a11",
    "resourceVersion": "4711",
    "generation": 1,
    "labels": {"gantry.dev/nodepool": "gpu", "node.kubernetes.io/instance-type": "g5.xlarge",
               "topology.kubernetes.io/zone": "us-east-1a", "gantry.dev/capacity-type": "spot"},
    "annotations": {"gantry.dev/nodepool-hash": "123"},
    "finalizers": ["gantry.dev/termination"],
    "ownerReferences": [{"apiVersion": "gantry.dev/v1", "kind": "NodePool", "name": "gpu",
                         "uid": "0b7e", "controller": true, "blockOwnerDeletion": true}],
    "creationTimestamp": "2026-03-01T10:00:00Z"
  },
  "spec": {
    "nodeClassRef": {"group": "gantry.dev", "kind": "EC2NodeClass", "name": "default"},
    "requirements": [
      {"key": "node.kubernetes.io/instance-type", "operator": "In",
       "values": ["g5.xlarge", "g5.2xlarge", "g6.xlarge"], "minValues": 2},
      {"key": "gantry.dev/capacity-type", "operator": "In", "values": ["spot"]},
      {"key": "gantry.dev/instance-gpu-count", "operator": "Gt", "values": ["0"]},
      {"key": "example.com/no-arm", "operator": "DoesNotExist"}
    ],
    "resources": {"requests": {"cpu": "3500m", "memory": "14Gi", "nvidia.com/gpu": "1", "pods": "5"}},
    "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
    "startupTaints": [{"key": "node.example.com/driver-not-ready", "effect": "NoExecute"}],
    "expireAfter": "168h",
    "terminationGracePeriod": "1h30m"
  },
  "status": {
    "providerID": "aws:///us-east-1a/i-0123456789abcdef0",
    "imageID": "ami-0abc",
    "nodeName": "ip-10-0-1-23.ec2.internal",
    "capacity": {"cpu": "4", "memory": "15896Mi", "nvidia.com/gpu": "1", "pods": "58"},
    "allocatable": {"cpu": "3920m", "memory": "14162Mi", "nvidia.com/gpu": "1", "pods": "58"},
    "lastPodEventTime": "2026-03-01T10:05:00Z",
    "conditions": [
      {"type": "Launched", "status": "True", "reason": "Launched", "lastTransitionTime": "2026-03-01T10:00:03Z", "observedGeneration": 1},
      {"type": "Registered", "status": "True", "lastTransitionTime": "2026-03-01T10:01:00Z", "observedGeneration": 1},
      {"type": "Initialized", "status": "True", "lastTransitionTime": "2026-03-01T10:01:30Z", "observedGeneration": 1},
      {"type": "Ready", "status": "True", "lastTransitionTime": "2026-03-01T10:01:30Z", "observedGeneration": 1},
      {"type": "Drifted", "status": "False", "reason": "NotDrifted", "message": "AMI is current", "lastTransitionTime": "2026-03-01T10:01:30Z", "observedGeneration": 1}
    ]
  }
})");

Clock::TimePoint at(std::string_view text) {
  return parseTimestamp(text).value();
}

TEST(NodeClaimDecodeTest, DecodesEveryField) {
  auto c = decodeNodeClaim(kClaim);
  ASSERT_TRUE(c) << c.error().field << ": " << c.error().message;
  EXPECT_EQ(c->name, "gpu-x7k2p");
  EXPECT_EQ(c->uid, "2f1c6c1e-8d8a-4b7e-9e51-0c7d1c9d1a11");
  EXPECT_EQ(c->resourceVersion, "4711");
  EXPECT_EQ(c->generation, 1);
  EXPECT_EQ(c->nodePool(), "gpu");
  EXPECT_EQ(c->annotations.at("gantry.dev/nodepool-hash"), "123");
  EXPECT_TRUE(c->hasFinalizer(nodeclaim::kTerminationFinalizer));
  ASSERT_EQ(c->ownerReferences.size(), 1u);
  EXPECT_EQ(c->ownerReferences[0],
            (OwnerReference{"gantry.dev/v1", "NodePool", "gpu", "0b7e", true, true}));
  EXPECT_EQ(c->creationTimestamp, at("2026-03-01T10:00:00Z"));
  EXPECT_FALSE(c->deleting());

  EXPECT_EQ(c->nodeClassRef, (NodeClassRef{"gantry.dev", "EC2NodeClass", "default"}));
  ASSERT_EQ(c->requirements.size(), 4u);
  EXPECT_EQ(c->requirements[0].toString(),
            "node.kubernetes.io/instance-type In [g5.xlarge,g5.2xlarge,g6.xlarge]");
  EXPECT_EQ(c->requirements[2].op, SelectorOp::kGt);
  EXPECT_EQ(c->requirements[3].op, SelectorOp::kDoesNotExist);
  EXPECT_EQ(c->minValues.at("node.kubernetes.io/instance-type"), 2);
  EXPECT_EQ(c->minValues.size(), 1u);
  EXPECT_EQ(c->resourceRequests.get("cpu"), q("3500m"));
  EXPECT_EQ(c->resourceRequests.get("nvidia.com/gpu"), q("1"));
  EXPECT_THAT(c->taints, ElementsAre(Taint{"nvidia.com/gpu", "true", TaintEffect::kNoSchedule}));
  EXPECT_THAT(c->startupTaints,
              ElementsAre(Taint{"node.example.com/driver-not-ready", "", TaintEffect::kNoExecute}));
  EXPECT_EQ(c->expireAfter, "168h");
  EXPECT_EQ(c->terminationGracePeriod, "1h30m");

  EXPECT_EQ(c->providerId, "aws:///us-east-1a/i-0123456789abcdef0");
  EXPECT_EQ(c->imageId, "ami-0abc");
  EXPECT_EQ(c->nodeName, "ip-10-0-1-23.ec2.internal");
  EXPECT_EQ(c->capacity.get("memory"), q("15896Mi"));
  EXPECT_EQ(c->allocatable.get("cpu"), q("3920m"));
  EXPECT_EQ(c->lastPodEventTime, at("2026-03-01T10:05:00Z"));
  ASSERT_EQ(c->conditions.size(), 5u);
  EXPECT_TRUE(c->isTrue(nodeclaim::kReady));
  EXPECT_FALSE(c->isTrue(nodeclaim::kDrifted));
  EXPECT_FALSE(c->isTrue(nodeclaim::kDisrupting));  // absent
  const Condition* drifted = c->condition(nodeclaim::kDrifted);
  ASSERT_NE(drifted, nullptr);
  EXPECT_EQ(drifted->reason, "NotDrifted");
  EXPECT_EQ(drifted->message, "AMI is current");
  EXPECT_EQ(drifted->observedGeneration, 1);
  EXPECT_EQ(drifted->lastTransitionTime, at("2026-03-01T10:01:30Z"));
}

TEST(NodeClaimEncodeTest, RoundTripsTheWireFormExactly) {
  auto c = decodeNodeClaim(kClaim);
  ASSERT_TRUE(c) << c.error().field << ": " << c.error().message;
  EXPECT_EQ(encodeNodeClaim(*c), kClaim) << encodeNodeClaim(*c).dump(2);
  auto again = decodeNodeClaim(encodeNodeClaim(*c));
  ASSERT_TRUE(again);
  EXPECT_EQ(encodeNodeClaim(*again), kClaim);
}

TEST(NodeClaimEncodeTest, NewClaimEncodesAsACreateBodyWithoutServerFields) {
  NodeClaim c;
  c.name = "general-abcde";
  c.labels["gantry.dev/nodepool"] = "general";
  c.nodeClassRef = {"gantry.dev", "EC2NodeClass", "default"};
  c.requirements.push_back(
      Requirement::make("kubernetes.io/arch", SelectorOp::kIn, {"amd64"}).value());
  c.resourceRequests.set("cpu", q("2"));
  const json body = encodeNodeClaim(c);
  EXPECT_EQ(body["apiVersion"], "gantry.dev/v1");
  EXPECT_EQ(body["kind"], "NodeClaim");
  EXPECT_EQ(body["metadata"],
            (json{{"name", "general-abcde"}, {"labels", {{"gantry.dev/nodepool", "general"}}}}));
  EXPECT_FALSE(body.contains("status"));
  EXPECT_EQ(
      body["spec"]["requirements"],
      json::parse(R"([{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}])"));
  EXPECT_EQ(body["spec"]["resources"]["requests"]["cpu"], "2");
  EXPECT_EQ(body["spec"]["expireAfter"], "720h");
  EXPECT_FALSE(body["spec"].contains("taints"));
  EXPECT_FALSE(body["spec"].contains("terminationGracePeriod"));
}

TEST(NodeClaimEncodeTest, StatusPatchClearsEmptyFieldsAndCarriesResourceVersion) {
  auto c = decodeNodeClaim(kClaim).value();
  c.nodeName.clear();
  c.conditions.clear();
  const json patch = nodeClaimStatusPatch(c);
  EXPECT_EQ(patch["metadata"], (json{{"resourceVersion", "4711"}}));
  EXPECT_TRUE(patch["status"]["nodeName"].is_null());
  EXPECT_TRUE(patch["status"]["conditions"].is_null());
  EXPECT_EQ(patch["status"]["providerID"], "aws:///us-east-1a/i-0123456789abcdef0");
  EXPECT_FALSE(patch.contains("spec"));
  c.resourceVersion.clear();
  EXPECT_FALSE(nodeClaimStatusPatch(c).contains("metadata"));
}

TEST(NodeClaimDecodeTest, AppliesDefaultsToAMinimalClaim) {
  auto c = decodeNodeClaim(
      json::parse(R"({"metadata": {"name": "m"}, "spec": {"nodeClassRef": {"name": "default"}}})"));
  ASSERT_TRUE(c) << c.error().field << ": " << c.error().message;
  EXPECT_EQ(c->expireAfter, "720h");
  EXPECT_TRUE(c->requirements.empty());
  EXPECT_TRUE(c->conditions.empty());
  EXPECT_FALSE(c->creationTimestamp);
  EXPECT_EQ(c->nodePool(), "");
}

// Each case breaks one field of kClaim; the error must name exactly that field.
struct Hostile {
  const char* pointer;  // JSON pointer into kClaim
  json value;
  const char* field;
  const char* message;
};

class NodeClaimHostileTest : public ::testing::TestWithParam<Hostile> {};

TEST_P(NodeClaimHostileTest, NamesTheBadField) {
  const Hostile& h = GetParam();
  json object = kClaim;
  if (h.value.is_discarded()) {
    object.at(json::json_pointer(h.pointer).parent_pointer())
        .erase(json::json_pointer(h.pointer).back());
  } else {
    object[json::json_pointer(h.pointer)] = h.value;
  }
  auto c = decodeNodeClaim(object);
  ASSERT_FALSE(c) << h.pointer;
  EXPECT_EQ(c.error().field, h.field);
  EXPECT_THAT(c.error().message, HasSubstr(h.message));
}

const json kRemove = json::value_t::discarded;

INSTANTIATE_TEST_SUITE_P(
    Cases, NodeClaimHostileTest,
    ::testing::Values(
        Hostile{"/metadata", kRemove, "metadata", "required"},
        Hostile{"/metadata/name", 7, "metadata.name", "expected a string"},
        Hostile{"/metadata/generation", -1, "metadata.generation", "negative"},
        Hostile{"/metadata/generation", "1", "metadata.generation", "expected an integer"},
        Hostile{"/metadata/labels/gantry.dev~1nodepool", true,
                "metadata.labels.gantry.dev/nodepool", "quote it"},
        Hostile{"/metadata/finalizers", "gantry.dev/termination", "metadata.finalizers",
                "expected a list"},
        Hostile{"/metadata/ownerReferences/0/controller", "yes",
                "metadata.ownerReferences[0].controller", "true or false"},
        Hostile{"/metadata/creationTimestamp", "yesterday", "metadata.creationTimestamp",
                "RFC 3339"},
        Hostile{"/metadata/deletionTimestamp", "2026-02-30T00:00:00Z", "metadata.deletionTimestamp",
                "no such date"},
        Hostile{"/spec", kRemove, "spec", "required"},
        Hostile{"/spec", json::array(), "spec", "expected an object"},
        Hostile{"/spec/nodeClassRef", kRemove, "spec.nodeClassRef", "required"},
        Hostile{"/spec/nodeClassRef/name", "", "spec.nodeClassRef.name", "required"},
        Hostile{"/spec/requirements/1/operator", "Within", "spec.requirements[1].operator",
                "Within"},
        Hostile{"/spec/requirements/1/values", json::array(), "spec.requirements[1]",
                "capacity-type"},
        Hostile{"/spec/requirements/2/values", json::array({"many"}), "spec.requirements[2]",
                "integer"},
        Hostile{"/spec/requirements/0/minValues", 4, "spec.requirements[0].minValues",
                "at least 4"},
        Hostile{"/spec/requirements/0/minValues", 0, "spec.requirements[0].minValues",
                "between 1 and 50"},
        Hostile{"/spec/requirements/1/minValues", 1.5, "spec.requirements[1].minValues",
                "expected an integer"},
        Hostile{"/spec/resources/requests/cpu", "-1", "spec.resources.requests.cpu", "negative"},
        Hostile{"/spec/resources/requests/memory", "lots", "spec.resources.requests.memory",
                "lots"},
        Hostile{"/spec/taints/0/effect", "NoWay", "spec.taints[0].effect", "NoWay"},
        Hostile{"/spec/startupTaints/0/key", "", "spec.startupTaints[0].key", "empty"},
        Hostile{"/spec/expireAfter", "30 days", "spec.expireAfter", "30 days"},
        Hostile{"/spec/expireAfter", "99999999999999999999h", "spec.expireAfter", "too long"},
        Hostile{"/spec/terminationGracePeriod", "Never", "spec.terminationGracePeriod", "Never"},
        Hostile{"/status", "Ready", "status", "expected an object"},
        Hostile{"/status/providerID", json::object(), "status.providerID", "expected a string"},
        Hostile{"/status/capacity/cpu", json::array(), "status.capacity.cpu",
                "expected a quantity"},
        Hostile{"/status/lastPodEventTime", "2026-03-01 10:05:00", "status.lastPodEventTime",
                "RFC 3339"},
        Hostile{"/status/conditions/3/status", "Maybe", "status.conditions[3].status", "Maybe"},
        Hostile{"/status/conditions/3/type", "", "status.conditions[3].type", "required"},
        Hostile{"/status/conditions/4/type", "Ready", "status.conditions[4].type", "duplicate"},
        Hostile{"/status/conditions/0/lastTransitionTime", "2026-03-01T25:00:00Z",
                "status.conditions[0].lastTransitionTime", "out of range"},
        Hostile{"/status/conditions/0/observedGeneration", -3,
                "status.conditions[0].observedGeneration", "negative"},
        Hostile{"/status/conditions/1", "Registered", "status.conditions[1]",
                "expected an object"}));

TEST(NodeClaimDecodeTest, NonObjectTopLevelIsAnError) {
  for (const json& v : {json(nullptr), json(3), json("x"), json::array()}) {
    auto c = decodeNodeClaim(v);
    ASSERT_FALSE(c);
    EXPECT_THAT(c.error().message, HasSubstr("expected an object"));
  }
}

TEST(NodeClaimDecodeTest, InvalidUtf8AndHugeValuesDoNotCrash) {
  json object = kClaim;
  object["spec"]["requirements"][1]["operator"] = std::string("In\xff\xfe", 4);
  auto c = decodeNodeClaim(object);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().field, "spec.requirements[1].operator");
  object = kClaim;
  object["metadata"]["generation"] = 18446744073709551615ull;
  c = decodeNodeClaim(object);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().field, "metadata.generation");
}

TEST(ConditionTest, TransitionTimeMovesOnlyWhenStatusChanges) {
  FakeClock clock(at("2026-03-01T10:00:00Z"));
  NodeClaim c;
  c.generation = 3;
  EXPECT_TRUE(c.setCondition(nodeclaim::kLaunched, ConditionStatus::kUnknown, "Launching", "",
                             clock.now()));
  EXPECT_FALSE(c.isTrue(nodeclaim::kLaunched));
  EXPECT_EQ(c.condition(nodeclaim::kLaunched)->observedGeneration, 3);

  clock.advance(5s);
  // The same values again: nothing changes, no status write is due.
  EXPECT_FALSE(c.setCondition(nodeclaim::kLaunched, ConditionStatus::kUnknown, "Launching", "",
                              clock.now()));
  EXPECT_EQ(c.condition(nodeclaim::kLaunched)->lastTransitionTime, at("2026-03-01T10:00:00Z"));
  // A new message alone keeps the transition time.
  EXPECT_TRUE(c.setCondition(nodeclaim::kLaunched, ConditionStatus::kUnknown, "Launching",
                             "retrying", clock.now()));
  EXPECT_EQ(c.condition(nodeclaim::kLaunched)->lastTransitionTime, at("2026-03-01T10:00:00Z"));

  clock.advance(10s);
  EXPECT_TRUE(
      c.setCondition(nodeclaim::kLaunched, ConditionStatus::kTrue, "Launched", "", clock.now()));
  EXPECT_TRUE(c.isTrue(nodeclaim::kLaunched));
  EXPECT_EQ(c.condition(nodeclaim::kLaunched)->lastTransitionTime, at("2026-03-01T10:00:15Z"));
  EXPECT_EQ(c.conditions.size(), 1u);

  EXPECT_TRUE(removeCondition(c.conditions, nodeclaim::kLaunched));
  EXPECT_FALSE(removeCondition(c.conditions, nodeclaim::kLaunched));
  EXPECT_EQ(c.condition(nodeclaim::kLaunched), nullptr);
}

TEST(TimestampTest, ParsesRfc3339Forms) {
  const auto base = at("2026-03-01T10:00:00Z");
  EXPECT_EQ(formatTimestamp(base), "2026-03-01T10:00:00Z");
  EXPECT_EQ(at("2026-03-01t10:00:00z"), base);
  EXPECT_EQ(at("2026-03-01T11:30:00+01:30"), base);
  EXPECT_EQ(at("2026-03-01T05:00:00-05:00"), base);
  EXPECT_EQ(at("2026-03-01T10:00:00.25Z"), base + 250ms);
  EXPECT_EQ(at("2026-03-01T10:00:00.123456789Z"), base + 123456789ns);
  EXPECT_EQ(formatTimestamp(at("2026-03-01T10:00:00.999Z")), "2026-03-01T10:00:00Z");  // truncated
  EXPECT_EQ(formatTimestamp(at("2024-02-29T23:59:59Z")), "2024-02-29T23:59:59Z");
  EXPECT_EQ(formatTimestamp(at("1970-01-01T00:00:00Z")), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatTimestamp(at("1969-12-31T23:59:59Z")), "1969-12-31T23:59:59Z");
}

TEST(TimestampTest, RejectsMalformedAndUnrepresentable) {
  for (std::string_view bad :
       {"", "2026-03-01", "2026-03-01T10:00:00", "2026-03-01 10:00:00Z", "2026-3-01T10:00:00Z",
        "2026-13-01T10:00:00Z", "2025-02-29T10:00:00Z", "2026-03-01T24:00:00Z",
        "2026-03-01T10:60:00Z", "2026-03-01T10:00:60Z", "2026-03-01T10:00:00.Z",
        "2026-03-01T10:00:00.1234567890Z", "2026-03-01T10:00:00+1:00", "2026-03-01T10:00:00+01:00x",
        "2026-03-01T10:00:00Zjunk", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "1600-01-01T00:00:00Z", "+026-03-01T10:00:00Z"}) {
    EXPECT_FALSE(parseTimestamp(bad)) << bad;
  }
}

TEST(NodeDurationTest, ParsesKarpenterDurations) {
  EXPECT_EQ(parseNodeDuration("720h").value(), std::optional<Clock::Duration>(720h));
  EXPECT_EQ(parseNodeDuration("1h30m").value(), std::optional<Clock::Duration>(90min));
  EXPECT_EQ(parseNodeDuration("0s").value(), std::optional<Clock::Duration>(0s));
  EXPECT_EQ(parseNodeDuration("Never").value(), std::nullopt);
  for (std::string_view bad :
       {"", "h", "10", "10d", "-5m", "1.5h", "never", "10m ", "9223372036854775807s"}) {
    EXPECT_FALSE(parseNodeDuration(bad)) << bad;
  }
}

}  // namespace
}  // namespace gantry::api
