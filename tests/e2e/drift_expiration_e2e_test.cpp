// `gantry controller` end to end, drift and expiration (issue 15):
// - Drift: three one-GPU trials run on three nodes of an EC2NodeClass with AMI alias
//   al2023@latest; the class is switched to an explicit image id (another x86_64 image of
//   moto's; the resolver's aliases are al2023 only, tests/testenv/py/amiparams.py). Every
//   node is marked Drifted (ImageDrift), replaced one at a time (the pool's budget is one
//   node) through drain, and the Job's pods run again on nodes launched from the new image.
// - Expiration: with expireAfter 2m on the NodePool template, the nodes of a running Job are
//   deleted as Expired once two minutes old and the pods run again on new nodes.
// The trials never finish (no test-complete-after), so only drift and expiry move them.
#include <set>

#include "tests/e2e/e2e_fixture.h"

namespace gantry::e2e {
namespace {

const std::vector<std::string> kGpuTypes = {"g4dn.xlarge"};
// An x86_64 image moto has that no al2023 alias resolves to (amiparams.py: its Bottlerocket
// NVIDIA stand-in).
constexpr const char* kNewImage = "ami-0fada6b211fc61756";

std::string annotation(const json& object, const std::string& key) {
  return meta(object).value("annotations", json::object()).value(key, "");
}

class DriftExpirationE2eTest : public GantryE2eTest {
 protected:
  size_t podsRunning() {
    size_t n = 0;
    for (const auto& p : pods()) n += phase(p) == "Running" && !deleting(p);
    return n;
  }
  // The image each live (not deleting) initialized claim runs, by claim name.
  std::map<std::string, std::string> liveImages() {
    std::map<std::string, std::string> out;
    for (const auto& c : claims()) {
      if (deleting(c) || conditionStatus(c, "Initialized") != "True") continue;
      out[name(c)] = c.value("status", json::object()).value("imageID", "");  // the CRD field
    }
    return out;
  }
  // Whether termination read `reason` off the deleting claim, by its Terminated event
  // ("Instance ... terminated (Drifted)"). The annotation itself lives only while the claim
  // drains, which a 250 ms poll can miss on a busy machine (seen in CI); the event stays.
  bool terminatedAs(const std::string& claim, const std::string& reason) {
    for (const auto& e : eventsFor(claim, "default", "Terminated")) {
      if (e.value("message", "").find("(" + reason + ")") != std::string::npos) return true;
    }
    return false;
  }
  size_t deletingClaims() {
    size_t n = 0;
    for (const auto& c : claims()) n += deleting(c);
    return n;
  }
  // Records every claim seen and the reason annotated on it, and the most deleting at once.
  void sample() {
    size_t now = 0;
    for (const auto& c : claims()) {
      seen_.insert(name(c));
      if (auto r = annotation(c, "gantry.dev/disruption-reason"); !r.empty()) reasons_[name(c)] = r;
      now += deleting(c);
    }
    mostDeleting_ = std::max(mostDeleting_, now);
  }

  std::set<std::string> seen_;
  std::map<std::string, std::string> reasons_;
  size_t mostDeleting_ = 0;
};

TEST_F(DriftExpirationE2eTest, AnAmiChangeReplacesEveryNodeWithinTheBudget) {
  ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, /*registers=*/true));
  ASSERT_NO_FATAL_FAILURE(createNodePool(run_, run_, kGpuTypes, {{"nvidia.com/gpu", "8"}},
                                         {{"consolidationPolicy", "WhenEmpty"},
                                          {"consolidateAfter", "Never"},
                                          {"budgets", json::array({{{"nodes", "1"}}})}}));
  ASSERT_NO_FATAL_FAILURE(startController({"--drift-check-interval", "2s"}));
  ASSERT_NO_FATAL_FAILURE(createJob("trial", 3, 1));
  ASSERT_TRUE(eventually([&] { return podsRunning() == 3 && liveImages().size() == 3; }, 180s))
      << controller_->output();
  const auto before = liveImages();
  const std::string oldImage = before.begin()->second;
  for (const auto& [claim, image] : before) ASSERT_EQ(image, oldImage) << claim;
  EXPECT_EQ(metricValue("gantry_nodeclaims_drifted", {{"nodepool", run_}}), 0);

  auto patched = client().patch(
      kube::kEc2NodeClassesPath.withName(run_), kube::PatchType::kMerge,
      // An id selects no family, so the class names its family (the CRD requires one then).
      json{{"spec", {{"amiFamily", "AL2023"}, {"amiSelectorTerms", json::array({{{"id", kNewImage}}})}}}});
  ASSERT_TRUE(patched) << patched.error().message();

  // Every original node replaced by one on the new image, the pods running again.
  auto replaced = [&] {
    sample();
    auto now = liveImages();
    if (now.size() != 3 || podsRunning() != 3) return false;
    for (const auto& [claim, image] : now) {
      if (before.contains(claim) || image != kNewImage) return false;
    }
    return true;
  };
  const bool done = eventually(replaced, 420s, 250ms);
  ASSERT_TRUE(done) << "claims " << json(claims()).dump() << "\n" << controller_->output();

  EXPECT_LE(mostDeleting_, 1u) << "the budget allows one node at a time";
  for (const auto& [claim, image] : before) {
    if (reasons_.contains(claim)) {
      EXPECT_EQ(reasons_[claim], "Drifted") << claim;
    }
    EXPECT_TRUE(eventually([&] { return terminatedAs(claim, "Drifted"); }, 60s)) << claim;
    std::string messages;
    for (const auto& e : eventsFor(claim, "default", "Drifted")) messages += e.value("message", "") + "\n";
    EXPECT_NE(messages.find("ImageDrift"), std::string::npos) << claim << ": " << messages;
  }
  EXPECT_TRUE(eventually([&] { return metricValue("gantry_nodeclaims_drifted", {{"nodepool", run_}}) == 0; }, 30s));
  EXPECT_EQ(metricValue("gantry_nodeclaims_disrupted_total", {{"nodepool", run_}, {"reason", "Drifted"}}), 3);
}

TEST_F(DriftExpirationE2eTest, NodesAreReplacedOnceExpireAfterPasses) {
  ASSERT_NO_FATAL_FAILURE(createNodeClass(run_, /*registers=*/true));
  ASSERT_NO_FATAL_FAILURE(createNodePool(run_, run_, kGpuTypes, {{"nvidia.com/gpu", "8"}},
                                         {{"consolidationPolicy", "WhenEmpty"}, {"consolidateAfter", "Never"}}));
  auto patched = client().patch(kube::kNodePoolsPath.withName(run_), kube::PatchType::kMerge,
                                json{{"spec", {{"template", {{"spec", {{"expireAfter", "2m"}}}}}}}});
  ASSERT_TRUE(patched) << patched.error().message();
  ASSERT_NO_FATAL_FAILURE(startController());
  ASSERT_NO_FATAL_FAILURE(createJob("trial", 2, 1));
  ASSERT_TRUE(eventually([&] { return podsRunning() == 2 && liveImages().size() == 2; }, 180s))
      << controller_->output();
  const auto started = std::chrono::system_clock::now();
  const auto before = liveImages();
  for (const auto& c : claims()) EXPECT_EQ(c["spec"].value("expireAfter", ""), "2m");

  auto replaced = [&] {
    sample();
    auto now = liveImages();
    if (now.size() != 2 || podsRunning() != 2) return false;
    for (const auto& [claim, image] : now) {
      if (before.contains(claim)) return false;
    }
    return true;
  };
  ASSERT_TRUE(eventually(replaced, 300s, 250ms)) << "claims " << json(claims()).dump() << "\n"
                                                   << controller_->output();
  std::printf("[ metric ] nodes up -> replaced after expiry: %lld s (expireAfter 120 s)\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - started)
                      .count()));
  for (const auto& [claim, image] : before) {
    if (reasons_.contains(claim)) {
      EXPECT_EQ(reasons_[claim], "Expired") << claim;
    }
    EXPECT_TRUE(eventually([&] { return terminatedAs(claim, "Expired"); }, 60s)) << claim;
    EXPECT_FALSE(eventsFor(claim, "default", "Expired").empty()) << claim;
  }
}

}  // namespace
}  // namespace gantry::e2e
