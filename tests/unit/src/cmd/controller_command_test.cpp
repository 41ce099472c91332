// `gantry controller` flag handling through the real binary: bad input is exit 2 with the
// usage before anything connects, and every flag can come from GANTRY_<FLAG>.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

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

TEST(ControllerCommandTest, BadBindAddressesAreExit2NamingTheFlag) {
  const std::string base = std::string(kNoCluster) + " --cluster-name c ";
  for (const auto& [bad, flag] : std::vector<std::pair<std::string, std::string>>{
           {"--metrics-bind-address 8080", "--metrics-bind-address"},
           {"--metrics-bind-address :70000", "--metrics-bind-address"},
           {"--health-bind-address example.com:8081", "--health-bind-address"},
           {"--health-bind-address ::1:8081", "--health-bind-address"},
           {"--health-bind-address 127.0.0.1:", "--health-bind-address"},
           {"--metrics-port 9090 --metrics-bind-address :9090", "--metrics-port"},
           {"--health-port x", "--health-port"}}) {
    auto r = controller("", base + bad);
    EXPECT_EQ(r.exitCode, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find(flag), std::string::npos) << bad << ": " << r.err;
  }
}

TEST(ControllerCommandTest, GoodBindAddressesAndTheDeprecatedPortsGetPastTheFlags) {
  const std::string base = std::string(kNoCluster) + " --cluster-name c ";
  for (const std::string good : {"--metrics-bind-address :8080", "--health-bind-address 127.0.0.1:0",
                                 "--metrics-bind-address [::1]:0", "--health-bind-address localhost:8081",
                                 "--metrics-port 9090 --health-port 9091"}) {
    auto r = controller("", base + good);
    EXPECT_EQ(r.exitCode, 1) << good << ": " << r.err;  // the missing kubeconfig, after the flags
  }
}

TEST(ControllerCommandTest, HelpMarksThePortFlagsDeprecated) {
  auto r = controller("", "--help");
  EXPECT_NE(r.out.find("--metrics-port VALUE          DEPRECATED: use --metrics-bind-address"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("--health-port VALUE           DEPRECATED: use --health-bind-address"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("(default :8080)"), std::string::npos) << r.out;
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
