// Comparing NodeClaim statuses as the apiserver would store them, without encoding them.
#pragma once

#include "src/api/nodeclaim.h"

namespace gantry::api {

// True when encodeNodeClaimStatus(a) and encodeNodeClaimStatus(b) would say the same, without
// building either: timestamps compared to the second (the wire's resolution), quantities by
// value. The lifecycle asks this after every pass to decide whether to write.
bool sameStatus(const NodeClaim& a, const NodeClaim& b);

}  // namespace gantry::api
