// The network-backed credential sources over a fake transport: IRSA web identity (STS),
// EKS Pod Identity / container, IMDSv2, and the default chain wired from them.
#include <gtest/gtest.h>

#include <map>

#include "cloudprovider/aws/auth/credentials_chain.h"
#include "cloudprovider/aws/auth/credentials_container.h"
#include "cloudprovider/aws/auth/credentials_imds.h"
#include "cloudprovider/aws/auth/credentials_web_identity.h"
#include "cloudprovider/aws/transport/iso8601.h"
#include "src/http/url.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/cloudprovider/aws/auth/credentials_test_support.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::cloudprovider::aws {
namespace {

using http::FakeHttpClient;
using testing::envFrom;
using testing::ScratchDir;

constexpr const char* kStsResponse =
    R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:gantry:gantry</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/gantry/gantry-1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:gantry-1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>IQoJb3JpZ2luX2VjEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2015-08-30T13:36:00Z</Expiration>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>)";

constexpr const char* kJsonCredentials = R"({
  "Code" : "Success",
  "LastUpdated" : "2015-08-30T12:00:00Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "ASIAJSONEXAMPLE",
  "SecretAccessKey" : "jsonsecret",
  "Token" : "jsontoken",
  "Expiration" : "2015-08-30T18:00:00Z"
})";

std::map<std::string, std::string> formOf(const std::string& body) {
  std::map<std::string, std::string> out;
  std::string_view rest = body;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
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

TEST(WebIdentityCredentialsTest, ExchangesTheProjectedTokenAtRegionalSts) {
  ScratchDir dir;
  const auto tokenFile = dir.write("token", "eyJhbGciOiJSUzI1NiJ9.payload.sig\n");
  FakeHttpClient http;
  FakeClock clock;
  http.enqueue(FakeHttpClient::reply(200, kStsResponse));
  WebIdentityCredentialsProvider p(
      envFrom({{"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/gantry"},
               {"AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile},
               {"AWS_REGION", "us-west-2"}}),
      http, clock);
  auto c = p.credentials();
  ASSERT_TRUE(c.has_value()) << c.error().toString();
  EXPECT_EQ(c->accessKeyId, "ASIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(c->sessionToken, "IQoJb3JpZ2luX2VjEXAMPLE");
  EXPECT_EQ(formatIso8601(c->expiration.value()), "2015-08-30T13:36:00Z");
  EXPECT_EQ(c->source, "web-identity");

  const auto req = http.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://sts.us-west-2.amazonaws.com/");
  EXPECT_EQ(headerOf(req, "authorization"), "<absent>");  // unsigned by design
  auto form = formOf(req.body);
  EXPECT_EQ(form["Action"], "AssumeRoleWithWebIdentity");
  EXPECT_EQ(form["Version"], "2011-06-15");
  EXPECT_EQ(form["RoleArn"], "arn:aws:iam::123456789012:role/gantry");
  EXPECT_EQ(form["WebIdentityToken"], "eyJhbGciOiJSUzI1NiJ9.payload.sig");
  EXPECT_EQ(form["RoleSessionName"], "gantry-1440938160");
}

TEST(WebIdentityCredentialsTest, HonoursEndpointOverrideAndSessionName) {
  ScratchDir dir;
  FakeHttpClient http;
  FakeClock clock;
  http.enqueue(FakeHttpClient::reply(200, kStsResponse));
  WebIdentityCredentialsProvider p(envFrom({{"AWS_ROLE_ARN", "arn"},
                                            {"AWS_WEB_IDENTITY_TOKEN_FILE", dir.write("t", "tok")},
                                            {"AWS_ROLE_SESSION_NAME", "my-session"},
                                            {"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000"}}),
                                   http, clock);
  ASSERT_TRUE(p.credentials().has_value());
  EXPECT_EQ(http.requests().at(0).url, "http://127.0.0.1:5000/");
  EXPECT_EQ(formOf(http.requests().at(0).body)["RoleSessionName"], "my-session");
}

TEST(WebIdentityCredentialsTest, ErrorsByKind) {
  ScratchDir dir;
  FakeHttpClient http;
  FakeClock clock;
  EXPECT_TRUE(
      WebIdentityCredentialsProvider(envFrom({}), http, clock).credentials().error().isNotFound());
  EXPECT_TRUE(WebIdentityCredentialsProvider(envFrom({{"AWS_ROLE_ARN", "arn"}}), http, clock)
                  .credentials()
                  .error()
                  .isInvalid());
  EXPECT_TRUE(WebIdentityCredentialsProvider(
                  envFrom({{"AWS_ROLE_ARN", "arn"},
                           {"AWS_WEB_IDENTITY_TOKEN_FILE", dir.path() + "/missing"}}),
                  http, clock)
                  .credentials()
                  .error()
                  .isInvalid());
  const auto env =
      envFrom({{"AWS_ROLE_ARN", "arn"}, {"AWS_WEB_IDENTITY_TOKEN_FILE", dir.write("t", "tok")}});
  http.enqueue(FakeHttpClient::reply(400,
                                     "<ErrorResponse><Error><Type>Sender</"
                                     "Type><Code>InvalidIdentityToken</Code><Message>Token expired"
                                     "</Message></Error><RequestId>x</RequestId></ErrorResponse>"));
  auto rejected = WebIdentityCredentialsProvider(env, http, clock).credentials();
  EXPECT_TRUE(rejected.error().isUnauthorized()) << rejected.error().toString();
  EXPECT_EQ(rejected.error().message().find("tok\n"), std::string::npos);
  http.enqueue(fail(Status::unavailable("connection refused")));
  EXPECT_TRUE(
      WebIdentityCredentialsProvider(env, http, clock).credentials().error().isUnavailable());
  EXPECT_EQ(http.requests().at(0).url, "https://sts.amazonaws.com/");  // no region: global STS
}

TEST(ContainerCredentialsTest, PodIdentitySendsTheTokenFileAsAuthorization) {
  ScratchDir dir;
  FakeHttpClient http;
  http.enqueue(FakeHttpClient::reply(200, kJsonCredentials));
  ContainerCredentialsProvider p(
      envFrom({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"},
               {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                dir.write("eks-pod-identity-token", "pod-token\n")}}),
      http);
  auto c = p.credentials();
  ASSERT_TRUE(c.has_value()) << c.error().toString();
  EXPECT_EQ(c->accessKeyId, "ASIAJSONEXAMPLE");
  EXPECT_EQ(c->sessionToken, "jsontoken");
  EXPECT_EQ(formatIso8601(c->expiration.value()), "2015-08-30T18:00:00Z");
  const auto req = http.requests().at(0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "http://169.254.170.23/v1/credentials");
  EXPECT_EQ(headerOf(req, "authorization"), "pod-token");
}

TEST(ContainerCredentialsTest, RelativeUriGoesToTheEcsAgent) {
  FakeHttpClient http;
  http.enqueue(FakeHttpClient::reply(200, kJsonCredentials));
  ContainerCredentialsProvider p(
      envFrom({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}}), http);
  ASSERT_TRUE(p.credentials().has_value());
  EXPECT_EQ(http.requests().at(0).url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(headerOf(http.requests().at(0), "authorization"), "<absent>");
}

TEST(ContainerCredentialsTest, RefusesForeignHostsAndMapsFailures) {
  FakeHttpClient http;
  EXPECT_TRUE(ContainerCredentialsProvider(envFrom({}), http).credentials().error().isNotFound());
  auto foreign =
      ContainerCredentialsProvider(
          envFrom({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example.com/creds"},
                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret"}}),
          http)
          .credentials();
  EXPECT_TRUE(foreign.error().isInvalid());
  EXPECT_EQ(http.requestCount(), 0u);  // the token never left

  const auto env = envFrom({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/creds"}});
  http.enqueue(FakeHttpClient::reply(500, "oops"));
  EXPECT_TRUE(ContainerCredentialsProvider(env, http).credentials().error().isUnavailable());
  http.enqueue(FakeHttpClient::reply(403, "denied"));
  EXPECT_TRUE(ContainerCredentialsProvider(env, http).credentials().error().isUnauthorized());
  http.enqueue(FakeHttpClient::reply(200, "not json"));
  EXPECT_TRUE(ContainerCredentialsProvider(env, http).credentials().error().isInvalid());
}

class ImdsTest : public ::testing::Test {
 protected:
  void serveImds(const std::string& role = "gantry-node-role") {
    http_.setHandler([this, role](const http::Request& req) -> Result<http::Response> {
      if (req.method == "PUT" && req.url.ends_with("/latest/api/token")) {
        if (headerOf(req, "x-aws-ec2-metadata-token-ttl-seconds") != "21600") {
          return FakeHttpClient::reply(400, "");
        }
        ++tokensIssued_;
        return FakeHttpClient::reply(200, "imds-token-" + std::to_string(tokensIssued_));
      }
      if (headerOf(req, "x-aws-ec2-metadata-token").rfind("imds-token-", 0) != 0) {
        return FakeHttpClient::reply(401, "");
      }
      if (req.url.ends_with("/latest/meta-data/iam/security-credentials/")) {
        if (role.empty()) return FakeHttpClient::reply(404, "");
        return FakeHttpClient::reply(200, role + "\n");
      }
      if (req.url.ends_with("/latest/meta-data/iam/security-credentials/" + role)) {
        return FakeHttpClient::reply(200, kJsonCredentials);
      }
      return FakeHttpClient::reply(404, "");
    });
  }

  FakeHttpClient http_;
  FakeClock clock_;
  int tokensIssued_ = 0;
};

TEST_F(ImdsTest, FetchesTokenRoleAndCredentialsAndReusesTheToken) {
  serveImds();
  ImdsCredentialsProvider p(envFrom({}), http_, clock_);
  auto c = p.credentials();
  ASSERT_TRUE(c.has_value()) << c.error().toString();
  EXPECT_EQ(c->accessKeyId, "ASIAJSONEXAMPLE");
  EXPECT_EQ(c->source, "imds");
  EXPECT_EQ(http_.requests().at(0).url, "http://169.254.169.254/latest/api/token");
  ASSERT_TRUE(p.credentials().has_value());
  EXPECT_EQ(tokensIssued_, 1);
  clock_.advance(std::chrono::hours(6));  // past the token TTL
  ASSERT_TRUE(p.credentials().has_value());
  EXPECT_EQ(tokensIssued_, 2);
}

TEST_F(ImdsTest, EndpointOverrideDisableAndNoRole) {
  serveImds("");
  ImdsCredentialsProvider custom(
      envFrom({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338/"}}), http_, clock_);
  auto noRole = custom.credentials();
  EXPECT_TRUE(noRole.error().isNotFound()) << noRole.error().toString();
  EXPECT_EQ(http_.requests().at(0).url, "http://127.0.0.1:1338/latest/api/token");

  const auto before = http_.requestCount();
  ImdsCredentialsProvider disabled(envFrom({{"AWS_EC2_METADATA_DISABLED", "true"}}), http_, clock_);
  EXPECT_TRUE(disabled.credentials().error().isNotFound());
  EXPECT_EQ(http_.requestCount(), before);

  http_.reset();
  http_.enqueue(fail(Status::unavailable("timeout")));
  ImdsCredentialsProvider unreachable(envFrom({}), http_, clock_);
  EXPECT_TRUE(unreachable.credentials().error().isUnavailable());
}

TEST(DefaultCredentialsChainTest, PrefersEnvironmentThenWebIdentity) {
  ScratchDir dir;
  FakeHttpClient http;
  FakeClock clock;
  auto fromEnv = makeDefaultCredentialsProvider(
      envFrom(
          {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "S"}, {"HOME", dir.path()}}),
      http, clock);
  EXPECT_EQ(fromEnv->credentials()->accessKeyId, "AKIDENV");
  EXPECT_EQ(http.requestCount(), 0u);

  http.enqueue(FakeHttpClient::reply(200, kStsResponse));
  auto irsa = makeDefaultCredentialsProvider(
      envFrom({{"AWS_ROLE_ARN", "arn"},
               {"AWS_WEB_IDENTITY_TOKEN_FILE", dir.write("t", "tok")},
               {"HOME", dir.path()}}),
      http, clock);
  auto c = irsa->credentials();
  ASSERT_TRUE(c.has_value()) << c.error().toString();
  EXPECT_EQ(c->source, "web-identity");
  ASSERT_TRUE(irsa->credentials().has_value());  // cached: one STS call
  EXPECT_EQ(http.requestCount(), 1u);
}

TEST(DefaultCredentialsChainTest, NothingConfiguredIsUnauthorized) {
  ScratchDir dir;
  FakeHttpClient http;
  FakeClock clock;
  auto chain = makeDefaultCredentialsProvider(
      envFrom({{"HOME", dir.path()}, {"AWS_EC2_METADATA_DISABLED", "true"}}), http, clock);
  auto c = chain->credentials();
  ASSERT_FALSE(c.has_value());
  EXPECT_TRUE(c.error().isUnauthorized());
  EXPECT_NE(c.error().message().find("imds: IMDS disabled"), std::string::npos)
      << c.error().message();
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
