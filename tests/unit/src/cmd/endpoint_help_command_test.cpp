// `gantry controller -h` and `gantry catalog -h` state the AWS endpoint precedence that
// cloudprovider/aws/transport/endpoints.h implements (the AWS SDKs' order), through the real
// binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/support/run_command.h"

namespace gantry {
namespace {

using ::testing::HasSubstr;

std::string helpOf(const std::string& command) {
  return gantry::testing::runCommand(std::string(GANTRY_BINARY) + " " + command + " -h").out;
}

TEST(EndpointHelp, ControllerHelpStatesTheSdkPrecedence) {
  const std::string help = helpOf("controller");
  EXPECT_THAT(help, HasSubstr("an --*-endpoint flag beats\nAWS_ENDPOINT_URL_<SERVICE> (EC2, SSM, "
                              "PRICING, SQS, STS), which beats AWS_ENDPOINT_URL,\nwhich beats the "
                              "region's public endpoint"));
  EXPECT_THAT(help, HasSubstr("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true"));
  EXPECT_THAT(help, HasSubstr("(default: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL, AWS)"));
  EXPECT_THAT(help, HasSubstr("(default: AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL, AWS)"));
  EXPECT_THAT(help, HasSubstr("(default: AWS_ENDPOINT_URL_PRICING, AWS_ENDPOINT_URL, AWS)"));
  EXPECT_THAT(help, HasSubstr("(default: AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, AWS)"));
}

TEST(EndpointHelp, CatalogHelpNamesBothVariablesInOrder) {
  const std::string help = helpOf("catalog");
  EXPECT_THAT(help, HasSubstr("(--live; default: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL, AWS)"));
  EXPECT_THAT(help, HasSubstr("(--live; default: AWS_ENDPOINT_URL_PRICING, AWS_ENDPOINT_URL, AWS)"));
}

}  // namespace
}  // namespace gantry
