// The nodes' side of `gantry simulate`: what the bootstrap script, the kubelet and the GPU
// device plugin do on a real instance. When the simulated cloud reports an instance running,
// its kubelet registers a Node carrying the NodeClaim's labels and taints (as the bootstrap
// passes them with --node-labels and --register-with-taints, plus gantry.dev/unregistered)
// and Ready at once; a GPU node's nvidia.com/gpu (and any startup taint's removal, the job of
// the daemons that own them) comes devicePluginDelay later. The NodeClaim lifecycle then
// adopts and initializes the Node exactly as in a cluster.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "cloudprovider/sim/sim_cloud_provider.h"
#include "provisioner/simulate/sim_cluster.h"
#include "src/common/clock.h"

namespace gantry::provisioner::simulate {

// Schedules `action` at a later virtual time (the engine's event queue).
using Schedule = std::function<void(Clock::TimePoint at, std::function<void()> action)>;

class KubeletModel {
 public:
  // REQUIRES: every reference outlives the model.
  KubeletModel(SimCluster& cluster, cloudprovider::sim::SimCloudProvider& cloud, Clock& clock,
               Schedule schedule, Clock::Duration devicePluginDelay);

  // Registers a Node for every running instance that has none yet. Lists the cloud only when
  // an instance may have turned running since the last look (nextEventAfter), as listing
  // every instance at every moment would dominate a long simulation. Returns how many.
  size_t sync();

  // The instance under `node` is gone: its kubelet stops posting status, and the node
  // lifecycle controller marks the Node's Ready condition Unknown (at once here; the real
  // one waits its 40 s grace period). The scheduler places nothing there from then on.
  void instanceGone(const std::string& node);

  // The Node name an instance registers as (its instance id, as the sim has no VPC addresses).
  static std::string nodeNameFor(const cloudprovider::CloudInstance& instance);

 private:
  void registerNode(const cloudprovider::CloudInstance& instance);
  // The device plugin reporting the node's GPUs; the startup-taint owners finishing.
  void finishStartup(const std::string& node, const api::ResourceList& lateResources,
                     const std::vector<api::Taint>& startupTaints);

  SimCluster& cluster_;
  cloudprovider::sim::SimCloudProvider& cloud_;
  std::optional<Clock::TimePoint> listedAt_;
  Clock& clock_;
  Schedule schedule_;
  const Clock::Duration devicePluginDelay_;
  std::set<std::string> registered_;  // providerIDs that have had a Node
};

}  // namespace gantry::provisioner::simulate
