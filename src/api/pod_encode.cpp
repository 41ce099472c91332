// Pod -> v1 JSON, the inverse of pod_decode.cpp for the fields the model keeps. Empty fields
// are left out, so that the output reads like what kubectl would show for the pod.
#include "src/api/pod_encode.h"

#include <string_view>

namespace gantry::api {

using nlohmann::json;

namespace {

// Matches the decoder's gang sources: a label or annotation that already names the gang
// needs nothing more.
constexpr std::string_view kPodGroupLabel = "scheduling.x-k8s.io/pod-group";
constexpr std::string_view kVolcanoGroupAnnotation = "scheduling.k8s.io/group-name";
constexpr std::string_view kKubeflowJobLabel = "training.kubeflow.org/job-name";

json encodeRequirement(const Requirement& r) {
  json out{{"key", r.key}, {"operator", selectorOpName(r.op)}};
  if (!r.values.empty()) out["values"] = r.values;
  return out;
}

json encodeTerm(const NodeSelectorTerm& term) {
  json exprs = json::array();
  for (const Requirement& r : term.requirements) exprs.push_back(encodeRequirement(r));
  return {{"matchExpressions", std::move(exprs)}};
}

json encodeSelector(const LabelSelector& s) {
  json out = json::object();
  if (!s.matchLabels.empty()) out["matchLabels"] = s.matchLabels;
  if (!s.matchExpressions.empty()) {
    json exprs = json::array();
    for (const Requirement& r : s.matchExpressions) exprs.push_back(encodeRequirement(r));
    out["matchExpressions"] = std::move(exprs);
  }
  return out;
}

json encodeAffinityTerm(const PodAffinityTerm& t) {
  json out{{"labelSelector", encodeSelector(t.selector)}, {"topologyKey", t.topologyKey}};
  if (!t.namespaces.empty()) out["namespaces"] = t.namespaces;
  return out;
}

// podAffinity / podAntiAffinity: required terms, then weighted preferred ones.
json encodePodAffinity(const std::vector<PodAffinityTerm>& required,
                       const std::vector<WeightedPodAffinityTerm>& preferred) {
  json out = json::object();
  if (!required.empty()) {
    json terms = json::array();
    for (const PodAffinityTerm& t : required) terms.push_back(encodeAffinityTerm(t));
    out["requiredDuringSchedulingIgnoredDuringExecution"] = std::move(terms);
  }
  if (!preferred.empty()) {
    json terms = json::array();
    for (const WeightedPodAffinityTerm& w : preferred) {
      terms.push_back({{"weight", w.weight}, {"podAffinityTerm", encodeAffinityTerm(w.term)}});
    }
    out["preferredDuringSchedulingIgnoredDuringExecution"] = std::move(terms);
  }
  return out;
}

json encodeAffinity(const Pod& pod) {
  json out = json::object();
  json node = json::object();
  if (!pod.requiredNodeAffinity.empty()) {
    json terms = json::array();
    for (const NodeSelectorTerm& t : pod.requiredNodeAffinity.terms) terms.push_back(encodeTerm(t));
    node["requiredDuringSchedulingIgnoredDuringExecution"] = {{"nodeSelectorTerms", std::move(terms)}};
  }
  if (!pod.preferredNodeAffinity.empty()) {
    json terms = json::array();
    for (const PreferredSchedulingTerm& p : pod.preferredNodeAffinity) {
      terms.push_back({{"weight", p.weight}, {"preference", encodeTerm(p.term)}});
    }
    node["preferredDuringSchedulingIgnoredDuringExecution"] = std::move(terms);
  }
  if (!node.empty()) out["nodeAffinity"] = std::move(node);
  json affinity = encodePodAffinity(pod.requiredPodAffinity, pod.preferredPodAffinity);
  if (!affinity.empty()) out["podAffinity"] = std::move(affinity);
  json anti = encodePodAffinity(pod.requiredPodAntiAffinity, pod.preferredPodAntiAffinity);
  if (!anti.empty()) out["podAntiAffinity"] = std::move(anti);
  return out;
}

json encodeSpread(const TopologySpreadConstraint& c) {
  json out{{"maxSkew", c.maxSkew},
           {"topologyKey", c.topologyKey},
           {"whenUnsatisfiable", c.whenUnsatisfiable == UnsatisfiableAction::kDoNotSchedule
                                     ? "DoNotSchedule"
                                     : "ScheduleAnyway"},
           {"labelSelector", encodeSelector(c.selector)}};
  if (c.minDomains) out["minDomains"] = *c.minDomains;
  return out;
}

json encodeToleration(const Toleration& t) {
  json out = json::object();
  if (!t.key.empty()) out["key"] = t.key;
  out["operator"] = t.op == Toleration::Op::kExists ? "Exists" : "Equal";
  if (!t.value.empty()) out["value"] = t.value;
  if (t.effect) out["effect"] = taintEffectName(*t.effect);
  if (t.tolerationSeconds) out["tolerationSeconds"] = *t.tolerationSeconds;
  return out;
}

json encodeResources(const ResourceList& requests) {
  json req = json::object();
  json limits = json::object();
  for (const auto& [name, q] : requests.entries()) {
    req[name] = q.toString();
    // The apiserver requires an extended resource's limit, equal to its request.
    if (resource::isExtended(name)) limits[name] = q.toString();
  }
  json out = json::object();
  if (!req.empty()) out["requests"] = std::move(req);
  if (!limits.empty()) out["limits"] = std::move(limits);
  return out;
}

// One container per image, so `simulate`'s pull times survive a round trip; the requests sit on
// the first, the others ask for nothing. Host ports go on the first too: the scheduler only
// compares their union.
json encodeContainers(const Pod& pod) {
  json containers = json::array();
  const size_t count = pod.images.empty() ? 1 : pod.images.size();
  for (size_t i = 0; i < count; ++i) {
    json c{{"name", i == 0 ? std::string("main") : "c" + std::to_string(i)}};
    if (i < pod.images.size()) c["image"] = pod.images[i];
    if (i == 0) {
      json resources = encodeResources(pod.requests);
      if (!resources.empty()) c["resources"] = std::move(resources);
      if (!pod.hostPorts.empty()) {
        json ports = json::array();
        for (const HostPort& p : pod.hostPorts) {
          json port{{"containerPort", p.port}, {"hostPort", p.port}, {"protocol", p.protocol}};
          if (!p.hostIP.empty()) port["hostIP"] = p.hostIP;
          ports.push_back(std::move(port));
        }
        c["ports"] = std::move(ports);
      }
    }
    containers.push_back(std::move(c));
  }
  return containers;
}

json encodeMetadata(const Pod& pod) {
  json meta{{"name", pod.name}, {"namespace", pod.ns}};
  if (!pod.uid.empty()) meta["uid"] = pod.uid;
  if (!pod.labels.empty()) meta["labels"] = pod.labels;
  json annotations = json::object();
  for (const auto& [k, v] : pod.annotations) annotations[k] = v;
  const bool gangNamed = pod.labels.contains(kPodGroupLabel) || pod.labels.contains(kKubeflowJobLabel) ||
                         pod.annotations.contains(kVolcanoGroupAnnotation);
  if (!pod.gang.empty() && !gangNamed) {
    // Pod::gang is "<namespace>/<group>"; the annotation holds the group alone.
    const size_t slash = pod.gang.find('/');
    annotations[std::string(kVolcanoGroupAnnotation)] =
        slash == std::string::npos ? pod.gang : pod.gang.substr(slash + 1);
  }
  if (!annotations.empty()) meta["annotations"] = std::move(annotations);
  if (!pod.owner.empty()) {
    meta["ownerReferences"] = json::array(
        {{{"apiVersion", "v1"}, {"kind", pod.owner.kind}, {"name", pod.owner.name},
          {"uid", pod.owner.uid}, {"controller", true}}});
  }
  return meta;
}

}  // namespace

json encodePod(const Pod& pod) {
  json spec{{"containers", encodeContainers(pod)}};
  if (!pod.nodeSelector.empty()) spec["nodeSelector"] = pod.nodeSelector;
  if (json affinity = encodeAffinity(pod); !affinity.empty()) spec["affinity"] = std::move(affinity);
  if (!pod.topologySpread.empty()) {
    json spread = json::array();
    for (const TopologySpreadConstraint& c : pod.topologySpread) spread.push_back(encodeSpread(c));
    spec["topologySpreadConstraints"] = std::move(spread);
  }
  if (!pod.tolerations.empty()) {
    json tolerations = json::array();
    for (const Toleration& t : pod.tolerations) tolerations.push_back(encodeToleration(t));
    spec["tolerations"] = std::move(tolerations);
  }
  if (pod.priority != 0) spec["priority"] = pod.priority;
  if (!pod.schedulerName.empty()) spec["schedulerName"] = pod.schedulerName;
  if (!pod.nodeName.empty()) spec["nodeName"] = pod.nodeName;
  if (pod.localStorage) {
    spec["volumes"] = json::array({{{"name", "local"}, {"hostPath", {{"path", "/var/lib/gantry"}}}}});
  }
  json out{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", encodeMetadata(pod)}, {"spec", std::move(spec)}};
  out["status"] = {{"phase", pod.phase.empty() ? std::string("Pending") : pod.phase}};
  return out;
}

json encodePodList(const std::vector<Pod>& pods) {
  json items = json::array();
  for (const Pod& pod : pods) items.push_back(encodePod(pod));
  return {{"apiVersion", "v1"}, {"kind", "PodList"}, {"items", std::move(items)}};
}

}  // namespace gantry::api
