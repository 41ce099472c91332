// `gantry catalog --live` (QueryEc2Api + HttpPricingApi + LiveCatalog over CurlHttpClient with
// the default credential chain) against the real moto server and price layer of tests/testenv,
// checked against the bundled catalog of the same region and against what moto itself reports.
// Read-only: it creates nothing in moto, so it needs no cleanup. Needs tests/testenv/up; fails
// (never skips) without it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "cloudprovider/aws/auth/credentials_env.h"
#include "cloudprovider/aws/ec2/query_ec2_api.h"
#include "src/common/clock.h"
#include "src/http/curl_http_client.h"
#include "tests/support/run_command.h"
#include "tests/support/testenv.h"

namespace gantry::cloudprovider::aws {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

using gantry::testing::CommandResult;

class CatalogMotoTest : public gantry::testing::TestEnvTest {
 protected:
  void SetUp() override {
    TestEnvTest::SetUp();
    if (HasFatalFailure()) return;
    // The binary finds credentials through the default chain's environment source, as a user
    // running it would; set here (not on the command line) so the secret is not in argv.
    ::setenv("AWS_ACCESS_KEY_ID", env().accessKeyId().c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", env().secretAccessKey().c_str(), 1);
    ::unsetenv("AWS_SESSION_TOKEN");
    ::unsetenv("AWS_PROFILE");
    pricingEndpoint_ = env().get("GANTRY_PRICING_ENDPOINT");
    ASSERT_FALSE(pricingEndpoint_.empty()) << env().path() << " has no GANTRY_PRICING_ENDPOINT";
  }

  CommandResult gantry(const std::string& args) {
    return gantry::testing::runCommand(std::string(GANTRY_BINARY) + " catalog " + args);
  }

  // `gantry catalog --live` against the environment's endpoints, by name.
  std::map<std::string, json> live(const std::string& extra) {
    CommandResult run =
        gantry("--live --region us-east-1 -o json --ec2-endpoint " + env().ec2Endpoint() +
               " --pricing-endpoint " + pricingEndpoint_ + " " + extra);
    EXPECT_EQ(run.exitCode, 0) << run.err;
    // Pricing and spot history answered: no fallback warning.
    EXPECT_THAT(run.err, ::testing::Not(HasSubstr("warning"))) << run.err;
    return byName(run);
  }

  std::map<std::string, json> byName(const CommandResult& run) {
    std::map<std::string, json> out;
    json rows = json::parse(run.out, nullptr, false);
    EXPECT_TRUE(rows.is_array()) << run.out.substr(0, 300) << run.err;
    if (!rows.is_array()) return out;
    for (json& row : rows) {
      std::string name = row.value("name", "");
      out[name] = std::move(row);
    }
    return out;
  }

  // moto's own us-east-1 answer, asked directly: type -> zones.
  std::map<std::string, std::set<std::string>> motoOfferings() {
    http::CurlHttpClient http;
    RealClock clock;
    StaticCredentialsProvider credentials(Credentials{.accessKeyId = env().accessKeyId(),
                                                      .secretAccessKey = env().secretAccessKey()});
    QueryEc2Api api({.region = "us-east-1", .endpoint = env().ec2Endpoint()}, http, credentials,
                    clock,
                    [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
    auto offerings = api.describeInstanceTypeOfferings({.locationType = "availability-zone"});
    EXPECT_TRUE(offerings.has_value()) << (offerings ? "" : offerings.error().toString());
    std::map<std::string, std::set<std::string>> out;
    if (offerings) {
      for (const auto& o : *offerings) out[o.instanceType].insert(o.location);
    }
    return out;
  }

  std::string pricingEndpoint_;
};

TEST_F(CatalogMotoTest, LiveCatalogMatchesTheBundleAndMotosZones) {
  const auto motoZones = motoOfferings();
  ASSERT_GT(motoZones.size(), 100u);
  CommandResult bundledRun = gantry("--region us-east-1 -o json");
  ASSERT_EQ(bundledRun.exitCode, 0) << bundledRun.err;
  const auto bundled = byName(bundledRun);
  const auto liveTypes = live("");
  ASSERT_GT(liveTypes.size(), 100u);

  int compared = 0;
  int spotFromHistory = 0;
  for (const auto& [name, expected] : bundled) {
    const bool offered = motoZones.contains(name);
    auto it = liveTypes.find(name);
    if (!offered) {
      EXPECT_EQ(it, liveTypes.end()) << name << " is listed although moto does not offer it";
      continue;
    }
    ASSERT_NE(it, liveTypes.end()) << name << " is offered by moto and bundled, but not listed";
    const json& got = it->second;
    ++compared;
    for (const char* key : {"vcpus", "memory_mib", "gpu", "architecture"}) {
      EXPECT_EQ(got[key], expected[key]) << name << " " << key;
    }
    // Pricing and the bundle come from the same published table (the bundle in micro-dollars).
    ASSERT_TRUE(got["on_demand_price"].is_number()) << name;
    EXPECT_NEAR(got["on_demand_price"].get<double>(), expected["on_demand_price"].get<double>(),
                1e-6)
        << name;
    std::set<std::string> zones(got["zones"].begin(), got["zones"].end());
    EXPECT_EQ(zones, motoZones.at(name)) << name;
    if (!got["spot_price"].is_null() && !got["on_demand_price"].is_null()) {
      const double ratio = got["spot_price"].get<double>() / got["on_demand_price"].get<double>();
      EXPECT_GT(ratio, 0.1) << name;
      EXPECT_LT(ratio, 0.5) << name;
      if (std::abs(ratio - 0.4) > 1e-6) ++spotFromHistory;  // 0.4 is the estimate's fraction
    }
  }
  EXPECT_GT(compared, 100);
  EXPECT_GT(spotFromHistory, compared / 2);  // spot prices come from the price history
  // What the bundle lacks may be listed only when moto offers it.
  for (const auto& [name, row] : liveTypes) {
    if (!bundled.contains(name)) {
      EXPECT_TRUE(motoZones.contains(name)) << name;
    }
  }
}

TEST_F(CatalogMotoTest, GpuRequirementsFilterTheLiveCatalog) {
  const auto all = live("");
  const auto filtered = live(
      "--gpu --requirements 'gantry.dev/instance-gpu-name in (a10g,l4),"
      "topology.kubernetes.io/zone=us-east-1a,karpenter.k8s.aws/instance-gpu-count>1'");
  std::set<std::string> expected;
  for (const auto& [name, row] : all) {
    if (row["gpu"].is_null()) continue;
    const std::string gpu = row["gpu"]["name"];
    const bool zoneA =
        std::find(row["zones"].begin(), row["zones"].end(), "us-east-1a") != row["zones"].end();
    if ((gpu == "A10G" || gpu == "L4") && row["gpu"]["count"].get<int>() > 1 && zoneA) {
      expected.insert(name);
    }
  }
  ASSERT_FALSE(expected.empty());
  std::set<std::string> got;
  for (const auto& [name, row] : filtered) {
    got.insert(name);
    EXPECT_EQ(row["zones"], json::array({"us-east-1a"})) << name;
  }
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(got.contains("g5.12xlarge"));
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
