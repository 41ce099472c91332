// NodeClaim helpers that are not wire format: labels, finalizers, conditions, durations.
#include "src/api/nodeclaim.h"

#include <algorithm>
#include <limits>

#include "src/api/well_known_labels.h"

namespace gantry::api {

const std::string& NodeClaim::nodePool() const {
  static const std::string kNone;
  auto it = labels.find(label::kNodePool);
  return it == labels.end() ? kNone : it->second;
}

bool NodeClaim::hasFinalizer(std::string_view finalizer) const {
  return std::ranges::find(finalizers, finalizer) != finalizers.end();
}

bool NodeClaim::setCondition(std::string_view type, ConditionStatus status, std::string reason,
                             std::string message, Clock::TimePoint now) {
  return api::setCondition(conditions, type, status, std::move(reason), std::move(message), now,
                           generation);
}

Result<std::optional<Clock::Duration>> parseNodeDuration(std::string_view text) {
  if (text == "Never") return std::optional<Clock::Duration>();
  auto bad = [&](std::string_view why) {
    return fail(Status::invalid("duration \"" + std::string(text.substr(0, 64)) + "\" " +
                                std::string(why)));
  };
  if (text.empty()) return bad("is empty");
  // Sum in seconds with an explicit bound: Clock::Duration is 64-bit nanoseconds.
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000'000;
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t n = 0;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (n > kMaxSeconds) return bad("is too long");
      n = n * 10 + (text[pos++] - '0');
    }
    if (pos == start) return bad("needs a number before each unit (want e.g. 720h, 1h30m, Never)");
    if (pos == text.size()) return bad("needs a unit (h, m or s) after each number");
    int64_t unit = 0;
    switch (text[pos++]) {
      case 'h': unit = 3600; break;
      case 'm': unit = 60; break;
      case 's': unit = 1; break;
      default: return bad("has an unknown unit (want h, m or s)");
    }
    if (n > (kMaxSeconds - total) / unit) return bad("is too long");
    total += n * unit;
  }
  return std::optional<Clock::Duration>(std::chrono::seconds(total));
}

}  // namespace gantry::api
