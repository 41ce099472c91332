// RestClientOptions::abort: once the process is shutting down, a failed GET is not retried
// (it would otherwise back off and try again up to maxRetries times), and a kCancelled from
// the transport is returned as it is.
#include <gtest/gtest.h>

#include <atomic>

#include "src/kube/rest_client.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::kube {
namespace {

using http::FakeHttpClient;

const ResourcePath kPods{.resource = "pods"};

TEST(RestClientAbortTest, RetriesUnavailableGetsWhileRunning) {
  FakeHttpClient http;
  FakeClock clock;
  std::atomic<bool> abort{false};
  RestClient client(http, clock, "https://api:6443", makeStaticTokenSource("tok"),
                    {.qps = 0, .maxRetries = 3, .abort = &abort});
  http.setHandler([](const http::Request&) -> Result<http::Response> {
    return fail(Status::unavailable("GET https://api:6443/api/v1/pods: timed out"));
  });
  auto r = client.list(kPods);
  ASSERT_FALSE(r);
  EXPECT_EQ(http.requestCount(), 4u);  // the control: the first try and three retries
}

TEST(RestClientAbortTest, NoRetryOnceShuttingDown) {
  FakeHttpClient http;
  FakeClock clock;
  std::atomic<bool> abort{false};
  RestClient client(http, clock, "https://api:6443", makeStaticTokenSource("tok"),
                    {.qps = 0, .maxRetries = 3, .abort = &abort});
  http.setHandler([&](const http::Request&) -> Result<http::Response> {
    abort = true;  // the signal arrives while the first attempt is in flight
    return fail(Status::unavailable("GET https://api:6443/api/v1/pods: timed out"));
  });
  auto r = client.list(kPods);
  ASSERT_FALSE(r);
  EXPECT_EQ(http.requestCount(), 1u);
  EXPECT_TRUE(clock.sleeps().empty()) << "no backoff after the abort";
}

TEST(RestClientAbortTest, CancelledFromTheTransportIsReturnedAsIs) {
  FakeHttpClient http;
  FakeClock clock;
  RestClient client(http, clock, "https://api:6443", makeStaticTokenSource("tok"), {.qps = 0, .maxRetries = 3});
  http.setHandler([](const http::Request&) -> Result<http::Response> {
    return fail(Status::cancelled("GET https://api:6443/api/v1/pods: shutting down"));
  });
  auto r = client.get(kPods.withName("web"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().isCancelled()) << r.error().toString();
  EXPECT_EQ(http.requestCount(), 1u);
}

}  // namespace
}  // namespace gantry::kube
