// One pass over one EC2NodeClass. A status is written only when it differs from the one the
// cache holds, so a steady class costs a few describe calls per period and no apiserver write.
#include "provisioner/nodeclass/status_reconciler.h"

#include <spdlog/spdlog.h>

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

Result<runtime::Requeue> StatusReconciler::reconcile(const std::string& key) {
  auto current = reader_.nodeClass(key);
  if (!current) return runtime::Requeue{};  // deleted: nothing to report on
  auto resolved = cloud_.resolveNodeClass(*current);
  if (!resolved) return fail(resolved.error());  // the stored status stays as it was
  const auto now = clock_.now();
  api::Ec2NodeClassStatus next = mergeResolvedStatus(*current, *resolved, now);
  if (next != current->status) {
    if (Status s = writer_.writeStatus(key, next); !s.isOk()) {
      if (s.isNotFound()) return runtime::Requeue{};  // deleted since the cache saw it
      return fail(std::move(s));
    }
    const api::Condition* ready = api::findCondition(next.conditions, nc::kReady);
    const api::Condition* before = api::findCondition(current->status.conditions, nc::kReady);
    const bool isReady = ready && ready->status == api::ConditionStatus::kTrue;
    log().info("wrote nodeclass status name={} ready={} subnets={} security_groups={} amis={}",
               key, isReady, next.subnets.size(), next.securityGroups.size(), next.amis.size());
    const bool turnedNotReady =
        ready && ready->status == api::ConditionStatus::kFalse &&
        (!before || before->status != api::ConditionStatus::kFalse);
    if (turnedNotReady) {
      log().warn("nodeclass not ready name={} reason={} message={}", key, ready->reason,
                 ready->message);
      events_.record({.kind = "EC2NodeClass",
                      .name = current->name,
                      .uid = current->uid,
                      .apiVersion = "gantry.dev/v1"},
                     kube::EventType::kWarning, std::string(kNotReadyEventReason), ready->message);
    }
  }
  return runtime::Requeue{resolvePeriod_};
}

std::vector<std::string> StatusReconciler::resyncKeys() {
  std::vector<std::string> keys;
  for (const auto& c : reader_.nodeClasses()) keys.push_back(c->name);
  return keys;
}

}  // namespace gantry::provisioner::nodeclass
