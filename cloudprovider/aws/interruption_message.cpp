// The body of an interruption-queue message is whatever reached the queue: EventBridge
// events, but also anything a misconfigured rule or a person with SendMessage rights put
// there. So every field is type-checked, sizes are bounded before parsing, and the source is
// checked along with the detail type (only AWS may publish "aws.*" sources, so a custom
// event cannot pass for a spot interruption and get a node drained).
#include "cloudprovider/aws/interruption_message.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "cloudprovider/aws/transport/iso8601.h"
#include "src/common/json_nesting.h"
#include "src/common/utf8.h"

namespace gantry::cloudprovider::aws {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;
constexpr std::string_view kEc2Source = "aws.ec2";
constexpr std::string_view kHealthSource = "aws.health";

Status invalid(std::string_view field, std::string_view problem) {
  return Status::invalid("interruption message: " + std::string(field) + ": " +
                         std::string(problem));
}

// At most 64 bytes of untrusted text, safe for a log line.
std::string excerpt(std::string_view text) {
  std::string out = "\"" + escapeForTerminal(text.substr(0, 64)) + "\"";
  if (text.size() > 64) out += "...";
  return out;
}

// A string member: nullopt when absent (or null), an error when present with another type.
Result<std::optional<std::string>> optionalString(const json& object, const char* key,
                                                  std::string_view field) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string())
    return fail(invalid(field, std::string("expected a string, got ") + it->type_name()));
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> requiredString(const json& object, const char* key, std::string_view field) {
  auto value = optionalString(object, key, field);
  if (!value) return fail(value.error());
  if (!*value) return fail(invalid(field, "missing"));
  return std::move(**value);
}

Result<const json*> requiredObject(const json& object, const char* key, std::string_view field) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fail(invalid(field, "missing"));
  if (!it->is_object())
    return fail(invalid(field, std::string("expected an object, got ") + it->type_name()));
  return &*it;
}

// detail.instance-id of the three EC2 events.
Result<std::string> detailInstanceId(const json& detail) {
  auto id = requiredString(detail, "instance-id", "detail.instance-id");
  if (!id) return fail(id.error());
  if (!isEc2InstanceId(*id))
    return fail(invalid("detail.instance-id", excerpt(*id) + " is not an EC2 instance id"));
  return id;
}

bool isStoppingState(std::string_view state) {
  return state == "stopping" || state == "stopped" || state == "shutting-down" ||
         state == "terminated";
}

// The three aws.ec2 events Gantry reacts to; kNoop for any other aws.ec2 detail type.
Status parseEc2Event(const json& doc, InterruptionMessage& out) {
  const bool spot = out.detailType == "EC2 Spot Instance Interruption Warning";
  const bool rebalance = out.detailType == "EC2 Instance Rebalance Recommendation";
  const bool stateChange = out.detailType == "EC2 Instance State-change Notification";
  if (!spot && !rebalance && !stateChange) return Status::ok();
  auto detail = requiredObject(doc, "detail", "detail");
  if (!detail) return detail.error();
  auto id = detailInstanceId(**detail);
  if (!id) return id.error();
  if (spot) {
    auto action = optionalString(**detail, "instance-action", "detail.instance-action");
    if (!action) return action.error();
    out.action = action->value_or("");
    out.kind = InterruptionKind::kSpotInterruption;
  } else if (rebalance) {
    out.kind = InterruptionKind::kRebalanceRecommendation;
  } else {
    auto state = requiredString(**detail, "state", "detail.state");
    if (!state) return state.error();
    out.state = std::move(*state);
    // running and pending are normal life; only the way down concerns a node.
    out.kind =
        isStoppingState(out.state) ? InterruptionKind::kStateChange : InterruptionKind::kNoop;
  }
  out.instanceIds.push_back(std::move(*id));
  return Status::ok();
}

// An AWS Health event: only EC2's scheduled changes name instances Gantry must replace.
Status parseHealthEvent(const json& doc, InterruptionMessage& out) {
  if (out.detailType != "AWS Health Event") return Status::ok();
  auto detail = requiredObject(doc, "detail", "detail");
  if (!detail) return detail.error();
  auto service = optionalString(**detail, "service", "detail.service");
  if (!service) return service.error();
  auto category = optionalString(**detail, "eventTypeCategory", "detail.eventTypeCategory");
  if (!category) return category.error();
  auto code = optionalString(**detail, "eventTypeCode", "detail.eventTypeCode");
  if (!code) return code.error();
  out.eventTypeCode = code->value_or("");
  if (service->value_or("") != "EC2" || category->value_or("") != "scheduledChange")
    return Status::ok();

  auto entities = (*detail)->find("affectedEntities");
  if (entities == (*detail)->end() || entities->is_null())
    return invalid("detail.affectedEntities", "missing");
  if (!entities->is_array()) {
    return invalid("detail.affectedEntities",
                   std::string("expected an array, got ") + entities->type_name());
  }
  if (entities->size() > kMaxAffectedEntities) {
    return invalid("detail.affectedEntities", std::to_string(entities->size()) +
                                                  " entries, more than " +
                                                  std::to_string(kMaxAffectedEntities));
  }
  std::unordered_set<std::string> seen;
  for (const json& entity : *entities) {
    if (!entity.is_object()) {
      return invalid("detail.affectedEntities[]",
                     std::string("expected an object, got ") + entity.type_name());
    }
    auto value = optionalString(entity, "entityValue", "detail.affectedEntities[].entityValue");
    if (!value) return value.error();
    // EC2 scheduled changes may also name volumes or hosts; those are not nodes.
    if (!*value || !isEc2InstanceId(**value)) continue;
    if (seen.insert(**value).second) out.instanceIds.push_back(std::move(**value));
  }
  if (!out.instanceIds.empty()) out.kind = InterruptionKind::kScheduledChange;
  return Status::ok();
}

}  // namespace

std::string_view toString(InterruptionKind kind) {
  switch (kind) {
    case InterruptionKind::kSpotInterruption: return "spot-interruption";
    case InterruptionKind::kRebalanceRecommendation: return "rebalance-recommendation";
    case InterruptionKind::kStateChange: return "state-change";
    case InterruptionKind::kScheduledChange: return "scheduled-change";
    case InterruptionKind::kNoop: return "noop";
  }
  return "noop";
}

bool isEc2InstanceId(std::string_view text) {
  if (!text.starts_with("i-")) return false;
  const std::string_view hex = text.substr(2);
  if (hex.size() != 8 && hex.size() != 17) return false;
  return std::all_of(hex.begin(), hex.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<InterruptionMessage> parseInterruptionMessage(std::string_view body) {
  if (body.empty()) return fail(invalid("body", "empty"));
  if (body.size() > kMaxInterruptionBodyBytes) {
    return fail(invalid("body", std::to_string(body.size()) + " bytes, more than " +
                                    std::to_string(kMaxInterruptionBodyBytes)));
  }
  if (jsonNestingExceeds(body, kMaxDepth)) return fail(invalid("body", "nested deeper than 64"));
  // nlohmann's parser also refuses ill-formed UTF-8 inside strings.
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(invalid("body", "not JSON (or not UTF-8): " + excerpt(body)));
  if (!doc.is_object())
    return fail(invalid("body", std::string("expected a JSON object, got ") + doc.type_name()));

  InterruptionMessage out;
  auto source = requiredString(doc, "source", "source");
  if (!source) return fail(source.error());
  out.source = std::move(*source);
  auto detailType = requiredString(doc, "detail-type", "detail-type");
  if (!detailType) return fail(detailType.error());
  out.detailType = std::move(*detailType);
  for (auto [key, field] : {std::pair{"id", &out.eventId}, std::pair{"account", &out.account},
                            std::pair{"region", &out.region}}) {
    auto value = optionalString(doc, key, key);
    if (!value) return fail(value.error());
    *field = value->value_or("");
  }
  auto time = optionalString(doc, "time", "time");
  if (!time) return fail(time.error());
  if (*time) {
    auto parsed = parseIso8601(**time);
    if (!parsed) return fail(invalid("time", excerpt(**time) + " is not an ISO 8601 time"));
    out.time = *parsed;
  }
  if (auto resources = doc.find("resources");
      resources != doc.end() && !resources->is_null() && !resources->is_array()) {
    return fail(
        invalid("resources", std::string("expected an array, got ") + resources->type_name()));
  }

  Status status = Status::ok();
  if (out.source == kEc2Source) {
    status = parseEc2Event(doc, out);
  } else if (out.source == kHealthSource) {
    status = parseHealthEvent(doc, out);
  }
  if (!status.isOk()) return fail(std::move(status));
  return out;
}

}  // namespace gantry::cloudprovider::aws
