// RestClient against the recording FakeHttpClient and a FakeClock: URLs, verbs, bodies and
// content types; Status mapping; pagination; retries with backoff and Retry-After; the
// client-side rate limit; re-reading a token after a 401.
#include "src/kube/rest_client.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::kube {
namespace {

using http::FakeHttpClient;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string header(const http::Request& req, std::string_view name) {
  for (const auto& h : req.headers) {
    if (http::headerNameEquals(h.name, name)) return h.value;
  }
  return "<none>";
}

std::string kubeStatus(int code, const std::string& reason, const std::string& message) {
  return json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
              {"code", code}, {"reason", reason}, {"message", message}}
      .dump();
}

const ResourcePath kConfigMaps{.resource = "configmaps", .ns = "team-a"};
const ResourcePath kNodeClaims{.group = "gantry.dev", .resource = "nodeclaims"};

class RestClientTest : public ::testing::Test {
 protected:
  RestClient makeClient(RestClientOptions options = {.qps = 0}) {
    return RestClient(http_, clock_, "https://api.example:6443", makeStaticTokenSource("tok"), options);
  }

  FakeHttpClient http_;
  FakeClock clock_;
};

TEST(ResourcePathTest, BuildsCoreGroupNamespacedAndSubresourcePaths) {
  EXPECT_EQ(kConfigMaps.toString(), "/api/v1/namespaces/team-a/configmaps");
  EXPECT_EQ(kNodeClaims.toString(), "/apis/gantry.dev/v1/nodeclaims");
  EXPECT_EQ(kNodeClaims.withName("nc-1", "status").toString(), "/apis/gantry.dev/v1/nodeclaims/nc-1/status");
  EXPECT_EQ((ResourcePath{.resource = "pods", .ns = "a"}).withName("p", "eviction").toString(),
            "/api/v1/namespaces/a/pods/p/eviction");
  EXPECT_EQ((ResourcePath{.resource = "nodes"}).withName("ip-10-0-0-1").toString(), "/api/v1/nodes/ip-10-0-0-1");
}

TEST_F(RestClientTest, GetSendsTokenAndParsesObject) {
  http_.enqueue(FakeHttpClient::reply(200, R"({"metadata":{"name":"cm"}})"));
  auto client = makeClient();
  auto obj = client.get(kConfigMaps.withName("cm"));
  ASSERT_TRUE(obj) << obj.error().toString();
  EXPECT_EQ((*obj)["metadata"]["name"], "cm");
  const auto req = http_.requests().at(0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "https://api.example:6443/api/v1/namespaces/team-a/configmaps/cm");
  EXPECT_EQ(header(req, "Authorization"), "Bearer tok");
  EXPECT_EQ(header(req, "Accept"), "application/json");
}

TEST_F(RestClientTest, NoAuthorizationHeaderWithoutToken) {
  http_.enqueue(FakeHttpClient::reply(200, "{}"));
  RestClient client(http_, clock_, "https://h", nullptr, {.qps = 0});
  ASSERT_TRUE(client.get(kNodeClaims));
  EXPECT_EQ(header(http_.requests().at(0), "Authorization"), "<none>");
}

TEST_F(RestClientTest, MapsKubernetesStatusReasons) {
  struct Case {
    int code;
    const char* reason;
    StatusCode want;
  };
  const Case cases[] = {
      {404, "NotFound", StatusCode::kNotFound},     {409, "AlreadyExists", StatusCode::kAlreadyExists},
      {409, "Conflict", StatusCode::kConflict},     {410, "Gone", StatusCode::kGone},
      {410, "Expired", StatusCode::kGone},          {403, "Forbidden", StatusCode::kForbidden},
      {422, "Invalid", StatusCode::kInvalid},       {400, "BadRequest", StatusCode::kInvalid},
      {401, "Unauthorized", StatusCode::kUnauthorized}, {429, "TooManyRequests", StatusCode::kThrottled},
      {500, "InternalError", StatusCode::kInternal},
  };
  for (const auto& c : cases) {
    http::Response resp{.status = c.code, .body = kubeStatus(c.code, c.reason, "the server says no")};
    Status st = statusFromResponse(resp, "GET /x");
    EXPECT_EQ(st.code(), c.want) << c.reason;
    EXPECT_NE(st.message().find("the server says no"), std::string::npos) << st.message();
  }
  // No Status body: the HTTP code decides.
  EXPECT_TRUE(statusFromResponse({.status = 404, .body = "404 page not found"}, "GET /x").isNotFound());
  EXPECT_TRUE(statusFromResponse({.status = 503, .body = ""}, "GET /x").isUnavailable());
}

TEST_F(RestClientTest, CreateNotFoundAndAlreadyExists) {
  auto client = makeClient();
  http_.enqueue(FakeHttpClient::reply(409, kubeStatus(409, "AlreadyExists", R"(configmaps "cm" already exists)")));
  auto created = client.create(kConfigMaps, json{{"metadata", {{"name", "cm"}}}});
  ASSERT_FALSE(created);
  EXPECT_TRUE(created.error().isAlreadyExists());
  EXPECT_NE(created.error().message().find("already exists"), std::string::npos);
  const auto req = http_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://api.example:6443/api/v1/namespaces/team-a/configmaps");
  EXPECT_EQ(header(req, "Content-Type"), "application/json");
  EXPECT_EQ(json::parse(req.body)["metadata"]["name"], "cm");

  http_.enqueue(FakeHttpClient::reply(404, kubeStatus(404, "NotFound", "nope")));
  EXPECT_TRUE(client.get(kConfigMaps.withName("x")).error().isNotFound());
  EXPECT_EQ(http_.requestCount(), 2u);  // neither retried
}

TEST_F(RestClientTest, PatchContentTypes) {
  auto client = makeClient();
  http_.setHandler([](const http::Request&) -> Result<http::Response> { return FakeHttpClient::reply(200, "{}"); });
  ASSERT_TRUE(client.patch(kNodeClaims.withName("a"), PatchType::kMerge, json{{"a", 1}}));
  ASSERT_TRUE(client.patch(kNodeClaims.withName("a", "status"), PatchType::kJson,
                           json::array({{{"op", "add"}, {"path", "/a"}, {"value", 1}}})));
  ASSERT_TRUE(client.patch(kNodeClaims.withName("a"), PatchType::kStrategicMerge, json::object()));
  const auto reqs = http_.requests();
  EXPECT_EQ(reqs[0].method, "PATCH");
  EXPECT_EQ(header(reqs[0], "Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(header(reqs[1], "Content-Type"), "application/json-patch+json");
  EXPECT_EQ(reqs[1].url, "https://api.example:6443/apis/gantry.dev/v1/nodeclaims/a/status");
  EXPECT_EQ(header(reqs[2], "Content-Type"), "application/strategic-merge-patch+json");
}

TEST_F(RestClientTest, UpdateIsPutAndConflictMaps) {
  auto client = makeClient();
  http_.enqueue(FakeHttpClient::reply(409, kubeStatus(409, "Conflict", "the object has been modified")));
  auto r = client.update(kNodeClaims.withName("a"), json{{"metadata", {{"resourceVersion", "5"}}}});
  EXPECT_TRUE(r.error().isConflict());
  EXPECT_EQ(http_.requests().at(0).method, "PUT");
}

TEST_F(RestClientTest, DeleteSendsPreconditionsAndPropagation) {
  auto client = makeClient();
  http_.enqueue(FakeHttpClient::reply(200, R"({"kind":"Status","status":"Success"})"));
  ASSERT_TRUE(client.remove(kConfigMaps.withName("cm"),
                            {.propagationPolicy = "Foreground", .preconditionUid = "u-1",
                             .preconditionResourceVersion = "42", .gracePeriodSeconds = 0}));
  const auto req = http_.requests().at(0);
  EXPECT_EQ(req.method, "DELETE");
  const json body = json::parse(req.body);
  EXPECT_EQ(body["kind"], "DeleteOptions");
  EXPECT_EQ(body["propagationPolicy"], "Foreground");
  EXPECT_EQ(body["preconditions"]["uid"], "u-1");
  EXPECT_EQ(body["preconditions"]["resourceVersion"], "42");
  EXPECT_EQ(body["gracePeriodSeconds"], 0);
}

TEST_F(RestClientTest, ListQueryAndPagination) {
  auto client = makeClient();
  http_.enqueue(FakeHttpClient::reply(200, R"({"metadata":{"resourceVersion":"100","continue":"c 1"},"items":[{"n":1},{"n":2}]})"));
  http_.enqueue(FakeHttpClient::reply(200, R"({"metadata":{"resourceVersion":"101","continue":"c2"},"items":[{"n":3},{"n":4}]})"));
  http_.enqueue(FakeHttpClient::reply(200, R"({"metadata":{"resourceVersion":"102"},"items":[{"n":5}]})"));
  auto all = client.listAll(kConfigMaps, {.labelSelector = "app=x,tier in (a,b)", .fieldSelector = "metadata.name!=z", .limit = 2});
  ASSERT_TRUE(all) << all.error().toString();
  ASSERT_EQ(all->items.size(), 5u);
  EXPECT_EQ(all->items[4]["n"], 5);
  EXPECT_EQ(all->resourceVersion, "100");
  const auto reqs = http_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].url, "https://api.example:6443/api/v1/namespaces/team-a/configmaps"
                         "?labelSelector=app%3Dx%2Ctier%20in%20%28a%2Cb%29"
                         "&fieldSelector=metadata.name%21%3Dz&limit=2");
  EXPECT_NE(reqs[1].url.find("&continue=c%201"), std::string::npos) << reqs[1].url;
  EXPECT_NE(reqs[2].url.find("&continue=c2"), std::string::npos) << reqs[2].url;
}

TEST_F(RestClientTest, ExpiredContinueTokenIsGone) {
  auto client = makeClient();
  http_.enqueue(FakeHttpClient::reply(200, R"({"metadata":{"continue":"c1"},"items":[]})"));
  http_.enqueue(FakeHttpClient::reply(410, kubeStatus(410, "Expired", "continue token expired")));
  EXPECT_TRUE(client.listAll(kConfigMaps, {.limit = 1}).error().isGone());
}

TEST_F(RestClientTest, RetriesThrottlingHonouringRetryAfter) {
  auto client = makeClient();
  http_.enqueue(FakeHttpClient::reply(429, kubeStatus(429, "TooManyRequests", "slow down"), {{"Retry-After", "3"}}));
  http_.enqueue(FakeHttpClient::reply(429, kubeStatus(429, "TooManyRequests", "slow down"), {{"Retry-After", "1"}}));
  http_.enqueue(FakeHttpClient::reply(201, "{}"));
  ASSERT_TRUE(client.create(kConfigMaps, json::object()));  // the server asked for a retry
  const auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_EQ(sleeps[0], seconds(3));
  EXPECT_EQ(sleeps[1], seconds(1));
}

TEST_F(RestClientTest, ThrottledWithoutRetryAfterIsReturnedAtOnce) {
  // What a PodDisruptionBudget-blocked eviction looks like: the caller must requeue.
  auto client = makeClient();
  http_.enqueue(FakeHttpClient::reply(
      429, kubeStatus(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.")));
  auto r = client.create(kConfigMaps.withName("p", "eviction"), json::object());
  EXPECT_TRUE(r.error().isThrottled()) << r.error().toString();
  EXPECT_EQ(http_.requestCount(), 1u);
}

TEST(StatusFromResponse, AppendsCausesTheMessageLeavesOut) {
  // The apiserver's answer to an eviction a PodDisruptionBudget refuses: only the cause names it.
  json refused = json::parse(kubeStatus(429, "TooManyRequests",
                                        "Cannot evict pod as it would violate the pod's disruption budget."));
  refused["details"] = {{"causes", json::array({{{"reason", "DisruptionBudget"},
                                                 {"message", "The disruption budget web needs 1 healthy pods and "
                                                             "has 1 currently"}}})}};
  Status st = statusFromResponse({.status = 429, .body = refused.dump()}, "POST /eviction");
  EXPECT_TRUE(st.isThrottled());
  EXPECT_EQ(st.message(),
            "POST /eviction: HTTP 429: Cannot evict pod as it would violate the pod's disruption budget. The "
            "disruption budget web needs 1 healthy pods and has 1 currently");
  // An Invalid's causes repeat its message: not twice.
  json invalid = json::parse(kubeStatus(422, "Invalid", "Pod \"p\" is invalid: spec.containers: Required value"));
  invalid["details"] = {{"causes", json::array({{{"reason", "FieldValueRequired"},
                                                 {"message", "Required value"},
                                                 {"field", "spec.containers"}}})}};
  EXPECT_EQ(statusFromResponse({.status = 422, .body = invalid.dump()}, "POST /p").message(),
            "POST /p: HTTP 422: Pod \"p\" is invalid: spec.containers: Required value");
}

TEST_F(RestClientTest, ServerErrorsWithoutRetryAfterRetriedForGetWithBackoff) {
  auto client = makeClient();
  http_.enqueue(FakeHttpClient::reply(503, ""));
  http_.enqueue(FakeHttpClient::reply(504, ""));
  http_.enqueue(FakeHttpClient::reply(200, "{}"));
  ASSERT_TRUE(client.get(kConfigMaps));
  EXPECT_EQ(clock_.sleeps(), (std::vector<Clock::Duration>{milliseconds(200), milliseconds(400)}));
  http_.enqueue(FakeHttpClient::reply(500, kubeStatus(500, "InternalError", "bug")));
  EXPECT_EQ(client.get(kConfigMaps).error().code(), StatusCode::kInternal);  // not transient
}

TEST_F(RestClientTest, RetryAfterIsCapped) {
  auto client = makeClient({.qps = 0, .maxRetryAfter = milliseconds(10000)});
  http_.enqueue(FakeHttpClient::reply(503, "", {{"Retry-After", "3600"}}));
  http_.enqueue(FakeHttpClient::reply(200, "{}"));
  ASSERT_TRUE(client.remove(kConfigMaps.withName("a")));
  EXPECT_EQ(clock_.sleeps().at(0), seconds(10));
}

TEST_F(RestClientTest, RetriesAreBounded) {
  auto client = makeClient({.qps = 0, .maxRetries = 3});
  http_.setHandler([](const http::Request&) -> Result<http::Response> {
    return FakeHttpClient::reply(503, kubeStatus(503, "ServiceUnavailable", "etcd down"));
  });
  auto r = client.get(kConfigMaps);
  EXPECT_TRUE(r.error().isUnavailable());
  EXPECT_EQ(http_.requestCount(), 4u);
  const auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 3u);
  EXPECT_EQ(sleeps[0], milliseconds(200));
  EXPECT_EQ(sleeps[2], milliseconds(800));
}

TEST_F(RestClientTest, TransportErrorsRetriedForGetOnly) {
  auto client = makeClient();
  http_.enqueue(fail(Status::unavailable("connection refused")));
  http_.enqueue(FakeHttpClient::reply(200, "{}"));
  ASSERT_TRUE(client.get(kConfigMaps));

  http_.reset();
  http_.enqueue(fail(Status::unavailable("connection reset")));
  EXPECT_TRUE(client.create(kConfigMaps, json::object()).error().isUnavailable());
  http_.enqueue(FakeHttpClient::reply(503, ""));  // may have been applied: not retried
  EXPECT_TRUE(client.patch(kConfigMaps.withName("a"), PatchType::kMerge, json::object()).error().isUnavailable());
  EXPECT_EQ(http_.requestCount(), 2u);
}

class CountingTokens final : public TokenSource {
 public:
  Result<std::string> token() override { return "t" + std::to_string(generation); }
  void invalidate() override { ++generation; }
  int generation = 1;
};

TEST_F(RestClientTest, A401RefreshesTheTokenOnce) {
  RestClient client(http_, clock_, "https://h", std::make_unique<CountingTokens>(), {.qps = 0});
  http_.enqueue(FakeHttpClient::reply(401, kubeStatus(401, "Unauthorized", "token expired")));
  http_.enqueue(FakeHttpClient::reply(200, "{}"));
  ASSERT_TRUE(client.get(kConfigMaps));
  const auto reqs = http_.requests();
  EXPECT_EQ(header(reqs[0], "Authorization"), "Bearer t1");
  EXPECT_EQ(header(reqs[1], "Authorization"), "Bearer t2");

  http_.setHandler([](const http::Request&) -> Result<http::Response> {
    return FakeHttpClient::reply(401, kubeStatus(401, "Unauthorized", "no"));
  });
  EXPECT_TRUE(client.get(kConfigMaps).error().isUnauthorized());
  EXPECT_EQ(http_.requestCount(), 4u);
}

TEST_F(RestClientTest, RateLimitSleepsOnTheClock) {
  auto client = makeClient({.qps = 10, .burst = 2});
  http_.setHandler([](const http::Request&) -> Result<http::Response> { return FakeHttpClient::reply(200, "{}"); });
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client.get(kConfigMaps));
  const auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 4u);
  EXPECT_EQ(sleeps[0], Clock::Duration::zero());
  EXPECT_EQ(sleeps[1], Clock::Duration::zero());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(sleeps[2]), milliseconds(100));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(sleeps[3]), milliseconds(100));
}

TEST(TokenBucketTest, RefillsUpToBurst) {
  FakeClock clock;
  TokenBucket bucket(clock, 2, 3);
  for (int i = 0; i < 3; ++i) bucket.acquire();
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(bucket.delay()), milliseconds(500));
  clock.advance(seconds(10));
  EXPECT_EQ(bucket.delay(), Clock::Duration::zero());
  for (int i = 0; i < 3; ++i) bucket.acquire();
  for (auto d : clock.sleeps()) EXPECT_EQ(d, Clock::Duration::zero());  // burst was back at 3
}

TEST_F(RestClientTest, NonJsonSuccessBodyIsInvalid) {
  auto client = makeClient();
  http_.enqueue(FakeHttpClient::reply(200, "<html>"));
  EXPECT_TRUE(client.get(kConfigMaps).error().isInvalid());
}

}  // namespace
}  // namespace gantry::kube
