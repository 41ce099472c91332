// Parsing cron text into bit sets, one per field, and walking back from a time field by field
// (month, day, hour, minute) to the latest firing minute, so a lookup costs a few steps per
// day of lookback rather than one per minute.
#include "src/api/cron_schedule.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <chrono>
#include <vector>

namespace gantry::api {
namespace {

using namespace std::chrono;

struct FieldSpec {
  std::string_view name;  // for messages: "minute", "day of week", ...
  unsigned min;
  unsigned max;  // inclusive; day of week allows 7 (Sunday) and folds it onto 0 afterwards
  const std::array<std::string_view, 13>* names;  // index = value, "" where none
};

constexpr std::array<std::string_view, 13> kMonthNames = {
    "", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 13> kWeekdayNames = {"sun", "mon", "tue", "wed", "thu",
                                                            "fri", "sat", "", "", "", "", "", ""};

constexpr FieldSpec kMinute{"minute", 0, 59, nullptr};
constexpr FieldSpec kHour{"hour", 0, 23, nullptr};
constexpr FieldSpec kDayOfMonth{"day of month", 1, 31, nullptr};
constexpr FieldSpec kMonth{"month", 1, 12, &kMonthNames};
constexpr FieldSpec kDayOfWeek{"day of week", 0, 7, &kWeekdayNames};

struct ParsedField {
  uint64_t bits = 0;
  bool star = false;  // a plain `*` or `?` (step 1) was among the elements
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A decimal number (digits only, no sign) or, where the field has names, a name.
Result<unsigned> parseValue(std::string_view text, const FieldSpec& f) {
  if (f.names) {
    std::string name = lower(text);
    for (size_t v = 0; v < f.names->size(); ++v) {
      if (!(*f.names)[v].empty() && (*f.names)[v] == name) return static_cast<unsigned>(v);
    }
  }
  if (text.empty()) return fail(Status::invalid("a value is missing"));
  unsigned n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return fail(Status::invalid("\"" + std::string(text) + "\" is not a number" +
                                  (f.names ? " or a name" : "")));
    }
    if (n > 100000) return fail(Status::invalid(std::string(text) + " is out of range"));
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  return n;
}

// One list element: `*`, `?`, `a`, `a-b`, each with an optional `/step`.
Result<ParsedField> parseElement(std::string_view e, const FieldSpec& f) {
  std::string_view base = e;
  unsigned step = 1;
  bool hasStep = false;
  if (size_t slash = e.find('/'); slash != std::string_view::npos) {
    base = e.substr(0, slash);
    auto s = parseValue(e.substr(slash + 1), FieldSpec{f.name, 0, 0, nullptr});
    if (!s) return fail(s.error());
    if (*s == 0) return fail(Status::invalid("the step must be a positive number"));
    step = *s;
    hasStep = true;
  }
  // Where a range is implicit (`*`, `a/step`) day of week ends at 6: 7 only names Sunday.
  const unsigned implicitEnd = f.max == 7 ? 6 : f.max;
  unsigned start = f.min;
  unsigned end = implicitEnd;
  bool star = false;
  if (base == "*" || base == "?") {
    star = step == 1;
  } else {
    size_t dash = base.find('-');
    auto a = parseValue(base.substr(0, dash), f);
    if (!a) return fail(a.error());
    start = *a;
    if (dash != std::string_view::npos) {
      auto b = parseValue(base.substr(dash + 1), f);
      if (!b) return fail(b.error());
      end = *b;
    } else if (!hasStep) {
      end = start;
    } else {
      end = std::max(start, implicitEnd);  // `a/step`: from a to the maximum, as robfig reads it
    }
    if (start < f.min || start > f.max) {
      return fail(Status::invalid(std::to_string(start) + " is outside " + std::to_string(f.min) +
                                  "-" + std::to_string(f.max)));
    }
    if (end > f.max) {
      return fail(Status::invalid(std::to_string(end) + " is outside " + std::to_string(f.min) +
                                  "-" + std::to_string(f.max)));
    }
    if (start > end) {
      return fail(Status::invalid("the range starts after it ends (" + std::to_string(start) +
                                  " > " + std::to_string(end) + ")"));
    }
  }
  ParsedField out;
  out.star = star;
  for (unsigned v = start; v <= end; v += step) out.bits |= uint64_t{1} << v;
  return out;
}

Result<ParsedField> parseField(std::string_view text, const FieldSpec& f) {
  ParsedField field;
  size_t pos = 0;
  while (true) {
    size_t comma = text.find(',', pos);
    size_t len = comma == std::string_view::npos ? text.npos : comma - pos;
    std::string_view e = text.substr(pos, len);
    if (e.empty()) return fail(Status::invalid("a list has an empty element"));
    auto p = parseElement(e, f);
    if (!p) return fail(p.error().withContext("\"" + std::string(e) + "\""));
    field.bits |= p->bits;
    field.star = field.star || p->star;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  if (f.max == 7 && (field.bits & (uint64_t{1} << 7))) {
    field.bits = (field.bits & ~(uint64_t{1} << 7)) | 1;  // 7 is Sunday, like 0
  }
  return field;
}

// The macros, as their five-field equivalents (robfig's descriptors).
std::string_view expandMacro(std::string_view text) {
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  return {};
}

std::vector<std::string_view> splitFields(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// Highest set bit of `bits` at or below `at`, or -1.
int highestAtOrBelow(uint64_t bits, int at) {
  if (at < 0) return -1;
  uint64_t masked = at >= 63 ? bits : bits & ((uint64_t{1} << (at + 1)) - 1);
  return masked ? 63 - std::countl_zero(masked) : -1;
}

// Any schedule that fires at all fires at least once in this long (Feb 29 can be 8 years
// apart, 2096 to 2104), so looking back further never finds a later firing.
constexpr auto kMaxLookback = days(3000);

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view text) {
  auto quoted = [&] { return "cron schedule \"" + std::string(text.substr(0, 128)) + "\""; };
  auto fields = splitFields(text);
  if (fields.empty()) return fail(Status::invalid("cron schedule is empty"));
  std::string_view spec = text;
  if (fields.front().starts_with('@')) {
    spec = fields.size() == 1 ? expandMacro(fields.front()) : std::string_view();
    if (spec.empty()) {
      return fail(Status::invalid(quoted() + ": unknown macro (want @yearly, @annually, " +
                                  "@monthly, @weekly, @daily, @midnight or @hourly)"));
    }
    fields = splitFields(spec);
  }
  if (fields.size() != 5) {
    return fail(Status::invalid(quoted() + ": want 5 fields (minute hour day-of-month month " +
                                "day-of-week), got " + std::to_string(fields.size())));
  }
  const std::array<const FieldSpec*, 5> specs = {&kMinute, &kHour, &kDayOfMonth, &kMonth,
                                                 &kDayOfWeek};
  std::array<ParsedField, 5> parsed;
  for (size_t i = 0; i < 5; ++i) {
    auto p = parseField(fields[i], *specs[i]);
    if (!p) {
      return fail(Status::invalid(quoted() + ": " + std::string(specs[i]->name) + " field: " +
                                  p.error().message()));
    }
    parsed[i] = *p;
  }
  CronSchedule s;
  s.minutes_ = parsed[0].bits;
  s.hours_ = static_cast<uint32_t>(parsed[1].bits);
  s.daysOfMonth_ = static_cast<uint32_t>(parsed[2].bits);
  s.months_ = static_cast<uint16_t>(parsed[3].bits);
  s.daysOfWeek_ = static_cast<uint8_t>(parsed[4].bits);
  s.dayOfMonthStar_ = parsed[2].star;
  s.dayOfWeekStar_ = parsed[4].star;
  size_t b = text.find_first_not_of(" \t\n\r\f\v");
  size_t e = text.find_last_not_of(" \t\n\r\f\v");
  s.text_ = std::string(text.substr(b, e - b + 1));
  return s;
}

bool CronSchedule::dayMatches(unsigned dayOfMonth, unsigned month, unsigned weekday) const {
  if (!(months_ >> month & 1)) return false;
  bool dom = daysOfMonth_ >> dayOfMonth & 1;
  bool dow = daysOfWeek_ >> weekday & 1;
  // robfig's dayMatches: either field unrestricted means both must match (the star one always
  // does); both restricted means either may.
  if (dayOfMonthStar_ || dayOfWeekStar_) return dom && dow;
  return dom || dow;
}

bool CronSchedule::firesAt(TimePoint t) const {
  auto minute = floor<minutes>(t);
  auto day = floor<days>(minute);
  year_month_day ymd{day};
  auto hm = hh_mm_ss<minutes>(minute - day);
  return dayMatches(static_cast<unsigned>(ymd.day()), static_cast<unsigned>(ymd.month()),
                    weekday(day).c_encoding()) &&
         (hours_ >> hm.hours().count() & 1) && (minutes_ >> hm.minutes().count() & 1);
}

std::optional<CronSchedule::TimePoint> CronSchedule::lastFireAtOrBefore(TimePoint t,
                                                                        Duration lookback) const {
  if (lookback <= Duration::zero()) return std::nullopt;
  // Bound the lookback (see kMaxLookback), also keeping t - lookback representable.
  if (lookback > kMaxLookback) lookback = kMaxLookback;
  if (t < TimePoint::min() + lookback) return std::nullopt;  // not a time a caller passes
  const TimePoint lower = t - lookback;  // exclusive
  // The candidate minute: it fires iff its month, day, hour and minute all match. Each
  // mismatch moves it back to the last minute of the previous month, day or allowed hour.
  time_point<system_clock, minutes> m = floor<minutes>(t);
  while (m > lower) {
    sys_days day = floor<days>(m);
    year_month_day ymd{day};
    unsigned month = static_cast<unsigned>(ymd.month());
    if (!(months_ >> month & 1)) {
      m = sys_days(ymd.year() / ymd.month() / 1) - minutes(1);
      continue;
    }
    if (!dayMatches(static_cast<unsigned>(ymd.day()), month, weekday(day).c_encoding())) {
      m = day - minutes(1);
      continue;
    }
    auto hm = hh_mm_ss<minutes>(m - day);
    int hour = static_cast<int>(hm.hours().count());
    int h = highestAtOrBelow(hours_, hour);
    if (h < 0) {
      m = day - minutes(1);
      continue;
    }
    int minute = h == hour ? static_cast<int>(hm.minutes().count()) : 59;
    int mm = highestAtOrBelow(minutes_, minute);
    if (mm < 0) {
      m = day + hours(h) - minutes(1);  // the end of the hour before h
      continue;
    }
    m = day + hours(h) + minutes(mm);
    if (m > lower) return TimePoint(m);
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace gantry::api
