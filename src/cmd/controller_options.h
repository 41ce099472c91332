// The flags of `gantry controller` (each also settable as GANTRY_<FLAG> in the environment)
// parsed and checked into one value, apart from the wiring so that bad input is exit 2
// before anything connects.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "src/cmd/bind_address.h"
#include "src/common/status.h"

namespace gantry::cmd {

struct ControllerOptions {
  bool help = false;
  std::string clusterName;
  std::string region;
  std::string kubeconfig;  // "" = $KUBECONFIG, in-cluster, ~/.kube/config
  std::string ec2Endpoint;  // "" = AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL, AWS
  std::string ssmEndpoint;
  std::string pricingEndpoint;
  std::string sqsEndpoint;  // "" = AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, AWS
  // The SQS queue EventBridge fills with interruption events; "" = no interruption controller.
  std::string interruptionQueue;
  std::string catalog = "live";  // live | bundled
  bool skipPricing = false;
  std::chrono::milliseconds batchIdle{1000};
  std::chrono::milliseconds batchMax{10000};
  // A launched NodeClaim whose Node has not registered by then is terminated and re-planned.
  std::chrono::milliseconds registrationTtl{std::chrono::minutes(15)};
  std::chrono::milliseconds driftCheckInterval{std::chrono::minutes(5)};
  // Where /metrics and /healthz + /readyz listen (--metrics-bind-address,
  // --health-bind-address; the deprecated --metrics-port / --health-port N mean ":N").
  BindAddress metricsAddress{.host = "", .port = 8080};
  BindAddress healthAddress{.host = "", .port = 8081};
  bool leaderElect = false;
  std::string leaderElectNamespace;  // "" = POD_NAMESPACE, else the kubeconfig's namespace
  std::string leaderElectName = "gantry-controller";
  // Scoping, for shared clusters and tests: only pods of this namespace ("" = all), only
  // NodePools and NodeClaims matching this label selector ("" = all).
  std::string watchNamespace;
  std::string nodePoolSelector;
  std::string logLevel = "info";
  std::string logFormat = "text";
};

// Parses and validates. kInvalid naming the flag for unknown flags, bad durations ("500ms",
// "1s", "2m"), bad bind addresses or ports, a bind address given together with its deprecated
// port alias, an unknown log level or format, a missing cluster name or
// region (the region may also come from AWS_REGION / AWS_DEFAULT_REGION).
Result<ControllerOptions> parseControllerOptions(const std::vector<std::string>& args);

// The usage line and flags (after a usage error), and the whole --help text.
std::string controllerUsage();
std::string controllerHelp();

// Sets spdlog's level and pattern (text, or one JSON object per line) for every logger.
void configureLogging(const ControllerOptions& options);

}  // namespace gantry::cmd
