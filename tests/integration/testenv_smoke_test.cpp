// The C++ side of the test environment: TestEnvTest reads the env file, and what it names
// answers. Fails (does not skip) when the environment is not up.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/support/testenv.h"

namespace {

using gantry::testing::TestEnv;
using TestEnvSmoke = gantry::testing::TestEnvTest;

// GET `url`; the HTTP status, or -1 if no connection could be made.
long httpGet(const std::string& url, std::string& body) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return -1;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION,
                   +[](char* data, size_t size, size_t n, void* out) -> size_t {
                     static_cast<std::string*>(out)->append(data, size * n);
                     return size * n;
                   });
  long status = -1;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  return status;
}

TEST_F(TestEnvSmoke, EnvFileNamesEveryPeer) {
  EXPECT_TRUE(std::filesystem::exists(env().kubeconfig())) << env().kubeconfig();
  EXPECT_TRUE(env().ec2Endpoint().starts_with("http://127.0.0.1:"));
  EXPECT_TRUE(env().faultsEndpoint().starts_with("http://127.0.0.1:"));
  EXPECT_TRUE(env().accessKeyId().starts_with("AKIA"));
  EXPECT_EQ(env().secretAccessKey().size(), 40u);
  EXPECT_EQ(env().region(), "us-east-1");
  EXPECT_EQ(env().clusterName(), "gantry-test");
}

TEST_F(TestEnvSmoke, FaultEndpointAnswers) {
  std::string body;
  ASSERT_EQ(httpGet(env().faultsEndpoint() + "/healthz", body), 200);
  EXPECT_EQ(body, R"({"ok": true})");
}

TEST_F(TestEnvSmoke, UnsignedEc2RequestIsRejected) {
  std::string body;
  EXPECT_EQ(httpGet(env().ec2Endpoint() + "/?Action=DescribeInstanceTypes&Version=2016-11-15", body),
            401)
      << body;
}

TEST(TestEnvLoad, MissingFileIsNullopt) {
  EXPECT_FALSE(TestEnv::load("/nonexistent/gantry/testenv/env").has_value());
}

}  // namespace
