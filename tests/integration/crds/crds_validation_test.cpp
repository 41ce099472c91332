// The gantry.dev CRDs' validation on the real apiserver: each bad object is refused with
// an Invalid error naming the field at fault; NodeClaim spec is immutable; the status
// subresource keeps spec and status writes apart (and NodeClaims written by Gantry's own
// encoder are accepted and read back unchanged).
#include <gmock/gmock.h>

#include <functional>

#include "src/api/nodeclaim.h"
#include "src/api/well_known_labels.h"
#include "tests/integration/crds/crds_fixture.h"

namespace gantry::crds_it {
namespace {

using ::testing::HasSubstr;

json example(const std::string& kind, const std::string& name) {
  for (const json& o : loadDir(sourcePath("deploy/examples"))) {
    if (o["kind"] == kind && o["metadata"]["name"] == name) return o;
  }
  ADD_FAILURE() << "no example " << kind << "/" << name;
  return json::object();
}

api::NodeClaim sampleClaim(const std::string& name) {
  api::NodeClaim c;
  c.name = name;
  c.labels = {{"gantry.dev/nodepool", "general"}};
  c.nodeClassRef = {"gantry.dev", "EC2NodeClass", name + "-absent"};
  c.requirements.push_back(api::Requirement::make("gantry.dev/capacity-type", api::SelectorOp::kIn,
                                                  {"spot", "on-demand"})
                               .value());
  c.requirements.push_back(api::Requirement::make("node.kubernetes.io/instance-type",
                                                  api::SelectorOp::kIn, {"m5.large", "m6i.large"})
                               .value());
  c.minValues["node.kubernetes.io/instance-type"] = 2;
  c.resourceRequests.set("cpu", api::Quantity::parse("1500m").value());
  c.taints.push_back({"dedicated", "ml", api::TaintEffect::kNoSchedule});
  c.startupTaints.push_back({"node.example.com/init", "", api::TaintEffect::kNoExecute});
  c.terminationGracePeriod = "1h";
  return c;
}

struct BadCase {
  std::string what;
  std::function<void(json&)> breakIt;
  std::vector<std::string> inError;  // substrings the apiserver's message must contain
};

// Creates the broken object; it must be refused as Invalid with every substring present.
void expectRejected(CrdIT& t, const ResourcePath& collection, const json& base, const BadCase& c,
                    const std::function<Result<json>(const ResourcePath&, const json&)>& create) {
  json object = base;
  c.breakIt(object);
  auto made = create(collection, object);
  ASSERT_FALSE(made) << c.what << " was accepted";
  EXPECT_TRUE(made.error().isInvalid()) << c.what << ": " << made.error().toString();
  for (const std::string& s : c.inError) {
    EXPECT_THAT(made.error().message(), HasSubstr(s)) << c.what;
  }
  (void)t;
}

class CrdValidationIT : public CrdIT {
 protected:
  std::function<Result<json>(const ResourcePath&, const json&)> creator() {
    return [this](const ResourcePath& p, const json& o) { return create(p, o); };
  }
};

// The rules shared with the decoder's tests (tests/support/nodepool_rules.yaml): the
// apiserver must refuse what api::decodeNodePool refuses, naming the same field, and accept
// what it accepts.
json nodePoolRules() {
  std::vector<json> docs = loadFile(sourcePath("tests/support/nodepool_rules.yaml"));
  return docs.empty() ? json::object() : docs.front();
}

TEST_F(CrdValidationIT, BadNodePoolsOfTheSharedTableAreRejectedNamingTheField) {
  json base = example("NodePool", "general");
  base["metadata"]["name"] = unique("bad-pool");
  const json rules = nodePoolRules();
  ASSERT_GT(rules["rejected"].size(), 30u);
  for (const json& c : rules["rejected"]) {
    const std::string field = c["field"];
    std::vector<std::string> inError = {field};
    for (const json& s : c["apiserver"]) inError.push_back(s.get<std::string>());
    const json patch = c["patch"];
    expectRejected(*this, kNodePools, base,
                   {c["what"].get<std::string>(), [&](json& o) { o = o.patch(patch); }, inError},
                   creator());
  }
}

TEST_F(CrdValidationIT, GoodNodePoolsOfTheSharedTableAreAccepted) {
  json base = example("NodePool", "general");
  const json rules = nodePoolRules();
  ASSERT_FALSE(rules["accepted"].empty());
  int n = 0;
  for (const json& c : rules["accepted"]) {
    json object = base.patch(c["patch"]);
    object["metadata"]["name"] = unique("good-pool-" + std::to_string(n++));
    auto made = create(kNodePools, object);
    EXPECT_TRUE(made) << c["what"].get<std::string>() << ": "
                      << (made ? "" : made.error().toString());
  }
}

// The CEL list of known gantry.dev / karpenter keys is label::kKnownRequirementKeys.
TEST_F(CrdValidationIT, EveryRequirementKeyGantryKnowsIsAccepted) {
  json object = example("NodePool", "general");
  object["metadata"]["name"] = unique("known-keys");
  json& reqs = object["spec"]["template"]["spec"]["requirements"];
  reqs = json::array();
  for (std::string_view key : api::label::kKnownRequirementKeys) {
    reqs.push_back({{"key", std::string(key)}, {"operator", "Exists"}});
  }
  auto made = create(kNodePools, object);
  EXPECT_TRUE(made) << (made ? "" : made.error().toString());
}

// Rules only the apiserver applies: `gantry plan` needs no EC2NodeClass, so the decoder
// leaves nodeClassRef optional.
TEST_F(CrdValidationIT, NodePoolsWithoutANodeClassRefAreRejected) {
  json base = example("NodePool", "general");
  base["metadata"]["name"] = unique("bad-pool");
  const std::vector<BadCase> cases = {
      {"no nodeClassRef",
       [](json& o) { o["spec"]["template"]["spec"].erase("nodeClassRef"); },
       {"spec.template.spec.nodeClassRef", "Required value"}},
  };
  for (const BadCase& c : cases) expectRejected(*this, kNodePools, base, c, creator());
}

TEST_F(CrdValidationIT, BadEc2NodeClassesAreRejectedNamingTheField) {
  json base = example("EC2NodeClass", "default");
  base["metadata"]["name"] = unique("bad-class");
  const std::vector<BadCase> cases = {
      {"role and instanceProfile",
       [](json& o) { o["spec"]["instanceProfile"] = "GantryProfile"; },
       {"spec", "exactly one of ['role', 'instanceProfile']"}},
      {"neither role nor instanceProfile",
       [](json& o) { o["spec"].erase("role"); },
       {"exactly one of ['role', 'instanceProfile']"}},
      {"alias with another term",
       [](json& o) {
         o["spec"]["amiSelectorTerms"].push_back({{"id", "ami-0123"}});
       },
       {"spec.amiSelectorTerms", "'alias' is mutually exclusive"}},
      {"alias with a tag",
       [](json& o) {
         o["spec"]["amiSelectorTerms"][0]["tags"] = {{"a", "b"}};
       },
       {"spec.amiSelectorTerms[0]", "'alias' is mutually exclusive"}},
      {"unknown alias family",
       [](json& o) { o["spec"]["amiSelectorTerms"][0]["alias"] = "ubuntu@latest"; },
       {"spec.amiSelectorTerms[0].alias", "family is not supported"}},
      {"no alias and no amiFamily",
       [](json& o) {
         o["spec"]["amiSelectorTerms"] = {{{"id", "ami-0123"}}};
       },
       {"amiFamily is required"}},
      {"empty subnet terms",
       [](json& o) { o["spec"]["subnetSelectorTerms"] = json::array(); },
       {"spec.subnetSelectorTerms"}},
      {"bad subnet id",
       [](json& o) {
         o["spec"]["subnetSelectorTerms"] = {{{"id", "sg-123"}}};
       },
       {"spec.subnetSelectorTerms[0].id"}},
      {"httpTokens maybe",
       [](json& o) {
         o["spec"]["metadataOptions"] = {{"httpTokens", "maybe"}};
       },
       {"spec.metadataOptions.httpTokens", "Unsupported value"}},
      {"hop limit 0",
       [](json& o) {
         o["spec"]["metadataOptions"] = {{"httpPutResponseHopLimit", 0}};
       },
       {"spec.metadataOptions.httpPutResponseHopLimit"}},
      {"bad volume type",
       [](json& o) { o["spec"]["blockDeviceMappings"][0]["ebs"]["volumeType"] = "gp9"; },
       {"spec.blockDeviceMappings[0].ebs.volumeType"}},
      {"restricted tag",
       [](json& o) { o["spec"]["tags"]["gantry.dev/nodepool"] = "x"; },
       {"spec.tags", "restricted"}},
      {"negative maxPods",
       [](json& o) {
         o["spec"]["kubelet"] = {{"maxPods", -1}};
       },
       {"spec.kubelet.maxPods"}},
      {"unknown reserved resource",
       [](json& o) {
         o["spec"]["kubelet"] = {{"kubeReserved", {{"gpu", "1"}}}};
       },
       {"spec.kubelet.kubeReserved", "valid keys"}},
  };
  for (const BadCase& c : cases) expectRejected(*this, kNodeClasses, base, c, creator());
}

TEST_F(CrdValidationIT, BadNodeClaimsAreRejectedNamingTheField) {
  const json base = api::encodeNodeClaim(sampleClaim(unique("bad-claim")));
  const std::vector<BadCase> cases = {
      {"unknown capacity type",
       [](json& o) {
         o["spec"]["requirements"][0]["values"] = {"spot", "preemptible"};
       },
       {"spec.requirements[0]", "capacity type values"}},
      {"minValues above the values",
       [](json& o) { o["spec"]["requirements"][1]["minValues"] = 3; },
       {"spec.requirements[1]", "minValues"}},
      {"negative request",
       [](json& o) { o["spec"]["resources"]["requests"]["cpu"] = "-1"; },
       {"spec.resources.requests.cpu"}},
      {"bad terminationGracePeriod",
       [](json& o) { o["spec"]["terminationGracePeriod"] = "Never"; },
       {"spec.terminationGracePeriod"}},
      {"no nodeClassRef group",
       [](json& o) { o["spec"]["nodeClassRef"].erase("group"); },
       {"spec.nodeClassRef.group", "Required value"}},
      {"no requirements",
       [](json& o) { o["spec"].erase("requirements"); },
       {"spec.requirements", "Required value"}},
  };
  for (const BadCase& c : cases) expectRejected(*this, kNodeClaims, base, c, creator());
}

TEST_F(CrdValidationIT, NodeClaimRoundTripsAndStatusIsASeparateSubresource) {
  api::NodeClaim claim = sampleClaim(unique("claim"));
  auto made = create(kNodeClaims, api::encodeNodeClaim(claim));
  ASSERT_TRUE(made) << made.error().toString();
  EXPECT_FALSE(made->contains("status")) << "status is not written through the main resource";
  auto stored = api::decodeNodeClaim(*made);
  ASSERT_TRUE(stored) << stored.error().field << ": " << stored.error().message;
  EXPECT_EQ(stored->expireAfter, "720h");  // the CRD default
  EXPECT_EQ(stored->minValues, claim.minValues);
  EXPECT_EQ(stored->generation, 1);
  ASSERT_TRUE(stored->creationTimestamp);
  // What Gantry wrote is what it reads back (server metadata aside).
  json mine = api::encodeNodeClaim(*stored)["spec"];
  EXPECT_EQ(mine, (*made)["spec"]);

  // A status write through /status: spec changes in the same body are ignored.
  stored->providerId = "aws:///us-east-1a/i-0abc";
  stored->capacity.set("cpu", api::Quantity::parse("2").value());
  stored->setCondition(api::nodeclaim::kLaunched, api::ConditionStatus::kTrue, "Launched", "",
                       clock_.now());
  json body = api::encodeNodeClaim(*stored);
  body["spec"]["expireAfter"] = "1h";
  auto statusPut = client().update(kNodeClaims.withName(claim.name, "status"), body);
  ASSERT_TRUE(statusPut) << statusPut.error().toString();
  EXPECT_EQ((*statusPut)["spec"]["expireAfter"], "720h");
  EXPECT_EQ((*statusPut)["status"]["providerID"], "aws:///us-east-1a/i-0abc");
  auto afterStatus = api::decodeNodeClaim(*statusPut);
  ASSERT_TRUE(afterStatus) << afterStatus.error().field << ": " << afterStatus.error().message;
  EXPECT_TRUE(afterStatus->isTrue(api::nodeclaim::kLaunched));
  EXPECT_EQ(afterStatus->generation, 1) << "a status write does not bump generation";

  // A stale resourceVersion in a status patch is a conflict.
  auto stale = client().patch(kNodeClaims.withName(claim.name, "status"), kube::PatchType::kMerge,
                              api::nodeClaimStatusPatch(*stored));
  ASSERT_FALSE(stale);
  EXPECT_TRUE(stale.error().isConflict()) << stale.error().toString();

  // A main-resource write ignores status: labels change, status stays.
  json update = *statusPut;
  update["metadata"]["labels"]["extra"] = "yes";
  update["status"]["providerID"] = "aws:///us-east-1a/i-other";
  auto mainPut = client().update(kNodeClaims.withName(claim.name), update);
  ASSERT_TRUE(mainPut) << mainPut.error().toString();
  EXPECT_EQ((*mainPut)["metadata"]["labels"]["extra"], "yes");
  EXPECT_EQ((*mainPut)["status"]["providerID"], "aws:///us-east-1a/i-0abc");

  // The spec is immutable.
  json change = *mainPut;
  change["spec"]["taints"] = json::array();
  auto specPut = client().update(kNodeClaims.withName(claim.name), change);
  ASSERT_FALSE(specPut);
  EXPECT_TRUE(specPut.error().isInvalid()) << specPut.error().toString();
  EXPECT_THAT(specPut.error().message(), HasSubstr("spec is immutable"));

  // A status patch from Gantry's encoder clears what it no longer holds.
  auto latest = api::decodeNodeClaim(*mainPut).value();
  latest.providerId.clear();
  latest.nodeName = "ip-10-0-3-4.ec2.internal";
  auto cleared = client().patch(kNodeClaims.withName(claim.name, "status"), kube::PatchType::kMerge,
                                api::nodeClaimStatusPatch(latest));
  ASSERT_TRUE(cleared) << cleared.error().toString();
  EXPECT_FALSE((*cleared)["status"].contains("providerID"));
  EXPECT_EQ((*cleared)["status"]["nodeName"], "ip-10-0-3-4.ec2.internal");
  auto final = api::decodeNodeClaim(*cleared);
  ASSERT_TRUE(final);
  EXPECT_EQ(api::encodeNodeClaimStatus(*final), api::encodeNodeClaimStatus(latest));
}

}  // namespace
}  // namespace gantry::crds_it
