// The NodePool decoder holds a pool to the rules of deploy/crds/gantry.dev_nodepools.yaml:
// every case of tests/support/nodepool_rules.yaml (which the CRD tests also run against a
// real apiserver), the key and value syntax, the default capacity type, and the warnings
// for requirements on custom label keys.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"
#include "src/api/nodepool_rules.h"
#include "src/api/well_known_labels.h"
#include "src/workload/manifest_loader.h"

namespace gantry::api {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string readSource(const std::string& rel) {
  std::ifstream in(std::string(GANTRY_SOURCE_DIR) + "/" + rel);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << rel;
  return text.str();
}

json firstDocument(const std::string& rel) {
  auto docs = workload::parseDocuments(readSource(rel));
  EXPECT_TRUE(docs && !docs->empty()) << rel;
  return docs && !docs->empty() ? docs->front() : json::object();
}

const json& rules() {
  static const json table = firstDocument("tests/support/nodepool_rules.yaml");
  return table;
}

json patched(const json& testCase) {
  static const json base = firstDocument("deploy/examples/nodepool-cpu.yaml");
  return base.patch(testCase["patch"]);
}

TEST(NodePoolRules, TheBaseOfTheSharedTableDecodes) {
  ASSERT_TRUE(rules()["rejected"].size() > 30u);
  auto pool = decodeNodePool(firstDocument("deploy/examples/nodepool-cpu.yaml"));
  ASSERT_TRUE(pool) << pool.error().field << ": " << pool.error().message;
}

TEST(NodePoolRules, EveryRejectedCaseOfTheSharedTableFailsNamingTheField) {
  for (const json& c : rules()["rejected"]) {
    const std::string what = c["what"];
    auto pool = decodeNodePool(patched(c));
    ASSERT_FALSE(pool) << what << " was accepted";
    EXPECT_THAT(pool.error().field, StartsWith(c["field"].get<std::string>())) << what;
    EXPECT_THAT(pool.error().message, HasSubstr(c["decoder"].get<std::string>())) << what;
  }
}

TEST(NodePoolRules, EveryAcceptedCaseOfTheSharedTableDecodes) {
  ASSERT_FALSE(rules()["accepted"].empty());
  for (const json& c : rules()["accepted"]) {
    auto pool = decodeNodePool(patched(c));
    EXPECT_TRUE(pool) << c["what"].get<std::string>() << ": " << pool.error().field << ": "
                      << pool.error().message;
  }
}

// The C++ key lists and the CRD's CEL lists are one list written twice; check the copy.
TEST(NodePoolRules, TheCrdListsTheSameKnownKeys) {
  const std::string crd = readSource("deploy/crds/gantry.dev_nodepools.yaml");
  for (std::string_view key : label::kKnownRequirementKeys) {
    EXPECT_THAT(crd, HasSubstr("'" + std::string(key) + "'")) << key;
  }
  for (std::string_view key : label::kAllowedKubernetesKeys) {
    EXPECT_THAT(crd, HasSubstr("'" + std::string(key) + "'")) << key;
  }
}

TEST(NodePoolRules, QualifiedKeysAndLabelValues) {
  for (std::string_view ok : {"team", "a", "example.com/team", "a-b.c/X_y.z", "x/9"}) {
    EXPECT_TRUE(isQualifiedLabelKey(ok)) << ok;
  }
  for (std::string_view bad : {"", "/a", "a/", "a/b/c", "-a", "a-", "Ex.com/a", "a..b/c",
                               "a_b/c", "a/b c"}) {
    EXPECT_FALSE(isQualifiedLabelKey(bad)) << bad;
  }
  EXPECT_FALSE(isQualifiedLabelKey(std::string(300, 'a') + "/" + std::string(20, 'b')));
  EXPECT_TRUE(isLabelValue(""));
  EXPECT_TRUE(isLabelValue("a10g"));
  EXPECT_TRUE(isLabelValue(std::string(63, 'x')));
  EXPECT_FALSE(isLabelValue(std::string(64, 'x')));
  EXPECT_FALSE(isLabelValue("-1"));
  EXPECT_FALSE(isLabelValue("a b"));
}

TEST(NodePoolRules, DomainsAreTakenAsTheCrdTakesThem) {
  EXPECT_EQ(labelKeyDomain("gantry.dev/x"), "gantry.dev");
  EXPECT_EQ(labelKeyDomain("team"), "team");
  // endsWith, as in the CEL: a subdomain is the domain, and so is any other suffix match.
  EXPECT_TRUE(templateLabelKeyProblem("gpu.gantry.dev/x"));
  EXPECT_TRUE(requirementKeyProblem("gpu.gantry.dev/x"));
  EXPECT_FALSE(templateLabelKeyProblem("example.com/gantry"));
  EXPECT_FALSE(requirementKeyProblem(label::kInstanceGpuName));
  EXPECT_FALSE(requirementKeyProblem(label::kKarpenterCapacityType));
  EXPECT_FALSE(requirementKeyProblem("node-restriction.kubernetes.io/x"));
  EXPECT_TRUE(requirementKeyProblem("node.kubernetes.io/x"));
}

json poolWith(const json& requirements) {
  return {{"metadata", {{"name", "p"}}},
          {"spec", {{"template", {{"spec", {{"requirements", requirements}}}}}}}};
}

TEST(NodePoolRules, WithoutACapacityTypeRequirementThePoolIsOnDemand) {
  auto none = decodeNodePool(poolWith(json::array(
      {{{"key", "kubernetes.io/arch"}, {"operator", "In"}, {"values", {"amd64"}}}})));
  ASSERT_TRUE(none);
  ASSERT_EQ(none->requirements.size(), 2u);
  EXPECT_EQ(none->requirements[1].toString(), "gantry.dev/capacity-type In [on-demand]");

  // Either spelling of the key counts as saying something; nothing is added then.
  auto karpenter = decodeNodePool(poolWith(json::array(
      {{{"key", "karpenter.sh/capacity-type"}, {"operator", "In"}, {"values", {"spot"}}}})));
  ASSERT_TRUE(karpenter);
  ASSERT_EQ(karpenter->requirements.size(), 1u);
  auto exists = decodeNodePool(
      poolWith(json::array({{{"key", "gantry.dev/capacity-type"}, {"operator", "Exists"}}})));
  ASSERT_TRUE(exists);
  EXPECT_EQ(exists->requirements.size(), 1u);

  auto noTemplate = decodeNodePool({{"metadata", {{"name", "p"}}}, {"spec", json::object()}});
  ASSERT_TRUE(noTemplate);
  ASSERT_EQ(noTemplate->requirements.size(), 1u);
  EXPECT_EQ(noTemplate->requirements[0].key, label::kCapacityType);
}

TEST(NodePoolRules, RequirementsOnCustomKeysAreWarnedAbout) {
  auto pool = decodeNodePool(poolWith(json::array({
      {{"key", "gantry.dev/instance-gpu-name"}, {"operator", "In"}, {"values", {"a10g"}}},
      {{"key", "team"}, {"operator", "In"}, {"values", {"ml"}}},
      {{"key", "topology.k8s.aws/zone-id"}, {"operator", "Exists"}},
      {{"key", "example.com/tier"}, {"operator", "NotIn"}, {"values", {"a"}}},
  })));
  ASSERT_TRUE(pool) << pool.error().message;
  auto warnings = nodePoolWarnings(*pool);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_THAT(warnings[0], StartsWith("spec.template.spec.requirements[1].key: "));
  EXPECT_THAT(warnings[0], HasSubstr("team=ml"));
  EXPECT_THAT(warnings[1], StartsWith("spec.template.spec.requirements[2].key: "));
  EXPECT_THAT(warnings[1], HasSubstr("provisions nothing"));
  EXPECT_THAT(warnings[2], HasSubstr("always holds"));
  EXPECT_THAT(nodePoolWarnings(NodePool::defaultPool()), ElementsAre());
}

}  // namespace
}  // namespace gantry::api
