// triggerOnInterruption: a NodeClaim the cache shows deleting with reason Interrupted (listed
// so after a restart, or turning so in a watch event) opens a provisioning batch; other
// deletions and other updates do not.
#include <gtest/gtest.h>

#include "provisioner/provisioning/interrupted_pods.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::provisioner {
namespace {

using http::FakeHttpClient;
using nlohmann::json;
using namespace std::chrono_literals;

json claim(const std::string& name, const std::string& rv, const std::string& reason,
           bool deleting) {
  json meta = {{"name", name}, {"resourceVersion", rv}, {"uid", "uid-" + name}};
  if (!reason.empty()) meta["annotations"] = {{"gantry.dev/disruption-reason", reason}};
  if (deleting) {
    meta["deletionTimestamp"] = "2015-08-30T12:00:00Z";
    meta["finalizers"] = json::array({"gantry.dev/termination"});
  }
  return {{"apiVersion", "gantry.dev/v1"},
          {"kind", "NodeClaim"},
          {"metadata", meta},
          {"spec",
           {{"nodeClassRef",
             {{"group", "gantry.dev"}, {"kind", "EC2NodeClass"}, {"name", "default"}}},
            {"requirements", json::array()}}}};
}

std::string event(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

// The batch's keys once its window has closed (none: no window opened).
std::vector<std::string> closedBatch(FakeClock& clock, Batcher& batcher) {
  clock.advance(30s);
  auto batch = batcher.poll();
  return batch ? batch->keys : std::vector<std::string>{};
}

class InterruptionTriggerTest : public ::testing::Test {
 protected:
  // Lists `listed`, then watches `events`, through the cache's NodeClaim informer.
  std::vector<std::string> keysAfter(const std::vector<json>& listed, const std::string& events) {
    http_.setHandler([&](const http::Request& r) -> Result<http::Response> {
      if (r.url.find("watch=1") != std::string::npos) return FakeHttpClient::reply(200, events);
      const json list{{"metadata", {{"resourceVersion", "10"}}}, {"items", listed}};
      return FakeHttpClient::reply(200, list.dump());
    });
    kube::RestClient client{http_, clock_, "https://h", nullptr, {.qps = 0, .maxRetries = 0}};
    kube::ClusterCache cache{client, clock_, {.gantryResources = true}};
    Batcher batcher{clock_};
    triggerOnInterruption(cache, batcher);
    EXPECT_TRUE(cache.nodeClaims().step().isOk());
    return closedBatch(clock_, batcher);
  }

  FakeClock clock_;
  FakeHttpClient http_;
};

TEST_F(InterruptionTriggerTest, AClaimTurningDeletingWithReasonInterruptedOpensABatch) {
  auto keys = keysAfter({claim("c1", "5", "", false), claim("c2", "6", "", false)},
                        event("MODIFIED", claim("c1", "11", "Interrupted", false)) +
                            event("MODIFIED", claim("c1", "12", "Interrupted", true)) +
                            event("MODIFIED", claim("c2", "13", "Empty", true)));
  EXPECT_EQ(keys, std::vector<std::string>{"nodeclaim/c1"});
}

TEST_F(InterruptionTriggerTest, AClaimListedInterruptedAfterARestartOpensABatch) {
  auto keys =
      keysAfter({claim("c1", "5", "Interrupted", true), claim("c2", "6", "Drifted", true)}, "");
  EXPECT_EQ(keys, std::vector<std::string>{"nodeclaim/c1"});
}

TEST_F(InterruptionTriggerTest, OtherClaimsOpenNothing) {
  auto keys = keysAfter({claim("c1", "5", "", false)},
                        event("MODIFIED", claim("c1", "11", "Underutilized", true)));
  EXPECT_TRUE(keys.empty());
}

}  // namespace
}  // namespace gantry::provisioner
