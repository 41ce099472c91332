// Watch decoding: events split across chunks at every byte, ERROR events (410 → kGone),
// bookmarks, and watch() over the FakeHttpClient's chunked stream.
#include "src/kube/watch.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::kube {
namespace {

using http::FakeHttpClient;

const std::string kStream =
    R"({"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"10"}}})" "\n"
    R"({"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"11"}}})" "\n"
    R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"12"}}})" "\n"
    R"({"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"13"}}})" "\n";

const std::string kGoneEvent =
    R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 5 (10)","reason":"Expired","code":410}})j" "\n";

std::vector<std::string> summarize(const std::vector<WatchEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    out.push_back(std::string(watchEventTypeName(e.type)) + " " +
                  e.object["metadata"].value("resourceVersion", ""));
  }
  return out;
}

const std::vector<std::string> kWant = {"ADDED 10", "MODIFIED 11", "BOOKMARK 12", "DELETED 13"};

TEST(WatchDecoder, ToleratesAnyChunkBoundary) {
  for (std::size_t size = 1; size <= kStream.size(); size += (size < 8 ? 1 : 37)) {
    WatchDecoder decoder;
    std::vector<WatchEvent> events;
    for (std::size_t i = 0; i < kStream.size(); i += size) {
      ASSERT_TRUE(decoder.feed(std::string_view(kStream).substr(i, size), [&](WatchEvent&& e) {
        events.push_back(std::move(e));
        return true;
      }).isOk());
    }
    EXPECT_TRUE(decoder.finish().isOk());
    EXPECT_EQ(summarize(events), kWant) << "chunk size " << size;
    EXPECT_EQ(decoder.lastResourceVersion(), "13");
  }
}

TEST(WatchDecoder, GoneErrorEvent) {
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  auto sink = [&](WatchEvent&& e) {
    events.push_back(std::move(e));
    return true;
  };
  const std::string text = kStream.substr(0, kStream.find('\n') + 1) + kGoneEvent + kStream;
  Status st = decoder.feed(text, sink);
  EXPECT_TRUE(st.isGone()) << st.toString();
  EXPECT_NE(st.message().find("too old resource version"), std::string::npos);
  EXPECT_EQ(events.size(), 1u);  // nothing after the error
  EXPECT_TRUE(decoder.feed(kStream, sink).isGone());
  EXPECT_EQ(events.size(), 1u);
}

TEST(WatchDecoder, OtherErrorsAndGarbage) {
  auto sink = [](WatchEvent&&) { return true; };
  {
    WatchDecoder d;
    EXPECT_TRUE(d.feed(R"({"type":"ERROR","object":{"kind":"Status","code":500,"reason":"InternalError","message":"x"}})" "\n", sink)
                    .code() == StatusCode::kInternal);
  }
  {
    WatchDecoder d;
    EXPECT_TRUE(d.feed("not json\n", sink).isInvalid());
  }
  {
    WatchDecoder d;
    EXPECT_TRUE(d.feed(R"({"type":"WHAT","object":{}})" "\n", sink).isInvalid());
  }
  {
    WatchDecoder d;  // the stream ends mid-event
    EXPECT_TRUE(d.feed(R"({"type":"ADDED","obj)", sink).isOk());
    EXPECT_TRUE(d.finish().isInvalid());
  }
  {
    WatchDecoder d;  // blank lines and CRLF are fine
    int n = 0;
    EXPECT_TRUE(d.feed("\r\n" + kStream.substr(0, kStream.find('\n')) + "\r\n\n",
                       [&](WatchEvent&&) { return ++n, true; }).isOk());
    EXPECT_EQ(n, 1);
  }
}

TEST(WatchDecoder, SinkCanStop) {
  WatchDecoder d;
  int n = 0;
  EXPECT_TRUE(d.feed(kStream, [&](WatchEvent&&) { return ++n < 2; }).isOk());
  EXPECT_EQ(n, 2);
  EXPECT_TRUE(d.stopped());
}

TEST(WatchQuery, EncodesOptions) {
  EXPECT_EQ(watchQuery({.labelSelector = "app=x", .resourceVersion = "7", .timeoutSeconds = 60}),
            "watch=1&labelSelector=app%3Dx&resourceVersion=7&timeoutSeconds=60&allowWatchBookmarks=true");
  EXPECT_EQ(watchQuery({.timeoutSeconds = 0, .allowBookmarks = false}), "watch=1");
}

class WatchTest : public ::testing::Test {
 protected:
  FakeHttpClient http_;
  FakeClock clock_;
  RestClient client_{http_, clock_, "https://h", makeStaticTokenSource("t"), {.qps = 0}};
  const ResourcePath pods_{.resource = "pods", .ns = "ns1"};
};

TEST_F(WatchTest, StreamsEventsAndReturnsLastVersion) {
  http_.chunkSize = 7;
  http_.enqueue(FakeHttpClient::reply(200, kStream));
  std::vector<WatchEvent> events;
  auto rv = watch(client_, pods_, {.resourceVersion = "9"}, [&](const WatchEvent& e) {
    events.push_back(e);
    return true;
  });
  ASSERT_TRUE(rv) << rv.error().toString();
  EXPECT_EQ(*rv, "13");
  EXPECT_EQ(summarize(events), kWant);
  const auto req = http_.requests().at(0);
  EXPECT_EQ(req.url, "https://h/api/v1/namespaces/ns1/pods?watch=1&resourceVersion=9&timeoutSeconds=300&allowWatchBookmarks=true");
}

TEST_F(WatchTest, EmptyStreamKeepsStartingVersion) {
  http_.enqueue(FakeHttpClient::reply(200, ""));
  auto rv = watch(client_, pods_, {.resourceVersion = "9"}, [](const WatchEvent&) { return true; });
  ASSERT_TRUE(rv);
  EXPECT_EQ(*rv, "9");
}

TEST_F(WatchTest, GoneEventEndsTheWatch) {
  http_.enqueue(FakeHttpClient::reply(200, kGoneEvent));
  auto rv = watch(client_, pods_, {.resourceVersion = "5"}, [](const WatchEvent&) { return true; });
  EXPECT_TRUE(rv.error().isGone());
}

TEST_F(WatchTest, HttpErrorsMapLikeRequests) {
  http_.enqueue(FakeHttpClient::reply(403, R"({"kind":"Status","code":403,"reason":"Forbidden","message":"pods is forbidden"})"));
  auto rv = watch(client_, pods_, {}, [](const WatchEvent&) { return true; });
  ASSERT_FALSE(rv);
  EXPECT_TRUE(rv.error().isForbidden()) << rv.error().toString();
  EXPECT_NE(rv.error().message().find("pods is forbidden"), std::string::npos);
}

TEST_F(WatchTest, CallerCanStopEarly) {
  http_.enqueue(FakeHttpClient::reply(200, kStream));
  int n = 0;
  auto rv = watch(client_, pods_, {}, [&](const WatchEvent&) { return ++n < 2; });
  ASSERT_TRUE(rv);
  EXPECT_EQ(*rv, "11");
  EXPECT_EQ(n, 2);
}

}  // namespace
}  // namespace gantry::kube
