// Reading and taking down the disruption fence (fence.h).
#include "provisioner/disruption/fence.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "provisioner/nodeclaim/drain.h"
#include "src/common/logging.h"

namespace gantry::provisioner::disruption {

namespace {
using json = nlohmann::json;

spdlog::logger& log() {
  static auto logger = componentLogger("disruption");
  return *logger;
}
}  // namespace

bool fenced(const api::Node& node) {
  return std::any_of(node.taints.begin(), node.taints.end(), [](const api::Taint& t) {
    return t.key == nodeclaim::kDisruptedTaintKey;
  });
}

bool cordoned(const json& node) {
  auto spec = node.find("spec");
  if (spec == node.end() || !spec->is_object()) return false;
  auto u = spec->find("unschedulable");
  return u != spec->end() && u->is_boolean() && u->get<bool>();
}

json unfencePatch(const json& node, bool uncordon) {
  json patch = json::object();
  if (auto spec = node.find("spec"); spec != node.end() && spec->is_object()) {
    if (auto t = spec->find("taints"); t != spec->end() && t->is_array()) {
      json kept = json::array();
      bool found = false;
      for (const auto& taint : *t) {
        if (taint.is_object() && taint.value("key", "") == nodeclaim::kDisruptedTaintKey) {
          found = true;
        } else {
          kept.push_back(taint);
        }
      }
      if (found) patch["spec"]["taints"] = std::move(kept);
    }
  }
  if (uncordon && cordoned(node)) patch["spec"]["unschedulable"] = nullptr;
  if (patch.empty()) return patch;
  patch["metadata"]["resourceVersion"] =
      node.value("metadata", json::object()).value("resourceVersion", "");
  return patch;
}

void unfence(nodeclaim::LifecycleWriter& writer, const std::string& nodeName, bool uncordon) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto current = writer.getNode(nodeName);
    if (!current) {
      if (!current.error().isNotFound()) {
        log().warn("cannot read node to un-fence node={} error={}", nodeName,
                   current.error().toString());
      }
      return;
    }
    json patch = unfencePatch(*current, uncordon);
    if (patch.empty()) return;
    Status s = writer.patchNode(nodeName, patch);
    if (s.isOk() || s.isNotFound()) return;
    if (!s.isConflict() || attempt == 2) {
      log().warn("cannot un-fence node node={} error={}", nodeName, s.toString());
      return;
    }
  }
}

}  // namespace gantry::provisioner::disruption
