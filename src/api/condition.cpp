// Conditions and timestamps: the transition-time rule and a strict RFC 3339 reader, since
// timestamps come from the apiserver or from hostile manifest files alike.
#include "src/api/condition.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "src/api/decode_internal.h"

namespace gantry::api {

using namespace detail;

std::string_view conditionStatusName(ConditionStatus status) {
  switch (status) {
    case ConditionStatus::kTrue: return "True";
    case ConditionStatus::kFalse: return "False";
    case ConditionStatus::kUnknown: return "Unknown";
  }
  return "Unknown";
}

Result<ConditionStatus> parseConditionStatus(std::string_view text) {
  if (text == "True") return ConditionStatus::kTrue;
  if (text == "False") return ConditionStatus::kFalse;
  if (text == "Unknown") return ConditionStatus::kUnknown;
  return fail(Status::invalid("unknown condition status \"" + std::string(text) +
                              "\" (want True, False or Unknown)"));
}

const Condition* findCondition(const std::vector<Condition>& conditions, std::string_view type) {
  auto it = std::ranges::find(conditions, type, &Condition::type);
  return it == conditions.end() ? nullptr : &*it;
}

bool isConditionTrue(const std::vector<Condition>& conditions, std::string_view type) {
  const Condition* c = findCondition(conditions, type);
  return c != nullptr && c->status == ConditionStatus::kTrue;
}

bool setCondition(std::vector<Condition>& conditions, std::string_view type, ConditionStatus status,
                  std::string reason, std::string message, Clock::TimePoint now,
                  int64_t observedGeneration) {
  auto it = std::ranges::find(conditions, type, &Condition::type);
  if (it == conditions.end()) {
    conditions.push_back(Condition{std::string(type), status, std::move(reason), std::move(message),
                                   now, observedGeneration});
    return true;
  }
  Condition updated{it->type,
                    status,
                    std::move(reason),
                    std::move(message),
                    it->status == status ? it->lastTransitionTime : now,
                    observedGeneration};
  if (updated == *it) return false;
  *it = std::move(updated);
  return true;
}

bool removeCondition(std::vector<Condition>& conditions, std::string_view type) {
  return std::erase_if(conditions, [&](const Condition& c) { return c.type == type; }) > 0;
}

std::string formatTimestamp(Clock::TimePoint t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

namespace {

// Reads exactly `n` digits at `pos`; -1 when any is not a digit or the text is too short.
int digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

Result<Clock::TimePoint> parseTimestamp(std::string_view text) {
  using namespace std::chrono;
  auto bad = [&](std::string_view why) {
    return fail(Status::invalid("timestamp \"" + std::string(text.substr(0, 64)) +
                                "\" is not RFC 3339: " + std::string(why)));
  };
  // 2006-01-02T15:04:05
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return bad("want YYYY-MM-DDThh:mm:ss followed by Z or an offset");
  }
  const int y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  const int h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  if (y < 1 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return bad("a field is not a number");
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad("no such date");
  // RFC 3339 allows a leap second (60); Go's parser refuses it, and so do we.
  if (h > 23 || mi > 59 || s > 59) return bad("time of day out of range");
  size_t pos = 19;
  nanoseconds frac{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t n = 0;
    int64_t value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++n > 9) return bad("more than 9 fractional digits");
      value = value * 10 + (text[pos++] - '0');
    }
    if (n == 0) return bad("empty fraction");
    for (size_t i = n; i < 9; ++i) value *= 10;
    frac = nanoseconds{value};
  }
  minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int oh = digits(text, pos + 1, 2), om = digits(text, pos + 4, 2);
    if (oh < 0 || om < 0 || pos + 3 >= text.size() || text[pos + 3] != ':' || oh > 23 || om > 59) {
      return bad("malformed offset");
    }
    offset = hours{oh} + minutes{om};
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return bad("missing Z or offset");
  }
  if (pos != text.size()) return bad("trailing characters");
  // Clock::TimePoint counts nanoseconds in 64 bits (years 1678-2262); refuse what does not fit
  // rather than wrap around.
  const sys_seconds utc = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} - offset;
  const auto lo = ceil<seconds>(Clock::TimePoint::min()) + seconds{1};
  const auto hi = floor<seconds>(Clock::TimePoint::max()) - seconds{1};
  if (utc < lo || utc > hi) return bad("outside the years 1678-2262 this clock can hold");
  return time_point_cast<Clock::Duration>(utc) + duration_cast<Clock::Duration>(frac);
}

DecodeResult<std::vector<Condition>> decodeConditions(const json& value, const std::string& path) {
  if (auto e = expectArray(value, path)) return std::unexpected(*e);
  std::vector<Condition> out;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string here = index(path, i);
    const json& item = value[i];
    if (auto e = expectObject(item, here)) return std::unexpected(*e);
    Condition c;
    auto type = stringField(item, here, "type");
    if (!type) return std::unexpected(type.error());
    if (type->empty()) return fieldError(here + ".type", "required");
    if (findCondition(out, *type))
      return fieldError(here + ".type", "duplicate condition \"" + *type + "\"");
    c.type = *type;
    auto status = stringField(item, here, "status");
    if (!status) return std::unexpected(status.error());
    auto parsed = parseConditionStatus(*status);
    if (!parsed) return fieldError(here + ".status", parsed.error().message());
    c.status = *parsed;
    auto reason = stringField(item, here, "reason");
    if (!reason) return std::unexpected(reason.error());
    c.reason = *reason;
    auto message = stringField(item, here, "message");
    if (!message) return std::unexpected(message.error());
    c.message = *message;
    auto when = stringField(item, here, "lastTransitionTime");
    if (!when) return std::unexpected(when.error());
    if (!when->empty()) {
      auto t = parseTimestamp(*when);
      if (!t) return fieldError(here + ".lastTransitionTime", t.error().message());
      c.lastTransitionTime = *t;
    }
    auto gen = intField(item, here, "observedGeneration", 0);
    if (!gen) return std::unexpected(gen.error());
    if (*gen < 0) return fieldError(here + ".observedGeneration", "must not be negative");
    c.observedGeneration = *gen;
    out.push_back(std::move(c));
  }
  return out;
}

json encodeConditions(const std::vector<Condition>& conditions) {
  json out = json::array();
  for (const Condition& c : conditions) {
    json item{{"type", c.type},
              {"status", conditionStatusName(c.status)},
              {"lastTransitionTime", formatTimestamp(c.lastTransitionTime)}};
    if (!c.reason.empty()) item["reason"] = c.reason;
    if (!c.message.empty()) item["message"] = c.message;
    if (c.observedGeneration != 0) item["observedGeneration"] = c.observedGeneration;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace gantry::api
