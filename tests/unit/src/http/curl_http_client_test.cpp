// CurlHttpClient against a real loopback socket: status and headers, bodies, keep-alive,
// concurrency, chunked streaming with early stop, timeouts, and error messages that name
// the endpoint but never leak the body.
#include "src/http/curl_http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/unit/src/http/loopback_server.h"

namespace gantry::http {
namespace {

using testing::LoopbackServer;
using testing::ReceivedRequest;
using testing::ResponseWriter;

LoopbackServer::Handler echo() {
  return [](const ReceivedRequest& req, ResponseWriter& w) {
    w.send(200, req.method + " " + req.target + " " + req.body,
           {{"X-Echo-Method", req.method}, {"Content-Type", "text/plain"}});
  };
}

TEST(CurlHttpClientTest, GetReturnsStatusHeadersAndBody) {
  LoopbackServer server(echo());
  CurlHttpClient client;
  auto resp = client.send({.method = "GET", .url = server.url("/hello?x=1")});
  ASSERT_TRUE(resp.has_value()) << resp.error().toString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "GET /hello?x=1 ");
  EXPECT_EQ(resp->header("x-echo-method"), "GET");
  EXPECT_EQ(resp->header("CONTENT-TYPE"), "text/plain");
  EXPECT_FALSE(resp->header("x-missing").has_value());
}

TEST(CurlHttpClientTest, SendsMethodHeadersAndBody) {
  LoopbackServer server(echo());
  CurlHttpClient client;
  Request req{.method = "POST",
              .url = server.url("/"),
              .headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                          {"X-Amz-Date", "20150830T123600Z"},
                          {"Host", "example.amazonaws.com"}},
              .body = "Action=DescribeInstances&Version=2016-11-15"};
  auto resp = client.send(req);
  ASSERT_TRUE(resp.has_value()) << resp.error().toString();
  EXPECT_EQ(resp->body, "POST / Action=DescribeInstances&Version=2016-11-15");
  const auto got = server.requests().at(0);
  EXPECT_EQ(got.header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(got.header("x-amz-date"), "20150830T123600Z");
  // A caller-supplied Host replaces libcurl's: the signer signs exactly this value.
  EXPECT_EQ(got.header("host"), "example.amazonaws.com");
  EXPECT_FALSE(got.hasHeader("expect"));
}

TEST(CurlHttpClientTest, PutWithEmptyBodySendsZeroContentLength) {
  LoopbackServer server(echo());
  CurlHttpClient client;
  auto resp = client.send({.method = "PUT",
                           .url = server.url("/latest/api/token"),
                           .headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}});
  ASSERT_TRUE(resp.has_value()) << resp.error().toString();
  const auto got = server.requests().at(0);
  EXPECT_EQ(got.method, "PUT");
  EXPECT_EQ(got.header("content-length"), "0");
  EXPECT_EQ(got.header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
}

TEST(CurlHttpClientTest, DeleteAndPatchUseTheirMethod) {
  LoopbackServer server(echo());
  CurlHttpClient client;
  ASSERT_TRUE(client.send({.method = "DELETE", .url = server.url("/x")}).has_value());
  ASSERT_TRUE(client.send({.method = "PATCH", .url = server.url("/x"), .body = "{}"}).has_value());
  const auto got = server.requests();
  EXPECT_EQ(got.at(0).method, "DELETE");
  EXPECT_EQ(got.at(1).method, "PATCH");
  EXPECT_EQ(got.at(1).body, "{}");
}

TEST(CurlHttpClientTest, EmptyHeaderValueIsSentEmpty) {
  LoopbackServer server(echo());
  CurlHttpClient client;
  ASSERT_TRUE(client.send({.url = server.url("/"), .headers = {{"X-Empty", ""}}}).has_value());
  const auto got = server.requests().at(0);
  EXPECT_TRUE(got.hasHeader("x-empty"));
  EXPECT_EQ(got.header("x-empty"), "");
}

TEST(CurlHttpClientTest, ErrorStatusIsAResponseNotAnError) {
  LoopbackServer server([](const ReceivedRequest&, ResponseWriter& w) { w.send(503, "busy"); });
  CurlHttpClient client;
  auto resp = client.send({.url = server.url("/")});
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 503);
  EXPECT_EQ(resp->body, "busy");
}

TEST(CurlHttpClientTest, ReusesOneConnectionForSequentialRequests) {
  LoopbackServer server(echo());
  CurlHttpClient client;
  for (int i = 0; i < 5; ++i) {
    auto resp = client.send({.url = server.url("/n" + std::to_string(i))});
    ASSERT_TRUE(resp.has_value()) << resp.error().toString();
  }
  EXPECT_EQ(server.connectionsAccepted(), 1);
}

TEST(CurlHttpClientTest, SendIsSafeFromManyThreads) {
  LoopbackServer server(echo());
  CurlHttpClient client;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        auto resp = client.send({.url = server.url(path)});
        if (resp && resp->body == "GET " + path + " ") ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 80);
  // Pooled handles keep their connections: far fewer connections than requests.
  EXPECT_LE(server.connectionsAccepted(), 8);
}

TEST(CurlHttpClientTest, ConnectionRefusedIsUnavailableNamingTheUrlButNotQueryOrBody) {
  int port;
  {
    LoopbackServer server(echo());
    port = server.port();
  }  // closed again: nothing listens
  CurlHttpClient client;
  auto resp =
      client.send({.method = "POST",
                   .url = "http://127.0.0.1:" + std::to_string(port) + "/path?token=SECRETQ",
                   .headers = {{"Authorization", "SECRETH"}},
                   .body = "SECRETB"});
  ASSERT_FALSE(resp.has_value());
  EXPECT_TRUE(resp.error().isUnavailable()) << resp.error().toString();
  const std::string msg = resp.error().message();
  EXPECT_NE(msg.find("POST http://127.0.0.1:" + std::to_string(port) + "/path"), std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("SECRET"), std::string::npos) << msg;
}

TEST(CurlHttpClientTest, SlowServerTimesOut) {
  LoopbackServer server([](const ReceivedRequest&, ResponseWriter& w) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    w.send(200, "late");
  });
  CurlHttpClient client;
  auto resp = client.send({.url = server.url("/"), .timeout = std::chrono::milliseconds(150)});
  ASSERT_FALSE(resp.has_value());
  EXPECT_TRUE(resp.error().isUnavailable());
}

TEST(CurlHttpClientTest, RejectsHeaderInjectionWithoutEchoingTheValue) {
  CurlHttpClient client;
  auto resp = client.send({.url = "http://127.0.0.1:1/", .headers = {{"X-A", "v\r\nX-B: SECRET"}}});
  ASSERT_FALSE(resp.has_value());
  EXPECT_TRUE(resp.error().isInvalid());
  EXPECT_EQ(resp.error().message().find("SECRET"), std::string::npos);
}

TEST(CurlHttpClientTest, RejectsNonHttpUrl) {
  CurlHttpClient client;
  auto resp = client.send({.url = "file:///etc/passwd"});
  ASSERT_FALSE(resp.has_value());
  EXPECT_TRUE(resp.error().isInvalid());
}

TEST(CurlHttpClientTest, StreamDeliversChunksAsTheyArrive) {
  LoopbackServer server([](const ReceivedRequest&, ResponseWriter& w) {
    w.startChunked(200, {{"Content-Type", "application/json"}});
    w.chunk("{\"type\":\"ADDED\"}\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    w.chunk("{\"type\":\"MODIFIED\"}\n");
    w.chunk("{\"type\":\"DELETED\"}\n");
    w.endChunked();
  });
  CurlHttpClient client;
  std::string received;
  int calls = 0;
  auto resp =
      client.stream({.url = server.url("/api/v1/pods?watch=true")}, [&](std::string_view chunk) {
        received += chunk;
        ++calls;
        return true;
      });
  ASSERT_TRUE(resp.has_value()) << resp.error().toString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->header("content-type"), "application/json");
  EXPECT_TRUE(resp->body.empty());
  EXPECT_EQ(received, "{\"type\":\"ADDED\"}\n{\"type\":\"MODIFIED\"}\n{\"type\":\"DELETED\"}\n");
  EXPECT_GE(calls, 2);  // the pause splits the body into separate deliveries
}

TEST(CurlHttpClientTest, StreamStopsWhenTheCallbackSaysSo) {
  std::atomic<bool> peerGone{false};
  LoopbackServer server([&](const ReceivedRequest&, ResponseWriter& w) {
    w.startChunked(200);
    for (int i = 0; i < 200; ++i) {
      if (!w.chunk("event " + std::to_string(i) + "\n")) {
        peerGone = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    w.closeAfter();
  });
  CurlHttpClient client;
  std::string received;
  auto resp = client.stream({.url = server.url("/watch")}, [&](std::string_view chunk) {
    received += chunk;
    return false;
  });
  ASSERT_TRUE(resp.has_value()) << resp.error().toString();
  EXPECT_EQ(received, "event 0\n");
  // The client stays usable afterwards.
  LoopbackServer other(echo());
  EXPECT_TRUE(client.send({.url = other.url("/")}).has_value());
}

TEST(CurlHttpClientTest, StreamTimeoutBoundsOnlyTheWaitForTheHead) {
  LoopbackServer server([](const ReceivedRequest& req, ResponseWriter& w) {
    if (req.target == "/silent") {
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      w.send(200, "late");
      return;
    }
    // Head at once, then a body that outlasts the timeout: must not be cut off.
    w.startChunked(200);
    w.chunk("a");
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    w.chunk("b");
    w.endChunked();
  });
  CurlHttpClient client;
  std::string got;
  auto ok =
      client.stream({.url = server.url("/slow-body"), .timeout = std::chrono::milliseconds(200)},
                    [&](std::string_view c) {
                      got += c;
                      return true;
                    });
  ASSERT_TRUE(ok.has_value()) << ok.error().toString();
  EXPECT_EQ(got, "ab");

  auto late =
      client.stream({.url = server.url("/silent"), .timeout = std::chrono::milliseconds(150)},
                    [](std::string_view) { return true; });
  ASSERT_FALSE(late.has_value());
  EXPECT_TRUE(late.error().isUnavailable());
}

TEST(CurlHttpClientTest, HttpsToAPlainServerFailsVerification) {
  LoopbackServer server(echo());
  CurlHttpClient client({.tls = {.caData = "not a pem"}});
  auto resp = client.send({.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/",
                           .timeout = std::chrono::milliseconds(500)});
  ASSERT_FALSE(resp.has_value());
  EXPECT_TRUE(resp.error().isUnavailable());
}

}  // namespace
}  // namespace gantry::http
