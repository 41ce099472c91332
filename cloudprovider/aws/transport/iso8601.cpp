// ISO 8601 in the one shape AWS uses (UTC, optional fraction), written out by hand because
// g++ 12 has neither std::format nor std::chrono::parse.
#include "cloudprovider/aws/transport/iso8601.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace gantry::cloudprovider::aws {
namespace {

bool readInt(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  const char* first = text.data() + pos;
  const auto [ptr, ec] = std::from_chars(first, first + len, out);
  return ec == std::errc{} && ptr == first + len;
}

}  // namespace

std::string formatIso8601(Clock::TimePoint t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto days = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{secs - days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

Result<Clock::TimePoint> parseIso8601(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!readInt(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !readInt(text, 5, 2, month) || text[7] != '-' || !readInt(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !readInt(text, 11, 2, hour) ||
      text[13] != ':' || !readInt(text, 14, 2, minute) || text[16] != ':' ||
      !readInt(text, 17, 2, second)) {
    return fail(Status::invalid("not an ISO 8601 time: '" + std::string(text.substr(0, 40)) + "'"));
  }
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;  // dropped
  }
  const std::string_view zone = text.substr(pos);
  if (zone != "Z" && zone != "z" && zone != "+00:00" && zone != "-00:00") {
    return fail(
        Status::invalid("ISO 8601 time is not UTC: '" + std::string(text.substr(0, 40)) + "'"));
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  // system_clock counts nanoseconds in a 64-bit integer: only about 1678..2262 fits, so
  // years far outside any AWS timestamp are refused before the conversion can overflow.
  if (!ymd.ok() || year < 1900 || year > 2200 || hour > 23 || minute > 59 || second > 60) {
    return fail(
        Status::invalid("ISO 8601 time out of range: '" + std::string(text.substr(0, 40)) + "'"));
  }
  return std::chrono::sys_days{ymd} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second};
}

}  // namespace gantry::cloudprovider::aws
