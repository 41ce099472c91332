// KubeEventRecorder against the real kube-apiserver: repeats of one event on a real Pod end up
// as ONE core/v1 Event with the right count, and the apiserver accepts every field we write.
// The Pod is bound to a node that does not exist, so no scheduler or autoscaler sees it pending.
#include <unistd.h>

#include <gtest/gtest.h>

#include <random>

#include "src/common/clock.h"
#include "src/kube/event_recorder.h"
#include "src/kube/kubeconfig.h"
#include "src/kube/rest_client.h"
#include "tests/support/kube_namespace.h"

namespace gantry::kube {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class EventRecorderIT : public gantry::testing::KubeNamespaceTest {
 protected:
  EventRecorderIT() : KubeNamespaceTest("events-it") {}

  void TearDown() override {
    if (!conn_.client || ns_.empty()) return;
    // No kubelet will confirm the deletion of a pod on a missing node: force it.
    (void)conn_.client->remove(ResourcePath{.resource = "pods", .ns = ns_}.withName("trial-0"),
                               {.gracePeriodSeconds = 0});
    KubeNamespaceTest::TearDown();
  }
};

TEST_F(EventRecorderIT, RepeatedEventOnAPodIsOneEventWithCountFive) {
  const json pod = {{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata", {{"name", "trial-0"}}},
                    {"spec",
                     {{"nodeName", "no-such-node-" + ns_},
                      {"containers", json::array({{{"name", "main"}, {"image", "busybox"}}})}}}};
  auto created = conn_.client->create({.resource = "pods", .ns = ns_}, pod);
  ASSERT_TRUE(created) << created.error().toString();
  const std::string uid = (*created)["metadata"]["uid"];
  const ObjectReference ref{
      .kind = "Pod", .ns = ns_, .name = "trial-0", .uid = uid, .apiVersion = "v1"};

  KubeEventRecorder recorder(*conn_.client, clock_, {.reportingInstance = "gantry-it"});
  for (int i = 0; i < 5; ++i) {
    recorder.record(ref, EventType::kNormal, "Nominated", "pod nominated to nodeclaim nc-it");
  }
  recorder.record(ref, EventType::kWarning, "FailedLaunch", "no capacity for g5.xlarge");
  ASSERT_TRUE(recorder.flush(std::chrono::milliseconds(30000)));
  const auto stats = recorder.stats();
  EXPECT_EQ(stats.created, 2u);
  EXPECT_EQ(stats.merged, 4u);
  EXPECT_EQ(stats.failed, 0u);

  auto events = conn_.client->listAll({.resource = "events", .ns = ns_},
                                      {.fieldSelector = "involvedObject.name=trial-0"});
  ASSERT_TRUE(events) << events.error().toString();
  ASSERT_EQ(events->items.size(), 2u);
  const json* nominated = nullptr;
  for (const auto& e : events->items) {
    if (e.value("reason", "") == "Nominated") nominated = &e;
  }
  ASSERT_NE(nominated, nullptr);
  EXPECT_EQ((*nominated)["count"], 5);
  EXPECT_EQ((*nominated)["type"], "Normal");
  EXPECT_EQ((*nominated)["involvedObject"]["uid"], uid);
  EXPECT_EQ((*nominated)["involvedObject"]["kind"], "Pod");
  EXPECT_EQ((*nominated)["source"]["component"], "gantry");
  EXPECT_EQ((*nominated)["reportingComponent"], "gantry.dev/controller");
  EXPECT_EQ((*nominated)["reportingInstance"], "gantry-it");
  EXPECT_LE((*nominated)["firstTimestamp"].get<std::string>(),
            (*nominated)["lastTimestamp"].get<std::string>());
}

}  // namespace
}  // namespace gantry::kube
