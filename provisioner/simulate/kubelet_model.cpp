// A Node as a kubelet registers it, and the late arrivals on it (GPUs, startup taints gone).
#include "provisioner/simulate/kubelet_model.h"

#include <algorithm>

#include "provisioner/nodeclaim/node_adoption.h"
#include "src/api/condition.h"
#include "src/api/well_known_labels.h"

namespace gantry::provisioner::simulate {

namespace {
using json = nlohmann::json;

// Extended resources a device plugin reports some time after the kubelet is Ready.
bool reportedLate(const std::string& resource) {
  return resource == "nvidia.com/gpu" || resource == "amd.com/gpu" ||
         resource.starts_with("aws.amazon.com/neuron");
}

json taintJson(const api::Taint& t) {
  json taint{{"key", t.key}, {"effect", std::string(api::taintEffectName(t.effect))}};
  if (!t.value.empty()) taint["value"] = t.value;
  return taint;
}

json resourcesJson(const api::ResourceList& list) {
  json out = json::object();
  for (const auto& [name, q] : list.entries()) out[name] = q.toString();
  return out;
}

const api::InstanceType* findType(const api::InstanceTypes& catalog, const std::string& name) {
  auto it = std::find_if(catalog.begin(), catalog.end(),
                         [&](const api::InstanceType& t) { return t.name == name; });
  return it == catalog.end() ? nullptr : &*it;
}

}  // namespace

KubeletModel::KubeletModel(SimCluster& cluster, cloudprovider::sim::SimCloudProvider& cloud,
                           Clock& clock, Schedule schedule, Clock::Duration devicePluginDelay)
    : cluster_(cluster),
      cloud_(cloud),
      clock_(clock),
      schedule_(std::move(schedule)),
      devicePluginDelay_(devicePluginDelay) {}

std::string KubeletModel::nodeNameFor(const cloudprovider::CloudInstance& instance) {
  return instance.instanceId;
}

size_t KubeletModel::sync() {
  const auto now = clock_.now();
  if (listedAt_) {
    // Anything turning running at or after the last look (a zero-latency launch runs at once).
    auto next = cloud_.nextEventAfter(*listedAt_ - std::chrono::nanoseconds(1));
    if (!next || *next > now) return 0;
  }
  listedAt_ = now;
  auto instances = cloud_.list();
  if (!instances) return 0;
  size_t registered = 0;
  for (const auto& instance : *instances) {
    if (instance.state != "running" || registered_.contains(instance.providerId)) continue;
    registered_.insert(instance.providerId);
    registerNode(instance);
    ++registered;
  }
  return registered;
}

void KubeletModel::registerNode(const cloudprovider::CloudInstance& instance) {
  const std::string name = nodeNameFor(instance);
  auto claim = cluster_.reader().nodeClaim(instance.nodeClaimName);
  auto catalog = cloud_.instanceTypes();
  const api::InstanceType* type = catalog ? findType(**catalog, instance.instanceType) : nullptr;

  api::Labels labels;
  if (type) {
    api::Offering offering;
    offering.zone = instance.zone;
    offering.capacityType = instance.capacityType;
    labels = type->labelsFor(offering);
  }
  if (claim) {
    for (const auto& [k, v] : claim->labels) labels[k] = v;
  }
  labels[std::string(api::label::kHostname)] = name;

  json taints = json::array();
  taints.push_back(
      {{"key", std::string(nodeclaim::kUnregisteredTaintKey)}, {"effect", "NoExecute"}});
  std::vector<api::Taint> startupTaints;
  if (claim) {
    for (const auto& t : claim->taints) taints.push_back(taintJson(t));
    for (const auto& t : claim->startupTaints) taints.push_back(taintJson(t));
    startupTaints = claim->startupTaints;
  }

  // Allocatable as the kubelet reports it at first: everything but the device plugins' part.
  api::ResourceList allocatable = type ? type->allocatable() : instance.capacity;
  api::ResourceList late;
  for (const auto& [resource, q] : allocatable.entries()) {
    if (reportedLate(resource)) late.set(resource, q);
  }
  api::ResourceList early = allocatable;
  for (const auto& [resource, q] : late.entries()) early.set(resource, api::Quantity::fromValue(0));

  json node{{"apiVersion", "v1"},
            {"kind", "Node"},
            {"metadata", {{"name", name}, {"labels", labels}}},
            {"spec", {{"providerID", instance.providerId}, {"taints", taints}}},
            {"status",
             {{"capacity", resourcesJson(type ? type->capacity : instance.capacity)},
              {"allocatable", resourcesJson(early)},
              {"conditions",
               json::array({{{"type", "Ready"},
                             {"status", "True"},
                             {"lastTransitionTime", api::formatTimestamp(clock_.now())}}})}}}};
  if (!cluster_.registerNode(std::move(node)).isOk()) return;
  if (late.empty() && startupTaints.empty()) return;
  // CPU nodes with startup taints: their owners are not modelled, so they finish at once.
  const auto at = late.empty() ? clock_.now() : clock_.now() + devicePluginDelay_;
  schedule_(at, [this, name, late, startupTaints] { finishStartup(name, late, startupTaints); });
}

void KubeletModel::instanceGone(const std::string& node) {
  (void)cluster_.editNode(node, [&](json& object) {
    object["status"]["conditions"] =
        json::array({{{"type", "Ready"},
                      {"status", "Unknown"},
                      {"reason", "NodeStatusUnknown"},
                      {"message", "Kubelet stopped posting node status."},
                      {"lastTransitionTime", api::formatTimestamp(clock_.now())}}});
  });
}

void KubeletModel::finishStartup(const std::string& node, const api::ResourceList& lateResources,
                                 const std::vector<api::Taint>& startupTaints) {
  (void)cluster_.editNode(node, [&](json& object) {
    json& allocatable = object["status"]["allocatable"];
    for (const auto& [resource, q] : lateResources.entries()) allocatable[resource] = q.toString();
    json kept = json::array();
    for (const auto& t : object["spec"].value("taints", json::array())) {
      const bool startup =
          std::any_of(startupTaints.begin(), startupTaints.end(), [&](const api::Taint& s) {
            return t.value("key", "") == s.key &&
                   t.value("effect", "") == api::taintEffectName(s.effect);
          });
      if (!startup) kept.push_back(t);
    }
    object["spec"]["taints"] = kept;
  });
}

}  // namespace gantry::provisioner::simulate
