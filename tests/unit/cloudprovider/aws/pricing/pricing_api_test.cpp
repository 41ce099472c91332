// HttpPricingApi over a fake transport and a fake clock: the GetProducts wire format (JSON 1.1
// target, SigV4 service "pricing", filters), pagination, the attribute checks on each product,
// error kinds and retries, endpoint overrides, and hostile replies ending as kInvalid.
#include "cloudprovider/aws/pricing/pricing_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloudprovider/aws/auth/credentials_env.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::cloudprovider::aws {
namespace {

using http::FakeHttpClient;
using json = nlohmann::json;
using ::testing::HasSubstr;

std::string headerOf(const http::Request& req, std::string_view name) {
  for (const auto& h : req.headers) {
    if (http::headerNameEquals(h.name, name)) return h.value;
  }
  return "<absent>";
}

// One aws_v1 price-list document as the Pricing API returns it.
json product(const std::string& type, const std::string& usd, const std::string& os = "Linux",
             const std::string& capacityStatus = "Used") {
  return {{"product",
           {{"productFamily", "Compute Instance"},
            {"sku", "SKU" + type},
            {"attributes",
             {{"instanceType", type},
              {"operatingSystem", os},
              {"tenancy", "Shared"},
              {"preInstalledSw", "NA"},
              {"capacitystatus", capacityStatus},
              {"regionCode", "us-east-1"}}}}},
          {"terms",
           {{"OnDemand",
             {{"SKU.JRTCKXETXF",
               {{"priceDimensions",
                 {{"SKU.JRTCKXETXF.6YS6EN2CT7",
                   {{"unit", "Hrs"}, {"pricePerUnit", {{"USD", usd}}}}}}}}}}}}}};
}

std::string page(const std::vector<json>& products, const std::string& nextToken = "") {
  json reply = {{"FormatVersion", "aws_v1"}, {"PriceList", json::array()}};
  for (const json& p : products) reply["PriceList"].push_back(p.dump());
  if (!nextToken.empty()) reply["NextToken"] = nextToken;
  return reply.dump();
}

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class PricingApiTest : public ::testing::Test {
 protected:
  PricingApiTest()
      : credentials_(Credentials{.accessKeyId = "AKIDEXAMPLE", .secretAccessKey = "secret"}) {}

  std::unique_ptr<HttpPricingApi> makeApi(HttpPricingApiOptions options = {}) {
    if (options.endpoint.empty()) options.endpoint = "http://127.0.0.1:5000";
    return std::make_unique<HttpPricingApi>(options, http_, credentials_, clock_, envOf({}),
                                            [] { return 0.5; });
  }

  FakeClock clock_;
  FakeHttpClient http_;
  StaticCredentialsProvider credentials_;
};

TEST_F(PricingApiTest, SendsSignedJsonGetProductsWithTheLinuxSharedFilters) {
  http_.enqueue(FakeHttpClient::reply(200, page({product("m5.large", "0.0960000000")})));
  auto prices = makeApi()->onDemandPrices("eu-west-1");
  ASSERT_TRUE(prices.has_value()) << prices.error().toString();
  EXPECT_EQ(prices->at("m5.large"), 0.096);

  ASSERT_EQ(http_.requestCount(), 1u);
  const http::Request req = http_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:5000/");
  EXPECT_EQ(headerOf(req, "X-Amz-Target"), "AWSPriceListService.GetProducts");
  EXPECT_EQ(headerOf(req, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_THAT(headerOf(req, "Authorization"), HasSubstr("/us-east-1/pricing/aws4_request"));
  const json body = json::parse(req.body);
  EXPECT_EQ(body["ServiceCode"], "AmazonEC2");
  EXPECT_FALSE(body.contains("NextToken"));
  std::map<std::string, std::string> filters;
  for (const auto& f : body["Filters"]) {
    EXPECT_EQ(f["Type"], "TERM_MATCH");
    filters[f["Field"]] = f["Value"];
  }
  EXPECT_EQ(filters["regionCode"], "eu-west-1");
  EXPECT_EQ(filters["operatingSystem"], "Linux");
  EXPECT_EQ(filters["tenancy"], "Shared");
  EXPECT_EQ(filters["preInstalledSw"], "NA");
  EXPECT_EQ(filters["capacitystatus"], "Used");
}

TEST_F(PricingApiTest, FollowsNextTokenAndSkipsProductsThatAreNotThePlainLinuxRate) {
  http_.enqueue(FakeHttpClient::reply(
      200, page({product("m5.large", "0.096"), product("m5.large", "0.188", "Windows")}, "p2")));
  http_.enqueue(FakeHttpClient::reply(
      200, page({product("g5.xlarge", "1.006"),
                 product("g5.2xlarge", "1.2", "Linux", "UnusedCapacityReservation"),
                 product("t2.free", "0.0000000000")})));
  auto prices = makeApi()->onDemandPrices("us-east-1");
  ASSERT_TRUE(prices.has_value()) << prices.error().toString();
  EXPECT_EQ(*prices, (OnDemandPrices{{"g5.xlarge", 1.006}, {"m5.large", 0.096}}));
  ASSERT_EQ(http_.requestCount(), 2u);
  EXPECT_EQ(json::parse(http_.requests()[1].body)["NextToken"], "p2");
}

TEST_F(PricingApiTest, RetriesThrottlingThenSucceeds) {
  http_.enqueue(
      FakeHttpClient::reply(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})"));
  http_.enqueue(FakeHttpClient::reply(503, "<html>busy</html>"));
  http_.enqueue(FakeHttpClient::reply(200, page({product("m5.large", "0.096")})));
  auto prices = makeApi()->onDemandPrices("us-east-1");
  ASSERT_TRUE(prices.has_value()) << prices.error().toString();
  EXPECT_EQ(http_.requestCount(), 3u);
  EXPECT_EQ(clock_.sleeps().size(), 2u);  // backed off through the fake clock, never slept
}

TEST_F(PricingApiTest, ClassifiesJsonErrorsAndDoesNotRetryThem) {
  http_.enqueue(FakeHttpClient::reply(
      400, R"({"message":"no"})",
      {{"x-amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/coral/"}}));
  auto denied = makeApi()->onDemandPrices("us-east-1");
  ASSERT_FALSE(denied.has_value());
  EXPECT_TRUE(denied.error().isForbidden()) << denied.error().toString();
  EXPECT_THAT(denied.error().message(), HasSubstr("AccessDeniedException: no"));

  http_.enqueue(FakeHttpClient::reply(
      400, R"({"__type":"com.amazonaws#InvalidParameterException","Message":"bad filter"})"));
  auto invalid = makeApi()->onDemandPrices("us-east-1");
  ASSERT_FALSE(invalid.has_value());
  EXPECT_TRUE(invalid.error().isInvalid()) << invalid.error().toString();
  EXPECT_EQ(http_.requestCount(), 2u);
}

TEST_F(PricingApiTest, RepeatedNextTokenIsAnErrorNotALoop) {
  http_.setHandler([](const http::Request&) -> Result<http::Response> {
    return FakeHttpClient::reply(200, page({product("m5.large", "0.096")}, "same"));
  });
  auto prices = makeApi()->onDemandPrices("us-east-1");
  ASSERT_FALSE(prices.has_value());
  EXPECT_TRUE(prices.error().isInvalid());
  EXPECT_EQ(http_.requestCount(), 2u);
}

TEST_F(PricingApiTest, HostileRepliesAreInvalidNotCrashes) {
  json noTerms = product("m5.large", "0.096");
  noTerms.erase("terms");
  json noType = product("m5.large", "0.096");
  noType["product"]["attributes"].erase("instanceType");
  json typeIsNumber = product("m5.large", "0.096");
  typeIsNumber["product"]["attributes"]["operatingSystem"] = 7;  // not a match: skipped
  const std::vector<std::string> bodies = {
      "",
      "not json",
      "[]",
      R"({"PriceList": 5})",
      R"({"PriceList": [5]})",
      R"({"PriceList": ["{not json"]})",
      R"({"PriceList": ["[1,2]"]})",
      R"({"PriceList": ["{}"]})",
      R"({"PriceList": [], "NextToken": 3})",
      page({product("m5.large", "abc")}),
      page({product("m5.large", "-1")}),
      page({product("m5.large", "nan")}),
      page({product("m5.large", "1e999")}),
      page({product("m5.large", "0.096junk")}),
      page({noTerms}),
      page({noType}),
      std::string(100000, '[') + std::string(100000, ']'),
      R"({"PriceList": [")" + std::string(50000, '[') + R"("]})",
  };
  for (const std::string& body : bodies) {
    http_.reset();
    http_.enqueue(FakeHttpClient::reply(200, body));
    auto prices = makeApi()->onDemandPrices("us-east-1");
    ASSERT_FALSE(prices.has_value()) << "accepted: " << body.substr(0, 80);
    EXPECT_TRUE(prices.error().isInvalid()) << prices.error().toString();
  }
  http_.reset();
  http_.enqueue(FakeHttpClient::reply(200, page({typeIsNumber})));
  auto skipped = makeApi()->onDemandPrices("us-east-1");
  ASSERT_TRUE(skipped.has_value()) << skipped.error().toString();
  EXPECT_TRUE(skipped->empty());
}

TEST_F(PricingApiTest, EndpointComesFromOptionThenGantryVariableThenAwsVariables) {
  auto make = [&](std::map<std::string, std::string> vars, std::string option = "") {
    return HttpPricingApi({.endpoint = std::move(option)}, http_, credentials_, clock_,
                          envOf(std::move(vars)))
        .endpoint();
  };
  EXPECT_EQ(make({}), "https://api.pricing.us-east-1.amazonaws.com");
  EXPECT_EQ(make({{"AWS_ENDPOINT_URL_PRICING", "http://p:1/"}}), "http://p:1");
  EXPECT_EQ(
      make({{"AWS_ENDPOINT_URL_PRICING", "http://p:1"}, {"GANTRY_PRICING_ENDPOINT", "http://g:2"}}),
      "http://g:2");
  EXPECT_EQ(make({{"GANTRY_PRICING_ENDPOINT", "http://g:2"}}, "http://o:3"), "http://o:3");
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
