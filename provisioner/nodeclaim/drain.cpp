// Pod selection and the fencing patch of a drain. The order follows Karpenter v1's terminator:
// ordinary pods first, system-critical ones (CNI, DNS, log shippers run as Deployments) only
// after, so whatever the ordinary pods need while they shut down is still there.
#include "provisioner/nodeclaim/drain.h"

#include <algorithm>

namespace gantry::provisioner::nodeclaim {

namespace {

using json = nlohmann::json;

constexpr std::string_view kMirrorAnnotation = "kubernetes.io/config.mirror";

bool byKey(const PodPtr& a, const PodPtr& b) {
  return a->ns != b->ns ? a->ns < b->ns : a->name < b->name;
}

}  // namespace

api::Taint disruptedTaint() {
  return {.key = std::string(kDisruptedTaintKey), .value = "", .effect = api::TaintEffect::kNoSchedule};
}

bool isSystemCritical(const api::Pod& pod) { return pod.priority >= kSystemCriticalPriority; }

std::optional<DrainSkip> drainSkip(const api::Pod& pod) {
  if (pod.finished()) return DrainSkip::kTerminal;
  if (pod.owner.kind == "DaemonSet") return DrainSkip::kDaemonSet;
  if (pod.annotations.contains(kMirrorAnnotation) || pod.owner.kind == "Node") {
    return DrainSkip::kMirror;
  }
  // Checked before kTerminating: a pod that means to stay is not waited for either.
  if (api::tolerated(disruptedTaint(), pod.tolerations)) return DrainSkip::kToleratesDisrupted;
  if (pod.terminating) return DrainSkip::kTerminating;
  return std::nullopt;
}

std::string_view drainSkipName(DrainSkip skip) {
  switch (skip) {
    case DrainSkip::kDaemonSet: return "daemonset pod";
    case DrainSkip::kMirror: return "mirror pod";
    case DrainSkip::kTerminal: return "terminal pod";
    case DrainSkip::kTerminating: return "terminating pod";
    case DrainSkip::kToleratesDisrupted: return "tolerates the disrupted taint";
  }
  return "unknown";
}

DrainSelection selectPodsToEvict(const std::vector<PodPtr>& pods, bool waitForTerminating) {
  DrainSelection out;
  std::vector<PodPtr> ordinary, critical;
  bool ordinaryTerminating = false;
  for (const auto& pod : pods) {
    if (pod == nullptr) continue;
    auto skip = drainSkip(*pod);
    if (skip == DrainSkip::kTerminating) {
      if (!waitForTerminating) continue;
      out.terminating.push_back(pod);
      ordinaryTerminating |= !isSystemCritical(*pod);
    } else if (!skip) {
      (isSystemCritical(*pod) ? critical : ordinary).push_back(pod);
    }
  }
  std::sort(ordinary.begin(), ordinary.end(), byKey);
  std::sort(critical.begin(), critical.end(), byKey);
  std::sort(out.terminating.begin(), out.terminating.end(), byKey);
  // Karpenter's groups: a group still shutting down holds the next one back too.
  if (ordinary.empty() && !ordinaryTerminating) {
    out.evictNow = std::move(critical);
  } else {
    out.evictNow = std::move(ordinary);
    out.evictLater = std::move(critical);
  }
  return out;
}

Result<json> disruptedTaintPatch(const json& node) {
  if (!node.is_object()) return fail(Status::invalid("node is not an object"));
  const json empty = json::object();
  auto specIt = node.find("spec");
  const json& spec = specIt != node.end() && specIt->is_object() ? *specIt : empty;

  json taints = json::array();
  bool tainted = false;
  if (auto it = spec.find("taints"); it != spec.end() && !it->is_null()) {
    if (!it->is_array()) return fail(Status::invalid("node spec.taints is not a list"));
    for (const json& t : *it) {
      if (!t.is_object()) return fail(Status::invalid("node spec.taints has a non-object item"));
      tainted |= t.value("key", json()) == json(kDisruptedTaintKey) &&
                 t.value("effect", json()) == json("NoSchedule");
      taints.push_back(t);
    }
  }
  auto u = spec.find("unschedulable");
  const bool cordoned = u != spec.end() && u->is_boolean() && u->get<bool>();
  if (tainted && cordoned) return json::object();

  json patch = json::object();
  patch["spec"]["unschedulable"] = true;
  if (!tainted) {
    taints.push_back({{"key", kDisruptedTaintKey}, {"effect", "NoSchedule"}});
    patch["spec"]["taints"] = std::move(taints);
  }
  if (auto meta = node.find("metadata"); meta != node.end() && meta->is_object()) {
    if (auto rv = meta->find("resourceVersion"); rv != meta->end() && rv->is_string()) {
      patch["metadata"]["resourceVersion"] = *rv;
    }
  }
  return patch;
}

}  // namespace gantry::provisioner::nodeclaim
