// ISO 8601 timestamps as AWS writes them: credential expirations, launch times, spot price
// timestamps, StartTime parameters.
#pragma once

#include <string>
#include <string_view>

#include "src/common/clock.h"
#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

// "2015-08-30T12:36:00Z" (whole seconds, UTC).
std::string formatIso8601(Clock::TimePoint t);

// Parses "2015-08-30T12:36:00Z", with optional fractional seconds ("...00.000Z", dropped)
// or a "+00:00" offset. Errors: Status::invalid for anything else, and for years outside
// 1900..2200 (system_clock's nanosecond range ends in 2262).
Result<Clock::TimePoint> parseIso8601(std::string_view text);

}  // namespace gantry::cloudprovider::aws
