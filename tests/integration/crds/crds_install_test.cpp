// The gantry.dev CRDs as installed on the real apiserver: names, categories and printer
// columns; every deploy/examples object accepted, defaulted as documented, and readable by
// Gantry's own decoders; `kubectl get` showing the columns a user needs.
#include <gmock/gmock.h>

#include <iterator>
#include <utility>

#include "src/api/decode.h"
#include "src/api/ec2_nodeclass.h"
#include "src/api/nodeclaim.h"
#include "tests/integration/crds/crds_fixture.h"

namespace gantry::crds_it {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

TEST_F(CrdIT, CrdsDeclareScopeNamesCategoriesAndColumns) {
  auto columns = [&](const std::string& crd) {
    auto got = client().get(kCrds.withName(crd));
    EXPECT_TRUE(got) << got.error().toString();
    std::vector<std::string> names;
    if (!got) return names;
    EXPECT_EQ((*got)["spec"]["scope"], "Cluster");
    EXPECT_EQ((*got)["spec"]["names"]["categories"], json::array({"gantry"}));
    const json& version = (*got)["spec"]["versions"][0];
    EXPECT_EQ(version["subresources"]["status"], json::object());
    for (const json& c : version["additionalPrinterColumns"]) {
      if (c.value("priority", 0) == 0) names.push_back(c["name"]);
    }
    return names;
  };
  EXPECT_THAT(columns("nodeclaims.gantry.dev"),
              UnorderedElementsAre("Type", "Capacity", "Zone", "Node", "Ready", "Age"));
  EXPECT_THAT(columns("nodepools.gantry.dev"),
              UnorderedElementsAre("NodeClass", "Nodes", "Ready", "Age"));
  EXPECT_THAT(columns("ec2nodeclasses.gantry.dev"), UnorderedElementsAre("Ready", "Role", "Age"));
  // Short names and the category resolve through discovery.
  const std::string out = kubectl("api-resources --api-group=gantry.dev -o wide");
  EXPECT_THAT(out, HasSubstr("nodeclaims"));
  EXPECT_THAT(out, HasSubstr("ec2nc"));
  EXPECT_THAT(kubectl("get gantry --no-headers"), ::testing::Not(HasSubstr("error")));
}

TEST_F(CrdIT, ExamplesAreAcceptedDefaultedAndDecodable) {
  std::vector<json> examples = loadDir(sourcePath("deploy/examples"));
  ASSERT_EQ(examples.size(), 3u);
  const std::string nodeClass = unique("default");
  int pools = 0;
  for (json object : examples) {
    const std::string kind = object["kind"];
    ASSERT_EQ(object["apiVersion"], "gantry.dev/v1");
    if (kind == "EC2NodeClass") {
      object["metadata"]["name"] = nodeClass;
      auto made = create(kNodeClasses, object);
      ASSERT_TRUE(made) << made.error().toString();
      // metadataOptions defaults: IMDSv2 only, one hop.
      EXPECT_EQ((*made)["spec"]["metadataOptions"],
                json::parse(R"({"httpEndpoint": "enabled", "httpProtocolIPv6": "disabled",
                                "httpPutResponseHopLimit": 1, "httpTokens": "required"})"));
      auto decoded = api::decodeEc2NodeClass(*made);
      EXPECT_TRUE(decoded) << decoded.error().field << ": " << decoded.error().message;
      continue;
    }
    ASSERT_EQ(kind, "NodePool");
    ++pools;
    object["metadata"]["name"] = unique(object["metadata"]["name"].get<std::string>());
    object["spec"]["template"]["spec"]["nodeClassRef"]["name"] = nodeClass;
    const bool explicitDisruption = object["spec"].contains("disruption");
    auto made = create(kNodePools, object);
    ASSERT_TRUE(made) << made.error().toString();
    const json& spec = (*made)["spec"];
    EXPECT_EQ(spec["template"]["spec"].value("expireAfter", std::string()),
              object["spec"]["template"]["spec"].value("expireAfter", std::string("720h")));
    EXPECT_EQ(spec["disruption"]["budgets"], json::parse(R"([{"nodes": "10%"}])"));
    if (!explicitDisruption) {
      EXPECT_EQ(spec["disruption"]["consolidationPolicy"], "WhenEmptyOrUnderutilized");
      EXPECT_EQ(spec["disruption"]["consolidateAfter"], "0s");
    }
    // What the apiserver stores, Gantry's decoder reads.
    auto decoded = api::decodeNodePool(*made);
    ASSERT_TRUE(decoded) << decoded.error().field << ": " << decoded.error().message;
    EXPECT_EQ(decoded->nodeClassRef, nodeClass);
    EXPECT_FALSE(decoded->requirements.empty());
  }
  EXPECT_EQ(pools, 2);
}

TEST_F(CrdIT, KubectlGetShowsThePrinterColumns) {
  api::NodeClaim claim;
  claim.name = unique("nc");
  claim.labels = {{"gantry.dev/nodepool", "gpu"},
                  {"node.kubernetes.io/instance-type", "g5.xlarge"},
                  {"gantry.dev/capacity-type", "spot"},
                  {"topology.kubernetes.io/zone", "us-east-1b"}};
  claim.nodeClassRef = {"gantry.dev", "EC2NodeClass", unique("absent")};
  claim.requirements.push_back(api::Requirement::make("node.kubernetes.io/instance-type",
                                                      api::SelectorOp::kIn, {"g5.xlarge"})
                                   .value());
  auto made = create(kNodeClaims, api::encodeNodeClaim(claim));
  ASSERT_TRUE(made) << made.error().toString();
  auto stored = api::decodeNodeClaim(*made);
  ASSERT_TRUE(stored) << stored.error().field << ": " << stored.error().message;
  stored->nodeName = "ip-10-0-2-9.ec2.internal";
  stored->setCondition(api::nodeclaim::kReady, api::ConditionStatus::kTrue, "Ready", "",
                       clock_.now());
  auto patched = client().patch(kNodeClaims.withName(claim.name, "status"), kube::PatchType::kMerge,
                                api::nodeClaimStatusPatch(*stored));
  ASSERT_TRUE(patched) << patched.error().toString();

  // kubectl's table: the header's words and the first row's (empty cells print nothing).
  auto table = [&](const std::string& args) {
    std::istringstream in(kubectl(args));
    std::string header, row;
    std::getline(in, header);
    std::getline(in, row);
    auto words = [](const std::string& line) {
      std::istringstream w(line);
      return std::vector<std::string>{std::istream_iterator<std::string>(w), {}};
    };
    return std::pair{words(header), words(row)};
  };
  using Words = std::vector<std::string>;
  auto [header, row] = table("get nodeclaims " + claim.name);
  EXPECT_EQ(header, (Words{"NAME", "TYPE", "CAPACITY", "ZONE", "NODE", "READY", "AGE"}));
  ASSERT_EQ(row.size(), 7u);
  EXPECT_EQ(
      Words(row.begin(), row.begin() + 6),
      (Words{claim.name, "g5.xlarge", "spot", "us-east-1b", "ip-10-0-2-9.ec2.internal", "True"}));
  const std::string wide = kubectl("get nodeclaims " + claim.name + " -o wide");
  EXPECT_THAT(wide, HasSubstr("NODEPOOL"));
  EXPECT_THAT(wide, HasSubstr(unique("absent")));

  // The other two kinds print their columns too.
  for (json object : loadDir(sourcePath("deploy/examples"))) {
    if (object["metadata"]["name"] == "gpu") continue;
    const bool isClass = object["kind"] == "EC2NodeClass";
    object["metadata"]["name"] = unique(isClass ? "class" : "pool");
    if (!isClass) object["spec"]["template"]["spec"]["nodeClassRef"]["name"] = unique("class");
    auto ok = create(isClass ? kNodeClasses : kNodePools, object);
    ASSERT_TRUE(ok) << ok.error().toString();
  }
  auto [poolHeader, poolRow] = table("get nodepools " + unique("pool"));
  EXPECT_EQ(poolHeader, (Words{"NAME", "NODECLASS", "NODES", "READY", "AGE"}));
  ASSERT_GE(poolRow.size(), 2u);
  EXPECT_EQ(poolRow[0], unique("pool"));
  EXPECT_EQ(poolRow[1], unique("class"));
  auto [classHeader, classRow] = table("get ec2nodeclasses " + unique("class"));
  EXPECT_EQ(classHeader, (Words{"NAME", "READY", "ROLE", "AGE"}));
  ASSERT_GE(classRow.size(), 2u);
  EXPECT_EQ(classRow[0], unique("class"));
  EXPECT_EQ(classRow[1], "GantryNodeRole-<cluster>");  // Ready stays empty until a controller runs
}

}  // namespace
}  // namespace gantry::crds_it
