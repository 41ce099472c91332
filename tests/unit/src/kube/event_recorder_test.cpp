// KubeEventRecorder against the recording FakeHttpClient and a FakeClock: the Event body,
// dedup into count/lastTimestamp PATCHes, the per-object rate limit, the bounded queue that
// never blocks the caller, and stop(). Waits are bounded flushes, never sleeps.
#include "src/kube/event_recorder.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_event_recorder.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::kube {
namespace {

using http::FakeHttpClient;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const ObjectReference kPod{
    .kind = "Pod", .ns = "ml", .name = "trial-1", .uid = "u-1", .apiVersion = "v1"};
const ObjectReference kNode{
    .kind = "Node", .name = "ip-10-0-0-1", .uid = "u-n", .apiVersion = "v1"};

std::string header(const http::Request& req, std::string_view name) {
  for (const auto& h : req.headers) {
    if (http::headerNameEquals(h.name, name)) return h.value;
  }
  return "<none>";
}

class EventRecorderTest : public ::testing::Test {
 protected:
  EventRecorderTest() {
    http_.setHandler([](const http::Request& req) -> Result<http::Response> {
      if (req.method == "POST") return FakeHttpClient::reply(201, req.body);
      return FakeHttpClient::reply(200, "{}");
    });
  }
  std::unique_ptr<KubeEventRecorder> recorder(EventRecorderOptions options = {}) {
    return std::make_unique<KubeEventRecorder>(client_, clock_, std::move(options));
  }
  std::vector<http::Request> requests(const std::string& method) const {
    std::vector<http::Request> out;
    for (auto& r : http_.requests()) {
      if (r.method == method) out.push_back(r);
    }
    return out;
  }

  FakeClock clock_;
  FakeHttpClient http_;
  RestClient client_{
      http_, clock_, "https://api.example:6443", nullptr, {.qps = 0, .maxRetries = 0}};
};

TEST_F(EventRecorderTest, CreatesACoreV1EventWithEveryField) {
  auto rec = recorder({.reportingInstance = "gantry-0"});
  rec->record(kPod, EventType::kWarning, "FailedScheduling", "no instance type fits");
  ASSERT_TRUE(rec->flush(seconds(10)));
  const auto posts = requests("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].url, "https://api.example:6443/api/v1/namespaces/ml/events");
  const json ev = json::parse(posts[0].body);
  EXPECT_EQ(ev["kind"], "Event");
  EXPECT_EQ(ev["metadata"]["namespace"], "ml");
  EXPECT_TRUE(ev["metadata"]["name"].get<std::string>().starts_with("trial-1."));
  EXPECT_EQ(ev["involvedObject"], (json{{"kind", "Pod"},
                                        {"namespace", "ml"},
                                        {"name", "trial-1"},
                                        {"uid", "u-1"},
                                        {"apiVersion", "v1"}}));
  EXPECT_EQ(ev["reason"], "FailedScheduling");
  EXPECT_EQ(ev["message"], "no instance type fits");
  EXPECT_EQ(ev["type"], "Warning");
  EXPECT_EQ(ev["source"]["component"], "gantry");
  EXPECT_EQ(ev["firstTimestamp"], "2015-08-30T12:36:00Z");
  EXPECT_EQ(ev["lastTimestamp"], "2015-08-30T12:36:00Z");
  EXPECT_EQ(ev["count"], 1);
  EXPECT_EQ(ev["reportingComponent"], "gantry.dev/controller");
  EXPECT_EQ(ev["reportingInstance"], "gantry-0");
  EXPECT_EQ(rec->stats().created, 1u);
}

TEST_F(EventRecorderTest, RepeatsWithinTheWindowPatchCountAndLastTimestamp) {
  auto rec = recorder();
  for (int i = 0; i < 3; ++i) {
    rec->record(kPod, EventType::kNormal, "Nominated", "pod nominated to nodeclaim nc-1");
    clock_.advance(seconds(30));
  }
  ASSERT_TRUE(rec->flush(seconds(10)));
  const auto posts = requests("POST");
  const auto patches = requests("PATCH");
  ASSERT_EQ(posts.size(), 1u);
  ASSERT_EQ(patches.size(), 2u);
  const std::string name = json::parse(posts[0].body)["metadata"]["name"];
  EXPECT_EQ(patches[0].url, "https://api.example:6443/api/v1/namespaces/ml/events/" + name);
  EXPECT_EQ(header(patches[0], "Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(json::parse(patches[0].body),
            (json{{"count", 2}, {"lastTimestamp", "2015-08-30T12:36:30Z"}}));
  EXPECT_EQ(json::parse(patches[1].body),
            (json{{"count", 3}, {"lastTimestamp", "2015-08-30T12:37:00Z"}}));
  EXPECT_EQ(rec->stats().merged, 2u);
}

TEST_F(EventRecorderTest, DifferentMessagesOrAnExpiredWindowMakeNewEvents) {
  auto rec = recorder({.dedupWindow = minutes(10)});
  rec->record(kPod, EventType::kNormal, "Nominated", "to nc-1");
  rec->record(kPod, EventType::kNormal, "Nominated", "to nc-2");
  rec->record(kPod, EventType::kWarning, "Nominated", "to nc-2");
  clock_.advance(minutes(10) + seconds(1));
  rec->record(kPod, EventType::kNormal, "Nominated", "to nc-1");
  ASSERT_TRUE(rec->flush(seconds(10)));
  const auto posts = requests("POST");
  ASSERT_EQ(posts.size(), 4u);
  EXPECT_TRUE(requests("PATCH").empty());
  std::set<std::string> names;
  for (const auto& p : posts)
    names.insert(json::parse(p.body)["metadata"]["name"].get<std::string>());
  EXPECT_EQ(names.size(), 4u);  // unique even at one fake-clock reading
}

TEST_F(EventRecorderTest, ADeletedEventIsCreatedAgainKeepingTheCount) {
  auto rec = recorder();
  rec->record(kPod, EventType::kNormal, "Launched", "launched i-1");
  ASSERT_TRUE(rec->flush(seconds(10)));
  http_.enqueue(FakeHttpClient::reply(404, R"({"kind":"Status","code":404,"reason":"NotFound"})"));
  rec->record(kPod, EventType::kNormal, "Launched", "launched i-1");
  ASSERT_TRUE(rec->flush(seconds(10)));
  const auto posts = requests("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(json::parse(posts[1].body)["count"], 2);
}

TEST_F(EventRecorderTest, RateLimitsEachObjectSeparatelyAndRefills) {
  auto rec = recorder({.burst = 25, .refillPeriod = minutes(5)});
  for (int i = 0; i < 30; ++i) {
    rec->record(kPod, EventType::kNormal, "Spam", "message " + std::to_string(i));
  }
  rec->record(kNode, EventType::kNormal, "Spam", "a node is not limited by the pod's bucket");
  ASSERT_TRUE(rec->flush(seconds(10)));
  EXPECT_EQ(rec->stats().created, 26u);
  EXPECT_EQ(rec->stats().rateLimited, 5u);
  clock_.advance(minutes(5));
  rec->record(kPod, EventType::kNormal, "Spam", "after one refill");
  rec->record(kPod, EventType::kNormal, "Spam", "too soon again");
  ASSERT_TRUE(rec->flush(seconds(10)));
  EXPECT_EQ(rec->stats().created, 27u);
  EXPECT_EQ(rec->stats().rateLimited, 6u);
}

TEST_F(EventRecorderTest, ClusterScopedObjectsGetEventsInDefault) {
  auto rec = recorder();
  rec->record(kNode, EventType::kNormal, "Registered", "node registered");
  ASSERT_TRUE(rec->flush(seconds(10)));
  const auto posts = requests("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].url, "https://api.example:6443/api/v1/namespaces/default/events");
  EXPECT_FALSE(json::parse(posts[0].body)["involvedObject"].contains("namespace"));
}

TEST_F(EventRecorderTest, AFullQueueDropsInsteadOfBlockingTheCaller) {
  std::mutex m;
  std::condition_variable cv;
  bool open = false, entered = false;
  http_.setHandler([&](const http::Request& req) -> Result<http::Response> {
    std::unique_lock lock(m);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
    return FakeHttpClient::reply(201, req.body);
  });
  auto rec = recorder({.burst = 100, .queueCapacity = 10});
  rec->record(kPod, EventType::kNormal, "R", "in flight");
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, seconds(10), [&] { return entered; }));
  }
  for (int i = 0; i < 15; ++i) rec->record(kPod, EventType::kNormal, "R", std::to_string(i));
  EXPECT_EQ(rec->stats().dropped, 5u);  // counted at once: record() did not wait for the sender
  {
    std::lock_guard lock(m);
    open = true;
  }
  cv.notify_all();
  ASSERT_TRUE(rec->flush(seconds(10)));
  EXPECT_EQ(rec->stats().created, 11u);
}

TEST_F(EventRecorderTest, FailuresAreCountedAndStopDropsLaterRecords) {
  http_.setHandler([](const http::Request&) -> Result<http::Response> {
    return FakeHttpClient::reply(500, "not json at all");
  });
  auto rec = recorder();
  rec->record(kPod, EventType::kNormal, "R", "m");
  rec->record(kPod, EventType::kNormal, "R", "m");  // not merged: the first was never stored
  ASSERT_TRUE(rec->flush(seconds(10)));
  EXPECT_EQ(rec->stats().failed, 2u);
  EXPECT_EQ(requests("POST").size(), 2u);
  rec->stop();
  rec->stop();
  rec->record(kPod, EventType::kNormal, "R", "after stop");
  EXPECT_EQ(rec->stats().dropped, 1u);
}

TEST(FakeEventRecorderTest, RecordsCallsInOrder) {
  FakeEventRecorder fake;
  EventRecorder& rec = fake;
  rec.record(kPod, EventType::kNormal, "Nominated", "a");
  rec.record(kNode, EventType::kWarning, "Nominated", "b");
  ASSERT_EQ(fake.events().size(), 2u);
  EXPECT_EQ(fake.events()[1].object.name, "ip-10-0-0-1");
  EXPECT_EQ(fake.count("Nominated"), 2u);
  EXPECT_EQ(fake.count("Nominated", "trial-1"), 1u);
  fake.reset();
  EXPECT_TRUE(fake.events().empty());
}

}  // namespace
}  // namespace gantry::kube
