// The e2e fixture runs `gantry controller` as the chart's pod runs it (in_cluster_launch.h);
// this checks that from outside the process, through /proc: the rendered chart's args with
// only the test's own flags changed, no kubeconfig, the Service address in its environment,
// and the service-account files at the in-cluster path in its own mount namespace, invisible
// to the host. Were the fixture to fall back to a kubeconfig, every other e2e test would still
// pass; this one would not.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/e2e/e2e_fixture.h"

namespace gantry::e2e {
namespace {

// A NUL-separated /proc file (cmdline, environ) as its words.
std::vector<std::string> procWords(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> out;
  for (std::string word; std::getline(in, word, '\0');) out.push_back(word);
  return out;
}

std::string fileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class InClusterE2eTest : public GantryE2eTest {};

TEST_F(InClusterE2eTest, TheControllerRunsWithTheChartsArgsInClusterWithoutAKubeconfig) {
  ASSERT_NO_FATAL_FAILURE(startController({"--batch-idle", "2s"}));
  const std::string proc = "/proc/" + std::to_string(controller_->pid());
  const auto cmdline = procWords(proc + "/cmdline");
  ASSERT_GE(cmdline.size(), 2u);
  EXPECT_EQ(cmdline[1], "controller");
  const std::set<std::string> args(cmdline.begin() + 1, cmdline.end());
  // What the tests change; everything else is the chart's, word for word.
  const std::set<std::string> changed = {"cluster-name", "region", "ec2-endpoint", "pricing-endpoint",
                                         "ssm-endpoint", "namespace", "nodepool-selector", "leader-elect-name",
                                         "metrics-port", "health-port", "metrics-bind-address",
                                         "health-bind-address", "batch-idle"};
  ASSERT_FALSE(chart().args.empty());
  for (const auto& arg : chart().args) {
    const std::string name = arg.substr(2, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 2);
    if (arg.starts_with("--") && changed.contains(name)) continue;
    EXPECT_TRUE(args.contains(arg)) << arg << " of the chart is missing";
  }
  EXPECT_TRUE(args.contains("--leader-elect"));
  EXPECT_TRUE(args.contains("--batch-idle=2s"));
  for (const auto& arg : args) EXPECT_FALSE(arg.starts_with("--kubeconfig")) << arg;

  std::map<std::string, std::string> environment;
  for (const auto& kv : procWords(proc + "/environ")) {
    environment[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
  }
  EXPECT_FALSE(environment.contains("KUBECONFIG"));
  EXPECT_EQ(environment["KUBERNETES_SERVICE_HOST"], "127.0.0.1");
  EXPECT_FALSE(environment["KUBERNETES_SERVICE_PORT"].empty());
  EXPECT_EQ(environment["POD_NAMESPACE"], chart().podNamespace);

  // Its root as it sees it: the pod's service-account files, this test's token.
  // (/var/run is a symlink to /run, whose absolute target /proc/<pid>/root would resolve in
  // our root, not the controller's: the resolved path is joined instead.)
  const std::string mount = proc + "/root" + std::filesystem::canonical("/var/run").string() +
                            "/secrets/kubernetes.io/serviceaccount";
  EXPECT_EQ(fileText(mount + "/namespace"), "gantry-system");
  EXPECT_EQ(fileText(mount + "/token"), fileText(serviceAccountDir() + "/token"));
  EXPECT_EQ(fileText(mount + "/ca.crt").rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  // Only in its mount namespace: the host does not see this token there.
  EXPECT_NE(fileText("/var/run/secrets/kubernetes.io/serviceaccount/token"), fileText(mount + "/token"));
  // And it works with them: it leads (the Lease is written with the account's token).
  EXPECT_TRUE(controller_->waitFor("started leading", 30s)) << controller_->output();
}

}  // namespace
}  // namespace gantry::e2e
