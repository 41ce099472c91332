// Flag parsing for the controller; kept apart from the wiring so it is testable alone.
#include "src/cmd/controller_options.h"

#include <charconv>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "src/cmd/flags.h"
#include "src/common/log_format.h"

namespace gantry::cmd {

namespace {

const std::vector<FlagSpec>& controllerFlags() {
  static const std::vector<FlagSpec> specs = {
      {"cluster-name", "REQUIRED: tags instances gantry.dev/cluster=<name>", false, false, ""},
      {"region", "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION)", false, false, ""},
      {"kubeconfig", "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)", false, false, ""},
      {"ec2-endpoint", "EC2 endpoint URL (default: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL, AWS)", false,
       false, ""},
      {"ssm-endpoint", "SSM endpoint URL (default: AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL, AWS)", false,
       false, ""},
      {"pricing-endpoint",
       "Pricing endpoint URL (default: AWS_ENDPOINT_URL_PRICING, AWS_ENDPOINT_URL, AWS)", false, false, ""},
      {"sqs-endpoint", "SQS endpoint URL (default: AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, AWS)", false,
       false, ""},
      {"interruption-queue",
       "SQS queue (name) of spot interruption, rebalance, state-change and AWS Health events; "
       "unset: not read",
       false, false, ""},
      {"catalog", "instance catalog: live (EC2 + Pricing) or bundled", false, false, "live"},
      {"skip-pricing", "live catalog without the Pricing API (bundled prices)", false, true, ""},
      {"batch-idle", "close a pending-pod batch after this long without a new pod", false, false, "1s"},
      {"batch-max", "close a pending-pod batch this long after it opened", false, false, "10s"},
      {"registration-ttl", "terminate a launched instance whose Node has not registered by then", false,
       false, "15m"},
      {"drift-check-interval", "how often each node's instance is compared with its EC2NodeClass (drift)",
       false, false, "5m"},
      {"metrics-bind-address", "host:port of Prometheus /metrics (:8080 = all interfaces)", false, false,
       ":8080"},
      {"health-bind-address", "host:port of /healthz and /readyz (127.0.0.1:0 = loopback, free port)",
       false, false, ":8081"},
      {"metrics-port", "DEPRECATED: use --metrics-bind-address; N means :N", false, false, ""},
      {"health-port", "DEPRECATED: use --health-bind-address; N means :N", false, false, ""},
      {"leader-elect", "run the controllers only while holding the Lease", false, true, ""},
      {"leader-elect-namespace", "namespace of the Lease (default: POD_NAMESPACE, kubeconfig's)", false, false, ""},
      {"leader-elect-name", "name of the Lease", false, false, "gantry-controller"},
      {"namespace", "only provision for pods of this namespace (default: all)", false, false, ""},
      {"nodepool-selector", "only NodePools matching this label selector, their NodeClaims and the EC2NodeClasses they name",
       false, false, ""},
      {"log-level", "trace, debug, info, warn, error", false, false, "info"},
      {"log-format", "text or json", false, false, "text"},
      {"help", "show this help (-h)", false, true, ""},
  };
  return specs;
}

// "500ms", "1s", "2m", "1h", or a sum of them ("1m30s").
Result<std::chrono::milliseconds> parseDuration(const std::string& flag, const std::string& text) {
  std::chrono::milliseconds total{0};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  if (p == end) return fail(Status::invalid("--" + flag + ": empty duration"));
  while (p < end) {
    long long n = 0;
    auto [next, ec] = std::from_chars(p, end, n);
    if (ec != std::errc() || next == end || n < 0) {
      return fail(Status::invalid("--" + flag + ": bad duration \"" + text + "\" (e.g. 500ms, 1s, 2m)"));
    }
    p = next;
    if (end - p >= 2 && p[0] == 'm' && p[1] == 's') {
      total += std::chrono::milliseconds(n);
      p += 2;
    } else if (*p == 's') {
      total += std::chrono::seconds(n), ++p;
    } else if (*p == 'm') {
      total += std::chrono::minutes(n), ++p;
    } else if (*p == 'h') {
      total += std::chrono::hours(n), ++p;
    } else {
      return fail(Status::invalid("--" + flag + ": bad duration \"" + text + "\" (e.g. 500ms, 1s, 2m)"));
    }
  }
  return total;
}

Result<int> parsePort(const std::string& flag, const std::string& text) {
  int port = -1;
  auto [next, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || next != text.data() + text.size() || port < 0 || port > 65535) {
    return fail(Status::invalid("--" + flag + ": not a port: \"" + text + "\""));
  }
  return port;
}

// A bind address from its flag, or from its deprecated port alias (N means ":N").
Result<BindAddress> bindAddressFlag(const Flags& flags, const std::string& flag,
                                    const std::string& deprecatedPortFlag) {
  if (flags.has(deprecatedPortFlag)) {
    if (flags.has(flag)) {
      return fail(Status::invalid("--" + deprecatedPortFlag + " is a deprecated spelling of --" + flag +
                                  ": give only --" + flag));
    }
    auto port = parsePort(deprecatedPortFlag, flags.get(deprecatedPortFlag));
    if (!port) return fail(port.error());
    return BindAddress{.host = "", .port = *port};
  }
  return parseBindAddress(flag, flags.get(flag));
}

}  // namespace

std::string controllerUsage() { return Flags::usage("controller", controllerFlags()); }

std::string controllerHelp() {
  static const CommandHelp help = {
      .summary = "the in-cluster controller. It provisions nodes for pods the scheduler could\n"
                 "not place, runs their NodeClaims' lifecycle and removes nodes whose work is done.\n"
                 "Every flag can also be set as GANTRY_<FLAG> (GANTRY_CLUSTER_NAME=...).\n"
                 "AWS endpoints follow the AWS SDKs: an --*-endpoint flag beats\n"
                 "AWS_ENDPOINT_URL_<SERVICE> (EC2, SSM, PRICING, SQS, STS), which beats AWS_ENDPOINT_URL,\n"
                 "which beats the region's public endpoint; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true\n"
                 "ignores both variables (never a flag).\n"
                 "Probes on --health-bind-address: /healthz is 200 while the process runs; /readyz\n"
                 "is 200 once the caches have synced and, with --leader-elect, this replica leads\n"
                 "or has seen which one does; 503 before that and from the stop signal on",
      .examples = {"gantry controller --cluster-name prod --region us-east-1 --leader-elect",
                   "GANTRY_CLUSTER_NAME=dev gantry controller --kubeconfig ~/.kube/config --catalog bundled"},
      .exitCodes = {{0, "stopped cleanly on SIGTERM or SIGINT, within 10 s whatever the apiserver\n"
                        "     or EC2 do (loops stop, calls in flight are abandoned after 1 s, the\n"
                        "     Lease is released when leading; a second signal exits at once)"},
                    {1, "could not start (kubeconfig, apiserver, ports, catalog) or lost leadership"},
                    {2, "bad flags"}},
  };
  return Flags::help("controller", controllerFlags(), help);
}

Result<ControllerOptions> parseControllerOptions(const std::vector<std::string>& args) {
  auto flags = Flags::parse(controllerFlags(), args);
  if (!flags) return fail(flags.error());
  ControllerOptions o;
  o.help = flags->enabled("help");
  if (o.help) return o;
  o.clusterName = flags->get("cluster-name");
  if (o.clusterName.empty()) return fail(Status::invalid("--cluster-name is required"));
  o.region = flags->get("region");
  for (const char* var : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (const char* v = std::getenv(var); o.region.empty() && v) o.region = v;
  }
  if (o.region.empty()) return fail(Status::invalid("--region is required (or AWS_REGION)"));
  o.kubeconfig = flags->get("kubeconfig");
  o.ec2Endpoint = flags->get("ec2-endpoint");
  o.ssmEndpoint = flags->get("ssm-endpoint");
  o.pricingEndpoint = flags->get("pricing-endpoint");
  o.sqsEndpoint = flags->get("sqs-endpoint");
  o.interruptionQueue = flags->get("interruption-queue");
  o.catalog = flags->get("catalog");
  if (o.catalog != "live" && o.catalog != "bundled") {
    return fail(Status::invalid("--catalog must be live or bundled, not \"" + o.catalog + "\""));
  }
  o.skipPricing = flags->enabled("skip-pricing");
  auto idle = parseDuration("batch-idle", flags->get("batch-idle"));
  if (!idle) return fail(idle.error());
  auto max = parseDuration("batch-max", flags->get("batch-max"));
  if (!max) return fail(max.error());
  if (idle->count() <= 0 || *max < *idle) {
    return fail(Status::invalid("--batch-idle must be > 0 and <= --batch-max"));
  }
  o.batchIdle = *idle;
  o.batchMax = *max;
  auto ttl = parseDuration("registration-ttl", flags->get("registration-ttl"));
  if (!ttl) return fail(ttl.error());
  if (ttl->count() <= 0) return fail(Status::invalid("--registration-ttl must be > 0"));
  o.registrationTtl = *ttl;
  auto drift = parseDuration("drift-check-interval", flags->get("drift-check-interval"));
  if (!drift) return fail(drift.error());
  if (drift->count() <= 0) return fail(Status::invalid("--drift-check-interval must be > 0"));
  o.driftCheckInterval = *drift;
  auto metrics = bindAddressFlag(*flags, "metrics-bind-address", "metrics-port");
  if (!metrics) return fail(metrics.error());
  auto health = bindAddressFlag(*flags, "health-bind-address", "health-port");
  if (!health) return fail(health.error());
  o.metricsAddress = *metrics;
  o.healthAddress = *health;
  o.leaderElect = flags->enabled("leader-elect");
  o.leaderElectNamespace = flags->get("leader-elect-namespace");
  if (const char* ns = std::getenv("POD_NAMESPACE"); o.leaderElectNamespace.empty() && ns) o.leaderElectNamespace = ns;
  o.leaderElectName = flags->get("leader-elect-name");
  o.watchNamespace = flags->get("namespace");
  o.nodePoolSelector = flags->get("nodepool-selector");
  o.logLevel = flags->get("log-level");
  if (spdlog::level::from_str(o.logLevel) == spdlog::level::off && o.logLevel != "off") {
    return fail(Status::invalid("--log-level: unknown level \"" + o.logLevel + "\""));
  }
  o.logFormat = flags->get("log-format");
  if (o.logFormat != "text" && o.logFormat != "json") {
    return fail(Status::invalid("--log-format must be text or json, not \"" + o.logFormat + "\""));
  }
  return o;
}

void configureLogging(const ControllerOptions& options) {
  spdlog::set_level(spdlog::level::from_str(options.logLevel));
  // Every registered logger, and those created later, share the default logger's sinks and
  // so this formatter: both formats redact credentials (src/common/log_redaction.h).
  if (options.logFormat == "json") {
    spdlog::set_formatter(std::make_unique<JsonLogFormatter>());
  } else {
    spdlog::set_formatter(std::make_unique<TextLogFormatter>());
  }
}

}  // namespace gantry::cmd
