// CurlHttpClientOptions::abort, the shutdown switch: against a peer that accepts and never
// answers, a send() or stream() already blocked returns kCancelled soon after the flag turns
// true (not after its 30 s timeout), and later exchanges fail at once without connecting.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "src/http/curl_http_client.h"
#include "tests/support/silent_listener.h"

namespace gantry::http {
namespace {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;

Ms since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start);
}

TEST(CurlHttpClientAbortTest, BlockedSendReturnsCancelledSoonAfterTheAbortFlag) {
  testing::SilentListener silent;
  ASSERT_NE(silent.port(), 0);
  std::atomic<bool> abort{false};
  CurlHttpClient client({.abort = &abort});
  auto pending = std::async(std::launch::async, [&] {
    return client.send({.url = silent.url() + "/api/v1/pods", .timeout = 30s});
  });
  // Blocked: the silent peer holds it.
  ASSERT_EQ(pending.wait_for(700ms), std::future_status::timeout);
  const auto flagged = std::chrono::steady_clock::now();
  abort = true;
  ASSERT_EQ(pending.wait_for(3s), std::future_status::ready) << "send() outlived the abort flag by 3 s";
  const Ms latency = since(flagged);
  auto result = pending.get();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().isCancelled()) << result.error().toString();
  EXPECT_FALSE(result.error().isRetryable());
  // libcurl's progress callback runs about once a second on an idle connection.
  EXPECT_LT(latency, 2500ms) << latency.count() << " ms";
}

TEST(CurlHttpClientAbortTest, AfterTheAbortEveryExchangeFailsAtOnce) {
  testing::SilentListener silent;
  std::atomic<bool> abort{true};
  CurlHttpClient client({.abort = &abort});
  const auto start = std::chrono::steady_clock::now();
  auto sent = client.send({.url = silent.url() + "/", .timeout = 30s});
  auto streamed = client.stream({.url = silent.url() + "/", .timeout = 30s}, [](std::string_view) { return true; });
  EXPECT_LT(since(start), 100ms);
  ASSERT_FALSE(sent);
  EXPECT_TRUE(sent.error().isCancelled()) << sent.error().toString();
  ASSERT_FALSE(streamed);
  EXPECT_TRUE(streamed.error().isCancelled()) << streamed.error().toString();
}

TEST(CurlHttpClientAbortTest, BlockedStreamReturnsCancelledWithin250Ms) {
  testing::SilentListener silent;
  std::atomic<bool> abort{false};
  CurlHttpClient client({.abort = &abort});
  auto pending = std::async(std::launch::async, [&] {
    return client.stream({.url = silent.url() + "/api/v1/pods?watch=1", .timeout = 30s},
                         [](std::string_view) { return true; });
  });
  ASSERT_EQ(pending.wait_for(500ms), std::future_status::timeout);
  const auto flagged = std::chrono::steady_clock::now();
  abort = true;
  ASSERT_EQ(pending.wait_for(2s), std::future_status::ready);
  EXPECT_LT(since(flagged), 1000ms);
  auto result = pending.get();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().isCancelled()) << result.error().toString();
}

TEST(CurlHttpClientAbortTest, WithoutTheFlagASilentPeerStillTimesOutAsUnavailable) {
  // The control: the flag, not the listener, is what ends the exchanges above early.
  testing::SilentListener silent;
  CurlHttpClient client;
  auto result = client.send({.url = silent.url() + "/", .timeout = 300ms});
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().isUnavailable()) << result.error().toString();
}

}  // namespace
}  // namespace gantry::http
