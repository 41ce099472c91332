// Where each AWS service lives for a region, and the overrides users (and our moto tests)
// set, in the order of the AWS SDKs' "service-specific endpoints" setting: an explicit
// option (a flag) beats AWS_ENDPOINT_URL_<SERVICE>, which beats AWS_ENDPOINT_URL, which
// beats the service's regional endpoint; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns
// the two environment variables off (never an explicit option).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cloudprovider/aws/transport/credentials.h"

namespace gantry::cloudprovider::aws {

// The public endpoint of a service in a region: "https://ec2.us-east-1.amazonaws.com",
// ".amazonaws.com.cn" in China regions; "pricing" becomes "api.pricing.<region>" and STS
// without a region the global "https://sts.amazonaws.com".
// `service` is the lowercase endpoint prefix: "ec2", "sts", "ssm", "pricing", "sqs".
std::string defaultEndpoint(std::string_view service, std::string_view region);

// The endpoint to call: `explicitOverride` if non-empty, else AWS_ENDPOINT_URL_<SERVICE>
// (the SDKs' service identifier, uppercased: AWS_ENDPOINT_URL_EC2, _STS, _SSM, _PRICING, _SQS),
// else AWS_ENDPOINT_URL, else defaultEndpoint(). An empty variable counts as unset; with
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (any case) both variables are ignored. A trailing
// '/' is removed.
std::string resolveEndpoint(std::string_view service, std::string_view region, const EnvLookup& env,
                            std::string_view explicitOverride = {});

// AWS_REGION, else AWS_DEFAULT_REGION; nullopt when neither is set.
std::optional<std::string> regionFromEnvironment(const EnvLookup& env);

}  // namespace gantry::cloudprovider::aws
