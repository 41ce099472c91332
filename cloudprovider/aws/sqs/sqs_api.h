// A small SQS client: the calls an interruption-queue consumer makes (find the queue, long-poll
// a batch, delete what was handled) and SendMessage for tests and tools. SQS speaks the AWS
// JSON 1.0 protocol (X-Amz-Target AmazonSQS.<Action>), signed for service "sqs", over the same
// transport, credentials, retries and endpoint rules as the EC2 client.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudprovider/aws/transport/credentials.h"
#include "cloudprovider/aws/transport/json_protocol.h"
#include "cloudprovider/aws/transport/retry.h"
#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/http/http_client.h"

namespace gantry::cloudprovider::aws {

// One received message. The receipt handle, not the id, is what deletes it; it changes on
// every receive.
struct SqsMessage {
  std::string messageId{};
  std::string receiptHandle{};
  std::string body{};
  // How often SQS has handed this message out, this receive included (its
  // ApproximateReceiveCount attribute); 0 if SQS did not say. Lets a consumer give up on a
  // message that keeps failing instead of retrying it for ever.
  int receiveCount = 0;
};

struct SqsReceiveOptions {
  int maxMessages = 10;                                     // 1..10, SQS's batch limit
  std::chrono::seconds waitTime{20};                        // long polling: 0..20 s
  std::optional<std::chrono::seconds> visibilityTimeout{};  // 0..43200 s; unset: the queue's
};

// A receipt handle DeleteMessageBatch did not delete, and why.
struct SqsDeleteFailure {
  std::string receiptHandle{};
  Status status{};
};

class SqsApi {
 public:
  virtual ~SqsApi() = default;

  // The URL of the queue named `queueName` in the client's account and region. Errors:
  // kNotFound (QueueDoesNotExist), kInvalid (an empty name, or a reply without QueueUrl),
  // and the transport's kinds (kThrottled/kUnavailable after retries, kUnauthorized,
  // kForbidden).
  virtual Result<std::string> getQueueUrl(std::string_view queueName) = 0;

  // Up to options.maxMessages messages, waiting up to options.waitTime for the first one; an
  // empty vector when none arrived. Each message is invisible to other receivers for the
  // visibility timeout and comes back after it unless deleted. Errors: kInvalid for options
  // out of range (checked before any request) or a reply that is not the documented shape,
  // kNotFound when the queue is gone, and the transport's kinds.
  // REQUIRES: waitTime < the client's requestTimeout (else kInvalid).
  virtual Result<std::vector<SqsMessage>> receiveMessages(
      std::string_view queueUrl, const SqsReceiveOptions& options = {}) = 0;

  // Deletes one received message. Errors: kInvalid (an empty handle, ReceiptHandleIsInvalid),
  // kNotFound (the queue is gone), the transport's kinds.
  virtual Status deleteMessage(std::string_view queueUrl, std::string_view receiptHandle) = 0;

  // Deletes up to 10 messages in one call. The result lists the handles SQS did not delete
  // (empty: all deleted); a handle absent from the reply counts as not deleted. Errors
  // (nothing known deleted): kInvalid for 0 or more than 10 handles or an unreadable reply,
  // kNotFound, the transport's kinds.
  virtual Result<std::vector<SqsDeleteFailure>> deleteMessageBatch(
      std::string_view queueUrl, const std::vector<std::string>& receiptHandles) = 0;

  // Sends one message and returns its id. For tests and tools; the controller only consumes.
  // Errors: kNotFound, kInvalid (an empty or non-UTF-8 body), the transport's kinds.
  virtual Result<std::string> sendMessage(std::string_view queueUrl, std::string_view body) = 0;
};

using SqsApiPtr = std::unique_ptr<SqsApi>;

struct JsonSqsApiOptions {
  std::string region{};    // REQUIRED
  std::string endpoint{};  // empty: resolveEndpoint("sqs", region, env) (AWS_ENDPOINT_URL_SQS, ...)
  RetryOptions retry{};
  // Must exceed the longest long poll (20 s) by enough for the reply to travel.
  std::chrono::milliseconds requestTimeout{30000};
};

// References must outlive the client. Thread-safe: calls may run concurrently.
class JsonSqsApi final : public SqsApi {
 public:
  JsonSqsApi(JsonSqsApiOptions options, http::HttpClient& http, CredentialsProvider& credentials,
             Clock& clock, const EnvLookup& env = processEnvironment(),
             RandomSource random = defaultRandomSource());

  Result<std::string> getQueueUrl(std::string_view queueName) override;
  Result<std::vector<SqsMessage>> receiveMessages(std::string_view queueUrl,
                                                  const SqsReceiveOptions& options = {}) override;
  Status deleteMessage(std::string_view queueUrl, std::string_view receiptHandle) override;
  Result<std::vector<SqsDeleteFailure>> deleteMessageBatch(
      std::string_view queueUrl, const std::vector<std::string>& receiptHandles) override;
  Result<std::string> sendMessage(std::string_view queueUrl, std::string_view body) override;

  const std::string& endpoint() const { return client_.endpoint(); }

 private:
  std::chrono::milliseconds requestTimeout_;
  JsonProtocolClient client_;
};

// SQS's own error codes, in the JSON form ("QueueDoesNotExist") and the Query-compatible form
// ("AWS.SimpleQueueService.NonExistentQueue") both: QueueDoesNotExist -> kNotFound,
// KmsThrottled and OverLimit -> kThrottled (both clear with time); nullopt for the rest,
// which classifyAwsError() handles like EC2's (throttling -> kThrottled, ...).
std::optional<StatusCode> sqsErrorCode(std::string_view code);

}  // namespace gantry::cloudprovider::aws
