// HttpPricingApi: signing, retries and NextToken pagination around the GetProducts wire
// format of pricing_wire.cpp.
#include "cloudprovider/aws/pricing_api.h"

#include <algorithm>
#include <set>

#include "cloudprovider/aws/endpoints.h"
#include "cloudprovider/aws/logging.h"

namespace gantry::cloudprovider::aws {
namespace {

constexpr std::string_view kTarget = "AWSPriceListService.GetProducts";

}  // namespace

HttpPricingApi::HttpPricingApi(HttpPricingApiOptions options, http::HttpClient& http,
                               CredentialsProvider& credentials, Clock& clock, const EnvLookup& env,
                               RandomSource random)
    : options_(std::move(options)),
      http_(http),
      credentials_(credentials),
      clock_(clock),
      random_(random ? std::move(random) : defaultRandomSource()),
      signer_(options_.signingRegion, "pricing") {
  std::string explicitEndpoint = options_.endpoint;
  if (explicitEndpoint.empty() && env) {
    explicitEndpoint = env("GANTRY_PRICING_ENDPOINT").value_or("");
  }
  endpoint_ = resolveEndpoint("pricing", options_.signingRegion, env, explicitEndpoint);
}

Result<std::string> HttpPricingApi::call(const std::string& body) {
  const int maxAttempts = std::max(1, options_.retry.maxAttempts);
  Status last;
  for (int attempt = 1; attempt <= maxAttempts; ++attempt) {
    if (attempt > 1) {
      clock_.sleepFor(fullJitterDelay(options_.retry, attempt - 1, last.isThrottled(), random_()));
    }
    auto creds = credentials_.credentials();
    if (!creds) {
      last = creds.error().withContext("Pricing GetProducts: credentials");
      if (last.isRetryable()) continue;
      return fail(last);
    }
    http::Request request{.method = "POST",
                          .url = endpoint_ + "/",
                          .headers = {{"Content-Type", "application/x-amz-json-1.1"},
                                      {"X-Amz-Target", std::string(kTarget)}},
                          .body = body,
                          .timeout = options_.requestTimeout};
    if (Status s = signer_.sign(request, *creds, clock_.now()); !s.isOk()) return fail(s);
    auto response = http_.send(request);
    if (!response) {
      last = response.error().withContext("Pricing GetProducts");
      if (last.isRetryable()) continue;
      return fail(last);
    }
    if (response->status == 200) return std::move(response->body);
    last = pricingErrorStatus(*response);
    if (!last.isRetryable()) return fail(last);
  }
  awsLogger()->warn("pricing call failed action=GetProducts attempts={} reason={}", maxAttempts,
                    last.toString());
  return fail(last);
}

Result<OnDemandPrices> HttpPricingApi::onDemandPrices(std::string_view region) {
  OnDemandPrices prices;
  std::set<std::string> seenTokens;
  std::string token;
  for (int page = 0; page < options_.maxPages; ++page) {
    auto body = call(encodeGetProductsRequest(region, token));
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
