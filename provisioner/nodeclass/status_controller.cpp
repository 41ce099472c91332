// The worker loop of the EC2NodeClass status controller. Informer events only enqueue; the
// cloud calls and the status write happen on the one worker, a class at a time. A status is
// written only when it differs from the one the cache holds, so a steady class costs a few
// describe calls per period and no apiserver write.
#include "provisioner/nodeclass/status_controller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "src/common/logging.h"

namespace gantry::provisioner::nodeclass {

namespace nc = api::nodeclass;

namespace {

spdlog::logger& log() {
  static auto logger = componentLogger("nodeclass");
  return *logger;
}

constexpr std::string_view kParts[] = {nc::kSubnetsReady, nc::kSecurityGroupsReady, nc::kAmisReady};
constexpr size_t kMaxMessage = 4096;  // the CRD allows 32768; keep the status readable

std::string clip(std::string message) {
  if (message.size() > kMaxMessage) message = message.substr(0, kMaxMessage - 3) + "...";
  return message;
}

}  // namespace

api::Ec2NodeClassStatus mergeResolvedStatus(const api::Ec2NodeClass& current,
                                            const api::Ec2NodeClassStatus& resolved,
                                            Clock::TimePoint now) {
  api::Ec2NodeClassStatus next = resolved;
  next.conditions = current.status.conditions;
  const int64_t generation = current.generation;
  std::string notReadyReason, notReadyMessage;
  for (std::string_view part : kParts) {
    const api::Condition* c = api::findCondition(resolved.conditions, part);
    api::Condition merged = c ? *c
                              : api::Condition{.type = std::string(part),
                                               .status = api::ConditionStatus::kUnknown,
                                               .reason = "NotResolved",
                                               .message = "the cloud did not report " +
                                                          std::string(part)};
    if (merged.status != api::ConditionStatus::kTrue) {
      if (notReadyReason.empty()) {
        notReadyReason = merged.reason.empty() ? "NotReady" : merged.reason;
      }
      notReadyMessage += (notReadyMessage.empty() ? "" : "; ") + merged.message;
    }
    api::setCondition(next.conditions, part, merged.status, merged.reason, clip(merged.message),
                      now, generation);
  }
  if (notReadyReason.empty()) {
    api::setCondition(next.conditions, nc::kReady, api::ConditionStatus::kTrue,
                      std::string(nc::kReady), "", now, generation);
  } else {
    api::setCondition(next.conditions, nc::kReady, api::ConditionStatus::kFalse, notReadyReason,
                      clip(notReadyMessage), now, generation);
  }
  return next;
}

StatusController::StatusController(NodeClassReader& reader, NodeClassStatusWriter& writer,
                                   cloudprovider::CloudProvider& cloud,
                                   kube::EventRecorder& events, Clock& clock,
                                   StatusControllerOptions options)
    : reader_(reader), writer_(writer), cloud_(cloud), events_(events), clock_(clock),
      options_(options), queue_(clock) {}

std::unique_ptr<StatusController> StatusController::forCluster(
    kube::ClusterCache& cache, kube::RestClient& client, cloudprovider::CloudProvider& cloud,
    kube::EventRecorder& events, Clock& clock, StatusControllerOptions options) {
  auto reader = std::make_unique<CacheNodeClassReader>(cache);
  auto writer = std::make_unique<KubeNodeClassStatusWriter>(client);
  auto controller =
      std::make_unique<StatusController>(*reader, *writer, cloud, events, clock, options);
  controller->ownedReader_ = std::move(reader);
  controller->ownedWriter_ = std::move(writer);
  StatusController* self = controller.get();
  cache.ec2NodeClasses().addHandlers({
      .onAdd = [self](const auto& c) { self->enqueue(c->name); },
      // Our own status writes come back as updates with the same generation: not a reason to
      // ask the cloud again.
      .onUpdate =
          [self](const auto& before, const auto& after) {
            if (before->generation != after->generation) self->enqueue(after->name);
          },
      .onDelete = {},
  });
  return controller;
}

void StatusController::run(std::stop_token stop) {
  log().info("starting nodeclass status controller resolve_period_s={}",
             std::chrono::duration_cast<std::chrono::seconds>(options_.resolvePeriod).count());
  while (!stop.stop_requested()) {
    step();
    clock_.sleepFor(options_.tick);
  }
  log().info("stopped nodeclass status controller");
}

void StatusController::step() {
  if (!started_) {
    for (const auto& c : reader_.nodeClasses()) queue_.add(c->name);
    started_ = true;
  }
  for (const auto& name : queue_.takeDue()) reconcileOne(name);
}

void StatusController::reconcileOne(const std::string& name) {
  Status result = Status::internal("not run");
  try {
    result = reconcile(name);
  } catch (const std::exception& e) {
    result = Status::internal(std::string("reconcile threw: ") + e.what());
  }
  if (result.isOk()) {
    failures_.erase(name);
    return;
  }
  const int n = ++failures_[name];
  auto backoff = options_.initialBackoff * (1LL << std::min(n - 1, 16));
  backoff = std::min<Clock::Duration>(backoff, options_.maxBackoff);
  log().warn("cannot reconcile nodeclass name={} attempt={} retry_in_ms={} error={}", name, n,
             std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count(),
             result.toString());
  queue_.addAfter(name, backoff);
}

Status StatusController::reconcile(const std::string& name) {
  auto current = reader_.nodeClass(name);
  if (!current) return Status::ok();  // deleted: nothing to report on
  auto resolved = cloud_.resolveNodeClass(*current);
  if (!resolved) return resolved.error();  // the stored status stays as it was
  const auto now = clock_.now();
  api::Ec2NodeClassStatus next = mergeResolvedStatus(*current, *resolved, now);
  if (next != current->status) {
    if (Status s = writer_.writeStatus(name, next); !s.isOk()) {
      if (s.isNotFound()) return Status::ok();  // deleted since the cache saw it
      return s;
    }
    const api::Condition* ready = api::findCondition(next.conditions, nc::kReady);
    const api::Condition* before = api::findCondition(current->status.conditions, nc::kReady);
    const bool isReady = ready && ready->status == api::ConditionStatus::kTrue;
    log().info("wrote nodeclass status name={} ready={} subnets={} security_groups={} amis={}",
               name, isReady, next.subnets.size(), next.securityGroups.size(), next.amis.size());
    const bool turnedNotReady =
        ready && ready->status == api::ConditionStatus::kFalse &&
        (!before || before->status != api::ConditionStatus::kFalse);
    if (turnedNotReady) {
      log().warn("nodeclass not ready name={} reason={} message={}", name, ready->reason,
                 ready->message);
      events_.record({.kind = "EC2NodeClass",
                      .name = current->name,
                      .uid = current->uid,
                      .apiVersion = "gantry.dev/v1"},
                     kube::EventType::kWarning, std::string(kNotReadyEventReason), ready->message);
    }
  }
  queue_.addAfter(name, options_.resolvePeriod);
  return Status::ok();
}

}  // namespace gantry::provisioner::nodeclass
