// `gantry catalog`: lists the EC2 instance types Gantry would choose from, from the bundled
// catalog or (--live) from EC2 and the Pricing API with the default credential chain. Exit 0
// with a listing (even an empty one); 2 for a usage error (bad flag, output, requirements
// expression or bundled region); 1 when the live catalog cannot be built.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "cloudprovider/aws/auth/credentials_chain.h"
#include "cloudprovider/aws/transport/endpoints.h"
#include "cloudprovider/aws/live_catalog.h"
#include "cloudprovider/aws/pricing/pricing_api.h"
#include "cloudprovider/aws/ec2/query_ec2_api.h"
#include "cloudprovider/catalog/bundled_catalog.h"
#include "src/api/label_expression.h"
#include "src/api/nodepool_rules.h"
#include "src/api/well_known_labels.h"
#include "src/cmd/catalog_view.h"
#include "src/cmd/commands.h"
#include "src/cmd/flags.h"
#include "src/http/curl_http_client.h"

namespace gantry::cmd {

namespace {

namespace aws = cloudprovider::aws;

const std::vector<FlagSpec>& catalogFlags() {
  static const std::vector<FlagSpec> specs = {
      {"region", "AWS region (default: AWS_REGION with --live, else us-east-1)", false, false, ""},
      {"live", "ask EC2 and the Pricing API instead of the bundled catalog", false, true, ""},
      {"gpu", "only instance types with GPUs", false, true, ""},
      {"requirements",
       "label requirements, e.g. 'gantry.dev/instance-gpu-name in (a10g,l4),"
       "topology.kubernetes.io/zone=us-east-1a,karpenter.k8s.aws/instance-gpu-count>1'",
       false, false, ""},
      {"values",
       "print the values of one requirement key over the listed types (e.g. "
       "gantry.dev/instance-gpu-name), exactly as requirements must write them",
       false, false, ""},
      {"output", "table or json (-o)", false, false, "table"},
      {"ec2-endpoint", "EC2 endpoint URL (--live; default: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL, AWS)", false,
       false, ""},
      {"pricing-endpoint",
       "Pricing endpoint URL (--live; default: AWS_ENDPOINT_URL_PRICING, AWS_ENDPOINT_URL, AWS)", false, false, ""},
      {"skip-pricing", "--live without the Pricing API (isolated VPCs): bundled on-demand prices",
       false, true, ""},
      {"help", "show this help (-h)", false, true, ""},
  };
  return specs;
}

const CommandHelp& catalogHelp() {
  static const CommandHelp help = {
      .summary = "the EC2 instance types Gantry chooses from, with vCPUs, memory, GPUs, zones and\n"
                 "prices, from the bundled catalog or (--live) from EC2 and the Pricing API",
      .examples = {"gantry catalog --gpu",
                   "gantry catalog --gpu --requirements 'gantry.dev/instance-gpu-name in (a10g,l4)' -o json",
                   "gantry catalog --gpu --values gantry.dev/instance-gpu-name",
                   "gantry catalog --live --region us-west-2 --gpu"},
      .exitCodes = {{0, "a listing was printed (even an empty one)"},
                    {1, "the live catalog could not be built (EC2 or credentials failed)"},
                    {2, "bad flags, output, --requirements expression, --values key or bundled\n"
                        "     region"}},
  };
  return help;
}

// The keys --values accepts, for the message that refuses another one.
std::string knownKeysText() {
  std::string out;
  for (std::string_view key : api::label::kKnownRequirementKeys) out += "\n  " + std::string(key);
  for (std::string_view key : api::label::kAllowedKubernetesKeys) {
    if (api::isInstanceTypeRequirementKey(key)) out += "\n  " + std::string(key);
  }
  return out;
}

int usageError(const std::string& message) {
  std::cerr << "gantry catalog: " << message << "\n" << Flags::usage("catalog", catalogFlags());
  return 2;
}

// AWS calls log through spdlog; stdout carries the listing (JSON for scripts), so logs go to
// stderr, warnings and worse only.
void logToStderr() {
  auto logger =
      std::make_shared<spdlog::logger>("aws", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::level::warn);
  spdlog::drop("aws");
  spdlog::register_logger(logger);
}

Result<api::InstanceTypesPtr> liveCatalog(const Flags& flags, const std::string& region) {
  logToStderr();
  const aws::EnvLookup env = aws::processEnvironment();
  http::CurlHttpClient http;
  RealClock clock;
  aws::CredentialsProviderPtr credentials = aws::makeDefaultCredentialsProvider(env, http, clock);
  aws::QueryEc2Api ec2({.region = region, .endpoint = flags.get("ec2-endpoint")}, http,
                       *credentials, clock, env);
  aws::HttpPricingApi pricing({.endpoint = flags.get("pricing-endpoint")}, http, *credentials,
                              clock, env);
  aws::LiveCatalog catalog({.region = region, .skipPricing = flags.enabled("skip-pricing")}, ec2,
                           &pricing, clock);
  auto types = catalog.instanceTypes();
  if (!types) return types;
  // Prices that could not be refreshed fell back to the bundled table or estimates: the
  // listing is still right about what exists, so say so and go on.
  if (Status partial = catalog.lastError(); !partial.isOk()) {
    std::cerr << "gantry catalog: warning: " << partial.message()
              << " (using bundled or estimated prices)\n";
  }
  return types;
}

}  // namespace

int runCatalogCommand(const std::vector<std::string>& args) {
  auto flags = Flags::parse(catalogFlags(), args);
  if (!flags) return usageError(flags.error().message());
  if (flags->enabled("help")) {
    std::cout << Flags::help("catalog", catalogFlags(), catalogHelp());
    return 0;
  }
  const std::string output = flags->get("output");
  if (output != "table" && output != "json") {
    return usageError("--output must be table or json, not \"" + output + "\"");
  }
  CatalogFilter filter{.gpuOnly = flags->enabled("gpu")};
  if (const std::string expression = flags->get("requirements"); flags->has("requirements")) {
    auto term = api::parseLabelExpression(expression);
    if (!term) return usageError("--requirements: " + term.error().message());
    filter.requirements = std::move(*term);
  }
  const std::string valuesKey = flags->get("values");
  if (flags->has("values") && !api::isInstanceTypeRequirementKey(valuesKey)) {
    std::cerr << "gantry catalog: --values: \"" << valuesKey
              << "\" is not a key instance types carry; one of:" << knownKeysText() << "\n";
    return 2;
  }
  const bool live = flags->enabled("live");
  std::string region = flags->get("region");
  if (region.empty() && live) {
    region = aws::regionFromEnvironment(aws::processEnvironment()).value_or("");
  }
  if (region.empty()) region = "us-east-1";

  Result<api::InstanceTypesPtr> types =
      live ? liveCatalog(*flags, region) : cloudprovider::bundledInstanceTypes(region);
  if (!types) {
    if (!live) return usageError(types.error().message());  // an unknown bundled region
    std::cerr << "gantry catalog: " << types.error().toString() << "\n";
    return 1;
  }
  const std::vector<CatalogRow> rows = selectCatalogRows(**types, filter);
  if (flags->has("values")) {
    const std::vector<LabelValueCount> values = labelValues(rows, valuesKey);
    if (output == "json") {
      std::cout << labelValuesToJson(valuesKey, values).dump(2) << "\n";
    } else {
      std::cout << labelValuesToTable(valuesKey, values);
    }
    return 0;
  }
  if (output == "json") {
    std::cout << catalogToJson(rows).dump(2) << "\n";
  } else {
    std::cout << catalogToTable(rows);
  }
  return 0;
}

}  // namespace gantry::cmd
