// The AWS provider's named logger (internal to cloudprovider/aws; spdlog stays out of public
// headers). Messages are lowercase verb phrases with key=value fields, and never carry
// credentials, tokens or request bodies.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace gantry::cloudprovider::aws {

// The logger registered as "aws" by the binary, or spdlog's default one when none is.
std::shared_ptr<spdlog::logger> awsLogger();

}  // namespace gantry::cloudprovider::aws
