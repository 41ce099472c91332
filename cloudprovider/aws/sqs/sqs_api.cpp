// SQS over the JSON 1.0 protocol (json_protocol.h). Requests are checked against SQS's limits
// before they are sent, so a caller's mistake is a kInvalid at once rather than a round trip
// and a retry; replies are read defensively, since a receive loop runs for the life of the
// controller and must not crash on one odd reply.
#include "cloudprovider/aws/sqs/sqs_api.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "cloudprovider/aws/transport/endpoints.h"
#include "src/common/utf8.h"

namespace gantry::cloudprovider::aws {
namespace {

using nlohmann::json;

constexpr int kMaxBatch = 10;                 // ReceiveMessage and DeleteMessageBatch
constexpr int kMaxWaitSeconds = 20;           // long polling
constexpr int kMaxVisibilitySeconds = 43200;  // 12 hours

std::optional<std::string> stringMember(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// A request body. Caller text (a queue name from a flag) may be ill-formed UTF-8, which
// nlohmann's dump() would throw on; replaced, SQS refuses the name with a typed error.
std::string requestBody(const json& request) {
  return request.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The reply of a successful call as a JSON object ("{}" for calls that return nothing).
Result<json> replyObject(const Result<std::string>& reply, std::string_view action) {
  if (!reply) return fail(reply.error());
  json doc = json::parse(*reply, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return fail(Status::invalid("SQS " + std::string(action) + ": reply is not a JSON object"));
  }
  return doc;
}

// ApproximateReceiveCount arrives as a decimal string attribute.
int receiveCountOf(const json& message) {
  auto attributes = message.find("Attributes");
  if (attributes == message.end()) return 0;
  auto count = stringMember(*attributes, "ApproximateReceiveCount");
  if (!count) return 0;
  int value = 0;
  auto [end, ec] = std::from_chars(count->data(), count->data() + count->size(), value);
  return ec == std::errc{} && end == count->data() + count->size() && value >= 0 ? value : 0;
}

Result<SqsMessage> messageOf(const json& item) {
  if (!item.is_object())
    return fail(Status::invalid("SQS ReceiveMessage: a message is not an object"));
  SqsMessage message;
  auto handle = stringMember(item, "ReceiptHandle");
  if (!handle || handle->empty()) {
    // Without a handle the message could never be deleted: the reply is broken, not the message.
    return fail(Status::invalid("SQS ReceiveMessage: a message has no ReceiptHandle"));
  }
  message.receiptHandle = std::move(*handle);
  message.messageId = stringMember(item, "MessageId").value_or("");
  if (auto body = item.find("Body"); body != item.end()) {
    if (!body->is_string())
      return fail(Status::invalid("SQS ReceiveMessage: a message Body is not a string"));
    message.body = body->get<std::string>();
  }
  message.receiveCount = receiveCountOf(item);
  return message;
}

}  // namespace

std::optional<StatusCode> sqsErrorCode(std::string_view code) {
  if (code == "QueueDoesNotExist" || code == "AWS.SimpleQueueService.NonExistentQueue") {
    return StatusCode::kNotFound;
  }
  // KMS throttling of an encrypted queue, and too many messages in flight: both pass.
  if (code == "KmsThrottled" || code == "OverLimit") return StatusCode::kThrottled;
  return std::nullopt;
}

JsonSqsApi::JsonSqsApi(JsonSqsApiOptions options, http::HttpClient& http,
                       CredentialsProvider& credentials, Clock& clock, const EnvLookup& env,
                       RandomSource random)
    : requestTimeout_(options.requestTimeout),
      client_(JsonProtocolOptions{.service = "SQS",
                                  .endpoint =
                                      resolveEndpoint("sqs", options.region, env, options.endpoint),
                                  .signingRegion = options.region,
                                  .signingService = "sqs",
                                  .contentType = "application/x-amz-json-1.0",
                                  .retry = options.retry,
                                  .requestTimeout = options.requestTimeout,
                                  .mapErrorCode = sqsErrorCode},
              http, credentials, clock, std::move(random)) {}

Result<std::string> JsonSqsApi::getQueueUrl(std::string_view queueName) {
  if (queueName.empty()) return fail(Status::invalid("SQS GetQueueUrl: empty queue name"));
  auto doc = replyObject(client_.call("AmazonSQS.GetQueueUrl",
                                      requestBody(json{{"QueueName", std::string(queueName)}})),
                         "GetQueueUrl");
  if (!doc) return fail(doc.error());
  auto url = stringMember(*doc, "QueueUrl");
  if (!url || url->empty()) return fail(Status::invalid("SQS GetQueueUrl: reply has no QueueUrl"));
  return *url;
}

Result<std::vector<SqsMessage>> JsonSqsApi::receiveMessages(std::string_view queueUrl,
                                                            const SqsReceiveOptions& options) {
  const auto wait = options.waitTime.count();
  if (queueUrl.empty()) return fail(Status::invalid("SQS ReceiveMessage: empty queue URL"));
  if (options.maxMessages < 1 || options.maxMessages > kMaxBatch) {
    return fail(Status::invalid("SQS ReceiveMessage: maxMessages must be 1..10, not " +
                                std::to_string(options.maxMessages)));
  }
  if (wait < 0 || wait > kMaxWaitSeconds) {
    return fail(Status::invalid("SQS ReceiveMessage: waitTime must be 0..20 s, not " +
                                std::to_string(wait) + " s"));
  }
  if (options.waitTime >= requestTimeout_) {
    // The HTTP client would give up before SQS answers an empty long poll.
    return fail(
        Status::invalid("SQS ReceiveMessage: waitTime must be shorter than the request timeout"));
  }
  json request{{"QueueUrl", std::string(queueUrl)},
               {"MaxNumberOfMessages", options.maxMessages},
               {"WaitTimeSeconds", wait},
               {"MessageSystemAttributeNames", json::array({"ApproximateReceiveCount"})}};
  if (options.visibilityTimeout) {
    const auto v = options.visibilityTimeout->count();
    if (v < 0 || v > kMaxVisibilitySeconds) {
      return fail(Status::invalid("SQS ReceiveMessage: visibilityTimeout must be 0..43200 s, not " +
                                  std::to_string(v) + " s"));
    }
    request["VisibilityTimeout"] = v;
  }
  auto doc =
      replyObject(client_.call("AmazonSQS.ReceiveMessage", requestBody(request)), "ReceiveMessage");
  if (!doc) return fail(doc.error());
  std::vector<SqsMessage> messages;
  auto items = doc->find("Messages");
  if (items == doc->end() || items->is_null()) return messages;  // nothing arrived
  if (!items->is_array())
    return fail(Status::invalid("SQS ReceiveMessage: Messages is not an array"));
  messages.reserve(items->size());
  for (const json& item : *items) {
    auto message = messageOf(item);
    if (!message) return fail(message.error());
    messages.push_back(std::move(*message));
  }
  return messages;
}

Status JsonSqsApi::deleteMessage(std::string_view queueUrl, std::string_view receiptHandle) {
  if (queueUrl.empty() || receiptHandle.empty()) {
    return Status::invalid("SQS DeleteMessage: empty queue URL or receipt handle");
  }
  auto doc =
      replyObject(client_.call("AmazonSQS.DeleteMessage",
                               requestBody(json{{"QueueUrl", std::string(queueUrl)},
                                                {"ReceiptHandle", std::string(receiptHandle)}})),
                  "DeleteMessage");
  return doc ? Status::ok() : doc.error();
}

Result<std::vector<SqsDeleteFailure>> JsonSqsApi::deleteMessageBatch(
    std::string_view queueUrl, const std::vector<std::string>& receiptHandles) {
  if (queueUrl.empty()) return fail(Status::invalid("SQS DeleteMessageBatch: empty queue URL"));
  if (receiptHandles.empty() || receiptHandles.size() > static_cast<size_t>(kMaxBatch)) {
    return fail(Status::invalid("SQS DeleteMessageBatch: needs 1..10 receipt handles, not " +
                                std::to_string(receiptHandles.size())));
  }
  // Entry ids are the handles' positions: short, distinct, and a way back to the handle.
  json entries = json::array();
  for (size_t i = 0; i < receiptHandles.size(); ++i) {
    entries.push_back({{"Id", std::to_string(i)}, {"ReceiptHandle", receiptHandles[i]}});
  }
  auto doc = replyObject(
      client_.call("AmazonSQS.DeleteMessageBatch",
                   requestBody(json{{"QueueUrl", std::string(queueUrl)}, {"Entries", entries}})),
      "DeleteMessageBatch");
  if (!doc) return fail(doc.error());

  // Index of an entry id we sent, or -1.
  auto indexOf = [&](const json& entry) -> int {
    auto id = stringMember(entry, "Id");
    if (!id || id->empty() || id->size() > 2) return -1;
    int value = -1;
    auto [end, ec] = std::from_chars(id->data(), id->data() + id->size(), value);
    if (ec != std::errc{} || end != id->data() + id->size()) return -1;
    return value >= 0 && static_cast<size_t>(value) < receiptHandles.size() ? value : -1;
  };
  std::vector<bool> deleted(receiptHandles.size(), false);
  std::vector<std::optional<Status>> failed(receiptHandles.size());
  if (auto ok = doc->find("Successful"); ok != doc->end() && ok->is_array()) {
    for (const json& entry : *ok) {
      if (int i = indexOf(entry); i >= 0) deleted[i] = true;
    }
  }
  if (auto bad = doc->find("Failed"); bad != doc->end() && bad->is_array()) {
    for (const json& entry : *bad) {
      const int i = indexOf(entry);
      if (i < 0) continue;
      const std::string code = stringMember(entry, "Code").value_or("");
      const std::string message = stringMember(entry, "Message").value_or("");
      // SenderFault false means SQS's side failed: worth a retry, like a 5xx.
      const bool senderFault = entry.contains("SenderFault") && entry["SenderFault"].is_boolean() &&
                               entry["SenderFault"].get<bool>();
      StatusCode kind = senderFault ? StatusCode::kInvalid : StatusCode::kUnavailable;
      if (auto mapped = sqsErrorCode(code)) kind = *mapped;
      std::string text =
          "SQS DeleteMessageBatch: " + (code.empty() ? std::string("entry failed") : code);
      if (!message.empty()) text += ": " + message.substr(0, 300);
      failed[i] = Status(kind, std::move(text));
    }
  }
  std::vector<SqsDeleteFailure> failures;
  for (size_t i = 0; i < receiptHandles.size(); ++i) {
    if (deleted[i] && !failed[i]) continue;
    failures.push_back({.receiptHandle = receiptHandles[i],
                        .status = failed[i].value_or(Status::internal(
                            "SQS DeleteMessageBatch: the reply does not mention this entry"))});
  }
  return failures;
}

Result<std::string> JsonSqsApi::sendMessage(std::string_view queueUrl, std::string_view body) {
  if (queueUrl.empty() || body.empty()) {
    return fail(Status::invalid("SQS SendMessage: empty queue URL or body"));
  }
  // A body is sent as it is or not at all: replacing bytes would send another message.
  if (!isValidUtf8(body)) return fail(Status::invalid("SQS SendMessage: body is not UTF-8"));
  auto doc = replyObject(
      client_.call("AmazonSQS.SendMessage", requestBody(json{{"QueueUrl", std::string(queueUrl)},
                                                             {"MessageBody", std::string(body)}})),
      "SendMessage");
  if (!doc) return fail(doc.error());
  auto id = stringMember(*doc, "MessageId");
  if (!id) return fail(Status::invalid("SQS SendMessage: reply has no MessageId"));
  return *id;
}

}  // namespace gantry::cloudprovider::aws
