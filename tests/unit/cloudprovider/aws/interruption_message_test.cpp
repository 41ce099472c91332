// parseInterruptionMessage on the four EventBridge events in the shapes AWS documents, on
// the events it must ignore, and on malformed and hostile bodies (each error names its field).
#include "cloudprovider/aws/interruption_message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloudprovider/aws/transport/iso8601.h"

namespace gantry::cloudprovider::aws {
namespace {

using nlohmann::json;

json ec2Event(const std::string& detailType, json detail) {
  return {{"version", "0"},
          {"id", "7d2a5c3e-1b7f-4e4e-9d0a-2c5e0f1b9a11"},
          {"detail-type", detailType},
          {"source", "aws.ec2"},
          {"account", "123456789012"},
          {"time", "2026-12-06T20:15:30Z"},
          {"region", "us-east-1"},
          {"resources", {"arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"}},
          {"detail", std::move(detail)}};
}

json healthEvent(json detail) {
  return {{"version", "0"},
          {"id", "121345678-1234-1234-1234-123456789012"},
          {"detail-type", "AWS Health Event"},
          {"source", "aws.health"},
          {"account", "123456789012"},
          {"time", "2026-12-06T20:00:00Z"},
          {"region", "us-east-1"},
          {"resources", json::array()},
          {"detail", std::move(detail)}};
}

json scheduledChange(json entities) {
  return {
      {"eventArn", "arn:aws:health:us-east-1::event/EC2/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED/x"},
      {"service", "EC2"},
      {"eventTypeCode", "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED"},
      {"eventTypeCategory", "scheduledChange"},
      {"startTime", "Mon, 14 Dec 2026 08:00:00 GMT"},
      {"eventDescription",
       json::array({json::object({{"language", "en_US"}, {"latestDescription", "retiring"}})})},
      {"affectedEntities", std::move(entities)}};
}

// affectedEntities with these entityValues (spelled out: one-element braces are ambiguous).
json entities(std::initializer_list<const char*> values) {
  json out = json::array();
  for (const char* v : values) out.push_back(json::object({{"entityValue", v}}));
  return out;
}

Result<InterruptionMessage> parse(const json& doc) {
  return parseInterruptionMessage(doc.dump());
}

// The error text of a body that must be refused, "" if it was accepted.
std::string errorOf(std::string_view body) {
  auto r = parseInterruptionMessage(body);
  if (r) return "";
  EXPECT_TRUE(r.error().isInvalid()) << r.error().toString();
  return r.error().message();
}

TEST(InterruptionMessage, SpotInterruptionWarning) {
  auto m =
      parse(ec2Event("EC2 Spot Instance Interruption Warning",
                     {{"instance-id", "i-0123456789abcdef0"}, {"instance-action", "terminate"}}));
  ASSERT_TRUE(m.has_value()) << m.error().toString();
  EXPECT_EQ(m->kind, InterruptionKind::kSpotInterruption);
  EXPECT_EQ(m->instanceIds, std::vector<std::string>{"i-0123456789abcdef0"});
  EXPECT_EQ(m->action, "terminate");
  EXPECT_EQ(m->eventId, "7d2a5c3e-1b7f-4e4e-9d0a-2c5e0f1b9a11");
  EXPECT_EQ(m->account, "123456789012");
  EXPECT_EQ(m->region, "us-east-1");
  ASSERT_TRUE(m->time.has_value());
  EXPECT_EQ(formatIso8601(*m->time), "2026-12-06T20:15:30Z");
  EXPECT_EQ(toString(m->kind), "spot-interruption");
}

TEST(InterruptionMessage, RebalanceRecommendation) {
  auto m =
      parse(ec2Event("EC2 Instance Rebalance Recommendation", {{"instance-id", "i-01234567"}}));
  ASSERT_TRUE(m.has_value()) << m.error().toString();
  EXPECT_EQ(m->kind, InterruptionKind::kRebalanceRecommendation);
  EXPECT_EQ(m->instanceIds, std::vector<std::string>{"i-01234567"});
}

TEST(InterruptionMessage, StateChangeOnTheWayDownOnly) {
  for (const char* state : {"stopping", "stopped", "shutting-down", "terminated"}) {
    auto m = parse(ec2Event("EC2 Instance State-change Notification",
                            {{"instance-id", "i-0123456789abcdef0"}, {"state", state}}));
    ASSERT_TRUE(m.has_value()) << m.error().toString();
    EXPECT_EQ(m->kind, InterruptionKind::kStateChange) << state;
    EXPECT_EQ(m->state, state);
    EXPECT_EQ(m->instanceIds.size(), 1u);
  }
  for (const char* state : {"pending", "running"}) {
    auto m = parse(ec2Event("EC2 Instance State-change Notification",
                            {{"instance-id", "i-0123456789abcdef0"}, {"state", state}}));
    ASSERT_TRUE(m.has_value()) << m.error().toString();
    EXPECT_EQ(m->kind, InterruptionKind::kNoop) << state;
    EXPECT_EQ(m->state, state);
  }
}

TEST(InterruptionMessage, HealthScheduledChangeKeepsTheInstancesAmongItsEntities) {
  json list = entities({"i-0123456789abcdef0", "vol-0123456789abcdef0", "i-0123456789abcdef0",
                        "i-0fedcba9876543210"});
  list.push_back(json::object({{"entityArn", "arn:only"}}));
  auto m = parse(healthEvent(scheduledChange(list)));
  ASSERT_TRUE(m.has_value()) << m.error().toString();
  EXPECT_EQ(m->kind, InterruptionKind::kScheduledChange);
  EXPECT_EQ(m->instanceIds,
            (std::vector<std::string>{"i-0123456789abcdef0", "i-0fedcba9876543210"}));
  EXPECT_EQ(m->eventTypeCode, "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED");
}

TEST(InterruptionMessage, OtherHealthEventsAreNoops) {
  json other = scheduledChange(entities({"i-0123456789abcdef0"}));
  other["eventTypeCategory"] = "issue";
  EXPECT_EQ(parse(healthEvent(other))->kind, InterruptionKind::kNoop);
  json rds = scheduledChange(entities({"i-0123456789abcdef0"}));
  rds["service"] = "RDS";
  EXPECT_EQ(parse(healthEvent(rds))->kind, InterruptionKind::kNoop);
  auto noInstance = parse(healthEvent(scheduledChange(entities({"vol-0123456789abcdef0"}))));
  ASSERT_TRUE(noInstance.has_value());
  EXPECT_EQ(noInstance->kind, InterruptionKind::kNoop);
  EXPECT_TRUE(noInstance->instanceIds.empty());
  json abuse = healthEvent(json::object());
  abuse["detail-type"] = "AWS Health Abuse Event";
  EXPECT_EQ(parse(abuse)->kind, InterruptionKind::kNoop);
}

TEST(InterruptionMessage, UnknownEventsAreNoopsNotErrors) {
  auto m = parse(ec2Event("EC2 Fleet Error", json::object()));
  ASSERT_TRUE(m.has_value()) << m.error().toString();
  EXPECT_EQ(m->kind, InterruptionKind::kNoop);
  EXPECT_EQ(m->detailType, "EC2 Fleet Error");
  json custom =
      ec2Event("EC2 Spot Instance Interruption Warning", {{"instance-id", "i-0123456789abcdef0"}});
  custom["source"] = "my.app";  // only AWS publishes aws.* sources: a look-alike is ignored
  EXPECT_EQ(parse(custom)->kind, InterruptionKind::kNoop);
  // Optional envelope fields may be absent.
  auto bare = parseInterruptionMessage(
      R"({"source":"aws.ec2","detail-type":"EC2 Instance Rebalance Recommendation","detail":{"instance-id":"i-01234567"}})");
  ASSERT_TRUE(bare.has_value()) << bare.error().toString();
  EXPECT_FALSE(bare->time.has_value());
  EXPECT_EQ(bare->eventId, "");
}

TEST(InterruptionMessage, MalformedBodiesNameTheirField) {
  EXPECT_NE(errorOf("").find("body: empty"), std::string::npos);
  EXPECT_NE(errorOf("not json").find("body: not JSON"), std::string::npos);
  EXPECT_NE(errorOf("[1,2]").find("body: expected a JSON object"), std::string::npos);
  EXPECT_NE(errorOf(R"({"detail-type":"x"})").find("source: missing"), std::string::npos);
  EXPECT_NE(errorOf(R"({"source":7,"detail-type":"x"})").find("source: expected a string"),
            std::string::npos);
  EXPECT_NE(errorOf(R"({"source":"aws.ec2"})").find("detail-type: missing"), std::string::npos);

  const std::string spot = "EC2 Spot Instance Interruption Warning";
  json noDetail = ec2Event(spot, nullptr);
  EXPECT_NE(errorOf(noDetail.dump()).find("detail: missing"), std::string::npos);
  EXPECT_NE(errorOf(ec2Event(spot, "text").dump()).find("detail: expected an object"),
            std::string::npos);
  EXPECT_NE(errorOf(ec2Event(spot, json::object()).dump()).find("detail.instance-id: missing"),
            std::string::npos);
  EXPECT_NE(errorOf(ec2Event(spot, {{"instance-id", 5}}).dump())
                .find("detail.instance-id: expected a string"),
            std::string::npos);
  EXPECT_NE(
      errorOf(
          ec2Event(spot, {{"instance-id", "i-0123456789abcdef0"}, {"instance-action", 1}}).dump())
          .find("detail.instance-action"),
      std::string::npos);
  EXPECT_NE(
      errorOf(ec2Event("EC2 Instance State-change Notification", {{"instance-id", "i-01234567"}})
                  .dump())
          .find("detail.state: missing"),
      std::string::npos);

  json badTime = ec2Event(spot, {{"instance-id", "i-01234567"}});
  badTime["time"] = "yesterday";
  EXPECT_NE(errorOf(badTime.dump()).find("time: \"yesterday\" is not an ISO 8601 time"),
            std::string::npos);
  badTime["time"] = 1700000000;
  EXPECT_NE(errorOf(badTime.dump()).find("time: expected a string"), std::string::npos);
  json badResources = ec2Event(spot, {{"instance-id", "i-01234567"}});
  badResources["resources"] = "arn";
  EXPECT_NE(errorOf(badResources.dump()).find("resources: expected an array"), std::string::npos);
  json badAccount = ec2Event(spot, {{"instance-id", "i-01234567"}});
  badAccount["account"] = json::array();
  EXPECT_NE(errorOf(badAccount.dump()).find("account: expected a string"), std::string::npos);

  EXPECT_NE(errorOf(healthEvent(scheduledChange("i-01234567")).dump())
                .find("detail.affectedEntities: expected an array"),
            std::string::npos);
  json noEntities = scheduledChange(nullptr);
  EXPECT_NE(errorOf(healthEvent(noEntities).dump()).find("detail.affectedEntities: missing"),
            std::string::npos);
  EXPECT_NE(errorOf(healthEvent(scheduledChange(json::array({"i-01234567"}))).dump())
                .find("detail.affectedEntities[]"),
            std::string::npos);
  EXPECT_NE(
      errorOf(
          healthEvent(scheduledChange(json::array({json::object({{"entityValue", 3}})}))).dump())
          .find("entityValue"),
      std::string::npos);
}

TEST(InterruptionMessage, InstanceIdsMustLookLikeEc2s) {
  EXPECT_TRUE(isEc2InstanceId("i-01234567"));
  EXPECT_TRUE(isEc2InstanceId("i-0123456789abcdef0"));
  for (const char* bad : {"", "i-", "i-0123456", "i-012345678", "i-0123456789ABCDEF0", "x-01234567",
                          "i-0123456789abcdef01", "i-0123456g", "i-01234567\n"}) {
    EXPECT_FALSE(isEc2InstanceId(bad)) << bad;
  }
  const std::string text = errorOf(
      ec2Event("EC2 Instance Rebalance Recommendation", {{"instance-id", "../../etc\x1b[31m"}})
          .dump());
  EXPECT_NE(text.find("detail.instance-id: \"../../etc\\e[31m\" is not an EC2 instance id"),
            std::string::npos)
      << text;
}

TEST(InterruptionMessage, HostileBodiesAreRefusedCheaply) {
  // Ill-formed UTF-8 inside a string.
  EXPECT_NE(errorOf("{\"source\":\"aws.ec2\xff\",\"detail-type\":\"x\"}").find("body: not JSON"),
            std::string::npos);
  // Too large, before any parsing.
  EXPECT_NE(errorOf(std::string(kMaxInterruptionBodyBytes + 1, ' ')).find("more than"),
            std::string::npos);
  // Deep nesting, also inside detail; brackets inside strings do not count.
  EXPECT_NE(errorOf(std::string(100000, '[') + std::string(100000, ']')).find("nested deeper"),
            std::string::npos);
  auto bracketsInString = parse(ec2Event("EC2 Fleet Error", {{"note", std::string(200, '[')}}));
  EXPECT_TRUE(bracketsInString.has_value());
  // Too many affected entities.
  json many = json::array();
  for (size_t i = 0; i <= kMaxAffectedEntities; ++i)
    many.push_back(json::object({{"entityValue", "i-01234567"}}));
  EXPECT_NE(errorOf(healthEvent(scheduledChange(many)).dump())
                .find("detail.affectedEntities: 1001 entries"),
            std::string::npos);
  many.erase(many.begin());
  auto capped = parse(healthEvent(scheduledChange(many)));
  ASSERT_TRUE(capped.has_value());
  EXPECT_EQ(capped->instanceIds.size(), 1u);  // all the same id
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
