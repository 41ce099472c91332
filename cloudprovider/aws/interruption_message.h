// The EventBridge events that warn Gantry an EC2 instance is about to go (a spot
// interruption, a rebalance recommendation, a state change, an AWS Health scheduled change),
// read from the body of a message on the interruption queue. A pure parser: the queue
// consumer decides what to do, and deletes the message once it did (or once this parser
// said kInvalid, so a malformed message is not received for ever).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/common/clock.h"
#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

enum class InterruptionKind {
  // "EC2 Spot Instance Interruption Warning": the instance is reclaimed in about two minutes.
  kSpotInterruption,
  // "EC2 Instance Rebalance Recommendation": the spot instance is at elevated risk.
  kRebalanceRecommendation,
  // "EC2 Instance State-change Notification" to stopping, stopped, shutting-down or terminated.
  kStateChange,
  // "AWS Health Event" for service EC2 in category scheduledChange (retirement, maintenance).
  kScheduledChange,
  // Well-formed, but nothing to act on: another event type, a state change to running or
  // pending, a Health event of another service or category or naming no instance. Delete it.
  kNoop,
};

// "spot-interruption", "rebalance-recommendation", "state-change", "scheduled-change", "noop":
// for logs and metric labels.
std::string_view toString(InterruptionKind kind);

struct InterruptionMessage {
  InterruptionKind kind = InterruptionKind::kNoop;
  // The affected instances ("i-0123456789abcdef0"), without duplicates, in event order. One for
  // the EC2 events (kept on a kNoop state change to running or pending, for logs); the EC2
  // instances among the Health event's affected entities. Empty for every other kNoop.
  std::vector<std::string> instanceIds{};
  std::string eventId{};     // EventBridge "id", for logs; may be empty
  std::string source{};      // "aws.ec2", "aws.health", ...
  std::string detailType{};  // "EC2 Spot Instance Interruption Warning", ...
  std::string account{};     // may be empty
  std::string region{};      // may be empty
  // When EventBridge saw the event ("time"); nullopt when the event has none.
  std::optional<Clock::TimePoint> time{};
  // kSpotInterruption: detail "instance-action" ("terminate", "stop", "hibernate"), may be empty.
  std::string action{};
  // kStateChange (and a kNoop state change): detail "state" ("stopping", "running", ...).
  std::string state{};
  // kScheduledChange: detail "eventTypeCode" ("AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", ...).
  std::string eventTypeCode{};
};

// Limits that keep a hostile or broken message cheap to reject.
inline constexpr size_t kMaxInterruptionBodyBytes = 1 << 20;  // SQS's own limit is 1 MiB
inline constexpr size_t kMaxAffectedEntities = 1000;          // per Health event

// Parses one message body: an EventBridge event as JSON, with `source` and `detail-type`
// strings and, for the four kinds above, a `detail` object. Unknown sources and detail types
// are kNoop, not errors, so a queue shared with other rules does not log noise.
// Errors: kInvalid, naming the field, for a body that is empty, larger than
// kMaxInterruptionBodyBytes, not UTF-8 JSON, nested deeper than 64, not an object; a missing
// or mistyped `source`, `detail-type`, `detail`, `detail.instance-id`, `detail.state`,
// `detail.affectedEntities`; a mistyped `id`, `time`, `account`, `region` or `resources`; a
// `time` that is not ISO 8601; an instance id that is not "i-" and 8 or 17 hex digits; more
// than kMaxAffectedEntities affected entities. Error texts quote at most 64 escaped bytes of
// the input. Pure, thread-safe, never throws.
Result<InterruptionMessage> parseInterruptionMessage(std::string_view body);

// True for "i-" followed by 8 or 17 lowercase hex digits, the shapes EC2 gives instance ids.
bool isEc2InstanceId(std::string_view text);

}  // namespace gantry::cloudprovider::aws
