// The engine's wiring (one of each controller, as src/cmd/controller_command.cpp wires them
// for a cluster) and its loop: settle the present, then jump to the next moment anything is
// due.
#include "provisioner/simulate/simulation_engine.h"

#include <algorithm>

#include "provisioner/nodeclaim/disruption_marks.h"
#include "provisioner/provisioning/interrupted_pods.h"
#include "provisioner/simulate/scheduler_model.h"
#include "provisioner/snapshot/provisionable.h"
#include "src/api/nodeclaim.h"
#include "src/common/logging.h"

namespace gantry::provisioner::simulate {

namespace {
namespace nc = api::nodeclaim;
using gantry::simulate::Trace;

cloudprovider::sim::SimCloudOptions cloudOptions(const gantry::simulate::SimulationSettings& s,
                                                 Clock::TimePoint start,
                                                 const EngineOptions& engine) {
  cloudprovider::sim::SimCloudOptions o;
  o.nodeFixedCostPerHour = engine.nodeFixedCostPerHour;
  o.nodeFixedCostByClass = engine.nodeFixedCostByClass;
  o.seed = s.seed;
  o.cpuLaunchLatency = s.cpuLaunchLatency;
  o.gpuLaunchLatency = s.gpuLaunchLatency;
  o.spotPriceRatio = s.spotPriceRatio;
  o.spotInterruptionsPerHour = s.spotInterruptionsPerHour;
  for (const auto& e : s.capacityErrors) {
    cloudprovider::sim::CapacityWindow w{
        .instanceType = e.instanceType, .zone = e.zone, .from = start + e.from};
    if (e.until) w.until = start + *e.until;
    o.capacityErrors.push_back(std::move(w));
  }
  return o;
}

template <typename T>
std::vector<T> values(const std::vector<std::shared_ptr<const T>>& objects) {
  std::vector<T> out;
  out.reserve(objects.size());
  for (const auto& o : objects) out.push_back(*o);
  return out;
}

template <typename T>
std::vector<T> sortedValues(std::vector<std::shared_ptr<const T>> objects) {
  // Pointers sort cheaper than the objects they point to.
  std::sort(objects.begin(), objects.end(),
            [](const auto& a, const auto& b) { return a->name < b->name; });
  return values(objects);
}

}  // namespace

Result<std::unique_ptr<SimulationEngine>> SimulationEngine::make(const Trace& trace,
                                                                 EngineOptions options) {
  auto clock = std::make_unique<VirtualClock>(options.start);
  auto cloud = cloudprovider::sim::SimCloudProvider::makeBundled(
      cloudOptions(trace.settings, options.start, options), *clock,
      trace.settings.region);
  if (!cloud) return fail(cloud.error());
  return std::unique_ptr<SimulationEngine>(
      new SimulationEngine(trace, options, std::move(clock), std::move(*cloud)));
}

SimulationEngine::SimulationEngine(const Trace& trace, EngineOptions options,
                                   std::unique_ptr<VirtualClock> clock,
                                   cloudprovider::sim::SimCloudProviderPtr cloud)
    : trace_(trace),
      options_(options),
      clock_(std::move(clock)),
      cloud_(std::move(cloud)),
      cluster_(*clock_, this),
      batcher_(*clock_),
      // Claims are created one at a time: concurrent creates would name them in thread order.
      provisioner_(
          withInterruptedPods([this] { return readCluster(); }), batcher_,
          cluster_.provisionerWriter(), *cloud_,
          events_, *clock_,
          ProvisionerOptions{.region = trace.settings.region,
                             .maxParallelCreates = 1,
                             .planner = options.decisions.planner},
          ProvisionerShared{.nominations = &nominations_, .launchBackoff = &launchBackoff_}),
      lifecycle_(
          cluster_.lifecycleReader(), cluster_, *cloud_, events_, *clock_, {},
          nodeclaim::LifecycleShared{.launchBackoff = &launchBackoff_,
                                     .podEvents = &podEvents_,
                                     .onLaunchFailed =
                                         [this](const std::string& claim, bool capacityError) {
                                           provisioner_.launchFailed(claim, capacityError);
                                           if (capacityError) replanNow_ = true;
                                         }}),
      lifecycleQueue_(lifecycle_, *clock_,
                      {.name = "nodeclaim-lifecycle", .resyncPeriod = options.lifecycleResync}),
      disruption_(cluster_.lifecycleReader(), cluster_, events_, *clock_, {}, &nominations_),
      disruptionQueue_(disruption_, *clock_,
                       {.name = "disruption",
                        .initialBackoff = std::chrono::seconds(1),
                        .maxBackoff = std::chrono::minutes(1)}),
      // Garbage collection, every 30 s as in the controller: it deletes the NodeClaim of a
      // reclaimed spot instance, whose termination then drains the dead node.
      gc_(cluster_.lifecycleReader(), cluster_, *cloud_, events_, *clock_),
      gcQueue_(gc_, *clock_,
               {.name = "nodeclaim-gc",
                .initialBackoff = std::chrono::seconds(5),
                .maxBackoff = std::chrono::minutes(5)}),
      kubelet_(
          cluster_, *cloud_, *clock_,
          [this](Clock::TimePoint at, std::function<void()> f) { timeline_.at(at, std::move(f)); },
          trace.settings.devicePluginDelay),
      scheduler_(trace.settings.region),
      workload_(
          trace, cluster_, *clock_,
          [this](Clock::TimePoint at, std::function<void()> f) { timeline_.at(at, std::move(f)); },
          options.start, [this](const std::string& node) { podEvent(node); }),
      interruptions_(cluster_.lifecycleReader(), cluster_, events_,
                     [this](api::CapacityType capacityType, const std::string& type,
                            const std::string& zone, const std::string&) {
                       cloud_->markUnavailable(capacityType, type, zone);
                     }) {
  // Consolidation as the controller wires it (src/cmd/controller_command.cpp), minus what the
  // in-memory cluster has no use for: PodDisruptionBudgets (evictions always succeed here) and
  // metrics. Baselines scale down their own way and leave it out.
  if (options_.decisions.consolidate) {
    disruption_.enableConsolidation({.source = [this] { return readCluster(); },
                                     .catalog = [this] { return cloud_->instanceTypes(); },
                                     .writer = &cluster_.provisionerWriter(),
                                     .evictions = nullptr,
                                     .metrics = nullptr,
                                     .nominations = &nominations_,
                                     .region = trace.settings.region});
  }
}

SimulationEngine::~SimulationEngine() = default;

SimulationOutcome SimulationEngine::run() {
  // Without NodePools in the trace, `gantry plan`'s embedded default. The simulated cloud has
  // no node classes; a claim still needs a nodeClassRef name (the CRD requires one).
  std::vector<api::NodePool> pools = trace_.nodePools;
  if (pools.empty()) pools.push_back(api::NodePool::defaultPool());
  for (api::NodePool& pool : pools) {
    if (pool.nodeClassRef.empty()) pool.nodeClassRef = "default";
    if (options_.decisions.adjustNodePool) options_.decisions.adjustNodePool(pool);
    cluster_.putNodePool(pool);
  }
  workload_.start();
  const auto start = options_.start;
  const auto hardEnd =
      start + trace_.settings.duration.value_or(gantry::simulate::kMaxSimulatedTime);
  std::optional<Clock::TimePoint> doneAt;
  Clock::TimePoint end = hardEnd;
  while (true) {
    const auto now = clock_->now();
    if (timeline_.runDue(now) > 0) schedulerDirty_ = true;
    noticeInterruptions();
    reclaimInstances();
    settle();
    if (!trace_.settings.duration && !doneAt && workload_.done()) {
      doneAt = now;
      end = std::min(hardEnd, now + std::chrono::hours(1));
    }
    if (options_.progress) {
      std::optional<Clock::Duration> length;
      if (trace_.settings.duration || doneAt) length = end - start;
      options_.progress(options_.runName, now - start, length);
    }
    auto next = nextWake();
    if (!next || *next >= end) break;
    // A controller asking to run again at this very moment after settle() gave up on it must
    // not stall the clock.
    clock_->advanceTo(std::max(*next, now + std::chrono::milliseconds(1)));
    ++wakes_;
  }
  clock_->advanceTo(end);
  return outcome(end);
}

void SimulationEngine::settle() {
  for (size_t round = 0; round < options_.maxRoundsPerMoment; ++round) {
    // Events queued for this very moment (a pod whose images are already on its node starts
    // as it is bound) run now, not a tick later.
    size_t work = timeline_.runDue(clock_->now());
    if (work > 0) schedulerDirty_ = true;
    work += kubelet_.sync();
    if (schedulerDirty_) {
      schedulerDirty_ = false;
      work += schedule();
    }
    auto batch = batcher_.poll();
    // As Provisioner::run: a batch, a re-plan request, or a retry the last pass asked for.
    const bool retryDue = provisioner_.takeDueRetry(clock_->now());
    if (batch || replanNow_ || retryDue) {
      replanNow_ = false;
      ++work;
      ClusterObjects objects = readCluster();
      const bool launched = !objects.pending.empty() &&
                            provisioner_.provision(std::move(objects)).claimsCreated > 0;
      if (launched && options_.decisions.scaleDownDelayAfterAdd > Clock::Duration::zero()) {
        scaleDownHeldUntil_ = clock_->now() + options_.decisions.scaleDownDelayAfterAdd;
      }
    }
    work += lifecycleQueue_.step();
    work += gcQueue_.step();
    if (!scaleDownHeldUntil_ || clock_->now() >= *scaleDownHeldUntil_) {
      work += disruptionQueue_.step();
    }
    if (work == 0) return;
  }
  ++stalledMoments_;
  componentLogger("simulate")
      ->warn("controllers still busy after {} rounds at one moment; moving on",
             options_.maxRoundsPerMoment);
}

size_t SimulationEngine::schedule() {
  auto pass = scheduler_.schedulePending(cluster_.reader());
  if (!pass) return 0;
  size_t changes = 0;
  for (const Binding& b : pass->bound) {
    auto pod = cluster_.reader().pod(b.pod);
    if (pod == nullptr) continue;
    api::Pod bound = *pod;
    bound.nodeName = b.node;
    bound.unschedulable = false;
    bound.nominatedNodeName.clear();
    cluster_.putPod(std::move(bound));
    workload_.bound(b.pod, b.node);
    ++changes;
  }
  for (const std::string& key : pass->unschedulable) {
    auto pod = cluster_.reader().pod(key);
    if (pod == nullptr || pod->unschedulable) continue;
    // PodScheduled=False, Unschedulable: the update the pending-pod watcher turns into a
    // batcher trigger.
    api::Pod marked = *pod;
    marked.unschedulable = true;
    cluster_.putPod(std::move(marked));
    batcher_.trigger(key);
    ++changes;
  }
  return changes;
}

// cacheSource() over the in-memory cluster, every list sorted so that the pass sees the
// cluster in one order on every run.
ClusterObjects SimulationEngine::readCluster() const {
  const InMemoryCluster& reader = cluster_.reader();
  ClusterObjects objects;
  auto nodeExists = [&reader](std::string_view name) {
    return reader.node(std::string(name)) != nullptr;
  };
  for (const auto& pod : reader.podsNotFinished()) {
    if (pod->nodeName.empty()) {
      if (isProvisionable(*pod, nodeExists)) objects.pending.push_back(*pod);
    } else if (!pod->finished()) {
      objects.bound.push_back(pod);
    }
  }
  auto byKey = [](const api::Pod& a, const api::Pod& b) { return keyLess(a, b); };
  std::sort(objects.pending.begin(), objects.pending.end(), byKey);
  std::sort(objects.bound.begin(), objects.bound.end(),
            [](const auto& a, const auto& b) { return keyLess(*a, *b); });
  objects.nodes = reader.nodesByName();
  objects.nodePools = sortedValues(reader.nodePools());
  objects.nodeClaims = reader.nodeClaimsByName();
  objects.daemonSets = trace_.daemonSets;
  return objects;
}

std::optional<Clock::TimePoint> SimulationEngine::nextWake() const {
  std::optional<Clock::TimePoint> next;
  auto consider = [&next](std::optional<Clock::TimePoint> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  consider(timeline_.nextTime());
  consider(cloud_->nextEventAfter(clock_->now()));
  consider(lifecycleQueue_.nextWake());
  consider(gcQueue_.nextWake());
  auto disruptionWake = disruptionQueue_.nextWake();
  if (disruptionWake && scaleDownHeldUntil_) {
    disruptionWake = std::max(*disruptionWake, *scaleDownHeldUntil_);
  }
  consider(disruptionWake);
  consider(batcher_.deadline());
  consider(provisioner_.retryAt());
  return next;
}

// The lifecycle's pod handlers: a pod bound to or left a node starts its idle clock again.
void SimulationEngine::podEvent(const std::string& node) {
  const auto now = clock_->now();
  podEvents_.record(node, now);
  if (auto n = cluster_.reader().node(node)) {
    auto claim = cluster_.reader().nodeClaimByProviderId(n->providerId);
    if (claim && nodeclaim::podEventChangesMarks(*claim, now)) lifecycleQueue_.enqueue(claim->name);
  }
  schedulerDirty_ = true;
}

void SimulationEngine::enqueueForNode(const api::Node& node) {
  if (auto claim = cluster_.reader().nodeClaimByProviderId(node.providerId)) {
    lifecycleQueue_.enqueue(claim->name);
  }
}

void SimulationEngine::claimChanged(const api::NodeClaim* before, const api::NodeClaim* after) {
  if (after == nullptr) {
    provisioner_.claimDeleted(before->name);
    // PendingPodWatcher's NodeClaim-deleted handler: pods a pass left to that claim (a failed
    // launch, a node that never registered) need capacity again, and nothing else about them
    // changes to say so.
    const InMemoryCluster& reader = cluster_.reader();
    auto nodeExists = [&reader](std::string_view n) {
      return reader.node(std::string(n)) != nullptr;
    };
    for (const auto& pod : reader.pendingPods()) {
      if (isProvisionable(*pod, nodeExists)) batcher_.trigger(pod->key());
    }
    return;
  }
  lifecycleQueue_.enqueue(after->name);
  if (after->deleting() && (before == nullptr || !before->deleting())) {
    countDisruption(*after);
    // triggerOnInterruption: the pods of an interrupted node are planned at once.
    if (interrupted(*after)) batcher_.trigger("nodeclaim/" + after->name);
  }
  if (before && before->isTrue(nc::kConsolidatable) != after->isTrue(nc::kConsolidatable)) {
    disruptionQueue_.enqueue(disruption::DisruptionReconciler::kKey);
  }
  if (after->providerId.empty()) return;
  InstanceFacts& facts = instances_[after->providerId];
  facts.nodeClaim = after->name;
  facts.nodePool = after->nodePool();
  if (!facts.readyAt && after->isTrue(nc::kReady)) facts.readyAt = clock_->now();
}

void SimulationEngine::nodeChanged(const api::Node* before, const api::Node* after) {
  const api::Node& node = after ? *after : *before;
  enqueueForNode(node);
  if (after == nullptr) podEvents_.forget(node.name);
  if (!node.providerId.empty()) instances_[node.providerId].node = node.name;
  schedulerDirty_ = true;
}

void SimulationEngine::podRemoved(const api::Pod& pod) {
  workload_.removed(pod);
  schedulerDirty_ = true;
}

SimulationOutcome SimulationEngine::outcome(Clock::TimePoint end) const {
  SimulationOutcome out;
  out.start = options_.start;
  out.end = end;
  out.pods = workload_.pods();
  out.events = events_.count();
  out.wakes = wakes_;
  out.sleeps = clock_->sleeps();
  out.stalledMoments = stalledMoments_;
  out.disruptions = disruptions_;
  for (const char* reason : {"InsufficientCapacity", "LaunchFailed", "RegistrationFailed"}) {
    if (size_t n = events_.count(reason)) out.launchFailures[reason] = n;
  }
  auto catalog = cloud_->instanceTypes();
  for (const auto& cost : cloud_->costs(end)) {
    NodeRecord node;
    if (auto it = instances_.find(cost.providerId); it != instances_.end()) {
      node.name = it->second.node;
      node.nodePool = it->second.nodePool;
      node.readyAt = it->second.readyAt;
    }
    node.nodeClaim = cost.nodeClaimName;
    node.instanceType = cost.instanceType;
    node.capacityType = std::string(api::capacityTypeName(cost.capacityType));
    node.zone = cost.zone;
    node.pricePerHour = cost.pricePerHour;
    node.fixedCostPerHour = cost.fixedCostPerHour;
    node.launchedAt = cost.launchedAt;
    if (cost.endedAt < end) node.terminatedAt = cost.endedAt;
    node.cost = cost.cost;
    if (catalog) {
      for (const auto& type : **catalog) {
        if (type.name == cost.instanceType) node.gpus = type.capacity.get("nvidia.com/gpu").value();
      }
    }
    out.nodes.push_back(std::move(node));
  }
  return out;
}

}  // namespace gantry::provisioner::simulate
