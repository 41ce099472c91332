// JsonSqsApi (JSON 1.0 protocol, SigV4 for "sqs", retries) over CurlHttpClient against
// moto's SQS in tests/testenv, IAM auth on, on the environment's interruption queue: long
// polling in batches of 10, deletes, visibility, typed errors, and the four EventBridge event
// kinds parsed from bodies shaped as AWS sends them. moto has no EventBridge, so the test
// sends the events itself. Each test starts by draining the queue. Needs tests/testenv/up;
// fails (never skips) without it.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cloudprovider/aws/auth/credentials_env.h"
#include "cloudprovider/aws/interruption_message.h"
#include "cloudprovider/aws/sqs/sqs_api.h"
#include "src/common/clock.h"
#include "src/http/curl_http_client.h"
#include "tests/support/testenv.h"

namespace gantry::cloudprovider::aws {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

// Event bodies as EventBridge delivers them to an SQS target (the event itself, no envelope).
std::string event(const std::string& source, const std::string& detailType, const json& detail) {
  static int serial = 0;
  return json{{"version", "0"},
              {"id", "0b6d5a4e-6f8e-4c1b-9a55-" + std::to_string(100000000000 + ++serial)},
              {"detail-type", detailType},
              {"source", source},
              {"account", "123456789012"},
              {"time", "2026-12-06T20:30:00Z"},
              {"region", "us-east-1"},
              {"resources", json::array()},
              {"detail", detail}}
      .dump();
}

class SqsMotoTest : public gantry::testing::TestEnvTest {
 protected:
  void SetUp() override {
    TestEnvTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* key : {"GANTRY_SQS_ENDPOINT", "GANTRY_INTERRUPTION_QUEUE"}) {
      if (env().get(key).empty()) {
        GTEST_FAIL()
            << env().path() << " has no " << key
            << ": the environment predates the interruption queue; run tests/testenv/down, then up";
      }
    }
    credentials_ = std::make_unique<StaticCredentialsProvider>(Credentials{
        .accessKeyId = env().accessKeyId(), .secretAccessKey = env().secretAccessKey()});
    api_ = makeApi(*credentials_);
    auto url = api_->getQueueUrl(env().interruptionQueue());
    ASSERT_TRUE(url.has_value()) << url.error().toString();
    queueUrl_ = *url;
    drain();
  }

  std::unique_ptr<JsonSqsApi> makeApi(CredentialsProvider& creds) {
    return std::make_unique<JsonSqsApi>(
        JsonSqsApiOptions{.region = env().region(),
                          .endpoint = env().sqsEndpoint(),
                          .retry = {.maxAttempts = 3,
                                    .baseDelay = std::chrono::milliseconds(50),
                                    .maxDelay = std::chrono::milliseconds(500),
                                    .throttledBaseDelay = std::chrono::milliseconds(100)}},
        http_, creds, clock_,
        [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
  }

  // Deletes whatever an earlier test left visible.
  void drain() {
    for (;;) {
      auto batch = api_->receiveMessages(queueUrl_, {.waitTime = seconds(0)});
      ASSERT_TRUE(batch.has_value()) << batch.error().toString();
      if (batch->empty()) return;
      for (const auto& m : *batch)
        ASSERT_TRUE(api_->deleteMessage(queueUrl_, m.receiptHandle).isOk());
    }
  }

  RealClock clock_;
  http::CurlHttpClient http_;
  std::unique_ptr<StaticCredentialsProvider> credentials_;
  std::unique_ptr<JsonSqsApi> api_;
  std::string queueUrl_;
};

TEST_F(SqsMotoTest, QueueIsFoundByNameAndAMissingOneIsNotFound) {
  EXPECT_NE(queueUrl_.find(env().interruptionQueue()), std::string::npos) << queueUrl_;
  auto missing = api_->getQueueUrl("gantry-no-such-queue");
  ASSERT_FALSE(missing.has_value());
  EXPECT_TRUE(missing.error().isNotFound()) << missing.error().toString();
}

TEST_F(SqsMotoTest, EveryEventKindRoundTripsInBatchesOfTenAndIsDeleted) {
  // The four kinds, a noop, and a malformed body, five times over: 30 messages, 3+ batches.
  const std::vector<std::string> bodies = {
      event("aws.ec2", "EC2 Spot Instance Interruption Warning",
            {{"instance-id", "i-0123456789abcdef0"}, {"instance-action", "terminate"}}),
      event("aws.ec2", "EC2 Instance Rebalance Recommendation",
            {{"instance-id", "i-0123456789abcdef1"}}),
      event("aws.ec2", "EC2 Instance State-change Notification",
            {{"instance-id", "i-0123456789abcdef2"}, {"state", "shutting-down"}}),
      event("aws.health", "AWS Health Event",
            {{"eventArn",
              "arn:aws:health:us-east-1::event/EC2/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED/x"},
             {"service", "EC2"},
             {"eventTypeCode", "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED"},
             {"eventTypeCategory", "scheduledChange"},
             {"affectedEntities",
              json::array({json::object({{"entityValue", "i-0123456789abcdef3"}})})}}),
      event("aws.ec2", "EC2 Instance State-change Notification",
            {{"instance-id", "i-0123456789abcdef4"}, {"state", "running"}}),
      R"({"source":"aws.ec2","detail-type":"EC2 Spot Instance Interruption Warning"})",
  };
  for (int round = 0; round < 5; ++round) {
    for (const auto& body : bodies) {
      auto id = api_->sendMessage(queueUrl_, body);
      ASSERT_TRUE(id.has_value()) << id.error().toString();
    }
  }

  std::map<InterruptionKind, std::set<std::string>> instancesByKind;
  int received = 0, malformed = 0, batches = 0;
  while (received < 30) {
    auto batch =
        api_->receiveMessages(queueUrl_, {.waitTime = seconds(2), .visibilityTimeout = seconds(3)});
    ASSERT_TRUE(batch.has_value()) << batch.error().toString();
    ASSERT_FALSE(batch->empty()) << "queue ran dry after " << received << " messages";
    ASSERT_LE(batch->size(), 10u);
    ++batches;
    std::vector<std::string> handles;
    for (const auto& m : *batch) {
      EXPECT_FALSE(m.messageId.empty());
      EXPECT_GE(m.receiveCount, 1);
      auto parsed = parseInterruptionMessage(m.body);
      if (!parsed) {
        EXPECT_NE(parsed.error().message().find("detail: missing"), std::string::npos);
        ++malformed;  // handled by deleting it: it must not come back
      } else {
        for (const auto& id : parsed->instanceIds) instancesByKind[parsed->kind].insert(id);
      }
      handles.push_back(m.receiptHandle);
    }
    auto failures = api_->deleteMessageBatch(queueUrl_, handles);
    ASSERT_TRUE(failures.has_value()) << failures.error().toString();
    EXPECT_TRUE(failures->empty()) << failures->front().status.toString();
    received += static_cast<int>(batch->size());
  }
  EXPECT_EQ(received, 30);
  EXPECT_GE(batches, 3);
  EXPECT_EQ(malformed, 5);
  using K = InterruptionKind;
  EXPECT_EQ(instancesByKind[K::kSpotInterruption], std::set<std::string>{"i-0123456789abcdef0"});
  EXPECT_EQ(instancesByKind[K::kRebalanceRecommendation],
            std::set<std::string>{"i-0123456789abcdef1"});
  EXPECT_EQ(instancesByKind[K::kStateChange], std::set<std::string>{"i-0123456789abcdef2"});
  EXPECT_EQ(instancesByKind[K::kScheduledChange], std::set<std::string>{"i-0123456789abcdef3"});
  EXPECT_EQ(instancesByKind[K::kNoop], std::set<std::string>{"i-0123456789abcdef4"});

  // Empty, not merely in flight: once the batches' visibility timeout has passed, a message
  // that was not really deleted would be visible again.
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  auto after = api_->receiveMessages(queueUrl_, {.waitTime = seconds(1)});
  ASSERT_TRUE(after.has_value()) << after.error().toString();
  EXPECT_TRUE(after->empty()) << after->size() << " messages left";
}

TEST_F(SqsMotoTest, LongPollingWaitsForTheFirstMessage) {
  const auto t0 = std::chrono::steady_clock::now();
  auto empty = api_->receiveMessages(queueUrl_, {.waitTime = seconds(2)});
  ASSERT_TRUE(empty.has_value()) << empty.error().toString();
  EXPECT_TRUE(empty->empty());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1500));

  // A message sent while a receive waits ends the wait early.
  std::thread sender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    EXPECT_TRUE(api_->sendMessage(queueUrl_, "late").has_value());
  });
  const auto t1 = std::chrono::steady_clock::now();
  auto late = api_->receiveMessages(queueUrl_, {.waitTime = seconds(10)});
  const auto waited = std::chrono::steady_clock::now() - t1;
  sender.join();
  ASSERT_TRUE(late.has_value()) << late.error().toString();
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ(late->at(0).body, "late");
  EXPECT_LT(waited, seconds(8));
  EXPECT_TRUE(api_->deleteMessage(queueUrl_, late->at(0).receiptHandle).isOk());
}

TEST_F(SqsMotoTest, AnUndeletedMessageComesBackAfterItsVisibilityTimeout) {
  ASSERT_TRUE(api_->sendMessage(queueUrl_, "unhandled").has_value());
  auto first =
      api_->receiveMessages(queueUrl_, {.waitTime = seconds(2), .visibilityTimeout = seconds(1)});
  ASSERT_TRUE(first.has_value()) << first.error().toString();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(first->at(0).receiveCount, 1);
  // Not deleted (its handling failed): another receive sees it once the timeout passes.
  auto again = api_->receiveMessages(queueUrl_, {.waitTime = seconds(5)});
  ASSERT_TRUE(again.has_value()) << again.error().toString();
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->at(0).messageId, first->at(0).messageId);
  EXPECT_EQ(again->at(0).receiveCount, 2);
  EXPECT_TRUE(api_->deleteMessage(queueUrl_, again->at(0).receiptHandle).isOk());
}

TEST_F(SqsMotoTest, RequestsAreSignedAndCheckedByMoto) {
  StaticCredentialsProvider wrong(
      Credentials{.accessKeyId = env().accessKeyId(), .secretAccessKey = "not-the-secret"});
  auto api = makeApi(wrong);
  auto url = api->getQueueUrl(env().interruptionQueue());
  ASSERT_FALSE(url.has_value());
  EXPECT_TRUE(url.error().isUnauthorized() || url.error().isForbidden()) << url.error().toString();
}

TEST_F(SqsMotoTest, DeletingWithABogusHandleIsAnError) {
  auto status = api_->deleteMessage(queueUrl_, "not-a-receipt-handle");
  EXPECT_FALSE(status.isOk());
  EXPECT_FALSE(status.isRetryable()) << status.toString();
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
