// The AWS Price List Query API (service "pricing"), cut down to the one question Gantry asks:
// what does an hour of each EC2 instance type cost on demand in a region. The live catalog
// (live_catalog.h) refreshes its on-demand prices through this seam; unit tests use a fake.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloudprovider/aws/transport/credentials.h"
#include "cloudprovider/aws/transport/json_protocol.h"
#include "cloudprovider/aws/transport/retry.h"
#include "cloudprovider/aws/transport/sigv4.h"
#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/http/http_client.h"

namespace gantry::cloudprovider::aws {

// On-demand USD per hour, by instance type name ("g5.xlarge").
using OnDemandPrices = std::map<std::string, double, std::less<>>;

class PricingApi {
 public:
  virtual ~PricingApi() = default;

  // The on-demand price of every EC2 instance type sold in `region` ("eu-west-1") for Linux,
  // shared tenancy, no pre-installed software, capacitystatus "Used" (the plain BoxUsage rate),
  // following NextToken to the end. Types with a zero price are left out.
  // Errors: kinds as in Ec2Api (kThrottled, kUnauthorized, kForbidden, kUnavailable ...),
  // throttling and unavailability already retried; kInvalid when a reply is not a well-formed
  // GetProducts document. Thread-safe.
  virtual Result<OnDemandPrices> onDemandPrices(std::string_view region) = 0;
};

using PricingApiPtr = std::unique_ptr<PricingApi>;

struct HttpPricingApiOptions {
  // Full URL. Empty: GANTRY_PRICING_ENDPOINT, then resolveEndpoint("pricing", "us-east-1",
  // env) (AWS_ENDPOINT_URL_PRICING, AWS_ENDPOINT_URL, https://api.pricing.us-east-1...).
  std::string endpoint{};
  // The Pricing API lives in a few regions only; us-east-1 answers for every region.
  std::string signingRegion = "us-east-1";
  RetryOptions retry{};
  std::chrono::milliseconds requestTimeout{30000};
  int maxPages = 1000;  // beyond this many pages the call fails with kInternal
};

// GetProducts over the JSON 1.1 protocol (POST /, X-Amz-Target
// AWSPriceListService.GetProducts), signed with SigV4 for service "pricing".
class HttpPricingApi final : public PricingApi {
 public:
  // The references must outlive this object. Thread-safe (see PricingApi).
  HttpPricingApi(HttpPricingApiOptions options, http::HttpClient& http,
                 CredentialsProvider& credentials, Clock& clock,
                 const EnvLookup& env = processEnvironment(),
                 RandomSource random = defaultRandomSource());

  const std::string& endpoint() const { return client_.endpoint(); }

  Result<OnDemandPrices> onDemandPrices(std::string_view region) override;

 private:
  HttpPricingApiOptions options_;
  JsonProtocolClient client_;  // GetProducts over JSON 1.1, with retries
};

// ---- Wire format (pricing_wire.cpp), exposed for tests and fuzzing. Pure functions. -------

// The JSON request body of one GetProducts page for `region` (NextToken omitted when empty).
std::string encodeGetProductsRequest(std::string_view region, std::string_view nextToken);

struct PriceListPage {
  std::vector<std::string> priceList{};  // each entry is itself a JSON document
  std::string nextToken{};               // empty on the last page
};

// Errors: kInvalid when `body` is not a JSON object whose PriceList is an array of strings
// (or NextToken is present and not a string).
Result<PriceListPage> parseGetProductsResponse(std::string_view body);

// One PriceList document. Returns nullopt for products that are not what we asked for
// (another product family, OS, tenancy, software, capacity status, or a zero price), and
// (type, USD/hour) for a matching one. Errors: kInvalid when the document is not JSON, or a
// matching product lacks its instance type or a finite, non-negative hourly USD price.
Result<std::optional<std::pair<std::string, double>>> parsePriceListProduct(
    std::string_view document);

// The Status for a failed JSON-protocol call: the error code from x-amzn-ErrorType or the
// body's "__type" (after any '#'), classified with classifyAwsError.
Status pricingErrorStatus(const http::Response& response);

}  // namespace gantry::cloudprovider::aws
