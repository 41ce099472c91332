// The lifecycle seams for benchmarks: the in-memory cluster that reads like the controller's
// informer cache (provisioner/simulate/in_memory_cluster.h, shared with `gantry simulate`),
// a writer that only records calls, and an EventRecorder that drops events.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "provisioner/nodeclaim/cluster_access.h"
#include "provisioner/simulate/counting_event_recorder.h"
#include "provisioner/simulate/in_memory_cluster.h"
#include "src/api/taints.h"
#include "src/kube/event_recorder.h"

namespace gantry::bench {

namespace nodeclaim = provisioner::nodeclaim;
using InMemoryCluster = provisioner::simulate::InMemoryCluster;
using NoopEventRecorder = provisioner::simulate::CountingEventRecorder;

// Records every write by method name and answers as the apiserver would, without changing the
// reader: the cluster a benchmark passes over stays the same from one iteration to the next.
// getNode builds the raw Node from the reader's slim one (name, resourceVersion, providerID,
// taints, unschedulable: what the disruption fence reads).
class RecordingWriter final : public nodeclaim::LifecycleWriter {
 public:
  explicit RecordingWriter(const nodeclaim::LifecycleReader& reader) : reader_(reader) {}

  // Calls since the last clear(), in order ("patchNode node-12").
  const std::vector<std::string>& calls() const { return calls_; }
  size_t total() const { return total_; }  // since construction
  void clear() { calls_.clear(); }

  Result<nlohmann::json> getNode(const std::string& name) override {
    record("getNode", name);
    auto node = reader_.node(name);
    if (node == nullptr) return fail(Status::notFound("node " + name));
    nlohmann::json taints = nlohmann::json::array();
    for (const auto& t : node->taints) {
      nlohmann::json taint{{"key", t.key}, {"effect", std::string(api::taintEffectName(t.effect))}};
      if (!t.value.empty()) taint["value"] = t.value;
      taints.push_back(std::move(taint));
    }
    return nlohmann::json{
        {"apiVersion", "v1"},
        {"kind", "Node"},
        {"metadata", {{"name", node->name}, {"resourceVersion", "1"}}},
        {"spec",
         {{"providerID", node->providerId}, {"taints", taints}, {"unschedulable", node->unschedulable}}}};
  }
  Status patchNode(const std::string& name, const nlohmann::json&) override {
    return record("patchNode", name);
  }
  Status deleteNode(const std::string& name) override { return record("deleteNode", name); }
  Status patchNodeClaimStatus(const std::string& name, const nlohmann::json&) override {
    return record("patchNodeClaimStatus", name);
  }
  Status patchNodeClaim(const std::string& name, const nlohmann::json&) override {
    return record("patchNodeClaim", name);
  }
  Result<std::string> addNodeClaimLabels(const std::string& name, const api::Labels&,
                                         const std::string&) override {
    record("addNodeClaimLabels", name);
    return std::string("2");
  }
  Status deleteNodeClaim(const std::string& name) override {
    return record("deleteNodeClaim", name);
  }
  Status evictPod(const std::string& ns, const std::string& name) override {
    return record("evictPod", ns + "/" + name);
  }
  Status deletePod(const std::string& ns, const std::string& name) override {
    return record("deletePod", ns + "/" + name);
  }

 private:
  Status record(const char* method, const std::string& name) {
    calls_.push_back(std::string(method) + " " + name);
    ++total_;
    return Status::ok();
  }

  const nodeclaim::LifecycleReader& reader_;
  std::vector<std::string> calls_;
  size_t total_ = 0;
};

}  // namespace gantry::bench
