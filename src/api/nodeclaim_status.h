// Comparing NodeClaim statuses as the apiserver would store them, without encoding them.
#pragma once

#include <nlohmann/json.hpp>

#include "src/api/decode.h"
#include "src/api/nodeclaim.h"

namespace gantry::api {

// True when encodeNodeClaimStatus(a) and encodeNodeClaimStatus(b) would say the same, without
// building either: timestamps compared to the second (the wire's resolution), quantities by
// value. The lifecycle asks this after every pass to decide whether to write.
bool sameStatus(const NodeClaim& a, const NodeClaim& b);

// `claim` with its status replaced by the `status` object (as decodeNodeClaim reads it, the
// fields absent there cleared): what a status-subresource write leaves, without decoding the
// metadata and spec again. Errors name the field ("status.conditions[0].status").
DecodeResult<NodeClaim> withStatus(NodeClaim claim, const nlohmann::json& status);

// `claim` with the status of `from`, as a status write of `from` would store it (timestamps to
// the second): withStatus(claim, encodeNodeClaimStatus(from)) without the JSON in between.
NodeClaim withStoredStatus(NodeClaim claim, const NodeClaim& from);

}  // namespace gantry::api
