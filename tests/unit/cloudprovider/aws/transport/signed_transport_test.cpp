// SignedTransport over a fake HTTP client and a fake clock: the one retry loop under the EC2
// Query and JSON 1.1 clients (what is retried, how long it waits, what is returned), the
// signing of every attempt and the per-attempt budget.
#include "cloudprovider/aws/transport/signed_transport.h"

#include <gtest/gtest.h>

#include "cloudprovider/aws/auth/credentials_env.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::cloudprovider::aws {
namespace {

using http::FakeHttpClient;
using std::chrono::milliseconds;

std::string headerOf(const http::Request& req, std::string_view name) {
  for (const auto& h : req.headers) {
    if (http::headerNameEquals(h.name, name)) return h.value;
  }
  return "<absent>";
}

// Error replies read the way the protocols do: the status code decides the kind.
Status decodeByStatus(std::string_view action, const http::Response& response) {
  const std::string text = "Test " + std::string(action) + ": HTTP " + std::to_string(response.status);
  if (response.status == 429) return Status::throttled(text);
  if (response.status >= 500) return Status::unavailable(text);
  return Status::invalid(text);
}

// Fails the first `failures` calls with `error`, then hands out fixed credentials.
class FlakyCredentials final : public CredentialsProvider {
 public:
  FlakyCredentials(int failures, Status error) : failures_(failures), error_(std::move(error)) {}
  Result<Credentials> credentials() override {
    if (failures_-- > 0) return fail(error_);
    return Credentials{.accessKeyId = "AKIDEXAMPLE", .secretAccessKey = "secret"};
  }
  std::string_view name() const override { return "flaky"; }

 private:
  int failures_;
  Status error_;
};

class SignedTransportTest : public ::testing::Test {
 protected:
  SignedTransport make(CredentialsProvider& credentials, RetryOptions retry = {}) {
    return SignedTransport({.service = "Test",
                            .endpoint = "http://127.0.0.1:5000",
                            .signingRegion = "us-east-1",
                            .signingService = "test",
                            .retry = retry},
                           decodeByStatus, http_, credentials, clock_, [] { return 0.5; });
  }
  SignedTransport make() { return make(credentials_); }

  static SignedRequest request() {
    return {.action = "DoThing", .headers = {{"Content-Type", "text/plain"}}, .body = "x=1"};
  }

  FakeClock clock_;
  FakeHttpClient http_;
  StaticCredentialsProvider credentials_{
      Credentials{.accessKeyId = "AKIDEXAMPLE", .secretAccessKey = "secret"}};
};

TEST_F(SignedTransportTest, PostsTheProtocolsRequestSignedToTheEndpoint) {
  http_.enqueue(FakeHttpClient::reply(200, "done"));
  auto body = make().call(request());
  ASSERT_TRUE(body) << body.error().toString();
  EXPECT_EQ(*body, "done");
  const auto sent = http_.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(sent[0].url, "http://127.0.0.1:5000/");
  EXPECT_EQ(sent[0].body, "x=1");
  EXPECT_EQ(headerOf(sent[0], "Content-Type"), "text/plain");
  EXPECT_TRUE(headerOf(sent[0], "Authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"))
      << headerOf(sent[0], "Authorization");
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(SignedTransportTest, RetriesRetryableRepliesWithFullJitterThenSucceeds) {
  http_.enqueue(FakeHttpClient::reply(503, ""));
  http_.enqueue(FakeHttpClient::reply(429, ""));
  http_.enqueue(FakeHttpClient::reply(200, "done"));
  auto body = make().call(request());
  ASSERT_TRUE(body) << body.error().toString();
  EXPECT_EQ(http_.requestCount(), 3u);
  // Half (the injected draw) of 200 ms for the first retry; throttling backs off from 1 s,
  // doubled for the second retry.
  EXPECT_EQ(clock_.sleeps(), (std::vector<Clock::Duration>{milliseconds(100), milliseconds(1000)}));
}

TEST_F(SignedTransportTest, GivesUpAfterMaxAttemptsWithTheLastError) {
  for (int i = 0; i < 3; ++i) http_.enqueue(FakeHttpClient::reply(500, ""));
  auto body = make(credentials_, RetryOptions{.maxAttempts = 3}).call(request());
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(body.error().message(), "Test DoThing: HTTP 500");
  EXPECT_EQ(http_.requestCount(), 3u);
}

TEST_F(SignedTransportTest, ReturnsOtherErrorsAtOnce) {
  http_.enqueue(FakeHttpClient::reply(400, ""));
  auto body = make().call(request());
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), StatusCode::kInvalid);
  EXPECT_EQ(http_.requestCount(), 1u);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(SignedTransportTest, RetriesWhenNoReplyCameBack) {
  http_.enqueue(fail(Status::unavailable("connection refused")));
  http_.enqueue(FakeHttpClient::reply(200, "done"));
  auto body = make().call(request());
  ASSERT_TRUE(body) << body.error().toString();
  EXPECT_EQ(http_.requestCount(), 2u);
}

TEST_F(SignedTransportTest, RetriesRetryableCredentialErrorsAndNamesTheCall) {
  FlakyCredentials flaky(1, Status::unavailable("IMDS timed out"));
  http_.enqueue(FakeHttpClient::reply(200, "done"));
  EXPECT_TRUE(make(flaky).call(request()));

  FlakyCredentials denied(1, Status::unauthorized("no credentials"));
  auto body = make(denied).call(request());
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), StatusCode::kUnauthorized);
  EXPECT_NE(body.error().message().find("Test DoThing: credentials"), std::string::npos)
      << body.error().message();
  EXPECT_EQ(http_.requestCount(), 1u);  // only the first, successful call reached the wire
}

TEST_F(SignedTransportTest, TakesOneBudgetTokenPerAttempt) {
  TokenBucket budget(clock_, 2, 0.001);
  http_.enqueue(FakeHttpClient::reply(503, ""));
  http_.enqueue(FakeHttpClient::reply(200, "done"));
  SignedRequest req = request();
  req.budget = &budget;
  ASSERT_TRUE(make().call(req));
  EXPECT_LT(budget.available(), 0.01);
}

TEST_F(SignedTransportTest, ACallAbandonedForShutdownIsNotRetried) {
  http_.enqueue(fail(Status::cancelled("POST http://127.0.0.1:5000/: shutting down")));
  http_.enqueue(FakeHttpClient::reply(200, "done"));
  auto body = make().call(request());
  ASSERT_FALSE(body);
  EXPECT_TRUE(body.error().isCancelled()) << body.error().toString();
  EXPECT_EQ(http_.requestCount(), 1u);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(SignedTransportTest, ErrorsCarryTheRepliesRequestId) {
  // From the JSON services' header...
  http_.enqueue(FakeHttpClient::reply(400, "{}", {{"x-amzn-RequestId", "c0ffee-1"}}));
  auto header = make().call(request());
  ASSERT_FALSE(header);
  EXPECT_NE(header.error().message().find("(request c0ffee-1)"), std::string::npos) << header.error().message();
  // ...or from an XML body, when the decoder did not already name it.
  http_.enqueue(FakeHttpClient::reply(400, "<Response><Errors/><RequestID>ec2-req-7</RequestID></Response>"));
  auto body = make().call(request());
  ASSERT_FALSE(body);
  EXPECT_NE(body.error().message().find("(request ec2-req-7)"), std::string::npos) << body.error().message();
}

TEST(AwsRequestIdTest, ReadsTheHeadersThenTheXmlElements) {
  EXPECT_EQ(awsRequestId({.status = 200, .headers = {{"X-Amz-Request-Id", "s3-style"}}}), "s3-style");
  EXPECT_EQ(awsRequestId({.status = 200, .body = "<DescribeInstancesResponse><requestId>r-1</requestId>"}), "r-1");
  EXPECT_EQ(awsRequestId({.status = 400, .body = "<ErrorResponse><RequestId>sts-2</RequestId></ErrorResponse>"}),
            "sts-2");
  EXPECT_EQ(awsRequestId({.status = 502, .body = "<html>bad gateway</html>"}), "");
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
