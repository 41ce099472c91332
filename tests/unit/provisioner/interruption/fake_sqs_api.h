// An in-process SQS queue for the interruption controller's unit tests: messages sent are
// received in order, become invisible once received until the test lets their visibility
// time out (as SQS does after the visibility timeout), and are gone once deleted; the next
// call of a method can be made to fail; every call is counted.
#pragma once

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloudprovider/aws/sqs/sqs_api.h"

namespace gantry::provisioner::interruption::testing {

class FakeSqsApi final : public cloudprovider::aws::SqsApi {
 public:
  static constexpr const char* kUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/q";

  std::string queueName = "q";  // the one queue getQueueUrl finds

  // --- test set-up and inspection
  // The next call of `method` ("getQueueUrl", "receiveMessages", "deleteMessageBatch") fails.
  void failNext(const std::string& method, Status status) {
    std::lock_guard lock(mu_);
    faults_[method] = std::move(status);
  }
  // Messages received but not deleted become visible again.
  void expireVisibility() {
    std::lock_guard lock(mu_);
    for (auto& m : messages_) m.visible = true;
  }
  // Messages still on the queue (visible or not).
  size_t size() const {
    std::lock_guard lock(mu_);
    return messages_.size();
  }
  int calls(const std::string& method) const {
    std::lock_guard lock(mu_);
    auto it = calls_.find(method);
    return it == calls_.end() ? 0 : it->second;
  }

  // --- SqsApi
  Result<std::string> getQueueUrl(std::string_view name) override {
    if (auto f = fault("getQueueUrl")) return fail(*f);
    if (name != queueName) return fail(Status::notFound("SQS GetQueueUrl: QueueDoesNotExist"));
    return std::string(kUrl);
  }
  Result<std::vector<cloudprovider::aws::SqsMessage>> receiveMessages(
      std::string_view url, const cloudprovider::aws::SqsReceiveOptions& options) override {
    if (auto f = fault("receiveMessages")) return fail(*f);
    if (url != kUrl) return fail(Status::notFound("SQS ReceiveMessage: QueueDoesNotExist"));
    std::lock_guard lock(mu_);
    lastOptions = options;
    std::vector<cloudprovider::aws::SqsMessage> out;
    for (auto& m : messages_) {
      if (!m.visible || static_cast<int>(out.size()) >= options.maxMessages) continue;
      m.visible = false;
      ++m.receives;
      m.handle = "handle-" + m.id + "-" + std::to_string(m.receives);
      out.push_back({.messageId = m.id, .receiptHandle = m.handle, .body = m.body,
                     .receiveCount = m.receives});
    }
    return out;
  }
  Status deleteMessage(std::string_view url, std::string_view handle) override {
    auto r = deleteMessageBatch(url, {std::string(handle)});
    if (!r) return r.error();
    return r->empty() ? Status::ok() : r->front().status;
  }
  Result<std::vector<cloudprovider::aws::SqsDeleteFailure>> deleteMessageBatch(
      std::string_view url, const std::vector<std::string>& handles) override {
    if (auto f = fault("deleteMessageBatch")) return fail(*f);
    if (url != kUrl) return fail(Status::notFound("SQS DeleteMessageBatch: QueueDoesNotExist"));
    if (handles.empty() || handles.size() > 10) return fail(Status::invalid("1..10 handles"));
    std::lock_guard lock(mu_);
    std::vector<cloudprovider::aws::SqsDeleteFailure> failures;
    for (const auto& h : handles) {
      auto it = std::find_if(messages_.begin(), messages_.end(),
                             [&](const Stored& m) { return m.handle == h; });
      if (it == messages_.end()) {
        failures.push_back(
            {.receiptHandle = h, .status = Status::invalid("ReceiptHandleIsInvalid")});
      } else {
        messages_.erase(it);
      }
    }
    return failures;
  }
  Result<std::string> sendMessage(std::string_view url, std::string_view body) override {
    if (auto f = fault("sendMessage")) return fail(*f);
    if (url != kUrl) return fail(Status::notFound("SQS SendMessage: QueueDoesNotExist"));
    std::lock_guard lock(mu_);
    const std::string id = "m" + std::to_string(++serial_);
    messages_.push_back({.id = id, .body = std::string(body)});
    return id;
  }

  std::optional<cloudprovider::aws::SqsReceiveOptions> lastOptions;

 private:
  struct Stored {
    std::string id;
    std::string body;
    std::string handle{};
    bool visible = true;
    int receives = 0;
  };
  std::optional<Status> fault(const std::string& method) {
    std::lock_guard lock(mu_);
    ++calls_[method];
    auto it = faults_.find(method);
    if (it == faults_.end()) return std::nullopt;
    Status s = it->second;
    faults_.erase(it);
    return s;
  }

  mutable std::mutex mu_;
  std::deque<Stored> messages_;
  std::map<std::string, Status> faults_;
  std::map<std::string, int> calls_;
  int serial_ = 0;
};

}  // namespace gantry::provisioner::interruption::testing
