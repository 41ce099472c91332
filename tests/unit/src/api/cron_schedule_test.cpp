// The cron evaluator behind disruption budget schedules: robfig/cron's standard dialect in
// UTC (what Karpenter uses), the day-of-month/day-of-week OR rule, macros, month ends and leap
// days, the (t - lookback, t] window, bad input, and a cross-check of the field-stepping
// search against a minute-by-minute scan.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "src/api/cron_schedule.h"

namespace gantry::api {
namespace {

using namespace std::chrono;
using ::testing::HasSubstr;
using TimePoint = CronSchedule::TimePoint;

TimePoint at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return TimePoint(sys_days(year{y} / month{mo} / day{d}) + hours(h) + minutes(mi) + seconds(s));
}

CronSchedule cron(std::string_view text) {
  auto c = CronSchedule::parse(text);
  EXPECT_TRUE(c.has_value()) << text << ": " << (c ? "" : c.error().message());
  return c ? *c : *CronSchedule::parse("* * * * *");
}

std::string parseError(std::string_view text) {
  auto c = CronSchedule::parse(text);
  EXPECT_FALSE(c.has_value()) << text << " parsed";
  if (c) return "";
  EXPECT_TRUE(c.error().isInvalid());
  return c.error().message();
}

TEST(CronSchedule, WeekdayMornings) {
  CronSchedule c = cron("0 9 * * 1-5");
  EXPECT_TRUE(c.firesAt(at(2024, 1, 1, 9, 0)));       // Monday
  EXPECT_TRUE(c.firesAt(at(2024, 1, 1, 9, 0, 59)));   // seconds are ignored
  EXPECT_FALSE(c.firesAt(at(2024, 1, 1, 9, 1)));
  EXPECT_FALSE(c.firesAt(at(2023, 12, 31, 9, 0)));    // Sunday
  EXPECT_TRUE(c.firesAt(at(2024, 1, 5, 9, 0)));       // Friday
  EXPECT_FALSE(c.firesAt(at(2024, 1, 6, 9, 0)));      // Saturday
}

TEST(CronSchedule, ListsRangesAndSteps) {
  CronSchedule quarter = cron("*/15 * * * *");
  for (int m = 0; m < 60; ++m) {
    EXPECT_EQ(quarter.firesAt(at(2024, 5, 5, 3, m)), m % 15 == 0) << m;
  }
  CronSchedule stepped = cron("5-20/5,58 * * * *");
  for (int m : {5, 10, 15, 20, 58}) EXPECT_TRUE(stepped.firesAt(at(2024, 5, 5, 3, m))) << m;
  for (int m : {0, 4, 6, 25, 59}) EXPECT_FALSE(stepped.firesAt(at(2024, 5, 5, 3, m))) << m;
  // robfig reads `a/step` as `a-<max>/step`.
  CronSchedule from10 = cron("10/20 * * * *");
  for (int m : {10, 30, 50}) EXPECT_TRUE(from10.firesAt(at(2024, 5, 5, 3, m))) << m;
  EXPECT_FALSE(from10.firesAt(at(2024, 5, 5, 3, 0)));
  CronSchedule hours = cron("0 0-6/3,22 * * *");
  for (int h = 0; h < 24; ++h) {
    EXPECT_EQ(hours.firesAt(at(2024, 5, 5, h, 0)), h == 0 || h == 3 || h == 6 || h == 22) << h;
  }
}

TEST(CronSchedule, MonthAndWeekdayNamesAndSevenIsSunday) {
  CronSchedule c = cron("0 0 * JAN,jul Mon-FRI");
  EXPECT_TRUE(c.firesAt(at(2024, 1, 2)));    // Tuesday in January
  EXPECT_FALSE(c.firesAt(at(2024, 2, 6)));   // Tuesday in February
  EXPECT_TRUE(c.firesAt(at(2024, 7, 1)));    // Monday in July
  EXPECT_FALSE(c.firesAt(at(2024, 7, 7)));   // Sunday
  const TimePoint sunday = at(2024, 7, 7), monday = at(2024, 7, 8);
  for (auto text : {"0 0 * * 0", "0 0 * * 7", "0 0 * * sun", "0 0 * * SUN"}) {
    EXPECT_TRUE(cron(text).firesAt(sunday)) << text;
    EXPECT_FALSE(cron(text).firesAt(monday)) << text;
  }
  CronSchedule weekend = cron("0 0 * * 5-7");
  EXPECT_TRUE(weekend.firesAt(at(2024, 7, 5)));   // Friday
  EXPECT_TRUE(weekend.firesAt(at(2024, 7, 6)));   // Saturday
  EXPECT_TRUE(weekend.firesAt(sunday));
  EXPECT_FALSE(weekend.firesAt(monday));
  EXPECT_TRUE(cron("0 0 * * 1/2").firesAt(at(2024, 7, 12)));    // 1,3,5: Friday
  EXPECT_FALSE(cron("0 0 * * 1/2").firesAt(sunday));            // not 7
}

TEST(CronSchedule, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // Vixie's and robfig's rule: both restricted, either matches.
  CronSchedule c = cron("0 0 13 * 5");
  EXPECT_TRUE(c.firesAt(at(2024, 9, 13)));    // Friday the 13th
  EXPECT_TRUE(c.firesAt(at(2024, 9, 20)));    // a Friday
  EXPECT_TRUE(c.firesAt(at(2024, 10, 13)));   // a Sunday the 13th
  EXPECT_FALSE(c.firesAt(at(2024, 10, 14)));  // Monday the 14th
  // One restricted, the other `*` or `?`: only the restricted one counts.
  EXPECT_FALSE(cron("0 0 13 * *").firesAt(at(2024, 9, 20)));
  EXPECT_FALSE(cron("0 0 * * 5").firesAt(at(2024, 10, 13)));
  EXPECT_FALSE(cron("0 0 ? * 5").firesAt(at(2024, 10, 13)));
  EXPECT_FALSE(cron("0 0 13 * ?").firesAt(at(2024, 9, 20)));
  // A stepped `*/2` is a restriction in robfig (unlike Vixie cron): odd days OR Mondays.
  CronSchedule odd = cron("0 0 */2 * 1");
  EXPECT_TRUE(odd.firesAt(at(2024, 1, 8)));    // Monday the 8th
  EXPECT_TRUE(odd.firesAt(at(2024, 1, 9)));    // Tuesday the 9th
  EXPECT_FALSE(odd.firesAt(at(2024, 1, 10)));  // Wednesday the 10th
  // `*/1` is still `*`: Mondays only.
  EXPECT_FALSE(cron("0 0 */1 * 1").firesAt(at(2024, 1, 9)));
}

TEST(CronSchedule, Macros) {
  for (auto text : {"@yearly", "@annually"}) {
    EXPECT_TRUE(cron(text).firesAt(at(2025, 1, 1))) << text;
    EXPECT_FALSE(cron(text).firesAt(at(2025, 2, 1))) << text;
  }
  EXPECT_TRUE(cron("@monthly").firesAt(at(2025, 2, 1)));
  EXPECT_FALSE(cron("@monthly").firesAt(at(2025, 2, 2)));
  EXPECT_TRUE(cron("@weekly").firesAt(at(2025, 3, 2)));     // Sunday
  EXPECT_FALSE(cron("@weekly").firesAt(at(2025, 3, 3)));    // Monday
  // @weekly is Sundays only, even though its day of month is `*`: 1 March 2025 is a Saturday.
  EXPECT_FALSE(cron("@weekly").firesAt(at(2025, 3, 1)));
  for (auto text : {"@daily", "@midnight"}) {
    EXPECT_TRUE(cron(text).firesAt(at(2025, 3, 3))) << text;
    EXPECT_FALSE(cron(text).firesAt(at(2025, 3, 3, 1))) << text;
  }
  EXPECT_TRUE(cron("@hourly").firesAt(at(2025, 3, 3, 7)));
  EXPECT_FALSE(cron("@hourly").firesAt(at(2025, 3, 3, 7, 1)));
  EXPECT_EQ(cron("@monthly").lastFireAtOrBefore(at(2024, 3, 15, 12), days(31)), at(2024, 3, 1));
  EXPECT_EQ(cron("  @daily\t").text(), "@daily");
  EXPECT_EQ(cron("@daily"), cron("@daily"));
}

TEST(CronSchedule, WindowIsExclusiveBelowAndInclusiveAbove) {
  CronSchedule c = cron("0 9 * * *");
  EXPECT_EQ(c.lastFireAtOrBefore(at(2024, 6, 1, 9, 0), hours(1)), at(2024, 6, 1, 9, 0));
  EXPECT_EQ(c.lastFireAtOrBefore(at(2024, 6, 1, 9, 59, 59), hours(1)), at(2024, 6, 1, 9, 0));
  // Karpenter: active while the next hit after now - duration is not after now; a hit exactly
  // one duration ago no longer counts.
  EXPECT_EQ(c.lastFireAtOrBefore(at(2024, 6, 1, 10, 0), hours(1)), std::nullopt);
  EXPECT_EQ(c.lastFireAtOrBefore(at(2024, 6, 1, 8, 59, 59), hours(1)), std::nullopt);
  EXPECT_EQ(c.lastFireAtOrBefore(at(2024, 6, 1, 9, 0, 30), seconds(30)), std::nullopt);
  EXPECT_EQ(c.lastFireAtOrBefore(at(2024, 6, 1, 9, 0, 30), seconds(31)), at(2024, 6, 1, 9, 0));
  EXPECT_EQ(c.lastFireAtOrBefore(at(2024, 6, 1, 9, 0), Clock::Duration::zero()), std::nullopt);
  EXPECT_EQ(c.lastFireAtOrBefore(at(2024, 6, 1, 9, 0), -hours(1)), std::nullopt);
  // The latest of several hits in the window.
  EXPECT_EQ(cron("*/10 * * * *").lastFireAtOrBefore(at(2024, 6, 1, 9, 37), hours(8)),
            at(2024, 6, 1, 9, 30));
}

TEST(CronSchedule, CrossesDayMonthAndYearEnds) {
  EXPECT_EQ(cron("0 22 31 12 *").lastFireAtOrBefore(at(2025, 1, 1, 3), hours(8)),
            at(2024, 12, 31, 22));
  EXPECT_EQ(cron("30 23 * * *").lastFireAtOrBefore(at(2024, 3, 1, 0, 10), hours(1)),
            at(2024, 2, 29, 23, 30));
  // No 31st in February or April: back to the last month that has one.
  EXPECT_EQ(cron("0 0 31 * *").lastFireAtOrBefore(at(2024, 3, 15), days(60)), at(2024, 1, 31));
  EXPECT_EQ(cron("0 0 31 * *").lastFireAtOrBefore(at(2024, 5, 30), days(61)), at(2024, 3, 31));
  // 31 March is exactly 60 days before 30 May: out of a 60-day window.
  EXPECT_EQ(cron("0 0 31 * *").lastFireAtOrBefore(at(2024, 5, 30), days(60)), std::nullopt);
  // Leap days, including 2100, which is not a leap year.
  CronSchedule leap = cron("0 12 29 2 *");
  EXPECT_EQ(leap.lastFireAtOrBefore(at(2025, 6, 1), days(3000)), at(2024, 2, 29, 12));
  EXPECT_EQ(leap.lastFireAtOrBefore(at(2103, 1, 1), days(100 * 366)), at(2096, 2, 29, 12));
  EXPECT_EQ(leap.lastFireAtOrBefore(at(2025, 6, 1), days(400)), std::nullopt);
  // A schedule that never fires is never active, however long the lookback.
  EXPECT_EQ(cron("0 0 30 2 *").lastFireAtOrBefore(at(2025, 6, 1), hours(24 * 365 * 200)),
            std::nullopt);
  // Last minute of a year, from the first second of the next.
  EXPECT_EQ(cron("59 23 31 DEC *").lastFireAtOrBefore(at(2025, 1, 1), minutes(2)),
            at(2024, 12, 31, 23, 59));
}

TEST(CronSchedule, RefusesBadInput) {
  EXPECT_THAT(parseError(""), HasSubstr("empty"));
  EXPECT_THAT(parseError("   "), HasSubstr("empty"));
  EXPECT_THAT(parseError("* * * *"), HasSubstr("want 5 fields"));
  EXPECT_THAT(parseError("0 * * * * *"), HasSubstr("got 6"));
  EXPECT_THAT(parseError("TZ=UTC 0 0 * * *"), HasSubstr("got 6"));
  EXPECT_THAT(parseError("60 * * * *"), HasSubstr("minute field: \"60\": 60 is outside 0-59"));
  EXPECT_THAT(parseError("* 24 * * *"), HasSubstr("hour field"));
  EXPECT_THAT(parseError("* * 0 * *"), HasSubstr("day of month field"));
  EXPECT_THAT(parseError("* * 32 * *"), HasSubstr("day of month field"));
  EXPECT_THAT(parseError("* * * 13 *"), HasSubstr("month field"));
  EXPECT_THAT(parseError("* * * 0 *"), HasSubstr("month field"));
  EXPECT_THAT(parseError("* * * * 8"), HasSubstr("day of week field"));
  EXPECT_THAT(parseError("* * * FOO *"), HasSubstr("is not a number or a name"));
  EXPECT_THAT(parseError("* * * * MONDAY"), HasSubstr("day of week field"));
  EXPECT_THAT(parseError("5-3 * * * *"), HasSubstr("starts after it ends"));
  EXPECT_THAT(parseError("*/0 * * * *"), HasSubstr("positive"));
  EXPECT_THAT(parseError("1,,2 * * * *"), HasSubstr("empty element"));
  EXPECT_THAT(parseError("1, * * * *"), HasSubstr("empty element"));
  EXPECT_THAT(parseError("-1 * * * *"), HasSubstr("missing"));
  EXPECT_THAT(parseError("1-2-3 * * * *"), HasSubstr("not a number"));
  EXPECT_THAT(parseError("1/2/3 * * * *"), HasSubstr("not a number"));
  EXPECT_THAT(parseError("*-5 * * * *"), HasSubstr("not a number"));
  EXPECT_THAT(parseError("+5 * * * *"), HasSubstr("not a number"));
  EXPECT_THAT(parseError("99999999999 * * * *"), HasSubstr("out of range"));
  EXPECT_THAT(parseError("@every 1h"), HasSubstr("unknown macro"));
  EXPECT_THAT(parseError("@DAILY"), HasSubstr("unknown macro"));
  EXPECT_THAT(parseError("@daily 0"), HasSubstr("unknown macro"));
  EXPECT_THAT(parseError("0 9 * * 1-5 L"), HasSubstr("got 6"));
  EXPECT_THAT(parseError("0 0 L * *"), HasSubstr("day of month field"));
}

// The field-stepping search agrees with the obvious scan: the latest firing minute in the
// window, found one minute at a time with firesAt().
TEST(CronSchedule, AgreesWithAMinuteByMinuteScan) {
  const char* schedules[] = {"0 9 * * 1-5", "*/7 */5 * * *", "15 3 1,15 * *", "0 0 13 * 5",
                             "30 22 * FEB,MAR sat", "0 */6 31 * *", "@weekly", "@hourly",
                             "5 4 29 2 *", "0-10/3 12 */2 * 0,3"};
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> offset(0, int64_t{60} * 24 * 366 * 4);
  std::uniform_int_distribution<int> window(1, 60 * 24 * 3);
  const TimePoint base = at(2023, 1, 1);
  for (const char* text : schedules) {
    CronSchedule c = cron(text);
    for (int trial = 0; trial < 40; ++trial) {
      TimePoint t = base + minutes(offset(rng)) + seconds(trial % 60);
      auto lookback = minutes(window(rng));
      std::optional<TimePoint> want;
      for (auto m = floor<minutes>(t); m > t - lookback; m -= minutes(1)) {
        if (c.firesAt(m)) {
          want = m;
          break;
        }
      }
      ASSERT_EQ(c.lastFireAtOrBefore(t, lookback), want)
          << text << " at " << t.time_since_epoch().count() << " lookback " << lookback.count();
    }
  }
}

}  // namespace
}  // namespace gantry::api
