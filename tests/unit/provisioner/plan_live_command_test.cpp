// `gantry plan --kubeconfig` as scripts see it when the cluster is not there: the real binary,
// exit 1 with the server named for an unreachable cluster, exit 2 for bad input. (Planning a
// live cluster is proven against the real apiserver in tests/integration/kube.)
#include <gtest/gtest.h>

#include "tests/support/run_command.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace gantry {
namespace {

using gantry::testing::CommandResult;

// Runs `gantry plan <args>` with KUBECONFIG unset unless `env` sets it.
CommandResult gantryPlan(const std::string& args, const std::string& env = "") {
  return gantry::testing::runCommand("env -u KUBECONFIG -u GANTRY_KUBECONFIG " + env + " " +
                                     std::string(GANTRY_BINARY) + " plan " + args);
}

// A kubeconfig for a server where nothing listens (port 1 on loopback refuses at once).
std::string unreachableKubeconfig() {
  const std::string path = ::testing::TempDir() + "gantry_plan_unreachable." +
                           std::to_string(::getpid()) + ".kubeconfig";
  std::ofstream(path) << "apiVersion: v1\nkind: Config\n"
                         "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n"
                         "users:\n- name: u\n  user:\n    token: t\n"
                         "contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: u\n"
                         "current-context: ctx\n";
  return path;
}

TEST(PlanLiveCommand, UnreachableClusterExitsOneNamingTheServer) {
  CommandResult run = gantryPlan("--kubeconfig " + unreachableKubeconfig() + " -o json");
  EXPECT_EQ(run.exitCode, 1) << run.err;
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_NE(run.err.find("cannot read the cluster at https://127.0.0.1:1"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("/api/v1/nodes"), std::string::npos) << run.err;
}

TEST(PlanLiveCommand, KubeconfigFromTheEnvironmentWhenNoPodsAreGiven) {
  CommandResult run = gantryPlan("", "KUBECONFIG=" + unreachableKubeconfig());
  EXPECT_EQ(run.exitCode, 1) << run.err;
  EXPECT_NE(run.err.find("https://127.0.0.1:1"), std::string::npos) << run.err;
  // With --pods, $KUBECONFIG is not consulted: file mode as before.
  CommandResult files = gantryPlan("--pods " + std::string(GANTRY_SOURCE_DIR) +
                                       "/tests/unit/provisioner/testdata/gpu-pods.yaml -o json",
                                   "KUBECONFIG=" + unreachableKubeconfig());
  EXPECT_EQ(files.exitCode, 0) << files.err;
}

TEST(PlanLiveCommand, BadKubeconfigAndFlagMixesExitTwo) {
  CommandResult missing = gantryPlan("--kubeconfig /nonexistent/kubeconfig");
  EXPECT_EQ(missing.exitCode, 2);
  EXPECT_NE(missing.err.find("/nonexistent/kubeconfig"), std::string::npos) << missing.err;
  CommandResult context = gantryPlan("--kubeconfig " + unreachableKubeconfig() + " --context nope");
  EXPECT_EQ(context.exitCode, 2);
  EXPECT_NE(context.err.find("nope"), std::string::npos) << context.err;
  EXPECT_EQ(gantryPlan("--kubeconfig " + unreachableKubeconfig() + " --pods x.yaml").exitCode, 2);
  EXPECT_EQ(gantryPlan("--kubeconfig " + unreachableKubeconfig() + " --region mars-1").exitCode, 2);
  CommandResult neither = gantryPlan("");
  EXPECT_EQ(neither.exitCode, 2);
  EXPECT_NE(neither.err.find("--kubeconfig"), std::string::npos) << neither.err;
}

TEST(PlanLiveCommand, UsageNamesTheNewFlags) {
  CommandResult run = gantryPlan("--help");
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_NE(run.out.find("--kubeconfig"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("--context"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace gantry
