// Formatting by hand with gmtime_r: GCC 12's libstdc++ has no std::format for chrono.
#include "src/kube/time_format.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace gantry::kube {

namespace {

std::string format(Clock::TimePoint t, bool micro) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto us = duration_cast<microseconds>(t - secs).count();
  const std::time_t tt = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  if (micro) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(us));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buf;
}

}  // namespace

std::string formatTime(Clock::TimePoint t) {
  return format(t, false);
}

std::string formatMicroTime(Clock::TimePoint t) {
  return format(t, true);
}

}  // namespace gantry::kube
