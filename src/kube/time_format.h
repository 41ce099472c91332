// Kubernetes wire timestamps: metav1.Time ("2006-01-02T15:04:05Z") and metav1.MicroTime
// ("2006-01-02T15:04:05.000000Z"), both UTC. Shared by the Lease and Event writers.
#pragma once

#include <string>

#include "src/common/clock.h"

namespace gantry::kube {

// RFC 3339 in UTC with whole seconds (metav1.Time). Thread-safe, never fails.
std::string formatTime(Clock::TimePoint t);

// RFC 3339 in UTC with six fractional digits (metav1.MicroTime). Thread-safe, never fails.
std::string formatMicroTime(Clock::TimePoint t);

}  // namespace gantry::kube
