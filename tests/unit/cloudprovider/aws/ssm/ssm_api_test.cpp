// JsonSsmApi over a fake transport: the JSON 1.1 request (target, content type, body, SigV4
// for "ssm"), the value parsed, typed errors, retries of throttling, hostile bodies.
#include "cloudprovider/aws/ssm/ssm_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloudprovider/aws/auth/credentials_env.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::cloudprovider::aws {
namespace {

using http::FakeHttpClient;

class SsmApiTest : public ::testing::Test {
 protected:
  JsonSsmApi makeApi() {
    return JsonSsmApi({.region = "us-east-1", .endpoint = "http://ssm.local:1234/"}, http_, creds_,
                      clock_, [](std::string_view) { return std::optional<std::string>(); },
                      [] { return 0.5; });
  }
  FakeClock clock_;
  FakeHttpClient http_;
  StaticCredentialsProvider creds_{Credentials{.accessKeyId = "AKIDEXAMPLE",
                                               .secretAccessKey = "secret"}};
};

TEST_F(SsmApiTest, SendsASignedJsonGetParameterAndReturnsTheValue) {
  http_.enqueue(FakeHttpClient::reply(
      200, R"({"Parameter":{"Name":"/p","Type":"String","Value":"ami-0abc","Version":3}})"));
  auto api = makeApi();
  EXPECT_EQ(api.endpoint(), "http://ssm.local:1234");
  auto value = api.getParameter("/aws/service/eks/optimized-ami/1.34/x");
  ASSERT_TRUE(value.has_value()) << value.error().toString();
  EXPECT_EQ(*value, "ami-0abc");
  const auto req = http_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://ssm.local:1234/");
  EXPECT_EQ(nlohmann::json::parse(req.body), (nlohmann::json{{"Name", "/aws/service/eks/optimized-ami/1.34/x"}}));
  std::map<std::string, std::string> headers;
  for (const auto& h : req.headers) headers[h.name] = h.value;
  EXPECT_EQ(headers["X-Amz-Target"], "AmazonSSM.GetParameter");
  EXPECT_EQ(headers["Content-Type"], "application/x-amz-json-1.1");
  EXPECT_NE(headers["Authorization"].find("/us-east-1/ssm/aws4_request"), std::string::npos)
      << headers["Authorization"];
  EXPECT_NE(headers["Authorization"].find("x-amz-target"), std::string::npos);
}

TEST_F(SsmApiTest, ParameterNotFoundIsNotFoundAndNotRetried) {
  http_.enqueue(FakeHttpClient::reply(
      400, R"({"__type":"com.amazonaws.ssm#ParameterNotFound","message":"Parameter /x not found."})"));
  auto value = makeApi().getParameter("/x");
  ASSERT_FALSE(value.has_value());
  EXPECT_TRUE(value.error().isNotFound()) << value.error().toString();
  EXPECT_NE(value.error().message().find("ParameterNotFound"), std::string::npos);
  EXPECT_EQ(http_.requestCount(), 1u);
}

TEST_F(SsmApiTest, ThrottlingIsRetriedWithBackoffThenSurfaced) {
  for (int i = 0; i < 2; ++i) {
    http_.enqueue(FakeHttpClient::reply(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})"));
  }
  http_.enqueue(FakeHttpClient::reply(200, R"({"Parameter":{"Value":"ami-1"}})"));
  auto api = makeApi();
  auto value = api.getParameter("/x");
  ASSERT_TRUE(value.has_value()) << value.error().toString();
  EXPECT_EQ(clock_.sleeps().size(), 2u);

  http_.setHandler([](const http::Request&) -> Result<http::Response> {
    return FakeHttpClient::reply(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  });
  auto throttled = api.getParameter("/x");
  ASSERT_FALSE(throttled.has_value());
  EXPECT_TRUE(throttled.error().isThrottled()) << throttled.error().toString();
}

TEST_F(SsmApiTest, AccessDeniedAndHostileBodiesAreTypedErrors) {
  http_.enqueue(FakeHttpClient::reply(400, R"({"__type":"AccessDeniedException","message":"no"})"));
  http_.enqueue(FakeHttpClient::reply(200, "<html>proxy</html>"));
  http_.enqueue(FakeHttpClient::reply(200, R"({"Parameter":{"Value":42}})"));
  http_.enqueue(FakeHttpClient::reply(200, R"([1,2])"));
  auto api = makeApi();
  EXPECT_TRUE(api.getParameter("/x").error().isForbidden());
  EXPECT_TRUE(api.getParameter("/x").error().isInvalid());
  EXPECT_TRUE(api.getParameter("/x").error().isInvalid());
  EXPECT_TRUE(api.getParameter("/x").error().isInvalid());
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
