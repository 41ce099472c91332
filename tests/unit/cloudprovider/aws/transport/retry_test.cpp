// Backoff arithmetic, the client-side token bucket and endpoint resolution: the small
// policies QueryEc2Api leans on, tested on a fake clock.
#include <gtest/gtest.h>

#include <thread>

#include "cloudprovider/aws/transport/endpoints.h"
#include "cloudprovider/aws/transport/retry.h"
#include "cloudprovider/aws/transport/token_bucket.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/cloudprovider/aws/auth/credentials_test_support.h"

namespace gantry::cloudprovider::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::envFrom;

TEST(FullJitterTest, DoublesFromTheBaseUpToTheCap) {
  RetryOptions o{.baseDelay = milliseconds(100),
                 .maxDelay = milliseconds(1000),
                 .throttledBaseDelay = milliseconds(400)};
  EXPECT_EQ(fullJitterDelay(o, 1, false, 1.0), milliseconds(100));
  EXPECT_EQ(fullJitterDelay(o, 2, false, 1.0), milliseconds(200));
  EXPECT_EQ(fullJitterDelay(o, 4, false, 1.0), milliseconds(800));
  EXPECT_EQ(fullJitterDelay(o, 5, false, 1.0), milliseconds(1000));
  EXPECT_EQ(fullJitterDelay(o, 60, false, 1.0), milliseconds(1000));  // no overflow
  EXPECT_EQ(fullJitterDelay(o, 1, true, 1.0), milliseconds(400));
  EXPECT_EQ(fullJitterDelay(o, 3, true, 1.0), milliseconds(1000));
  EXPECT_EQ(fullJitterDelay(o, 3, false, 0.0), milliseconds(0));
  EXPECT_EQ(fullJitterDelay(o, 3, false, 0.25), milliseconds(100));
}

TEST(FullJitterTest, DefaultRandomSourceStaysInRange) {
  RandomSource r = defaultRandomSource();
  for (int i = 0; i < 1000; ++i) {
    const double u = r();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(TokenBucketTest, BurstThenSustainedRate) {
  FakeClock clock;
  TokenBucket bucket(clock, 3, 2);  // 3 at once, then one every 500 ms
  for (int i = 0; i < 3; ++i) bucket.acquire();
  EXPECT_TRUE(clock.sleeps().empty());
  bucket.acquire();
  bucket.acquire();
  EXPECT_EQ(clock.sleeps(), (std::vector<Clock::Duration>{milliseconds(500), milliseconds(500)}));
  EXPECT_FALSE(bucket.tryAcquire());
  clock.advance(seconds(10));
  EXPECT_DOUBLE_EQ(bucket.available(), 3);  // refills up to capacity only
  EXPECT_TRUE(bucket.tryAcquire());
}

TEST(TokenBucketTest, ConcurrentWaitersNeverOutrunTheRate) {
  FakeClock clock;
  const auto start = clock.now();
  TokenBucket bucket(clock, 1, 1);
  bucket.acquire();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { bucket.acquire(); });
  for (auto& t : threads) t.join();
  // Four more tokens at one per second: however the waiters interleave, at least four
  // seconds of (fake) time must have passed. Not every waiter need sleep: the fake clock
  // adds up sleeps that would overlap in real time, so a late waiter can find a token
  // refilled during two earlier waiters' sleeps.
  EXPECT_GE(clock.sleeps().size(), 2u);
  EXPECT_GE(clock.now() - start, seconds(4));
}

TEST(EndpointsTest, DefaultsPerServiceAndPartition) {
  EXPECT_EQ(defaultEndpoint("ec2", "us-east-1"), "https://ec2.us-east-1.amazonaws.com");
  EXPECT_EQ(defaultEndpoint("ec2", "cn-north-1"), "https://ec2.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(defaultEndpoint("sts", "eu-west-1"), "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(defaultEndpoint("sts", ""), "https://sts.amazonaws.com");
  EXPECT_EQ(defaultEndpoint("ssm", "ap-south-1"), "https://ssm.ap-south-1.amazonaws.com");
  EXPECT_EQ(defaultEndpoint("pricing", "us-east-1"), "https://api.pricing.us-east-1.amazonaws.com");
}

TEST(EndpointsTest, OverridesInOrder) {
  auto env = envFrom({{"AWS_ENDPOINT_URL", "http://global:1/"},
                      {"AWS_ENDPOINT_URL_SSM", "http://ssm:2"},
                      {"AWS_ENDPOINT_URL_EC2", ""}});
  EXPECT_EQ(resolveEndpoint("ssm", "us-east-1", env), "http://ssm:2");
  EXPECT_EQ(resolveEndpoint("ec2", "us-east-1", env), "http://global:1");  // empty is unset
  EXPECT_EQ(resolveEndpoint("pricing", "us-east-1", env, "http://explicit:3//"),
            "http://explicit:3");
  EXPECT_EQ(resolveEndpoint("sts", "us-east-1", envFrom({})),
            "https://sts.us-east-1.amazonaws.com");
}

TEST(EndpointsTest, RegionFromEnvironment) {
  EXPECT_EQ(
      regionFromEnvironment(envFrom({{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "x"}})),
      "us-west-2");
  EXPECT_EQ(regionFromEnvironment(envFrom({{"AWS_DEFAULT_REGION", "eu-west-1"}})), "eu-west-1");
  EXPECT_FALSE(regionFromEnvironment(envFrom({})).has_value());
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
