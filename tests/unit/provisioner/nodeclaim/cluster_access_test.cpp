// CacheLifecycleReader's pod queries over a cache filled from a scripted apiserver: which pods
// are on a node (podsOn) and which are nominated to it (podsNominatedTo), as the emptiness
// check reads them.
#include "provisioner/nodeclaim/cluster_access.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::provisioner::nodeclaim {
namespace {

using nlohmann::json;

json pod(const std::string& name, json status, json spec = json::object(),
         const std::string& version = "1") {
  spec["containers"] = json::array({{{"name", "c"}, {"image", "i"}}});
  return {{"metadata", {{"name", name}, {"namespace", "ml"}, {"resourceVersion", version}}},
          {"spec", spec},
          {"status", status}};
}

std::string event(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

class CacheLifecycleReaderTest : public ::testing::Test {
 protected:
  // The list answers `pods`; a watch delivers `events`.
  void serve(json pods, std::string events = "") {
    http_.setHandler([pods, events](const http::Request& r) -> Result<http::Response> {
      if (r.url.find("watch=1") != std::string::npos) {
        return http::FakeHttpClient::reply(200, events);
      }
      return http::FakeHttpClient::reply(
          200, json{{"metadata", {{"resourceVersion", "10"}}}, {"items", pods}}.dump());
    });
  }
  static std::vector<std::string> names(const std::vector<std::shared_ptr<const api::Pod>>& pods) {
    std::vector<std::string> out;
    for (const auto& p : pods) out.push_back(p->name);
    std::sort(out.begin(), out.end());
    return out;
  }

  FakeClock clock_;
  http::FakeHttpClient http_;
  kube::RestClient client_{http_, clock_, "https://h", nullptr, {.qps = 0, .maxRetries = 0}};
  kube::ClusterCache cache_{client_, clock_};
  CacheLifecycleReader reader_{cache_};
};

TEST_F(CacheLifecycleReaderTest, PodsNominatedToANodeArePendingUnboundPodsNamingIt) {
  serve(json::array({
      pod("pending", {{"phase", "Pending"}, {"nominatedNodeName", "n1"}}),
      pod("no-phase-yet", {{"nominatedNodeName", "n1"}}),
      pod("elsewhere", {{"phase", "Pending"}, {"nominatedNodeName", "n2"}}),
      pod("not-nominated", {{"phase", "Pending"}}),
      // Bound already (the nomination is stale): podsOn's business, not a nomination.
      pod("bound-pending", {{"phase", "Pending"}, {"nominatedNodeName", "n1"}}, {{"nodeName", "n3"}}),
      pod("bound-running", {{"phase", "Running"}, {"nominatedNodeName", "n1"}}, {{"nodeName", "n1"}}),
      // Finished before it was ever bound.
      pod("failed", {{"phase", "Failed"}, {"nominatedNodeName", "n1"}}),
      pod("succeeded", {{"phase", "Succeeded"}, {"nominatedNodeName", "n1"}}),
  }));
  ASSERT_TRUE(cache_.pods().step().isOk());
  EXPECT_EQ(names(reader_.podsNominatedTo("n1")), (std::vector<std::string>{"no-phase-yet", "pending"}));
  EXPECT_EQ(names(reader_.podsNominatedTo("n2")), (std::vector<std::string>{"elsewhere"}));
  EXPECT_TRUE(reader_.podsNominatedTo("n3").empty());
  EXPECT_TRUE(reader_.podsNominatedTo("").empty());
}

TEST_F(CacheLifecycleReaderTest, ANominationFollowsThePodAsItChanges) {
  serve(json::array({pod("p", {{"phase", "Pending"}, {"nominatedNodeName", "n1"}})}));
  ASSERT_TRUE(cache_.pods().step().isOk());  // the list
  EXPECT_EQ(names(reader_.podsNominatedTo("n1")), (std::vector<std::string>{"p"}));

  // The scheduler moves the nomination; then binds the pod; then it is deleted.
  serve(json::array(),
        event("MODIFIED", pod("p", {{"phase", "Pending"}, {"nominatedNodeName", "n2"}}, {}, "2")));
  ASSERT_TRUE(cache_.pods().step().isOk());  // a watch
  EXPECT_TRUE(reader_.podsNominatedTo("n1").empty());
  EXPECT_EQ(names(reader_.podsNominatedTo("n2")), (std::vector<std::string>{"p"}));

  const json bound =
      pod("p", {{"phase", "Running"}, {"nominatedNodeName", "n2"}}, {{"nodeName", "n2"}}, "3");
  serve(json::array(), event("MODIFIED", bound));
  ASSERT_TRUE(cache_.pods().step().isOk());
  EXPECT_TRUE(reader_.podsNominatedTo("n2").empty());
  EXPECT_EQ(names(reader_.podsOn("n2")), (std::vector<std::string>{"p"}));

  serve(json::array(), event("DELETED", bound));
  ASSERT_TRUE(cache_.pods().step().isOk());
  EXPECT_TRUE(reader_.podsOn("n2").empty());
  EXPECT_TRUE(reader_.podsNominatedTo("n2").empty());
}

TEST_F(CacheLifecycleReaderTest, PodsOnANodeLeaveTerminalOnesOut) {
  serve(json::array({
      pod("running", {{"phase", "Running"}}, {{"nodeName", "n1"}}),
      pod("starting", {{"phase", "Pending"}}, {{"nodeName", "n1"}}),
      pod("done", {{"phase", "Succeeded"}}, {{"nodeName", "n1"}}),
      pod("crashed", {{"phase", "Failed"}}, {{"nodeName", "n1"}}),
      pod("other", {{"phase", "Running"}}, {{"nodeName", "n2"}}),
  }));
  ASSERT_TRUE(cache_.pods().step().isOk());
  EXPECT_EQ(names(reader_.podsOn("n1")), (std::vector<std::string>{"running", "starting"}));
  EXPECT_TRUE(reader_.podsOn("n3").empty());
  EXPECT_TRUE(reader_.podsOn("").empty());
}

}  // namespace
}  // namespace gantry::provisioner::nodeclaim
