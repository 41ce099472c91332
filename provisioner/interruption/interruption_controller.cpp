// The consumer loop. Its own thread rather than the work-queue skeleton: the work arrives by
// long poll, not from the informers, and the queue itself keeps what is not done yet (an
// unhandled message reappears after its visibility timeout), so there is no key to requeue.
#include "provisioner/interruption/interruption_controller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <thread>

#include "src/common/logging.h"

namespace gantry::provisioner::interruption {

namespace {

namespace aws = cloudprovider::aws;

spdlog::logger& log() {
  static auto logger = componentLogger("interruption");
  return *logger;
}

// Malformed message ids remembered so a redelivered one (its delete failed) is not logged
// again; past this many the memory starts over.
constexpr size_t kMalformedMemory = 10000;

// Sleeps `d` on `clock` in short steps, returning early once `stop` is requested.
void sleepUnlessStopped(Clock& clock, Clock::Duration d, const std::stop_token& stop) {
  constexpr Clock::Duration kStep = std::chrono::milliseconds(200);
  while (d > Clock::Duration::zero() && !stop.stop_requested()) {
    const auto step = std::min(d, kStep);
    clock.sleepFor(step);
    d -= step;
  }
}

}  // namespace

InterruptionController::InterruptionController(aws::SqsApi& sqs,
                                               const nodeclaim::LifecycleReader& reader,
                                               InterruptionHandler& handler, Clock& clock,
                                               InterruptionOptions options,
                                               InterruptionMetrics* metrics)
    : sqs_(sqs), reader_(reader), handler_(handler), clock_(clock), options_(std::move(options)),
      metrics_(metrics) {}

void InterruptionController::run(std::stop_token stop) {
  if (options_.abortPoll) options_.abortPoll->store(false);
  // A long poll waits up to 20 s for a message; the stop must not.
  std::stop_callback abandonPoll(stop, [this] {
    if (options_.abortPoll) options_.abortPoll->store(true);
  });
  log().info("starting interruption controller queue={}", options_.queueName);
  Clock::Duration backoff = options_.initialBackoff;
  while (!stop.stop_requested()) {
    PollResult result = pollOnce();
    if (stop.stop_requested()) break;
    if (result.error.isOk()) {
      backoff = options_.initialBackoff;
      continue;
    }
    sleepUnlessStopped(clock_, backoff, stop);
    backoff = std::min(backoff * 2, options_.maxBackoff);
  }
  log().info("stopped interruption controller");
}

PollResult InterruptionController::pollOnce() {
  PollResult result;
  if (queueUrl_.empty()) {
    auto url = sqs_.getQueueUrl(options_.queueName);
    if (!url) {
      result.error = url.error();
      failed(url.error().isNotFound()
                 ? "find interruption queue (it does not exist: create it or fix "
                   "--interruption-queue)"
                 : "find interruption queue",
             result.error);
      return result;
    }
    queueUrl_ = *url;
    log().info("found interruption queue queue={} url={}", options_.queueName, queueUrl_);
  }
  auto batch = sqs_.receiveMessages(
      queueUrl_, {.maxMessages = options_.batchSize, .waitTime = options_.waitTime});
  if (!batch) {
    result.error = batch.error();
    // Deleted (and maybe created again under another URL): look it up afresh.
    if (result.error.isNotFound()) queueUrl_.clear();
    failed("receive from interruption queue", result.error);
    return result;
  }
  const std::vector<aws::SqsMessage>& messages = *batch;
  result.received = messages.size();
  if (!messages.empty()) {
    const ClaimsByInstance claims(reader_.nodeClaims());
    std::vector<Handled> outcomes(messages.size());
    // Bounded concurrency: a batch's messages usually name different nodes, and each takes
    // a few apiserver round trips.
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < messages.size(); i = next++) {
        outcomes[i] = handleOne(messages[i], claims);
      }
    };
    const size_t workers = std::clamp<size_t>(options_.workers, 1, messages.size());
    std::vector<std::thread> threads;
    for (size_t w = 1; w < workers; ++w) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();

    std::vector<std::string> handles;
    for (size_t i = 0; i < messages.size(); ++i) {
      if (outcomes[i].remove) handles.push_back(messages[i].receiptHandle);
    }
    result.handled = handles.size();
    result.failed = messages.size() - handles.size();
    if (!handles.empty()) result.deleted = remove(handles, result);
    if (!result.error.isOk()) return result;
  }
  succeeded();
  return result;
}

InterruptionController::Handled InterruptionController::handleOne(const aws::SqsMessage& message,
                                                                  const ClaimsByInstance& claims) {
  try {
    auto parsed = aws::parseInterruptionMessage(message.body);
    if (!parsed) {
      // Never parseable, so retrying would only bring it back for ever: one line, then gone.
      if (firstMalformed(message.messageId)) {
        log().warn("deleting malformed interruption message message_id={} error=\"{}\"",
                   message.messageId, parsed.error().message());
      }
      if (metrics_) metrics_->message("invalid", kActionMalformed);
      return {.remove = true};
    }
    const std::string kind(aws::toString(parsed->kind));
    auto outcome = handler_.handle(*parsed, claims);
    if (!outcome) {
      // The handler logged why; the message comes back after its visibility timeout.
      if (metrics_) metrics_->message(kind, kActionFailed);
      return {.remove = false};
    }
    if (metrics_) {
      metrics_->message(kind, outcome->action);
      if (parsed->time) metrics_->latency(clock_.now() - *parsed->time);
    }
    return {.remove = true};
  } catch (const std::exception& e) {
    // A bug; the message stays, and the loop goes on with the others.
    log().error("interruption message handling threw message_id={} error=\"{}\"",
                message.messageId, e.what());
    if (metrics_) metrics_->message("unknown", kActionFailed);
    return {.remove = false};
  }
}

size_t InterruptionController::remove(const std::vector<std::string>& receiptHandles,
                                      PollResult& result) {
  auto failures = sqs_.deleteMessageBatch(queueUrl_, receiptHandles);
  if (!failures) {
    // They come back after the visibility timeout and are handled again, which is harmless:
    // handling is idempotent.
    result.error = failures.error();
    failed("delete handled interruption messages", result.error);
    return 0;
  }
  if (!failures->empty()) {
    log().warn("cannot delete some handled interruption messages count={} error=\"{}\"",
               failures->size(), failures->front().status.message());
  }
  return receiptHandles.size() - failures->size();
}

void InterruptionController::failed(const std::string& what, const Status& status) {
  if (status.isCancelled()) return;  // stopping: not a failure of the queue
  if (failing_) {
    log().debug("cannot {} queue={} error=\"{}\"", what, options_.queueName, status.toString());
    return;
  }
  failing_ = true;
  log().warn("cannot {} queue={} error=\"{}\"; retrying with backoff (logged once until it "
             "recovers)",
             what, options_.queueName, status.toString());
}

void InterruptionController::succeeded() {
  if (!failing_) return;
  failing_ = false;
  log().info("interruption queue reachable again queue={}", options_.queueName);
}

bool InterruptionController::firstMalformed(const std::string& messageId) {
  std::lock_guard lock(mu_);
  if (malformedSeen_.size() >= kMalformedMemory) malformedSeen_.clear();
  return malformedSeen_.insert(messageId).second;
}

}  // namespace gantry::provisioner::interruption
