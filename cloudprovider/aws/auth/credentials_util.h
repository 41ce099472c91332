// Small helpers shared by the credential sources (internal to cloudprovider/aws).
#pragma once

#include <string>
#include <string_view>

#include "cloudprovider/aws/transport/credentials.h"
#include "src/common/status.h"

namespace gantry::cloudprovider::aws {

// The whole file. Errors: kNotFound when it does not exist, kUnavailable when it cannot be
// read. The message names the path, never the content.
Result<std::string> readTextFile(const std::string& path);

std::string_view trimSpaces(std::string_view s);

// The variable's value, or "" when unset.
std::string envOr(const EnvLookup& env, std::string_view name, std::string fallback = {});

// Reads the JSON credential document IMDS and the container endpoints return
// ({"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}). Errors: kInvalid, naming
// `what` but never echoing the document.
Result<Credentials> parseJsonCredentials(std::string_view json, std::string_view what);

}  // namespace gantry::cloudprovider::aws
