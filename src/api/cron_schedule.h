// A cron schedule, evaluated in UTC, for NodePool disruption budgets
// (spec.disruption.budgets[].schedule): a budget is active while its schedule fired within the
// last `duration`. Karpenter parses these with robfig/cron's ParseStandard under "TZ=UTC", so
// this follows robfig where cron dialects differ:
//   - five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC),
//     day of week (0-6 or SUN-SAT; names are case-insensitive); or one of the macros @yearly,
//     @annually, @monthly, @weekly, @daily, @midnight, @hourly (lower case, nothing after);
//   - each field is a comma list of `*`, `?` (same as `*`), `a`, `a-b`, each optionally with
//     `/step`; `a/step` means `a-<max>/step`;
//   - when both day of month and day of week are restricted a day matches if either does
//     (the Vixie rule); a field counts as unrestricted only when it holds a plain `*` or `?`
//     (or `*/1`): `*/2` is a restriction, as in robfig and unlike Vixie cron.
// One deliberate difference: day of week 7 is Sunday, as in Vixie cron (robfig refuses it).
// Pure: no I/O, no clock; every time is passed in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "src/common/clock.h"
#include "src/common/status.h"

namespace gantry::api {

class CronSchedule {
 public:
  using TimePoint = Clock::TimePoint;
  using Duration = Clock::Duration;

  // Parses `text` (surrounding whitespace ignored). kInvalid with a message naming the field
  // and the bad part: an unknown macro, not exactly five fields, a value out of range, a
  // range whose start is after its end, a zero step, an empty list element, a bad name.
  // A schedule that parses but can never fire ("0 0 30 2 *") is accepted; it is never active.
  static Result<CronSchedule> parse(std::string_view text);

  // The text it was parsed from, trimmed.
  const std::string& text() const { return text_; }

  // True when the schedule fires at the minute containing `t` (seconds are ignored).
  bool firesAt(TimePoint t) const;

  // The latest firing time f (a whole UTC minute) with t - lookback < f <= t, or nullopt when
  // there is none. So a budget with this schedule and duration d is active at t exactly when
  // lastFireAtOrBefore(t, d) has a value: Karpenter's Budget.IsActive (the next hit after
  // t - d is not after t). A lookback <= 0 gives nullopt. Cost: a few steps per day of
  // lookback in the worst case, and never more than ~3000 days' worth whatever the lookback
  // (any schedule that fires at all fires at least once every 8 years).
  std::optional<TimePoint> lastFireAtOrBefore(TimePoint t, Duration lookback) const;

  friend bool operator==(const CronSchedule&, const CronSchedule&) = default;

 private:
  CronSchedule() = default;
  bool dayMatches(unsigned dayOfMonth, unsigned month, unsigned weekday) const;

  uint64_t minutes_ = 0;      // bit m: minute m
  uint32_t hours_ = 0;        // bit h: hour h
  uint32_t daysOfMonth_ = 0;  // bit d: day d (1..31)
  uint16_t months_ = 0;       // bit m: month m (1..12)
  uint8_t daysOfWeek_ = 0;    // bit w: weekday w (0 = Sunday .. 6)
  bool dayOfMonthStar_ = false;  // a plain `*`: unrestricted for the day-of-month/week rule
  bool dayOfWeekStar_ = false;
  std::string text_;
};

}  // namespace gantry::api
