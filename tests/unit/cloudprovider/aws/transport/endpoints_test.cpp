// Endpoint precedence, as the AWS SDKs' "service-specific endpoints" setting defines it, for
// each service Gantry calls: explicit option (a flag) > AWS_ENDPOINT_URL_<SERVICE> >
// AWS_ENDPOINT_URL > the regional endpoint; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true drops
// the two variables but never the option. The clients are checked to resolve the same way.
#include "cloudprovider/aws/transport/endpoints.h"

#include <gtest/gtest.h>

#include "cloudprovider/aws/auth/credentials_env.h"
#include "cloudprovider/aws/ec2/query_ec2_api.h"
#include "cloudprovider/aws/sqs/sqs_api.h"
#include "cloudprovider/aws/ssm/ssm_api.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/cloudprovider/aws/auth/credentials_test_support.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::cloudprovider::aws {
namespace {

using testing::envFrom;

struct Service {
  const char* id;        // resolveEndpoint's service
  const char* variable;  // its AWS_ENDPOINT_URL_<SERVICE>
};
constexpr Service kServices[] = {{"ec2", "AWS_ENDPOINT_URL_EC2"},
                                 {"ssm", "AWS_ENDPOINT_URL_SSM"},
                                 {"pricing", "AWS_ENDPOINT_URL_PRICING"},
                                 {"sts", "AWS_ENDPOINT_URL_STS"},
                                 {"sqs", "AWS_ENDPOINT_URL_SQS"}};

TEST(EndpointPrecedence, ServiceVariableBeatsGlobalVariable) {
  for (const Service& s : kServices) {
    SCOPED_TRACE(s.id);
    auto env = envFrom({{"AWS_ENDPOINT_URL", "http://global:1"}, {s.variable, "http://service:2/"}});
    EXPECT_EQ(resolveEndpoint(s.id, "eu-west-1", env), "http://service:2");
  }
}

TEST(EndpointPrecedence, GlobalVariableServesEveryServiceWithoutItsOwn) {
  for (const Service& s : kServices) {
    SCOPED_TRACE(s.id);
    EXPECT_EQ(resolveEndpoint(s.id, "eu-west-1", envFrom({{"AWS_ENDPOINT_URL", "http://global:1"}})),
              "http://global:1");
    // An empty service variable is unset, not "no endpoint".
    EXPECT_EQ(resolveEndpoint(s.id, "eu-west-1",
                              envFrom({{"AWS_ENDPOINT_URL", "http://global:1"}, {s.variable, ""}})),
              "http://global:1");
  }
}

TEST(EndpointPrecedence, ExplicitOptionBeatsBothVariables) {
  for (const Service& s : kServices) {
    SCOPED_TRACE(s.id);
    auto env = envFrom({{"AWS_ENDPOINT_URL", "http://global:1"}, {s.variable, "http://service:2"}});
    EXPECT_EQ(resolveEndpoint(s.id, "eu-west-1", env, "http://flag:3/"), "http://flag:3");
  }
}

TEST(EndpointPrecedence, IgnoreConfiguredEndpointsDropsTheVariablesButNotTheOption) {
  for (const Service& s : kServices) {
    SCOPED_TRACE(s.id);
    auto env = envFrom({{"AWS_ENDPOINT_URL", "http://global:1"},
                        {s.variable, "http://service:2"},
                        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"}});
    EXPECT_EQ(resolveEndpoint(s.id, "eu-west-1", env), defaultEndpoint(s.id, "eu-west-1"));
    EXPECT_EQ(resolveEndpoint(s.id, "eu-west-1", env, "http://flag:3"), "http://flag:3");
  }
  auto notIgnored = envFrom({{"AWS_ENDPOINT_URL", "http://global:1"},
                             {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"}});
  EXPECT_EQ(resolveEndpoint("ec2", "eu-west-1", notIgnored), "http://global:1");
}

TEST(EndpointPrecedence, ClientsResolveTheirEndpointsTheSameWay) {
  FakeClock clock;
  http::FakeHttpClient http;
  StaticCredentialsProvider credentials(Credentials{.accessKeyId = "AKID", .secretAccessKey = "s"});
  auto env = envFrom({{"AWS_ENDPOINT_URL", "http://global:1"}, {"AWS_ENDPOINT_URL_SSM", "http://ssm:2"}});

  EXPECT_EQ(QueryEc2Api({.region = "us-west-2"}, http, credentials, clock, env).endpoint(),
            "http://global:1");
  EXPECT_EQ(QueryEc2Api({.region = "us-west-2", .endpoint = "http://flag:3"}, http, credentials,
                        clock, env)
                .endpoint(),
            "http://flag:3");
  EXPECT_EQ(JsonSsmApi({.region = "us-west-2"}, http, credentials, clock, env).endpoint(),
            "http://ssm:2");
  EXPECT_EQ(JsonSqsApi({.region = "us-west-2"}, http, credentials, clock, env).endpoint(),
            "http://global:1");
  EXPECT_EQ(JsonSqsApi({.region = "us-west-2"}, http, credentials, clock,
                       envFrom({{"AWS_ENDPOINT_URL_SQS", "http://sqs:4/"}}))
                .endpoint(),
            "http://sqs:4");
  EXPECT_EQ(JsonSqsApi({.region = "us-west-2"}, http, credentials, clock, envFrom({})).endpoint(),
            "https://sqs.us-west-2.amazonaws.com");
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
