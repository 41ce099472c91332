// The interruption queue's consumer (Karpenter's interruption controller loop): long-polls
// the SQS queue EventBridge fills (20 s, batches of 10), parses each message
// (cloudprovider/aws/interruption_message.h), hands it to the InterruptionHandler with
// bounded concurrency, and deletes a message only once it was handled, so a message whose
// handling failed comes back after the queue's visibility timeout and is tried again. A
// malformed message is logged once and deleted (a retry could never succeed); a message
// naming an instance Gantry does not own is deleted quietly. SQS errors (a queue that does not
// exist, credentials, throttling) back off and retry, logged once per failure streak.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cloudprovider/aws/sqs/sqs_api.h"
#include "provisioner/controller.h"
#include "provisioner/interruption/interruption_handler.h"
#include "provisioner/interruption/interruption_metrics.h"
#include "provisioner/nodeclaim/cluster_access.h"
#include "src/common/clock.h"
#include "src/common/status.h"

namespace gantry::provisioner::interruption {

struct InterruptionOptions {
  std::string queueName{};  // REQUIRED: the SQS queue's name (not its URL)
  int batchSize = 10;                       // ReceiveMessage's maximum
  std::chrono::seconds waitTime{20};        // long polling, SQS's maximum
  size_t workers = 10;                      // messages of a batch handled at once
  Clock::Duration initialBackoff = std::chrono::seconds(1);
  Clock::Duration maxBackoff = std::chrono::minutes(1);
  // Set while run() is stopping, to abandon a long poll in flight (the SQS client's
  // CurlHttpClient abort flag; may be null: a poll then ends within waitTime).
  std::atomic<bool>* abortPoll = nullptr;
};

// What one poll did, for the loop and tests.
struct PollResult {
  size_t received = 0;
  size_t handled = 0;   // handled (or malformed / not ours): deleted or to be deleted
  size_t deleted = 0;   // confirmed deleted
  size_t failed = 0;    // handling failed: left on the queue
  Status error = Status::ok();  // an SQS call that failed (getQueueUrl, receive, delete)
};

// Not thread-safe with itself (one run() at a time); it runs a batch's messages on up to
// `workers` threads of its own. References (and metrics when set) outlive it.
class InterruptionController final : public Controller {
 public:
  InterruptionController(cloudprovider::aws::SqsApi& sqs, const nodeclaim::LifecycleReader& reader,
                         InterruptionHandler& handler, Clock& clock, InterruptionOptions options,
                         InterruptionMetrics* metrics = nullptr);

  std::string_view name() const override { return "interruption"; }

  // Polls until `stop`; between failed polls it waits initialBackoff, doubling to maxBackoff.
  void run(std::stop_token stop) override;

  // One round: resolve the queue URL (once; again after the queue was not found), receive a
  // batch, handle it, delete what was handled. Never throws. A failed SQS call is in `error`
  // (and logged: warn on the first failure of a streak, debug after, info on recovery).
  PollResult pollOnce();

 private:
  struct Handled {
    bool remove = false;  // delete from the queue
  };
  Handled handleOne(const cloudprovider::aws::SqsMessage& message, const ClaimsByInstance& claims);
  // Deletes in one batch call; returns how many SQS confirmed.
  size_t remove(const std::vector<std::string>& receiptHandles, PollResult& result);
  void failed(const std::string& what, const Status& status);
  void succeeded();
  // True the first time `messageId` is seen malformed (bounded memory).
  bool firstMalformed(const std::string& messageId);

  cloudprovider::aws::SqsApi& sqs_;
  const nodeclaim::LifecycleReader& reader_;
  InterruptionHandler& handler_;
  Clock& clock_;
  const InterruptionOptions options_;
  InterruptionMetrics* metrics_;

  std::string queueUrl_;  // "" until resolved
  bool failing_ = false;  // in a failure streak (logged once)
  std::mutex mu_;
  std::set<std::string> malformedSeen_;  // guarded by mu_
};

}  // namespace gantry::provisioner::interruption
