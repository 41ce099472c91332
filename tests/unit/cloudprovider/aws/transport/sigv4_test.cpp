// SigV4 against the public aws-sig-v4-test-suite: every vector checks the canonical request,
// the string to sign and the Authorization header separately, so a failure points at the
// stage that went wrong. Plus the signer's own contract (headers it adds, key caching).
#include "cloudprovider/aws/transport/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/cloudprovider/aws/transport/sigv4_suite_vectors.h"

namespace gantry::cloudprovider::aws {
namespace {

using testing::kSuiteAccessKeyId;
using testing::kSuiteSecretAccessKey;
using testing::kSuiteSessionToken;
using testing::SigV4Vector;

Credentials suiteCredentials(std::string token = "") {
  return {.accessKeyId = kSuiteAccessKeyId,
          .secretAccessKey = kSuiteSecretAccessKey,
          .sessionToken = std::move(token)};
}

http::Request toRequest(const SigV4Vector& v) {
  http::Request req{
      .method = v.method,
      .url = "https://example.amazonaws.com" + v.path + (v.query.empty() ? "" : "?" + v.query),
      .body = v.body};
  for (const auto& [name, value] : v.headers) req.headers.push_back({name, value});
  return req;
}

class SigV4SuiteTest : public ::testing::TestWithParam<SigV4Vector> {};

TEST_P(SigV4SuiteTest, MatchesEveryStage) {
  const SigV4Vector& v = GetParam();
  SigV4Signer signer("us-east-1", "service");
  auto result = signer.computeSignature(toRequest(v), suiteCredentials());
  ASSERT_TRUE(result.has_value()) << result.error().toString();
  EXPECT_EQ(result->canonicalRequest, v.canonicalRequest);
  EXPECT_EQ(result->stringToSign, v.stringToSign);
  EXPECT_EQ(result->authorization, v.authorization);
}

TEST_P(SigV4SuiteTest, SignAddsTheSameAuthorization) {
  const SigV4Vector& v = GetParam();
  // post-sts-header-before carries the token header: sign() must put back the same one.
  const bool withToken = std::any_of(v.headers.begin(), v.headers.end(), [](const auto& h) {
    return h.first == "X-Amz-Security-Token";
  });
  SigV4Signer signer("us-east-1", "service");
  FakeClock clock;  // 2015-08-30T12:36:00Z
  http::Request req = toRequest(v);
  ASSERT_TRUE(
      signer.sign(req, suiteCredentials(withToken ? kSuiteSessionToken : ""), clock.now()).isOk());
  int authorizations = 0;
  for (const auto& h : req.headers) {
    if (h.name == "Authorization") {
      ++authorizations;
      EXPECT_EQ(h.value, v.authorization);
    }
  }
  EXPECT_EQ(authorizations, 1);
}

std::string vectorName(const ::testing::TestParamInfo<SigV4Vector>& info) {
  std::string name = info.param.name;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(AwsSigV4TestSuite, SigV4SuiteTest,
                         ::testing::ValuesIn(testing::sigV4SuiteVectors()), vectorName);

const SigV4Vector& vectorNamed(std::string_view name) {
  for (const auto& v : testing::sigV4SuiteVectors()) {
    if (v.name == name) return v;
  }
  throw std::logic_error("no such vector");
}

TEST(SigV4SignerTest, SessionTokenIsAddedAndSignedBeforeSigning) {
  // post-sts-header-before: the token header is part of the signature.
  const SigV4Vector& v = vectorNamed("post-sts-header-before");
  http::Request req{.method = "POST",
                    .url = "https://example.amazonaws.com/",
                    .headers = {{"Host", "example.amazonaws.com"}}};
  SigV4Signer signer("us-east-1", "service");
  FakeClock clock;
  ASSERT_TRUE(signer.sign(req, suiteCredentials(kSuiteSessionToken), clock.now()).isOk());
  const auto token = std::find_if(req.headers.begin(), req.headers.end(),
                                  [](const auto& h) { return h.name == "X-Amz-Security-Token"; });
  ASSERT_NE(token, req.headers.end());
  EXPECT_EQ(token->value, kSuiteSessionToken);
  EXPECT_EQ(req.headers.back().name, "Authorization");
  EXPECT_EQ(req.headers.back().value, v.authorization);
}

TEST(SigV4SignerTest, TokenAddedAfterSigningDoesNotChangeTheSignature) {
  // post-sts-header-after: signing without the token gives the vanilla POST signature.
  const SigV4Vector& v = vectorNamed("post-sts-header-after");
  SigV4Signer signer("us-east-1", "service");
  http::Request req = toRequest(v);
  auto result = signer.computeSignature(req, suiteCredentials());
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->authorization, vectorNamed("post-vanilla").authorization);
}

TEST(SigV4SignerTest, AddsHostFromTheUrlAndReplacesStaleDateAndAuthorization) {
  SigV4Signer signer("us-west-2", "ec2");
  FakeClock clock;
  http::Request req{
      .method = "POST",
      .url = "http://127.0.0.1:5000/",
      .headers = {{"X-Amz-Date", "19990101T000000Z"},
                  {"Authorization", "stale"},
                  {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                  {"User-Agent", "gantry"}},
      .body = "Action=DescribeRegions&Version=2016-11-15"};
  ASSERT_TRUE(signer.sign(req, suiteCredentials(), clock.now()).isOk());
  std::map<std::string, std::vector<std::string>> byName;
  for (const auto& h : req.headers) byName[h.name].push_back(h.value);
  EXPECT_EQ(byName["Host"], std::vector<std::string>{"127.0.0.1:5000"});
  EXPECT_EQ(byName["X-Amz-Date"], std::vector<std::string>{"20150830T123600Z"});
  ASSERT_EQ(byName["Authorization"].size(), 1u);
  const std::string& auth = byName["Authorization"][0];
  EXPECT_NE(auth.find("Credential=AKIDEXAMPLE/20150830/us-west-2/ec2/aws4_request"),
            std::string::npos);
  // User-Agent is left unsigned: proxies rewrite it.
  EXPECT_NE(auth.find("SignedHeaders=content-type;host;x-amz-date,"), std::string::npos) << auth;
  EXPECT_FALSE(byName.contains("X-Amz-Security-Token"));
}

TEST(SigV4SignerTest, SigningKeyFollowsDateAndSecretChanges) {
  SigV4Signer signer("us-east-1", "service");
  http::Request base = toRequest(vectorNamed("get-vanilla"));
  auto first = signer.computeSignature(base, suiteCredentials());
  // A different secret with the cached day must not reuse the cached key.
  Credentials other = suiteCredentials();
  other.secretAccessKey = "different";
  auto second = signer.computeSignature(base, other);
  auto third = signer.computeSignature(base, suiteCredentials());
  ASSERT_TRUE(first && second && third);
  EXPECT_NE(first->signature, second->signature);
  EXPECT_EQ(first->signature, third->signature);
  // The next day derives a new key.
  http::Request nextDay = base;
  for (auto& h : nextDay.headers) {
    if (h.name == "X-Amz-Date") h.value = "20150831T000000Z";
  }
  auto fourth = signer.computeSignature(nextDay, suiteCredentials());
  ASSERT_TRUE(fourth.has_value());
  EXPECT_NE(fourth->signature, first->signature);
  EXPECT_NE(fourth->stringToSign.find("20150831/us-east-1/service/aws4_request"),
            std::string::npos);
}

TEST(SigV4SignerTest, RejectsMissingDateAndBadQuery) {
  SigV4Signer signer("us-east-1", "service");
  auto noDate = signer.computeSignature(
      {.url = "https://example.amazonaws.com/", .headers = {{"Host", "example.amazonaws.com"}}},
      suiteCredentials());
  ASSERT_FALSE(noDate.has_value());
  EXPECT_TRUE(noDate.error().isInvalid());
  http::Request badQuery{.url = "https://example.amazonaws.com/?a=%zz"};
  const std::string before = badQuery.url;
  FakeClock clock;
  EXPECT_TRUE(signer.sign(badQuery, suiteCredentials(), clock.now()).isInvalid());
  EXPECT_TRUE(badQuery.headers.empty());  // unchanged on failure
}

TEST(SigV4CanonicalTest, UriNormalisationAndEncoding) {
  EXPECT_EQ(canonicalUri(""), "/");
  EXPECT_EQ(canonicalUri("/"), "/");
  EXPECT_EQ(canonicalUri("//"), "/");
  EXPECT_EQ(canonicalUri("/./"), "/");
  EXPECT_EQ(canonicalUri("/example/.."), "/");
  EXPECT_EQ(canonicalUri("/a/b/../c/./d/"), "/a/c/d/");
  EXPECT_EQ(canonicalUri("/a/b/.."), "/a/");
  EXPECT_EQ(canonicalUri("/../../x"), "/x");
  // Outside S3 an already-encoded path is encoded again.
  EXPECT_EQ(canonicalUri("/example%20space/"), "/example%2520space/");
  EXPECT_EQ(canonicalUri("/a$b"), "/a%24b");
  // S3 keeps the path as is, apart from encoding.
  EXPECT_EQ(canonicalUri("//example//", /*normalize=*/false), "//example//");
  // Found by sigv4_fuzz: a relative path must still canonicalise to an absolute one.
  EXPECT_EQ(canonicalUri("q", /*normalize=*/false), "/q");
  EXPECT_EQ(canonicalUri("q"), "/q");
}

TEST(SigV4CanonicalTest, QueryStringDecodesReencodesAndSorts) {
  EXPECT_EQ(canonicalQueryString("").value(), "");
  EXPECT_EQ(canonicalQueryString("b=2&a=1&a=0").value(), "a=0&a=1&b=2");
  EXPECT_EQ(canonicalQueryString("k=a%20b&flag").value(), "flag=&k=a%20b");
  EXPECT_EQ(canonicalQueryString("x=a+b").value(), "x=a%2Bb");
  EXPECT_EQ(canonicalQueryString("x=%2f&&y=%7E").value(), "x=%2F&y=~");
  EXPECT_FALSE(canonicalQueryString("x=%").has_value());
}

TEST(SigV4CanonicalTest, HeaderValuesAreTrimmedAndFolded) {
  EXPECT_EQ(canonicalHeaderValue("  a   b \t c  "), "a b c");
  EXPECT_EQ(canonicalHeaderValue("\"a   b   c\""), "\"a b c\"");
  EXPECT_EQ(canonicalHeaderValue(""), "");
  EXPECT_EQ(canonicalHeaderValue("   "), "");
}

TEST(SigV4CanonicalTest, AmzDates) {
  FakeClock clock;
  EXPECT_EQ(amzDate(clock.now()), "20150830T123600Z");
  EXPECT_EQ(amzDay(clock.now()), "20150830");
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
