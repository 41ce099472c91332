// The engine of `gantry simulate` (issue 14): the controller's own provisioner, NodeClaim
// lifecycle (launch, registration, initialization, disruption marks, termination) and
// disruption (emptiness) run single-threaded on a virtual clock against the in-memory cluster
// (sim_cluster.h), the simulated cloud, and models of the scheduler, the kubelets and the
// workload controllers. The clock never polls: it jumps to the earliest of the next queued
// event (arrival, pull done, run-for over, device plugin), the cloud's next instance change,
// the controllers' next due key (QueueController::nextWake) and the batcher's window close;
// at each such moment every controller is stepped until nothing more happens.
//
// Deterministic: the trace and its seed decide every draw, every name and the order of
// everything that happens at one moment, so two runs produce identical outcomes.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "binpack/snapshot.h"
#include "cloudprovider/sim/sim_cloud_provider.h"
#include "provisioner/disruption/disruption_controller.h"
#include "provisioner/interruption/interruption_handler.h"
#include "provisioner/nodeclaim/garbage_collector.h"
#include "provisioner/nodeclaim/lifecycle_reconciler.h"
#include "provisioner/provisioning/batcher.h"
#include "provisioner/provisioning/provisioner.h"
#include "provisioner/runtime/queue_controller.h"
#include "provisioner/simulate/counting_event_recorder.h"
#include "provisioner/simulate/decision_policy.h"
#include "provisioner/simulate/event_queue.h"
#include "provisioner/simulate/kubelet_model.h"
#include "provisioner/simulate/scheduler_model.h"
#include "provisioner/simulate/sim_cluster.h"
#include "provisioner/simulate/simulation_outcome.h"
#include "provisioner/simulate/virtual_clock.h"
#include "provisioner/simulate/workload_model.h"
#include "provisioner/state/launch_backoff.h"
#include "provisioner/state/nominations.h"
#include "provisioner/state/pod_events.h"
#include "src/simulate/trace.h"

namespace gantry::provisioner::simulate {

struct EngineOptions {
  // Time zero of the trace on the virtual clock (any fixed moment; reports count from it).
  Clock::TimePoint start = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};
  // Passes over the controllers at one moment before the engine moves on regardless (a
  // controller that keeps finding work at one instant is a bug; this keeps it from hanging).
  size_t maxRoundsPerMoment = 1000;
  // How often the lifecycle re-reconciles every claim. The controller's 5 s resync is there to
  // repair missed informer events, which the engine never misses (every time-based step
  // requeues itself), and it was 80% of a day's simulation. Results are the same at 5 min and
  // at 30 min (every example and test, byte for byte); at 30 min the resync was still 6% of a
  // 10,000-pod day. Kept rather than turned off, as a net under a requeue some step forgets.
  Clock::Duration lifecycleResync = std::chrono::minutes(30);
  // What every node costs per hour besides its instance (volumes, addresses): charged per
  // node-hour by the simulated cloud and seen by the solver. By node class name, else
  // nodeFixedCostPerHour. The wiring prices the trace's EC2NodeClasses and the default class
  // with the real provider's table; 0 leaves costs as instance prices alone.
  double nodeFixedCostPerHour = 0;
  std::map<std::string, double, std::less<>> nodeFixedCostByClass{};
  // Whose decisions to play: Gantry's by default, a baseline's for --compare.
  DecisionPolicy decisions{};
  // Called after each moment is settled, with the run's name ("gantry" or a baseline's), the
  // virtual time played so far and the run's length when it is known (a fixed duration, or
  // once every pod is done). For a progress display; it must not touch the engine.
  std::string runName = "gantry";
  std::function<void(std::string_view run, Clock::Duration played,
                     std::optional<Clock::Duration> length)>
      progress{};
};

class SimulationEngine final : private ClusterObserver {
 public:
  // The simulated cloud from the trace's settings (region catalog, latencies, capacity
  // windows, spot prices and interruptions). Errors: kInvalid for settings the cloud refuses.
  // REQUIRES: `trace` has no errors and outlives the engine.
  static Result<std::unique_ptr<SimulationEngine>> make(const gantry::simulate::Trace& trace,
                                                        EngineOptions options = {});
  ~SimulationEngine() override;

  // Plays the whole trace: until Simulation.duration, or by default until every pod is done
  // plus 1 h (at most 7 days). Call once.
  SimulationOutcome run();

 private:
  struct InstanceFacts {  // what the cloud's bill does not say about an instance
    std::string node;
    std::string nodeClaim;
    std::string nodePool;
    std::optional<Clock::TimePoint> readyAt;
  };

  SimulationEngine(const gantry::simulate::Trace& trace, EngineOptions options,
                   std::unique_ptr<VirtualClock> clock,
                   cloudprovider::sim::SimCloudProviderPtr cloud);

  // Steps every model and controller at the current moment until none has anything to do.
  void settle();
  // One scheduler pass: binds what fits, marks the rest Unschedulable. Returns the changes.
  size_t schedule();
  ClusterObjects readCluster() const;
  std::optional<Clock::TimePoint> nextWake() const;
  void podEvent(const std::string& node);
  // Spot instances the cloud reclaimed since the last look: their kubelets die with them.
  void reclaimInstances();
  // Reclaim notices given since the last look, handed to the interruption controller's
  // handler as the SQS consumer would hand it the queue's messages.
  void noticeInterruptions();
  // A claim's deletion began: why, by its disruption-reason annotation or a reclaim.
  void countDisruption(const api::NodeClaim& claim);
  void enqueueForNode(const api::Node& node);
  SimulationOutcome outcome(Clock::TimePoint end) const;

  // ClusterObserver: the informer handlers of the controller's wiring.
  void claimChanged(const api::NodeClaim* before, const api::NodeClaim* after) override;
  void nodeChanged(const api::Node* before, const api::Node* after) override;
  void podRemoved(const api::Pod& pod) override;

  const gantry::simulate::Trace& trace_;
  const EngineOptions options_;
  std::unique_ptr<VirtualClock> clock_;
  cloudprovider::sim::SimCloudProviderPtr cloud_;
  CountingEventRecorder events_;
  SimCluster cluster_;
  state::LaunchBackoff launchBackoff_;
  state::Nominations nominations_;
  state::PodEvents podEvents_;
  Batcher batcher_;
  Provisioner provisioner_;
  nodeclaim::LifecycleReconciler lifecycle_;
  runtime::QueueController lifecycleQueue_;
  disruption::DisruptionReconciler disruption_;
  runtime::QueueController disruptionQueue_;
  nodeclaim::GarbageCollector gc_;
  runtime::QueueController gcQueue_;
  EventQueue timeline_;
  KubeletModel kubelet_;
  SchedulerModel scheduler_;
  WorkloadModel workload_;
  interruption::InterruptionHandler interruptions_;

  bool schedulerDirty_ = true;
  bool replanNow_ = false;  // a launch failed on capacity: plan its pods again at once
  // DecisionPolicy::scaleDownDelayAfterAdd: disruption waits until then.
  std::optional<Clock::TimePoint> scaleDownHeldUntil_;
  size_t wakes_ = 0;
  size_t stalledMoments_ = 0;
  std::map<std::string, InstanceFacts> instances_;  // by providerID
  size_t reclaimsSeen_ = 0;                         // of cloud_->interruptedBy(now)
  size_t noticesSeen_ = 0;                          // of cloud_->noticedBy(now)
  std::set<std::string> reclaimed_;                 // providerIDs of reclaimed instances
  std::map<std::string, size_t> disruptions_;       // by reason
};

}  // namespace gantry::provisioner::simulate
