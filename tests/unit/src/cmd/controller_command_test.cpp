// `gantry controller` flag handling through the real binary: bad input is exit 2 with the
// usage before anything connects, and every flag can come from GANTRY_<FLAG>.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/run_command.h"

namespace gantry::cmd {
namespace {

// Runs the controller with a kubeconfig that cannot exist, so a run that gets past the
// flags stops at once with exit 1 instead of connecting anywhere.
testing::CommandResult controller(const std::string& env, const std::string& args) {
  return testing::runCommand("env -u GANTRY_CLUSTER_NAME -u KUBECONFIG " + env + " " +
                             std::string(GANTRY_BINARY) + " controller " + args);
}

constexpr const char* kNoCluster = "--kubeconfig /nonexistent/kubeconfig --region us-east-1";

TEST(ControllerCommandTest, UnknownFlagIsExit2WithUsage) {
  auto r = controller("", "--bogus");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("usage: gantry controller"), std::string::npos) << r.err;
}

TEST(ControllerCommandTest, ClusterNameIsRequired) {
  auto r = controller("", kNoCluster);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("--cluster-name"), std::string::npos) << r.err;
}

TEST(ControllerCommandTest, BadDurationsPortsAndFormatsAreExit2) {
  const std::string base = std::string(kNoCluster) + " --cluster-name c ";
  for (const std::string bad : {"--batch-idle 5x", "--batch-idle 20s --batch-max 10s",
                                "--metrics-port 70000", "--log-format xml", "--log-level loud",
                                "--catalog remote", "--registration-ttl 0s",
                                "--registration-ttl never"}) {
    auto r = controller("", base + bad);
    EXPECT_EQ(r.exitCode, 2) << bad << ": " << r.err;
  }
}

TEST(ControllerCommandTest, FlagsComeFromTheEnvironmentToo) {
  auto bad = controller("GANTRY_CLUSTER_NAME=c GANTRY_BATCH_MAX=soon", kNoCluster);
  EXPECT_EQ(bad.exitCode, 2);
  EXPECT_NE(bad.err.find("--batch-max"), std::string::npos) << bad.err;
  // Valid flags from the environment get as far as loading the (missing) kubeconfig.
  auto good = controller("GANTRY_CLUSTER_NAME=c GANTRY_BATCH_IDLE=500ms", kNoCluster);
  EXPECT_EQ(good.exitCode, 1) << good.err;
  EXPECT_NE((good.out + good.err).find("kubernetes config"), std::string::npos) << good.out << good.err;
}

TEST(ControllerCommandTest, HelpIsExit0) {
  auto r = controller("", "--help");
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.out.find("--leader-elect"), std::string::npos);
}

}  // namespace
}  // namespace gantry::cmd
