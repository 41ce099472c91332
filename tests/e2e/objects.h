// Reading and writing the Kubernetes objects the e2e suites create and inspect, as JSON.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gantry::e2e {

// Fields of an object as the apiserver returns it ("" or false when absent).
inline nlohmann::json meta(const nlohmann::json& object) {
  return object.value("metadata", nlohmann::json::object());
}
inline std::string name(const nlohmann::json& object) { return meta(object).value("name", ""); }
inline std::string phase(const nlohmann::json& pod) {
  return pod.value("status", nlohmann::json::object()).value("phase", "");
}
inline bool deleting(const nlohmann::json& object) {
  return !meta(object).value("deletionTimestamp", nlohmann::json()).is_null();
}

// The pods among `pods` whose name starts with `prefix` and that are not being deleted.
inline std::vector<nlohmann::json> livePods(const std::vector<nlohmann::json>& pods,
                                            const std::string& prefix) {
  std::vector<nlohmann::json> out;
  for (const auto& p : pods) {
    if (name(p).starts_with(prefix) && !deleting(p)) out.push_back(p);
  }
  return out;
}

// A Deployment of `replicas` busybox pods labelled app=`app`, each requesting `cpu` and
// 128Mi, kept to the nodes `nodeSelector` picks (a run's own NodePool).
inline nlohmann::json deploymentManifest(const std::string& app, const std::string& ns,
                                         int replicas, const std::string& cpu,
                                         const nlohmann::json& nodeSelector) {
  using json = nlohmann::json;
  json container = {{"name", app},
                    {"image", "busybox"},
                    {"resources", {{"requests", {{"cpu", cpu}, {"memory", "128Mi"}}}}}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", app}, {"namespace", ns}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", app}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", app}}}}},
              {"spec", {{"containers", json::array({container})}, {"nodeSelector", nodeSelector}}}}}}}};
}

}  // namespace gantry::e2e
