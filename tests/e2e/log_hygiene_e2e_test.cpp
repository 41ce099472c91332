// The controller's log as an operator ships it (--log-format json --log-level debug) through a
// small provisioning: one GPU pod becomes one NodeClaim, one instance in moto and one Node.
// Then the whole log is checked: every line is a JSON object; no credential appears in it at
// any level (the AWS secret access key, a session token, the service-account bearer token,
// a SigV4 signature or Authorization value); and every AWS call that got a reply is logged
// with the reply's request id.
#include "tests/e2e/e2e_fixture.h"

#include <fstream>
#include <sstream>

namespace gantry::e2e {
namespace {

// The value of `user.token` in a kubeconfig written by serviceAccountKubeconfig().
// The service-account token file as the pod sees it (the fixture's in-cluster mount).
std::string tokenIn(const std::string& serviceAccountDir) {
  std::ifstream in(serviceAccountDir + "/token");
  std::string token;
  std::getline(in, token);
  return token;
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

class LogHygieneE2eTest : public GantryE2eTest {
 protected:
  void SetUp() override {
    GantryE2eTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, /*registers=*/true));
    ASSERT_NO_FATAL_FAILURE(createNodePool(run_, run_, {"g4dn.xlarge"}, {{"nvidia.com/gpu", "8"}}));
  }
};

TEST_F(LogHygieneE2eTest, ADebugJsonLogOfAProvisioningIsValidJsonWithRequestIdsAndNoCredentials) {
  // A bearer token to hunt for: the controller runs in-cluster as the service account of
  // deploy/rbac.yaml, with this token mounted where a pod has it.
  const std::string saDir = serviceAccountDir();
  ASSERT_FALSE(saDir.empty());
  const std::string bearer = tokenIn(saDir);
  ASSERT_GT(bearer.size(), 20u) << "no token in " << saDir;
  const std::string secretKey = env().secretAccessKey();
  ASSERT_FALSE(secretKey.empty());
  // The environment's moto checks signatures and knows only static keys, so there is no
  // session token here to hunt for by value; its header name is hunted below, and the unit
  // tests (log_format_test) hunt a registered session token.
  ASSERT_NO_FATAL_FAILURE(startController({"--log-level", "debug", "--log-format", "json"}));

  ASSERT_NO_FATAL_FAILURE(createPod("gpu", 1));
  ASSERT_TRUE(eventually([&] { return claims().size() == 1 && nodes().size() == 1; }, 120s))
      << "claims=" << claims().size() << " nodes=" << nodes().size() << "\n" << controller_->output();
  EXPECT_EQ(liveInstances().size(), 1u);
  EXPECT_EQ(controller_->terminate(15s), 0);
  const std::string log = controller_->output();

  // No credential, at any level, in any form.
  for (const auto& [what, value] : std::vector<std::pair<std::string, std::string>>{
           {"the AWS secret access key", secretKey},
           {"the service-account bearer token", bearer},
           {"a SigV4 signature", "Signature="},
           {"an Authorization header", "Authorization:"},
           {"a bearer token", "Bearer "},
           {"a security-token header", "X-Amz-Security-Token"}}) {
    EXPECT_EQ(log.find(value), std::string::npos) << what << " is in the log";
  }

  // Every line is one JSON object with the fixed members; AWS calls carry request ids.
  const auto lines = linesOf(log);
  ASSERT_GT(lines.size(), 20u);
  size_t debugLines = 0, awsCalls = 0, launches = 0;
  for (const auto& line : lines) {
    const json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(parsed.is_object()) << "not a JSON object: " << line;
    for (const char* member : {"time", "level", "logger", "msg"}) {
      EXPECT_TRUE(parsed.contains(member)) << member << " missing: " << line;
    }
    if (parsed.value("level", "") == "debug") ++debugLines;
    // "<service> call action=... status=... request_id=...": one line per AWS reply.
    if (parsed.value("logger", "") == "aws" && parsed.contains("action") && parsed.contains("status")) {
      ++awsCalls;
      const std::string id = parsed.value("request_id", "");
      EXPECT_FALSE(id.empty() || id == "none") << "an AWS reply logged without its request id: " << line;
      if (parsed.value("action", "") == "RunInstances" || parsed.value("action", "") == "CreateFleet") ++launches;
    }
  }
  std::printf("[ measured ] %zu log lines, %zu debug, %zu AWS replies with request ids, %zu launches\n", lines.size(),
              debugLines, awsCalls, launches);
  EXPECT_GT(debugLines, 0u);
  EXPECT_GT(awsCalls, 3u) << "the catalog, the node class and the launch all call EC2";
  EXPECT_GE(launches, 1u) << "the launch is logged with its request id";
}

}  // namespace
}  // namespace gantry::e2e
