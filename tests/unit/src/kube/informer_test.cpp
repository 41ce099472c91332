// Informer semantics over a scripted apiserver (FakeHttpClient): list then watch from the
// list's version, resume from the last event or bookmark, relist on 410 and reconcile
// without duplicates, and hostile input (undecodable objects, broken or truncated streams).
#include "src/kube/informer.h"

#include <gtest/gtest.h>

#include <deque>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::kube {
namespace {

using http::FakeHttpClient;
using nlohmann::json;

struct Thing {
  std::string name;
  std::string value;
};

std::expected<Thing, std::string> decodeThing(const json& object) {
  const std::string value = object.value("data", json::object()).value("value", "");
  if (value == "bad") return std::unexpected("data.value: bad");
  return Thing{object["metadata"]["name"].get<std::string>(), value};
}

json thing(const std::string& name, const std::string& rv, const std::string& value = "v") {
  return {{"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}},
          {"data", {{"value", value}}}};
}

std::string event(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

std::string bookmark(const std::string& rv) {
  return event("BOOKMARK", {{"metadata", {{"resourceVersion", rv}}}});
}

const std::string kGone =
    R"j({"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version","reason":"Expired","code":410}})j"
    "\n";

// Serves lists and watches from two queues and records which was asked with which version.
class InformerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_.setHandler([this](const http::Request& r) -> Result<http::Response> {
      std::lock_guard lock(mu_);
      if (r.url.find("watch=1") != std::string::npos) {
        watchUrls_.push_back(r.url);
        if (watches_.empty()) return FakeHttpClient::reply(200, "");
        auto body = watches_.front();
        watches_.pop_front();
        return FakeHttpClient::reply(200, body);
      }
      listUrls_.push_back(r.url);
      if (lists_.empty()) return FakeHttpClient::reply(500, "no list scripted");
      auto body = lists_.front();
      lists_.pop_front();
      return FakeHttpClient::reply(200, body);
    });
    informer_.addHandlers({
        .onAdd = [this](const ObjectPtr<Thing>& t) { seen_.push_back("add " + t->name + "=" + t->value); },
        .onUpdate =
            [this](const ObjectPtr<Thing>& a, const ObjectPtr<Thing>& b) {
              seen_.push_back("update " + a->name + "=" + a->value + "->" + b->value);
            },
        .onDelete = [this](const ObjectPtr<Thing>& t) { seen_.push_back("delete " + t->name); },
    });
  }

  void scriptList(std::vector<json> items, const std::string& rv) {
    json list = {{"kind", "ThingList"}, {"metadata", {{"resourceVersion", rv}}}, {"items", items}};
    lists_.push_back(list.dump());
  }
  void scriptWatch(std::string body) { watches_.push_back(std::move(body)); }

  std::string value(const std::string& name) const {
    auto t = informer_.store().get("ns/" + name);
    return t ? t->value : "<none>";
  }

  FakeHttpClient http_;
  FakeClock clock_;
  RestClient client_{http_, clock_, "https://h", nullptr, {.qps = 0, .maxRetries = 0}};
  Informer<Thing> informer_{client_, clock_, ResourcePath{.resource = "things"}, decodeThing};
  std::mutex mu_;
  std::deque<std::string> lists_, watches_;
  std::vector<std::string> listUrls_, watchUrls_;
  std::vector<std::string> seen_;
};

TEST_F(InformerTest, ListsThenWatchesFromTheListVersionAndResumesFromTheLastEvent) {
  scriptList({thing("a", "1"), thing("b", "2")}, "2");
  scriptWatch(event("MODIFIED", thing("a", "3", "w")) + event("ADDED", thing("c", "4")) +
              event("DELETED", thing("b", "5")) + bookmark("6"));
  EXPECT_FALSE(informer_.hasSynced());
  ASSERT_TRUE(informer_.step().isOk());
  EXPECT_TRUE(informer_.hasSynced());
  EXPECT_EQ(seen_, (std::vector<std::string>{"add a=v", "add b=v", "update a=v->w", "add c=v",
                                             "delete b"}));
  ASSERT_EQ(watchUrls_.size(), 1u);
  EXPECT_NE(watchUrls_[0].find("resourceVersion=2"), std::string::npos) << watchUrls_[0];
  EXPECT_NE(watchUrls_[0].find("allowWatchBookmarks=true"), std::string::npos);

  // The next watch starts after the bookmark, without listing again.
  ASSERT_TRUE(informer_.step().isOk());
  ASSERT_EQ(watchUrls_.size(), 2u);
  EXPECT_NE(watchUrls_[1].find("resourceVersion=6"), std::string::npos) << watchUrls_[1];
  EXPECT_EQ(listUrls_.size(), 1u);
  EXPECT_EQ(informer_.store().size(), 2u);
  EXPECT_NE(listUrls_[0].find("limit=500"), std::string::npos) << listUrls_[0];
}

TEST_F(InformerTest, GoneRelistsAndDeliversOnlyWhatChangedInTheGap) {
  scriptList({thing("a", "1"), thing("b", "2"), thing("c", "3")}, "3");
  scriptWatch(kGone);
  EXPECT_TRUE(informer_.step().isGone());
  seen_.clear();
  // While we were not watching: b changed, c went away, d appeared; a is untouched.
  scriptList({thing("a", "1"), thing("b", "7", "w"), thing("d", "8")}, "9");
  ASSERT_TRUE(informer_.step().isOk());
  std::sort(seen_.begin(), seen_.end());
  EXPECT_EQ(seen_, (std::vector<std::string>{"add d=v", "delete c", "update b=v->w"}));
  EXPECT_EQ(informer_.stats().relists, 1u);
  EXPECT_EQ(listUrls_.size(), 2u);
  EXPECT_NE(watchUrls_.back().find("resourceVersion=9"), std::string::npos);
}

TEST_F(InformerTest, AnEventReplayingAStoredVersionIsNotDeliveredTwice) {
  scriptList({thing("a", "1")}, "1");
  scriptWatch(event("ADDED", thing("a", "1")) + event("MODIFIED", thing("a", "1")));
  ASSERT_TRUE(informer_.step().isOk());
  EXPECT_EQ(seen_, (std::vector<std::string>{"add a=v"}));
}

TEST_F(InformerTest, UndecodableObjectsAreKeptOutOfTheCacheAndCounted) {
  scriptList({thing("a", "1"), thing("b", "2", "bad")}, "2");
  scriptWatch(event("MODIFIED", thing("a", "3", "bad")) + event("MODIFIED", thing("a", "4", "ok")));
  ASSERT_TRUE(informer_.step().isOk());
  // b never entered; a left when it became undecodable and came back when it was fixed.
  EXPECT_EQ(seen_, (std::vector<std::string>{"add a=v", "delete a", "add a=ok"}));
  EXPECT_EQ(informer_.stats().decodeErrors, 2u);
  EXPECT_EQ(value("b"), "<none>");
}

TEST_F(InformerTest, BrokenJsonInTheStreamForcesARelistInsteadOfReplayingIt) {
  scriptList({thing("a", "1")}, "1");
  scriptWatch(event("MODIFIED", thing("a", "2", "w")) + "{\"type\":\"MODIFIED\",\"object\":{]}\n");
  const Status st = informer_.step();
  EXPECT_TRUE(st.isInvalid()) << st.toString();
  EXPECT_EQ(value("a"), "w");  // what came before the broken line was applied
  scriptList({thing("a", "5", "x")}, "5");
  ASSERT_TRUE(informer_.step().isOk());
  EXPECT_EQ(value("a"), "x");
  EXPECT_EQ(listUrls_.size(), 2u);
}

TEST_F(InformerTest, TruncatedStreamKeepsTheCompleteEventsAndRelists) {
  scriptList({thing("a", "1")}, "1");
  std::string cut = event("MODIFIED", thing("a", "3", "z"));
  scriptWatch(event("MODIFIED", thing("a", "2", "w")) + cut.substr(0, cut.size() / 2));
  EXPECT_FALSE(informer_.step().isOk());
  EXPECT_EQ(value("a"), "w");
  EXPECT_EQ(informer_.stats().watchErrors, 1u);
  scriptList({thing("a", "3", "z")}, "3");
  ASSERT_TRUE(informer_.step().isOk());
  EXPECT_EQ(value("a"), "z");
  EXPECT_EQ(seen_.back(), "update a=w->z");
}

TEST_F(InformerTest, ServerErrorsDuringListAreReturnedAndNothingIsSynced) {
  const Status st = informer_.step();  // no list scripted: 500
  EXPECT_FALSE(st.isOk());
  EXPECT_FALSE(informer_.hasSynced());
  EXPECT_TRUE(seen_.empty());
}

TEST_F(InformerTest, ListsPageByPageFollowingContinue) {
  json page1 = {{"metadata", {{"resourceVersion", "5"}, {"continue", "tok"}}}, {"items", {thing("a", "1")}}};
  json page2 = {{"metadata", {{"resourceVersion", "5"}}}, {"items", {thing("b", "2")}}};
  lists_.push_back(page1.dump());
  lists_.push_back(page2.dump());
  ASSERT_TRUE(informer_.step().isOk());
  EXPECT_EQ(informer_.store().size(), 2u);
  ASSERT_EQ(listUrls_.size(), 2u);
  EXPECT_NE(listUrls_[1].find("continue=tok"), std::string::npos) << listUrls_[1];
  EXPECT_NE(watchUrls_[0].find("resourceVersion=5"), std::string::npos);
}

TEST_F(InformerTest, AListThatIsNotAListIsAnErrorNotACrash) {
  lists_.push_back("[1,2,3]");
  lists_.push_back(R"({"metadata":{"resourceVersion":7,"continue":false},"items":"nope"})");
  EXPECT_TRUE(informer_.step().isInvalid());
  EXPECT_FALSE(informer_.hasSynced());
  // Wrongly typed members read as absent: no version, so the informer will list again.
  EXPECT_FALSE(informer_.step().isOk());
  EXPECT_TRUE(informer_.store().list().empty());
}

TEST_F(InformerTest, ObjectsWithoutANameAreIgnored) {
  scriptList({json{{"metadata", {{"resourceVersion", "1"}}}}, thing("a", "1")}, "1");
  ASSERT_TRUE(informer_.step().isOk());
  EXPECT_EQ(informer_.store().size(), 1u);
}

TEST(ObjectKey, NamespacedAndClusterScoped) {
  EXPECT_EQ(objectKey(thing("a", "1")), "ns/a");
  EXPECT_EQ(objectKey(json{{"metadata", {{"name", "n1"}}}}), "n1");
  EXPECT_EQ(objectKey(json::array()), "");
  EXPECT_EQ(objectKey(json{{"metadata", {{"name", 5}}}}), "");
}

TEST(ObjectStore, IndexesFollowUpdatesAndDeletes) {
  ObjectStore<Thing> store;
  store.addIndex("value", [](const Thing& t) { return std::vector<std::string>{t.value}; });
  store.put("a", std::make_shared<const Thing>(Thing{"a", "x"}), "1");
  store.put("b", std::make_shared<const Thing>(Thing{"b", "x"}), "1");
  EXPECT_EQ(store.byIndex("value", "x").size(), 2u);
  store.put("a", std::make_shared<const Thing>(Thing{"a", "y"}), "2");
  EXPECT_EQ(store.byIndex("value", "x").size(), 1u);
  EXPECT_EQ(store.byIndex("value", "y").size(), 1u);
  store.erase("b");
  EXPECT_TRUE(store.byIndex("value", "x").empty());
  EXPECT_TRUE(store.byIndex("nope", "x").empty());
  EXPECT_EQ(store.resourceVersionOf("a"), "2");
}

}  // namespace
}  // namespace gantry::kube
