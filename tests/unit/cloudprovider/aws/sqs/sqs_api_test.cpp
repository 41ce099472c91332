// JsonSqsApi over a fake transport: the JSON 1.0 requests (target, content type, body, SigV4
// for "sqs"), replies parsed, SQS's error codes typed, throttling retried, options checked
// before any request, hostile replies turned into kInvalid.
#include "cloudprovider/aws/sqs/sqs_api.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "cloudprovider/aws/auth/credentials_env.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/src/http/fake_http_client.h"

namespace gantry::cloudprovider::aws {
namespace {

using http::FakeHttpClient;
using nlohmann::json;

constexpr const char* kQueue = "http://sqs.local:1234/123456789012/gantry-interruption";

std::map<std::string, std::string> headersOf(const http::Request& request) {
  std::map<std::string, std::string> headers;
  for (const auto& h : request.headers) headers[h.name] = h.value;
  return headers;
}

class SqsApiTest : public ::testing::Test {
 protected:
  JsonSqsApi makeApi() {
    return JsonSqsApi(
        {.region = "eu-west-1", .endpoint = "http://sqs.local:1234/"}, http_, creds_, clock_,
        [](std::string_view) { return std::optional<std::string>(); }, [] { return 0.5; });
  }
  json lastBody() const { return json::parse(http_.requests().back().body); }

  FakeClock clock_;
  FakeHttpClient http_;
  StaticCredentialsProvider creds_{
      Credentials{.accessKeyId = "AKIDEXAMPLE", .secretAccessKey = "secret"}};
};

TEST_F(SqsApiTest, GetQueueUrlSendsASignedJson10Request) {
  http_.enqueue(FakeHttpClient::reply(200, json{{"QueueUrl", kQueue}}.dump()));
  auto api = makeApi();
  EXPECT_EQ(api.endpoint(), "http://sqs.local:1234");
  auto url = api.getQueueUrl("gantry-interruption");
  ASSERT_TRUE(url.has_value()) << url.error().toString();
  EXPECT_EQ(*url, kQueue);

  const auto req = http_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://sqs.local:1234/");
  EXPECT_EQ(json::parse(req.body), (json{{"QueueName", "gantry-interruption"}}));
  auto headers = headersOf(req);
  EXPECT_EQ(headers["X-Amz-Target"], "AmazonSQS.GetQueueUrl");
  EXPECT_EQ(headers["Content-Type"], "application/x-amz-json-1.0");
  EXPECT_NE(headers["Authorization"].find("/eu-west-1/sqs/aws4_request"), std::string::npos)
      << headers["Authorization"];
}

TEST_F(SqsApiTest, MissingQueueIsNotFoundInBothErrorForms) {
  http_.enqueue(FakeHttpClient::reply(
      400,
      R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."})"));
  http_.enqueue(FakeHttpClient::reply(
      400,
      R"({"__type":"AWS.SimpleQueueService.NonExistentQueue","message":"The specified queue does not exist."})"));
  auto api = makeApi();
  for (int i = 0; i < 2; ++i) {
    auto url = api.getQueueUrl("nope");
    ASSERT_FALSE(url.has_value());
    EXPECT_TRUE(url.error().isNotFound()) << url.error().toString();
  }
  EXPECT_EQ(http_.requestCount(), 2u);  // not retried
}

TEST_F(SqsApiTest, ReceiveLongPollsABatchAndReadsEachMessage) {
  http_.enqueue(FakeHttpClient::reply(
      200, json{{"Messages",
                 {{{"MessageId", "m-1"},
                   {"ReceiptHandle", "rh-1"},
                   {"Body", "{\"a\":1}"},
                   {"MD5OfBody", "x"},
                   {"Attributes", {{"ApproximateReceiveCount", "3"}}}},
                  {{"MessageId", "m-2"}, {"ReceiptHandle", "rh-2"}, {"Body", "héllo"}}}}}
               .dump()));
  auto api = makeApi();
  auto messages = api.receiveMessages(kQueue, {.visibilityTimeout = std::chrono::seconds(60)});
  ASSERT_TRUE(messages.has_value()) << messages.error().toString();
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0].messageId, "m-1");
  EXPECT_EQ((*messages)[0].receiptHandle, "rh-1");
  EXPECT_EQ((*messages)[0].body, "{\"a\":1}");
  EXPECT_EQ((*messages)[0].receiveCount, 3);
  EXPECT_EQ((*messages)[1].body, "héllo");
  EXPECT_EQ((*messages)[1].receiveCount, 0);

  const json body = lastBody();
  EXPECT_EQ(body["QueueUrl"], kQueue);
  EXPECT_EQ(body["MaxNumberOfMessages"], 10);
  EXPECT_EQ(body["WaitTimeSeconds"], 20);
  EXPECT_EQ(body["VisibilityTimeout"], 60);
  EXPECT_EQ(body["MessageSystemAttributeNames"], json::array({"ApproximateReceiveCount"}));
  EXPECT_EQ(headersOf(http_.requests().back())["X-Amz-Target"], "AmazonSQS.ReceiveMessage");
}

TEST_F(SqsApiTest, AnEmptyReceiveIsNoMessages) {
  http_.enqueue(FakeHttpClient::reply(200, "{}"));
  http_.enqueue(FakeHttpClient::reply(200, R"({"Messages":[]})"));
  auto api = makeApi();
  for (int i = 0; i < 2; ++i) {
    auto messages =
        api.receiveMessages(kQueue, {.maxMessages = 1, .waitTime = std::chrono::seconds(0)});
    ASSERT_TRUE(messages.has_value()) << messages.error().toString();
    EXPECT_TRUE(messages->empty());
  }
  EXPECT_FALSE(lastBody().contains("VisibilityTimeout"));  // unset: the queue's own
}

TEST_F(SqsApiTest, ReceiveOptionsOutOfRangeAreRefusedWithoutARequest) {
  auto api = makeApi();
  using std::chrono::seconds;
  for (const SqsReceiveOptions& bad :
       {SqsReceiveOptions{.maxMessages = 0}, SqsReceiveOptions{.maxMessages = 11},
        SqsReceiveOptions{.waitTime = seconds(-1)}, SqsReceiveOptions{.waitTime = seconds(21)},
        SqsReceiveOptions{.visibilityTimeout = seconds(43201)},
        SqsReceiveOptions{.visibilityTimeout = seconds(-5)}}) {
    auto r = api.receiveMessages(kQueue, bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().isInvalid()) << r.error().toString();
  }
  EXPECT_FALSE(api.receiveMessages("").has_value());
  // A long poll that outlasts the HTTP timeout would always fail as a timeout.
  JsonSqsApi shortTimeout({.region = "eu-west-1",
                           .endpoint = "http://sqs.local:1",
                           .requestTimeout = std::chrono::seconds(5)},
                          http_, creds_, clock_,
                          [](std::string_view) { return std::optional<std::string>(); });
  EXPECT_TRUE(shortTimeout.receiveMessages(kQueue).error().isInvalid());
  EXPECT_EQ(http_.requestCount(), 0u);
}

TEST_F(SqsApiTest, HostileReceiveRepliesAreInvalid) {
  for (const char* reply :
       {"<html>proxy</html>", "[]", R"({"Messages":{}})", R"({"Messages":[42]})",
        R"({"Messages":[{"MessageId":"m","Body":"b"}]})",
        R"({"Messages":[{"MessageId":"m","ReceiptHandle":"","Body":"b"}]})",
        R"({"Messages":[{"MessageId":"m","ReceiptHandle":"rh","Body":7}]})"}) {
    http_.enqueue(FakeHttpClient::reply(200, reply));
  }
  auto api = makeApi();
  for (int i = 0; i < 7; ++i) {
    auto r = api.receiveMessages(kQueue);
    ASSERT_FALSE(r.has_value()) << i;
    EXPECT_TRUE(r.error().isInvalid()) << i << ": " << r.error().toString();
  }
  // Odd attribute values are not worth failing a batch for.
  http_.enqueue(FakeHttpClient::reply(
      200,
      R"({"Messages":[{"ReceiptHandle":"rh","Attributes":{"ApproximateReceiveCount":"x"}}]})"));
  auto r = api.receiveMessages(kQueue);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->at(0).receiveCount, 0);
  EXPECT_EQ(r->at(0).body, "");
}

TEST_F(SqsApiTest, ThrottlingIsRetriedWithBackoffThenSurfaced) {
  http_.enqueue(FakeHttpClient::reply(
      400, R"({"__type":"com.amazonaws.sqs#RequestThrottled","message":"slow down"})"));
  http_.enqueue(
      FakeHttpClient::reply(400, R"({"__type":"com.amazonaws.sqs#KmsThrottled","message":"kms"})"));
  http_.enqueue(FakeHttpClient::reply(200, "{}"));
  auto api = makeApi();
  auto ok = api.receiveMessages(kQueue);
  ASSERT_TRUE(ok.has_value()) << ok.error().toString();
  EXPECT_EQ(clock_.sleeps().size(), 2u);

  http_.setHandler([](const http::Request&) -> Result<http::Response> {
    return FakeHttpClient::reply(400,
                                 R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  });
  auto throttled = api.deleteMessage(kQueue, "rh");
  EXPECT_TRUE(throttled.isThrottled()) << throttled.toString();
}

TEST_F(SqsApiTest, DeleteMessageSendsTheHandle) {
  http_.enqueue(FakeHttpClient::reply(200, "{}"));
  http_.enqueue(FakeHttpClient::reply(
      400,
      R"({"__type":"com.amazonaws.sqs#ReceiptHandleIsInvalid","message":"The input receipt handle is invalid."})"));
  auto api = makeApi();
  EXPECT_TRUE(api.deleteMessage(kQueue, "rh-1").isOk());
  EXPECT_EQ(lastBody(), (json{{"QueueUrl", kQueue}, {"ReceiptHandle", "rh-1"}}));
  EXPECT_EQ(headersOf(http_.requests().back())["X-Amz-Target"], "AmazonSQS.DeleteMessage");
  EXPECT_TRUE(api.deleteMessage(kQueue, "bogus").isInvalid());
  EXPECT_TRUE(api.deleteMessage(kQueue, "").isInvalid());
  EXPECT_EQ(http_.requestCount(), 2u);
}

TEST_F(SqsApiTest, DeleteMessageBatchReportsWhatWasNotDeleted) {
  http_.enqueue(FakeHttpClient::reply(
      200, json{{"Successful", json::array({json::object({{"Id", "0"}})})},
                {"Failed",
                 {{{"Id", "1"},
                   {"SenderFault", true},
                   {"Code", "ReceiptHandleIsInvalid"},
                   {"Message", "bad"}},
                  {{"Id", "9"}, {"SenderFault", false}, {"Code", "InternalError"}}}}}
               .dump()));
  auto api = makeApi();
  auto failures = api.deleteMessageBatch(kQueue, {"rh-a", "rh-b", "rh-c"});
  ASSERT_TRUE(failures.has_value()) << failures.error().toString();
  const json body = lastBody();
  EXPECT_EQ(body["Entries"], (json{{{"Id", "0"}, {"ReceiptHandle", "rh-a"}},
                                   {{"Id", "1"}, {"ReceiptHandle", "rh-b"}},
                                   {{"Id", "2"}, {"ReceiptHandle", "rh-c"}}}));
  EXPECT_EQ(headersOf(http_.requests().back())["X-Amz-Target"], "AmazonSQS.DeleteMessageBatch");
  // rh-b failed by the sender's fault; rh-c was not mentioned (id 9 is not ours): not deleted.
  ASSERT_EQ(failures->size(), 2u);
  EXPECT_EQ((*failures)[0].receiptHandle, "rh-b");
  EXPECT_TRUE((*failures)[0].status.isInvalid()) << (*failures)[0].status.toString();
  EXPECT_NE((*failures)[0].status.message().find("ReceiptHandleIsInvalid"), std::string::npos);
  EXPECT_EQ((*failures)[1].receiptHandle, "rh-c");
  EXPECT_FALSE((*failures)[1].status.isOk());
}

TEST_F(SqsApiTest, DeleteMessageBatchServerFaultIsRetryable) {
  http_.enqueue(FakeHttpClient::reply(
      200, R"({"Failed":[{"Id":"0","SenderFault":false,"Code":"InternalError"}]})"));
  auto failures = makeApi().deleteMessageBatch(kQueue, {"rh"});
  ASSERT_TRUE(failures.has_value());
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_TRUE(failures->at(0).status.isRetryable()) << failures->at(0).status.toString();
}

TEST_F(SqsApiTest, DeleteMessageBatchNeedsOneToTenHandles) {
  auto api = makeApi();
  EXPECT_TRUE(api.deleteMessageBatch(kQueue, {}).error().isInvalid());
  EXPECT_TRUE(
      api.deleteMessageBatch(kQueue, std::vector<std::string>(11, "rh")).error().isInvalid());
  EXPECT_EQ(http_.requestCount(), 0u);
}

TEST_F(SqsApiTest, SendMessageReturnsTheIdAndRefusesNonUtf8) {
  http_.enqueue(FakeHttpClient::reply(200, R"({"MessageId":"m-9","MD5OfMessageBody":"x"})"));
  auto api = makeApi();
  auto id = api.sendMessage(kQueue, R"({"source":"aws.ec2"})");
  ASSERT_TRUE(id.has_value()) << id.error().toString();
  EXPECT_EQ(*id, "m-9");
  EXPECT_EQ(lastBody(), (json{{"QueueUrl", kQueue}, {"MessageBody", R"({"source":"aws.ec2"})"}}));
  EXPECT_TRUE(api.sendMessage(kQueue, "\xff\xfe").error().isInvalid());
  EXPECT_TRUE(api.sendMessage(kQueue, "").error().isInvalid());
  EXPECT_EQ(http_.requestCount(), 1u);
}

TEST_F(SqsApiTest, IllFormedQueueNameIsSentReplacedNotThrown) {
  http_.enqueue(
      FakeHttpClient::reply(400, R"({"__type":"com.amazonaws.sqs#InvalidParameterValue"})"));
  auto url = makeApi().getQueueUrl("bad\xff");
  ASSERT_FALSE(url.has_value());
  EXPECT_TRUE(url.error().isInvalid());
  EXPECT_TRUE(makeApi().getQueueUrl("").error().isInvalid());
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
