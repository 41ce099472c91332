// `gantry catalog` as users and scripts see it, on the bundled catalog: the real binary, its
// exit codes, the JSON contract (keys, GPU facts, zones, prices), and filtering by --gpu and
// --requirements (a zone requirement narrows the zones listed). --live against moto is
// covered by tests/integration/aws/catalog_moto_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/run_command.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace gantry {
namespace {

using gantry::testing::CommandResult;

using ::testing::HasSubstr;
using json = nlohmann::json;

// Runs `[env] gantry catalog <args>`; both go through the shell, so quote them.
CommandResult gantryCatalog(const std::string& args, const std::string& env = "") {
  return gantry::testing::runCommand(env + " " + std::string(GANTRY_BINARY) + " catalog " + args);
}

json parseJson(const CommandResult& run) {
  json out = json::parse(run.out, nullptr, false);
  EXPECT_TRUE(out.is_array()) << run.out.substr(0, 200) << run.err;
  return out.is_array() ? out : json::array();
}

const json* find(const json& rows, const std::string& name) {
  for (const json& row : rows) {
    if (row["name"] == name) return &row;
  }
  return nullptr;
}

TEST(CatalogCommand, JsonListsEveryBundledTypeWithStableKeys) {
  CommandResult run = gantryCatalog("--region us-east-1 -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  json rows = parseJson(run);
  EXPECT_GT(rows.size(), 500u);
  for (const json& row : rows) {
    std::set<std::string> keys;
    for (const auto& [key, value] : row.items()) keys.insert(key);
    EXPECT_EQ(keys, (std::set<std::string>{"name", "vcpus", "memory_mib", "gpu", "zones",
                                           "on_demand_price", "spot_price", "architecture"}))
        << row.dump();
  }
  const json* g5 = find(rows, "g5.xlarge");
  ASSERT_NE(g5, nullptr);
  EXPECT_EQ((*g5)["vcpus"], 4);
  EXPECT_EQ((*g5)["memory_mib"], 16384);
  EXPECT_EQ((*g5)["architecture"], "amd64");
  EXPECT_EQ(
      (*g5)["gpu"],
      (json{{"count", 1}, {"name", "A10G"}, {"manufacturer", "NVIDIA"}, {"memory_mib", 22888}}));
  EXPECT_DOUBLE_EQ((*g5)["on_demand_price"].get<double>(), 1.006);
  EXPECT_DOUBLE_EQ((*g5)["spot_price"].get<double>(), 1.006 * 0.4);
  EXPECT_FALSE((*g5)["zones"].empty());
  const json* m5 = find(rows, "m5.large");
  ASSERT_NE(m5, nullptr);
  EXPECT_TRUE((*m5)["gpu"].is_null());
}

TEST(CatalogCommand, GpuAndRequirementsFilterTypesAndZoneNarrowsOfferings) {
  CommandResult run = gantryCatalog(
      "--gpu -o json --requirements "
      "'gantry.dev/instance-gpu-name in (a10g,l4),topology.kubernetes.io/zone=us-east-1a,"
      "karpenter.k8s.aws/instance-gpu-count>1'");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  json rows = parseJson(run);
  ASSERT_FALSE(rows.empty());
  std::set<std::string> names;
  for (const json& row : rows) {
    names.insert(row["name"]);
    ASSERT_FALSE(row["gpu"].is_null()) << row.dump();
    EXPECT_TRUE(row["gpu"]["name"] == "A10G" || row["gpu"]["name"] == "L4") << row.dump();
    EXPECT_GT(row["gpu"]["count"].get<int>(), 1) << row.dump();
    EXPECT_EQ(row["zones"], json::array({"us-east-1a"})) << row.dump();
  }
  EXPECT_TRUE(names.contains("g5.12xlarge"));
  EXPECT_FALSE(names.contains("g5.xlarge"));  // one GPU only
}

TEST(CatalogCommand, GpuOnlyDropsCpuTypes) {
  CommandResult all = gantryCatalog("-o json");
  CommandResult gpu = gantryCatalog("--gpu -o json");
  ASSERT_EQ(gpu.exitCode, 0) << gpu.err;
  json rows = parseJson(gpu);
  EXPECT_LT(rows.size(), parseJson(all).size());
  EXPECT_EQ(find(rows, "m5.large"), nullptr);
  for (const json& row : rows) EXPECT_FALSE(row["gpu"].is_null()) << row["name"];
}

TEST(CatalogCommand, CapacityTypeRequirementLeavesOnlyThatPrice) {
  CommandResult run = gantryCatalog(
      "-o json --requirements 'karpenter.sh/capacity-type=spot,"
      "node.kubernetes.io/instance-type=m5.large'");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  json rows = parseJson(run);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0]["on_demand_price"].is_null());
  EXPECT_FALSE(rows[0]["spot_price"].is_null());
}

TEST(CatalogCommand, TableHasAHeaderAndOneLinePerType) {
  CommandResult run = gantryCatalog(
      "--requirements 'node.kubernetes.io/instance-type in "
      "(g5.xlarge,m5.large)'");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("NAME"));
  EXPECT_THAT(run.out, HasSubstr("ON-DEMAND"));
  EXPECT_THAT(run.out, HasSubstr("1x A10G 22888MiB"));
  EXPECT_THAT(run.out, HasSubstr("2 instance types"));
}

TEST(CatalogCommand, ValuesPrintsWhatRequirementsMustWrite) {
  CommandResult table = gantryCatalog("--gpu --values gantry.dev/instance-gpu-name");
  ASSERT_EQ(table.exitCode, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("\na10g "));
  EXPECT_THAT(table.out, HasSubstr("\nt4 "));
  EXPECT_THAT(table.out, ::testing::Not(HasSubstr("A10G")));
  EXPECT_THAT(table.out, HasSubstr("values are case-sensitive"));

  CommandResult run = gantryCatalog("--gpu --values gantry.dev/instance-gpu-name -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  json listing = json::parse(run.out);
  EXPECT_EQ(listing["key"], "gantry.dev/instance-gpu-name");
  ASSERT_GT(listing["values"].size(), 5u);
  // Each value printed selects exactly the types counted for it: it is the spelling that works.
  for (const json& v : listing["values"]) {
    const std::string value = v["value"];
    CommandResult selected =
        gantryCatalog("-o json --requirements 'gantry.dev/instance-gpu-name=" + value + "'");
    ASSERT_EQ(selected.exitCode, 0) << selected.err;
    EXPECT_EQ(parseJson(selected).size(), v["instance_types"].get<size_t>()) << value;
  }
  // Kubernetes compares label values case-sensitively, and so does Gantry.
  EXPECT_TRUE(parseJson(gantryCatalog("-o json --requirements 'gantry.dev/instance-gpu-name=A10G'"))
                  .empty());
}

TEST(CatalogCommand, ValuesOfPerOfferingKeysAndUnknownKeys) {
  CommandResult run = gantryCatalog("--values karpenter.sh/capacity-type -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  const json listing = json::parse(run.out);
  std::set<std::string> values;
  for (const json& v : listing["values"]) values.insert(v["value"]);
  EXPECT_EQ(values, (std::set<std::string>{"on-demand", "spot"}));

  CommandResult unknown = gantryCatalog("--values gantry.dev/instance-gpu-nam");
  EXPECT_EQ(unknown.exitCode, 2);
  EXPECT_TRUE(unknown.out.empty());
  EXPECT_THAT(unknown.err, HasSubstr("not a key instance types carry"));
  EXPECT_THAT(unknown.err, HasSubstr("\n  gantry.dev/instance-gpu-name\n"));
}

// g6f types carry a share of one L4 and a whole-device count of 0; the table shows the share
// ("1/8 L4"), never "0x L4", and the JSON adds the fraction to those rows only.
TEST(CatalogCommand, FractionalGpuShowsItsShareOfOneDevice) {
  const std::string filter =
      "--requirements 'node.kubernetes.io/instance-type in (g6f.large,g6f.4xlarge)'";
  CommandResult table = gantryCatalog(filter);
  ASSERT_EQ(table.exitCode, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("1/8 L4 2861MiB"));
  EXPECT_THAT(table.out, HasSubstr("1/2 L4 11444MiB"));
  EXPECT_THAT(table.out, ::testing::Not(HasSubstr("0x L4")));

  CommandResult run = gantryCatalog(filter + " -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  json rows = parseJson(run);
  const json* eighth = find(rows, "g6f.large");
  ASSERT_NE(eighth, nullptr);
  EXPECT_DOUBLE_EQ((*eighth)["gpu"]["fraction"].get<double>(), 0.125);
  EXPECT_EQ((*eighth)["gpu"]["count"], 0);
}

TEST(CatalogCommand, UsageErrorsExitTwoWithAMessage) {
  struct Case {
    std::string args;
    std::string fragment;
  };
  for (const Case& c : std::vector<Case>{
           {"--requirements 'a in (b'", "--requirements: requirements expression"},
           {"--requirements 'gpu-count>many'", "integer"},
           {"-o yaml", "--output must be table or json"},
           {"--nope", "unknown flag --nope"},
           {"--region mars-1", "no bundled instance catalog for region \"mars-1\""},
       }) {
    CommandResult run = gantryCatalog(c.args);
    EXPECT_EQ(run.exitCode, 2) << c.args;
    EXPECT_THAT(run.err, HasSubstr(c.fragment)) << c.args;
    EXPECT_TRUE(run.out.empty()) << c.args;
  }
}

TEST(CatalogCommand, LiveFailureIsARuntimeErrorExitOne) {
  // A closed port: EC2 cannot be reached. Credentials in the environment keep the chain from
  // probing IMDS; connection refused fails each retry at once.
  CommandResult run = gantryCatalog(
      "--live --region us-east-1 --ec2-endpoint http://127.0.0.1:9 --skip-pricing -o json",
      "AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=not-a-secret");
  EXPECT_EQ(run.exitCode, 1) << run.out;
  EXPECT_THAT(run.err, HasSubstr("gantry catalog: "));
  EXPECT_TRUE(run.out.empty());
}

}  // namespace
}  // namespace gantry
