// HttpPricingApi: NextToken pagination around the GetProducts wire format of pricing_wire.cpp;
// signing and retries are the shared JSON 1.1 transport of json_protocol.cpp.
#include "cloudprovider/aws/pricing/pricing_api.h"

#include <set>

#include "cloudprovider/aws/transport/endpoints.h"
#include "cloudprovider/aws/transport/logging.h"

namespace gantry::cloudprovider::aws {
namespace {

constexpr std::string_view kTarget = "AWSPriceListService.GetProducts";

// Option, then GANTRY_PRICING_ENDPOINT, then the AWS variables and the public endpoint.
std::string pricingEndpoint(const HttpPricingApiOptions& options, const EnvLookup& env) {
  std::string explicitEndpoint = options.endpoint;
  if (explicitEndpoint.empty() && env) {
    explicitEndpoint = env("GANTRY_PRICING_ENDPOINT").value_or("");
  }
  return resolveEndpoint("pricing", options.signingRegion, env, explicitEndpoint);
}

}  // namespace

HttpPricingApi::HttpPricingApi(HttpPricingApiOptions options, http::HttpClient& http,
                               CredentialsProvider& credentials, Clock& clock, const EnvLookup& env,
                               RandomSource random)
    : options_(std::move(options)),
      client_(JsonProtocolOptions{.service = "Pricing",
                                  .endpoint = pricingEndpoint(options_, env),
                                  .signingRegion = options_.signingRegion,
                                  .signingService = "pricing",
                                  .retry = options_.retry,
                                  .requestTimeout = options_.requestTimeout},
              http, credentials, clock, std::move(random)) {}

Result<OnDemandPrices> HttpPricingApi::onDemandPrices(std::string_view region) {
  OnDemandPrices prices;
  std::set<std::string> seenTokens;
  std::string token;
  for (int page = 0; page < options_.maxPages; ++page) {
    auto body = client_.call(kTarget, encodeGetProductsRequest(region, token));
    if (!body) return fail(body.error());
    auto parsed = parseGetProductsResponse(*body);
    if (!parsed) return fail(parsed.error().withContext("Pricing GetProducts"));
    for (const std::string& document : parsed->priceList) {
      auto product = parsePriceListProduct(document);
      if (!product) return fail(product.error().withContext("Pricing GetProducts"));
      if (!*product) continue;
      auto [it, inserted] = prices.emplace((*product)->first, (*product)->second);
      // Two matching rates for one type should not happen; keep the first, note the other.
      if (!inserted && it->second != (*product)->second) {
        awsLogger()->debug("ignored duplicate price instance_type={} kept={} other={}", it->first,
                           it->second, (*product)->second);
      }
    }
    if (parsed->nextToken.empty()) return prices;
    token = std::move(parsed->nextToken);
    if (!seenTokens.insert(token).second) {
      return fail(Status::invalid("Pricing GetProducts: NextToken repeated"));
    }
  }
  return fail(Status::internal("Pricing GetProducts: more than " +
                               std::to_string(options_.maxPages) + " pages"));
}

}  // namespace gantry::cloudprovider::aws
