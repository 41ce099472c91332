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

api::Ec2NodeClassStatus unresolvedStatus(const api::Ec2NodeClass& current, const Status& error,
                                         Clock::TimePoint now) {
  // Denied or unsupported will not heal without someone changing credentials, policy or the
  // class; anything else (throttled, unreachable) may, so Ready is only unknown.
  const bool permanent = error.isUnauthorized() || error.isForbidden() ||
                         error.code() == StatusCode::kUnimplemented;
  api::Ec2NodeClassStatus next = current.status;
  api::setCondition(next.conditions, nc::kReady,
                    permanent ? api::ConditionStatus::kFalse : api::ConditionStatus::kUnknown,
                    std::string(nc::kResolutionFailed),
                    clip("cannot resolve EC2NodeClass: " + error.toString()), now,
                    current.generation);
  return next;
}

Result<runtime::Requeue> StatusReconciler::reconcile(const std::string& key) {
  auto current = reader_.nodeClass(key);
  if (!current) {  // deleted: nothing to report on
    forgetFailures(key);
    return runtime::Requeue{};
  }
  auto resolved = cloud_.resolveNodeClass(*current);
  if (!resolved) return unresolved(*current, resolved.error());
  forgetFailures(key);
  const api::Ec2NodeClassStatus next = mergeResolvedStatus(*current, *resolved, clock_.now());
  if (Status s = writeIfChanged(*current, next); !s.isOk()) {
    if (s.isNotFound()) return runtime::Requeue{};  // deleted since the cache saw it
    return fail(std::move(s));
  }
  return runtime::Requeue{resolvePeriod_};
}

Result<runtime::Requeue> StatusReconciler::unresolved(const api::Ec2NodeClass& current,
                                                      const Status& error) {
  int failures = 0;
  {
    std::lock_guard lock(mu_);
    failures = ++resolveFailures_[current.name];
  }
  // One failure may be a blip, and a status that flaps with every throttled call helps no
  // one; but a class that cannot be resolved for good must not look launchable for ever.
  if (failures < failuresBeforeNotReady_) return fail(error);
  const api::Ec2NodeClassStatus next = unresolvedStatus(current, error, clock_.now());
  if (Status s = writeIfChanged(current, next); !s.isOk()) {
    if (s.isNotFound()) {
      forgetFailures(current.name);
      return runtime::Requeue{};
    }
    return fail(std::move(s));
  }
  return fail(error);  // keep asking, with backoff, until the cloud answers
}

Status StatusReconciler::writeIfChanged(const api::Ec2NodeClass& current,
                                        const api::Ec2NodeClassStatus& next) {
  if (next == current.status) return Status::ok();
  if (Status s = writer_.writeStatus(current.name, next); !s.isOk()) return s;
  const api::Condition* ready = api::findCondition(next.conditions, nc::kReady);
  const api::Condition* before = api::findCondition(current.status.conditions, nc::kReady);
  const bool isReady = ready && ready->status == api::ConditionStatus::kTrue;
  log().info("wrote nodeclass status name={} ready={} subnets={} security_groups={} amis={}",
             current.name, isReady, next.subnets.size(), next.securityGroups.size(),
             next.amis.size());
  // Once per change of Ready to a not-True status, not on every rewrite of its message.
  const bool turnedNotReady = ready && !isReady && (!before || before->status != ready->status);
  if (turnedNotReady) {
    log().warn("nodeclass not ready name={} status={} reason={} message={}", current.name,
               api::conditionStatusName(ready->status), ready->reason, ready->message);
    events_.record({.kind = "EC2NodeClass",
                    .name = current.name,
                    .uid = current.uid,
                    .apiVersion = "gantry.dev/v1"},
                   kube::EventType::kWarning, std::string(kNotReadyEventReason), ready->message);
  }
  return Status::ok();
}

void StatusReconciler::forgetFailures(const std::string& name) {
  std::lock_guard lock(mu_);
  resolveFailures_.erase(name);
}

std::vector<std::string> StatusReconciler::resyncKeys() {
  std::vector<std::string> keys;
  for (const auto& c : reader_.nodeClasses()) keys.push_back(c->name);
  return keys;
}

}  // namespace gantry::provisioner::nodeclass
