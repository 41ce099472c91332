// `gantry simulate` through the real binary: the JSON contract's keys in order, byte-identical
// output for one trace, and exit 2 with file, object and field for a bad trace.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.h"
#include "tests/unit/provisioner/simulate/simulate_test_support.h"

namespace gantry::provisioner::simulate::testing {
namespace {

// What `gantry simulate` charges per node-hour besides the instance: the default
// EC2NodeClass's 20 GiB gp3 root volume at $0.08 per GiB-month.
constexpr double kRootVolumePerHour = 20 * 0.08 / 730;

std::string writeTrace(const std::string& name, const std::string& yaml) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << yaml;
  return path;
}

TEST(SimulateCommand, JsonReportFollowsTheContractAndRepeatsByteForByte) {
  const std::string path =
      writeTrace("simulate_cli_one.yaml", nodePool("gpu", "1m") + "---\n" + trainingPod("30m"));
  const std::string command = std::string(GANTRY_BINARY) + " simulate --trace " + path + " -o json";
  auto first = gantry::testing::runCommand(command);
  ASSERT_EQ(first.exitCode, 0) << first.err;
  auto second = gantry::testing::runCommand(command);
  EXPECT_EQ(first.out, second.out);

  auto report = nlohmann::ordered_json::parse(first.out);
  std::vector<std::string> keys;
  for (const auto& [key, value] : report.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"total_cost", "gpu_hours_paid", "gpu_hours_requested",
                                            "gpu_hours_idle", "nodes_launched", "nodes_reaped",
                                            "peak_nodes", "pending_seconds", "makespan_seconds",
                                            "launch_failures", "disruptions",
                                            "by_instance_type", "nodes", "pods"}));
  EXPECT_EQ(report["disruptions"], nlohmann::json({{"Empty", 1}}));
  EXPECT_EQ(report["launch_failures"], nlohmann::json::object());
  // One g4dn.xlarge from 1 s to 2001 s, with the default node class's 20 GiB gp3 root volume.
  const double cost = (onDemandPrice("g4dn.xlarge") + kRootVolumePerHour) * 2000.0 / 3600;
  EXPECT_EQ(report["total_cost"], std::round(cost * 1e6) / 1e6);
  EXPECT_EQ(report["nodes"][0]["launched_at"], 1.0);
  EXPECT_EQ(report["nodes"][0]["ready_at"], 121.0);
  EXPECT_EQ(report["nodes"][0]["terminated_at"], 2001.0);
  EXPECT_EQ(report["pods"][0]["name"], "ml/train");
  EXPECT_EQ(report["pods"][0]["started_at"], 141.0);
  EXPECT_EQ(report["pods"][0]["finished_at"], 1941.0);
}

// A scripted capacity error: the lifecycle falls back to the next type at once (as against
// EC2), the warning goes to stderr and stdout stays one JSON object.
TEST(SimulateCommand, CapacityErrorFallsBackAndKeepsStdoutJson) {
  const std::string path = writeTrace(
      "simulate_cli_capacity.yaml",
      "apiVersion: simulate.gantry.dev/v1\nkind: Simulation\nmetadata: {name: s}\nspec:\n"
      "  capacityErrors:\n  - {instanceType: g4dn.xlarge, from: 0s, until: 1h}\n---\n" +
          nodePool("gpu", "1m") + "---\n" + trainingPod("30m"));
  auto run =
      gantry::testing::runCommand(std::string(GANTRY_BINARY) + " simulate -o json --trace " + path);
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.err.find("InsufficientInstanceCapacity"), std::string::npos) << run.err;
  auto report = nlohmann::json::parse(run.out);
  ASSERT_EQ(report["nodes"].size(), 1u);
  EXPECT_EQ(report["nodes"][0]["instance_type"], "g4dn.2xlarge");
  EXPECT_EQ(report["nodes"][0]["launched_at"], 1.0);
  EXPECT_EQ(report["pods"][0]["bound_at"], 121.0);
  EXPECT_EQ(report["launch_failures"], nlohmann::json({{"InsufficientCapacity", 1}}));
}

TEST(SimulateCommand, TextSummaryNamesPoolsTypesAndWaits) {
  const std::string path =
      writeTrace("simulate_cli_text.yaml", nodePool("gpu", "1m") + "---\n" + trainingPod("30m"));
  auto run = gantry::testing::runCommand(std::string(GANTRY_BINARY) + " simulate --trace " + path);
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("by NodePool:\n  gpu "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  g4dn.xlarge "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("pending: p50 121.0 s, p95 121.0 s, max 121.0 s (1 pods)"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("nodes: 1 launched, 1 reaped, peak 1"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("launch failures: none\ndisruptions: Empty 1\n"), std::string::npos)
      << run.out;
}

// The progress line: never on a pipe by default (nor for a run under a second), always when
// asked, on stderr only, erased at the end; a bad mode exits 2.
TEST(SimulateCommand, ProgressLineOnlyWhenAskedOrOnATerminal) {
  const std::string path = writeTrace(
      "simulate_cli_progress.yaml",
      "apiVersion: simulate.gantry.dev/v1\nkind: Simulation\nmetadata: {name: s}\nspec:\n"
      "  duration: 1h\n---\n" + nodePool("gpu", "1m") + "---\n" + trainingPod("30m"));
  const std::string base = std::string(GANTRY_BINARY) + " simulate -o json --trace " + path;
  auto quiet = gantry::testing::runCommand(base);
  ASSERT_EQ(quiet.exitCode, 0) << quiet.err;
  EXPECT_TRUE(quiet.err.empty()) << quiet.err;

  auto shown = gantry::testing::runCommand(base + " --progress always");
  ASSERT_EQ(shown.exitCode, 0) << shown.err;
  EXPECT_EQ(shown.out, quiet.out);
  EXPECT_NE(shown.err.find("\r[------------------------------]   0%  0h00m of 1h00m  gantry"),
            std::string::npos)
      << shown.err;
  ASSERT_FALSE(shown.err.empty());
  EXPECT_EQ(shown.err.back(), '\r') << "the line is erased at the end";

  auto compared = gantry::testing::runCommand(base + " --compare --progress always");
  EXPECT_NE(compared.err.find("  per-pod"), std::string::npos) << compared.err;

  EXPECT_EQ(gantry::testing::runCommand(base + " --progress sometimes").exitCode, 2);
}

TEST(SimulateCommand, BadTraceExitsTwoNamingFileObjectAndField) {
  const std::string path = writeTrace("simulate_cli_bad.yaml", trainingPod("soon"));
  auto run = gantry::testing::runCommand(std::string(GANTRY_BINARY) + " simulate --trace " + path);
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_NE(
      run.err.find(path + ": Pod ml/train: metadata.annotations[simulate.gantry.dev/run-for]: "),
      std::string::npos)
      << run.err;
}

TEST(SimulateCommand, MissingPathOrFlagExitsTwo) {
  EXPECT_EQ(gantry::testing::runCommand(std::string(GANTRY_BINARY) +
                                        " simulate --trace /nonexistent/trace.yaml")
                .exitCode,
            2);
  EXPECT_EQ(gantry::testing::runCommand(std::string(GANTRY_BINARY) + " simulate").exitCode, 2);
  EXPECT_EQ(gantry::testing::runCommand(std::string(GANTRY_BINARY) + " simulate --trace x -o yaml")
                .exitCode,
            2);
}

// --compare: Gantry's run stays the top-level object, byte for byte as without it, and the
// baselines come under "baselines"; the text puts them side by side and the report's totals
// table gets a column each.
TEST(SimulateCommand, CompareAddsBaselinesToJsonTextAndReport) {
  const std::string path =
      writeTrace("simulate_cli_compare.yaml", nodePool("gpu", "1m") + "---\n" + trainingPod("30m"));
  const std::string base = std::string(GANTRY_BINARY) + " simulate --trace " + path;
  auto plain = gantry::testing::runCommand(base + " -o json");
  auto compared = gantry::testing::runCommand(base + " -o json --compare");
  ASSERT_EQ(plain.exitCode, 0) << plain.err;
  ASSERT_EQ(compared.exitCode, 0) << compared.err;
  EXPECT_EQ(compared.out, gantry::testing::runCommand(base + " -o json --compare").out);
  auto report = nlohmann::ordered_json::parse(compared.out);
  ASSERT_TRUE(report.contains("baselines"));
  auto baselines = report["baselines"];
  report.erase("baselines");
  EXPECT_EQ(report, nlohmann::ordered_json::parse(plain.out));
  // One g4dn.xlarge each; cluster-autoscaler removes it 10 min after the pod finished (1941 s)
  // instead of consolidateAfter's 1 min.
  const double price = onDemandPrice("g4dn.xlarge") + kRootVolumePerHour;
  EXPECT_EQ(baselines["per-pod"]["total_cost"], std::round(price * 2000.0 / 3600 * 1e6) / 1e6);
  EXPECT_EQ(baselines["cluster-autoscaler"]["total_cost"],
            std::round(price * 2540.0 / 3600 * 1e6) / 1e6);
  EXPECT_EQ(baselines["cluster-autoscaler"]["nodes"][0]["terminated_at"], 2541.0);

  const std::string html = ::testing::TempDir() + "simulate_cli_compare.html";
  auto text = gantry::testing::runCommand(base + " --compare --report " + html);
  ASSERT_EQ(text.exitCode, 0) << text.err;
  EXPECT_NE(text.out.find("cluster-autoscaler"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("gantry cost / this"), std::string::npos) << text.out;
  std::ifstream in(html);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(page.find("<th class=\"run\">cluster-autoscaler</th>"), std::string::npos);
  EXPECT_NE(page.find("<th class=\"run\">per-pod</th>"), std::string::npos);

  auto help = gantry::testing::runCommand(std::string(GANTRY_BINARY) + " simulate --help");
  EXPECT_NE(help.out.find("--compare"), std::string::npos) << help.out;
}

TEST(SimulateCommand, NodesArePricedByTheTracesEc2NodeClass) {
  // The pool's class "default" gives each node a 100 GiB gp3 root and a public IPv4 address.
  const std::string nodeClass = R"(---
apiVersion: gantry.dev/v1
kind: EC2NodeClass
metadata: {name: default}
spec:
  amiSelectorTerms: [{alias: al2023@latest}]
  role: node-role
  associatePublicIPAddress: true
  blockDeviceMappings:
  - {deviceName: /dev/xvda, ebs: {volumeSize: 100Gi, volumeType: gp3}}
  subnetSelectorTerms: [{tags: {gantry.dev/discovery: test}}]
  securityGroupSelectorTerms: [{tags: {gantry.dev/discovery: test}}]
)";
  const std::string path = writeTrace("simulate_cli_node_class.yaml",
                                      nodePool("gpu", "1m") + nodeClass + "---\n" +
                                          trainingPod("30m"));
  auto run = gantry::testing::runCommand(std::string(GANTRY_BINARY) + " simulate --trace " +
                                         path + " -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  auto report = nlohmann::json::parse(run.out);
  // One g4dn.xlarge from 1 s to 2001 s, with the class's volume and address.
  const double fixed = 100 * 0.08 / 730 + 0.005;
  const double cost = (onDemandPrice("g4dn.xlarge") + fixed) * 2000.0 / 3600;
  EXPECT_EQ(report["total_cost"], std::round(cost * 1e6) / 1e6);
}

}  // namespace
}  // namespace gantry::provisioner::simulate::testing
