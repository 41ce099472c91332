// EC2 providerIDs: how a Node names the instance behind it. AWS-shaped, so it lives here and
// not in the provider-neutral cloud_provider.h, whose callers treat providerIDs as opaque.
#pragma once

#include <string>
#include <string_view>

#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

// "aws:///us-east-1a/i-0abc" for a zone and an instance id.
std::string makeProviderId(std::string_view zone, std::string_view instanceId);

// The instance id of an "aws:///<zone>/<id>" (or "aws:///<id>") providerID.
// Errors: kInvalid, naming the providerID. Pure.
Result<std::string> instanceIdFromProviderId(std::string_view providerId);

}  // namespace gantry::cloudprovider::aws
