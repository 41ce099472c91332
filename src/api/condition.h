// Status conditions (metav1.Condition) as Gantry's objects carry them (NodeClaim Launched /
// Registered / Initialized / Ready, NodePool and EC2NodeClass Ready), the rule for when
// lastTransitionTime moves, and the RFC 3339 timestamps they and object metadata use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"
#include "src/common/clock.h"
#include "src/common/status.h"

namespace gantry::api {

enum class ConditionStatus { kTrue, kFalse, kUnknown };
// "True", "False", "Unknown".
std::string_view conditionStatusName(ConditionStatus status);
// Exactly "True", "False" or "Unknown"; kInvalid otherwise.
Result<ConditionStatus> parseConditionStatus(std::string_view text);

struct Condition {
  std::string type;  // "Ready", "Launched", ...
  ConditionStatus status = ConditionStatus::kUnknown;
  std::string reason;   // CamelCase machine-readable cause; may be empty
  std::string message;  // for people
  Clock::TimePoint lastTransitionTime{};
  int64_t observedGeneration = 0;  // the object's metadata.generation the condition reflects

  friend bool operator==(const Condition&, const Condition&) = default;
};

// The condition named `type`, or nullptr. The pointer is valid until `conditions` changes.
const Condition* findCondition(const std::vector<Condition>& conditions, std::string_view type);
// True only when the condition is present with status True.
bool isConditionTrue(const std::vector<Condition>& conditions, std::string_view type);

// Adds or updates the condition `type` (metav1's SetStatusCondition rule): its
// lastTransitionTime becomes `now` when it is new or its status changes, and is kept when only
// reason, message or observedGeneration change. Returns true when anything changed (so the
// caller knows whether a status write is due). Not thread-safe on the same vector.
bool setCondition(std::vector<Condition>& conditions, std::string_view type, ConditionStatus status,
                  std::string reason, std::string message, Clock::TimePoint now,
                  int64_t observedGeneration = 0);
// Removes the condition `type`; returns true when it was there.
bool removeCondition(std::vector<Condition>& conditions, std::string_view type);

// RFC 3339 in UTC with whole seconds, as metav1.Time writes it ("2026-01-02T15:04:05Z").
// Sub-second parts are truncated. Never fails.
std::string formatTimestamp(Clock::TimePoint t);
// Parses an RFC 3339 date-time: "T" or "t" separator, optional fraction (up to 9 digits), "Z"
// or a "+hh:mm"/"-hh:mm" offset. kInvalid on anything else, including out-of-range fields
// (month 13, second 60, February 30) and instants a Clock::TimePoint cannot hold (it counts
// nanoseconds in 64 bits: roughly the years 1678-2262).
Result<Clock::TimePoint> parseTimestamp(std::string_view text);

// Decodes a status.conditions list found at `path`: each item an object with a non-empty
// type, a status of True/False/Unknown, and optional reason, message, lastTransitionTime
// (RFC 3339) and observedGeneration (>= 0). FieldError names the bad item's field.
DecodeResult<std::vector<Condition>> decodeConditions(const nlohmann::json& value,
                                                      const std::string& path);
// The wire form of the list above; empty reason/message are left out.
nlohmann::json encodeConditions(const std::vector<Condition>& conditions);

}  // namespace gantry::api
