// QueryEc2Api over a fake transport and a fake clock: signing and wire format, partial
// fleet results, retries (what is retried, how long it waits, idempotency tokens kept),
// pagination, the client-side rate limit and endpoint resolution.
#include "cloudprovider/aws/ec2/query_ec2_api.h"

#include <gtest/gtest.h>

#include <map>

#include "cloudprovider/aws/auth/credentials_env.h"
#include "src/http/url.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/cloudprovider/aws/ec2/ec2_xml_samples.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::cloudprovider::aws {
namespace {

using http::FakeHttpClient;
using std::chrono::milliseconds;

std::map<std::string, std::string> formOf(const http::Request& req) {
  std::map<std::string, std::string> out;
  std::string_view body = req.body;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    const auto eq = pair.find('=');
    out[*http::percentDecode(pair.substr(0, eq))] = *http::percentDecode(pair.substr(eq + 1));
  }
  return out;
}

std::string headerOf(const http::Request& req, std::string_view name) {
  for (const auto& h : req.headers) {
    if (http::headerNameEquals(h.name, name)) return h.value;
  }
  return "<absent>";
}

EnvLookup noEnv() {
  return [](std::string_view) { return std::optional<std::string>(); };
}

class QueryEc2ApiTest : public ::testing::Test {
 protected:
  QueryEc2ApiTest()
      : credentials_(Credentials{.accessKeyId = "AKIDEXAMPLE",
                                 .secretAccessKey = "secret",
                                 .sessionToken = "session-token"}) {}

  std::unique_ptr<QueryEc2Api> makeApi(QueryEc2ApiOptions options = {}) {
    if (options.region.empty()) options.region = "us-east-1";
    if (options.endpoint.empty()) options.endpoint = "http://127.0.0.1:5000/";
    return std::make_unique<QueryEc2Api>(options, http_, credentials_, clock_, noEnv(),
                                         [] { return 0.5; });
  }

  FakeClock clock_;
  FakeHttpClient http_;
  StaticCredentialsProvider credentials_;
};

TEST_F(QueryEc2ApiTest, PostsASignedFormRequest) {
  auto api = makeApi();
  http_.enqueue(FakeHttpClient::reply(200, samples::kTerminateInstances));
  auto result = api->terminateInstances({.instanceIds = {"i-1234567890abcdef0"}});
  ASSERT_TRUE(result.has_value()) << result.error().toString();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ(result->at(0).currentState, "shutting-down");

  const auto req = http_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:5000/");
  EXPECT_EQ(headerOf(req, "content-type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(headerOf(req, "host"), "127.0.0.1:5000");
  EXPECT_EQ(headerOf(req, "x-amz-date"), "20150830T123600Z");
  EXPECT_EQ(headerOf(req, "x-amz-security-token"), "session-token");
  const std::string auth = headerOf(req, "authorization");
  EXPECT_TRUE(auth.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="))
      << auth;
  auto form = formOf(req);
  EXPECT_EQ(form["Action"], "TerminateInstances");
  EXPECT_EQ(form["Version"], "2016-11-15");
  EXPECT_EQ(form["InstanceId.1"], "i-1234567890abcdef0");
}

TEST_F(QueryEc2ApiTest, CreateFleetReturnsPartialSuccessAndFillsAClientToken) {
  auto api = makeApi();
  http_.enqueue(FakeHttpClient::reply(200, samples::kCreateFleetPartial));
  auto result = api->createFleet(
      {.launchTemplateConfigs = {{.launchTemplate = {.launchTemplateId = "lt-1"},
                                  .overrides = {{.instanceType = "p5.48xlarge"}}}}});
  ASSERT_TRUE(result.has_value()) << result.error().toString();
  EXPECT_EQ(result->instances.at(0).instanceIds.size(), 2u);
  EXPECT_EQ(result->errors.size(), 2u);
  const std::string token = formOf(http_.requests().at(0))["ClientToken"];
  EXPECT_TRUE(token.starts_with("gantry-")) << token;
  EXPECT_EQ(token.size(), 7u + 32u);
}

TEST_F(QueryEc2ApiTest, RetriesThrottlingWithTheSameClientTokenAndJitteredBackoff) {
  auto api = makeApi();
  http_.enqueue(FakeHttpClient::reply(503, samples::kErrorThrottled));
  http_.enqueue(FakeHttpClient::reply(200, samples::kCreateFleetAllFailed));
  auto result = api->createFleet({.clientToken = "nodeclaim-abc"});
  ASSERT_TRUE(result.has_value()) << result.error().toString();
  ASSERT_EQ(http_.requestCount(), 2u);
  EXPECT_EQ(formOf(http_.requests()[0])["ClientToken"], "nodeclaim-abc");
  EXPECT_EQ(formOf(http_.requests()[1])["ClientToken"], "nodeclaim-abc");
  // One wait: throttled base 1s, full jitter drawn at 0.5.
  const auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 1u);
  EXPECT_EQ(sleeps[0], milliseconds(500));
}

TEST_F(QueryEc2ApiTest, GivesUpAfterMaxAttemptsWithGrowingDelays) {
  auto api = makeApi({.retry = {.maxAttempts = 4, .baseDelay = milliseconds(100)}});
  http_.setHandler([](const http::Request&) -> Result<http::Response> {
    return FakeHttpClient::reply(500, samples::kErrorInternal);
  });
  auto result = api->describeInstances({});
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().isUnavailable());
  EXPECT_NE(result.error().message().find("InternalError"), std::string::npos);
  EXPECT_EQ(http_.requestCount(), 4u);
  EXPECT_EQ(clock_.sleeps(),
            (std::vector<Clock::Duration>{milliseconds(50), milliseconds(100), milliseconds(200)}));
}

TEST_F(QueryEc2ApiTest, RetriesTransportFailures) {
  auto api = makeApi();
  http_.enqueue(fail(Status::unavailable("POST http://127.0.0.1:5000/: connection refused")));
  http_.enqueue(FakeHttpClient::reply(200, samples::kDescribeInstancesPage2));
  auto result = api->describeInstances({.instanceIds = {"i-0bbbbbbbbbbbbbbb1"}});
  ASSERT_TRUE(result.has_value()) << result.error().toString();
  EXPECT_EQ(result->size(), 2u);
  EXPECT_EQ(http_.requestCount(), 2u);
}

TEST_F(QueryEc2ApiTest, DoesNotRetryClientErrors) {
  auto api = makeApi();
  struct Case {
    int status;
    const char* body;
    StatusCode want;
  };
  for (const Case& c : std::vector<Case>{
           {400, samples::kErrorNotFound, StatusCode::kNotFound},
           {403, samples::kErrorUnauthorizedOperation, StatusCode::kForbidden},
           {400,
            "<Response><Errors><Error><Code>InsufficientInstanceCapacity</Code><Message>none</"
            "Message>"
            "</Error></Errors></Response>",
            StatusCode::kInsufficientCapacity},
           {401, "<Response><Errors><Error><Code>AuthFailure</Code></Error></Errors></Response>",
            StatusCode::kUnauthorized},
           {400,
            "<Response><Errors><Error><Code>InvalidParameterValue</Code></Error></Errors></"
            "Response>",
            StatusCode::kInvalid}}) {
    http_.reset();
    http_.enqueue(FakeHttpClient::reply(c.status, c.body));
    auto result = api->terminateInstances({.instanceIds = {"i-0123456789abcdef0"}});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code(), c.want) << result.error().toString();
    EXPECT_EQ(http_.requestCount(), 1u);
  }
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(QueryEc2ApiTest, FollowsNextTokenThroughEveryPage) {
  auto api = makeApi();
  http_.enqueue(FakeHttpClient::reply(200, samples::kDescribeInstancesPage1));
  http_.enqueue(FakeHttpClient::reply(200, samples::kDescribeInstancesPage2));
  auto result = api->describeInstances({.filters = {{"tag-key", {"gantry.dev/nodepool"}}}});
  ASSERT_TRUE(result.has_value()) << result.error().toString();
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ(result->at(0).instanceId, "i-0aaaaaaaaaaaaaaa1");
  EXPECT_EQ(result->at(2).instanceId, "i-0bbbbbbbbbbbbbbb2");
  auto first = formOf(http_.requests()[0]);
  auto second = formOf(http_.requests()[1]);
  EXPECT_EQ(first["MaxResults"], "1000");
  EXPECT_FALSE(first.contains("NextToken"));
  EXPECT_EQ(second["NextToken"], "token-page-2");
  EXPECT_EQ(second["Filter.1.Name"], "tag-key");
}

TEST_F(QueryEc2ApiTest, OmitsMaxResultsWhenIdsAreGiven) {
  auto api = makeApi();
  http_.enqueue(FakeHttpClient::reply(200, samples::kDescribeInstancesPage2));
  ASSERT_TRUE(api->describeInstances({.instanceIds = {"i-1"}}).has_value());
  EXPECT_FALSE(formOf(http_.requests()[0]).contains("MaxResults"));
  http_.enqueue(FakeHttpClient::reply(
      200, "<DescribeInstanceTypesResponse><instanceTypeSet/></DescribeInstanceTypesResponse>"));
  ASSERT_TRUE(api->describeInstanceTypes({}).has_value());
  EXPECT_EQ(formOf(http_.requests()[1])["MaxResults"], "100");
}

TEST_F(QueryEc2ApiTest, RepeatedNextTokenIsAnInternalError) {
  auto api = makeApi();
  http_.setHandler([](const http::Request&) -> Result<http::Response> {
    return FakeHttpClient::reply(200, samples::kDescribeInstancesPage1);  // always "token-page-2"
  });
  auto result = api->describeInstances({});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), StatusCode::kInternal);
  EXPECT_EQ(http_.requestCount(), 2u);
}

TEST_F(QueryEc2ApiTest, MalformedResponseIsInvalid) {
  auto api = makeApi();
  http_.enqueue(FakeHttpClient::reply(200, "<DescribeSubnetsResponse><subnetSet>"));
  auto result = api->describeSubnets({});
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().isInvalid());
  EXPECT_NE(result.error().message().find("DescribeSubnets"), std::string::npos);
}

TEST_F(QueryEc2ApiTest, MutatingCallsSpendTheClientSideBudget) {
  auto api = makeApi({.mutatingBurst = 2, .mutatingPerSecond = 1});
  http_.setHandler([](const http::Request&) -> Result<http::Response> {
    return FakeHttpClient::reply(200, samples::kCreateTags);
  });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(api->createTags({"i-1"}, {{"k", "v"}}).isOk());
  // The third call waited one second for a token; describes are not limited.
  EXPECT_EQ(clock_.sleeps(), std::vector<Clock::Duration>{std::chrono::seconds(1)});
  http_.setHandler([](const http::Request&) -> Result<http::Response> {
    return FakeHttpClient::reply(200, samples::kDescribeSubnets);
  });
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(api->describeSubnets({}).has_value());
  EXPECT_EQ(clock_.sleeps().size(), 1u);
}

TEST_F(QueryEc2ApiTest, NonRetryableCredentialErrorsStopBeforeSending) {
  class Broken final : public CredentialsProvider {
   public:
    Result<Credentials> credentials() override {
      return fail(Status::unauthorized("expired web identity token"));
    }
    std::string_view name() const override { return "broken"; }
  } broken;
  QueryEc2Api api({.region = "us-east-1", .endpoint = "http://127.0.0.1:5000"}, http_, broken,
                  clock_, noEnv(), [] { return 0.5; });
  auto result = api.describeSubnets({});
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().isUnauthorized());
  EXPECT_EQ(http_.requestCount(), 0u);
}

TEST_F(QueryEc2ApiTest, ResolvesEndpoints) {
  EnvLookup env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "AWS_ENDPOINT_URL_EC2") return "http://localhost:5000/";
    return std::nullopt;
  };
  QueryEc2Api fromEnv({.region = "eu-west-1"}, http_, credentials_, clock_, env);
  EXPECT_EQ(fromEnv.endpoint(), "http://localhost:5000");
  QueryEc2Api explicitWins({.region = "eu-west-1", .endpoint = "http://127.0.0.1:9/"}, http_,
                           credentials_, clock_, env);
  EXPECT_EQ(explicitWins.endpoint(), "http://127.0.0.1:9");
  QueryEc2Api standard({.region = "eu-west-1"}, http_, credentials_, clock_, noEnv());
  EXPECT_EQ(standard.endpoint(), "https://ec2.eu-west-1.amazonaws.com");
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
