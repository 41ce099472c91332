// The controller's view of the cluster: informers for Pods and Nodes decoded into the slim
// scheduling model (src/api), with the indexes the controllers query (pods by node, pods by
// phase, unschedulable pods). One place builds them so every host reads the same cache.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "src/api/node.h"
#include "src/api/pod.h"
#include "src/common/clock.h"
#include "src/kube/informer.h"
#include "src/kube/rest_client.h"

namespace gantry::kube {

// Index names on the pod informer.
inline constexpr const char* kPodsByNode = "node";            // spec.nodeName (bound pods)
inline constexpr const char* kPodsByPhase = "phase";          // status.phase
inline constexpr const char* kPodsByCondition = "condition";  // "Unschedulable"

// A Pod as the cache keeps it: the scheduling model minus what no controller reads
// (annotations other than gantry.dev/*, karpenter.sh/* and the mirror-pod marker).
std::expected<api::Pod, std::string> decodeCachedPod(const nlohmann::json& object);
std::expected<api::Node, std::string> decodeCachedNode(const nlohmann::json& object);

using PodInformer = Informer<api::Pod>;
using NodeInformer = Informer<api::Node>;

// Adds the kPodsBy* indexes. REQUIRES: before the informer starts.
void addPodIndexes(PodInformer& informer);

struct ClusterCacheOptions {
  InformerOptions pods{};
  InformerOptions nodes{};
};

// Owns the pod and node informers. Thread-safe like its informers.
class ClusterCache {
 public:
  // REQUIRES: client and clock outlive the cache.
  ClusterCache(RestClient& client, Clock& clock, ClusterCacheOptions options = {});

  PodInformer& pods() { return *pods_; }
  NodeInformer& nodes() { return *nodes_; }

  // Starts both informers (add handlers first).
  void start();
  void stop();
  bool hasSynced() const { return pods_->hasSynced() && nodes_->hasSynced(); }
  bool waitForSync(Clock::Duration timeout);

  // Bound, non-terminal pods on `node`.
  std::vector<ObjectPtr<api::Pod>> podsOn(const std::string& node) const;

 private:
  std::unique_ptr<PodInformer> pods_;
  std::unique_ptr<NodeInformer> nodes_;
};

}  // namespace gantry::kube
