// The EC2NodeClass status controller (Karpenter's nodeclass status controller): asks the
// cloud what each EC2NodeClass resolves to (subnets, security groups, AMIs, instance profile)
// and writes that, with SubnetsReady / SecurityGroupsReady / AMIsReady and the Ready they add
// up to, through the status subresource, so `kubectl get ec2nodeclasses` shows whether a class
// can launch anything and, when not, which selector matched nothing.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "cloudprovider/cloud_provider.h"
#include "provisioner/controller.h"
#include "provisioner/nodeclaim/work_queue.h"
#include "provisioner/nodeclass/nodeclass_access.h"
#include "src/api/ec2_nodeclass.h"
#include "src/common/clock.h"
#include "src/kube/cluster_cache.h"
#include "src/kube/event_recorder.h"
#include "src/kube/rest_client.h"

namespace gantry::provisioner::nodeclass {

// Reason of the Warning Event recorded on an EC2NodeClass that turns not Ready.
inline constexpr std::string_view kNotReadyEventReason = "NodeClassNotReady";

struct StatusControllerOptions {
  // Each class is resolved again this long after its last successful resolution, so a subnet
  // or image that appears or disappears in EC2 shows up in the status.
  Clock::Duration resolvePeriod = std::chrono::minutes(5);
  Clock::Duration tick = std::chrono::milliseconds(200);  // worker idle sleep; bounds latency
  Clock::Duration initialBackoff = std::chrono::seconds(1);  // after a failed resolve or write,
  Clock::Duration maxBackoff = std::chrono::minutes(5);      // doubling per failure
};

// The status `current` should have now, given what the cloud resolved: the resolved lists and
// instance profile; the stored conditions with the resolved part conditions merged in
// (api::setCondition: lastTransitionTime moves only when a status changes) at `now`, each
// with current.generation as observedGeneration; and Ready, True when all three parts are,
// else False with the first failing part's reason and every failing part's message.
// Conditions of other types already stored are kept. Pure.
api::Ec2NodeClassStatus mergeResolvedStatus(const api::Ec2NodeClass& current,
                                            const api::Ec2NodeClassStatus& resolved,
                                            Clock::TimePoint now);

class StatusController final : public Controller {
 public:
  // Over the seams; no informer is hooked (tests call enqueue()/step()). References outlive it.
  StatusController(NodeClassReader& reader, NodeClassStatusWriter& writer,
                   cloudprovider::CloudProvider& cloud, kube::EventRecorder& events, Clock& clock,
                   StatusControllerOptions options = {});

  // The in-cluster wiring: a cache reader, a RestClient writer and the EC2NodeClass informer
  // handlers (a class is resolved as soon as it is added or its spec changes, i.e. its
  // metadata.generation moves). REQUIRES: `cache` was built with gantryResources = true and is
  // not started yet; every reference outlives the controller.
  static std::unique_ptr<StatusController> forCluster(kube::ClusterCache& cache,
                                                      kube::RestClient& client,
                                                      cloudprovider::CloudProvider& cloud,
                                                      kube::EventRecorder& events, Clock& clock,
                                                      StatusControllerOptions options = {});

  std::string_view name() const override { return "nodeclass-status"; }
  // Loops step() + a tick of sleep until `stop`. REQUIRES: the cache has synced.
  void run(std::stop_token stop) override;

  // One pass: on the first call every known class is queued; then every class due is
  // resolved and, when its status changed, written. Not thread-safe with itself (one worker).
  void step();
  // Queues `name` to be resolved now. Thread-safe (informer handlers call it).
  void enqueue(const std::string& name) { queue_.add(name); }

  const nodeclaim::WorkQueue& queue() const { return queue_; }

 private:
  Status reconcile(const std::string& name);
  void reconcileOne(const std::string& name);

  NodeClassReaderPtr ownedReader_;  // forCluster only
  NodeClassStatusWriterPtr ownedWriter_;
  NodeClassReader& reader_;
  NodeClassStatusWriter& writer_;
  cloudprovider::CloudProvider& cloud_;
  kube::EventRecorder& events_;
  Clock& clock_;
  const StatusControllerOptions options_;
  nodeclaim::WorkQueue queue_;
  // Worker thread only.
  bool started_ = false;
  std::map<std::string, int> failures_;  // consecutive failed reconciles per class
};

}  // namespace gantry::provisioner::nodeclass
