// The small languages of trace annotations and Simulation fields: durations, run-for
// distributions and scale schedules. Pure functions from text to values, each error a
// sentence naming what was wrong, so the decoder only adds the file, object and field.
#pragma once

#include <string_view>
#include <vector>

#include "src/common/status.h"
#include "src/simulate/trace.h"

namespace gantry::simulate {

enum class ZeroDuration { kRefuse, kAllow };

// A Go-style duration as Karpenter writes them ("90s", "1h30m"; api::parseNodeDuration: whole
// h/m/s groups). kInvalid when it does not parse, is negative ("-5m"), "Never", over
// kMaxSimulatedTime, or zero with ZeroDuration::kRefuse.
Result<Duration> parseTraceDuration(std::string_view text,
                                    ZeroDuration zero = ZeroDuration::kRefuse);

// "30m", "uniform(20m,40m)" (0 < low < high) or "normal(30m,5m)" (mean > 0, stddev > 0);
// spaces around the arguments are allowed. Never kUntilEnd (that is the absent annotation).
Result<RunFor> parseRunFor(std::string_view text);

// "0s=2,8h=10,18h=2": one or more TIME=REPLICAS steps, times strictly increasing (at most
// kMaxSimulatedTime), replicas whole numbers from 0 to maxReplicas; at most 1000 steps.
Result<std::vector<ScaleStep>> parseReplicasAt(std::string_view text, int64_t maxReplicas);

}  // namespace gantry::simulate
