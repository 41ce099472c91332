// Runs, pods and their times. Each arrival draws its run lengths from a stream of its own
// (SeededRandom::derive(seed, arrival index)), so adding an object to a trace does not change
// the draws of the others.
#include "provisioner/simulate/workload_model.h"

#include <algorithm>

namespace gantry::provisioner::simulate {

namespace {
const std::string kGpu = "nvidia.com/gpu";
}  // namespace

WorkloadModel::WorkloadModel(const gantry::simulate::Trace& trace, SimCluster& cluster,
                             Clock& clock, Schedule schedule, Clock::TimePoint start,
                             PodEventHook podEvent)
    : trace_(trace),
      cluster_(cluster),
      clock_(clock),
      schedule_(std::move(schedule)),
      start_(start),
      podEvent_(std::move(podEvent)) {
  arrivals_.reserve(trace.arrivals.size());
  for (size_t i = 0; i < trace.arrivals.size(); ++i) {
    arrivals_.push_back(
        ArrivalState{.random = SeededRandom(SeededRandom::derive(trace.settings.seed, i))});
  }
}

void WorkloadModel::start() {
  for (size_t i = 0; i < trace_.arrivals.size(); ++i) {
    const auto& arrival = trace_.arrivals[i];
    schedule_(start_ + arrival.at, [this, i] { arrive(i); });
    if (arrival.deleteAt) schedule_(start_ + *arrival.deleteAt, [this, i] { stop(i); });
  }
}

void WorkloadModel::arrive(size_t a) {
  const auto& arrival = trace_.arrivals[a];
  ArrivalState& state = arrivals_[a];
  if (state.stopped) return;
  state.arrived = true;
  if (arrival.replacesPods) {
    // The object lives for its run-for; its pods run for all of it.
    if (auto life = arrival.runFor.sample(state.random)) {
      schedule_(clock_.now() + *life, [this, a] { stop(a); });
    }
    startRun(a, 0);
    state.nextReplica = static_cast<int64_t>(arrival.pods.size());
    for (const auto& step : arrival.replicasAt) {
      const int64_t replicas = step.replicas;
      schedule_(std::max(clock_.now(), start_ + step.at),
                [this, a, replicas] { scaleTo(a, replicas); });
    }
    return;
  }
  int64_t runs = arrival.concurrentRuns;
  if (arrival.totalRuns) runs = std::min(runs, *arrival.totalRuns);
  for (int64_t slot = 0; slot < runs; ++slot) startRun(a, slot);
}

void WorkloadModel::startRun(size_t a, int64_t slot) {
  const auto& arrival = trace_.arrivals[a];
  ArrivalState& state = arrivals_[a];
  const int64_t number = state.started++;
  const size_t runIndex = runs_.size();
  runs_.push_back(RunState{.arrival = a, .slot = slot});
  state.runs.push_back(runIndex);
  if (!arrival.replacesPods) runs_[runIndex].runFor = arrival.runFor.sample(state.random);
  const size_t first = arrival.replacesPods ? 0 : static_cast<size_t>(slot * arrival.podsPerRun);
  const size_t last =
      arrival.replacesPods
          ? arrival.pods.size()
          : std::min(arrival.pods.size(), first + static_cast<size_t>(arrival.podsPerRun));
  for (size_t p = first; p < last; ++p) {
    api::Pod pod = arrival.pods[p];
    // The first runs keep the expanded names; later ones are told apart by their number.
    if (number >= arrival.concurrentRuns && !arrival.replacesPods) {
      pod.name += "-" + std::to_string(number);
    }
    addPod(runIndex, std::move(pod));
  }
  // A Deployment's run ends only with the object (stop()): scaled to zero, it may scale up.
  if (runs_[runIndex].pods.empty() && !arrival.replacesPods) runEnded(runIndex);
}

size_t WorkloadModel::addPod(size_t runIndex, api::Pod pod) {
  pod.uid = "uid-" + pod.key();
  pod.nodeName.clear();
  pod.nominatedNodeName.clear();
  pod.phase = "Pending";
  pod.unschedulable = false;
  const size_t index = records_.size();
  PodRecord record{
      .key = pod.key(), .gpus = pod.requests.get(kGpu).value(), .createdAt = clock_.now()};
  runs_[runIndex].pods.push_back(index);
  recordByKey_[record.key] = index;
  records_.push_back(std::move(record));
  runOf_.push_back(runIndex);
  over_.push_back(false);
  lost_.push_back(false);
  cluster_.putPod(std::move(pod));
  return index;
}

// The ReplicaSet controller: new pods from the template, and on the way down the newest go
// first (a deterministic stand-in for its ranking of pods to delete).
void WorkloadModel::scaleTo(size_t a, int64_t replicas) {
  ArrivalState& state = arrivals_[a];
  const auto& arrival = trace_.arrivals[a];
  if (state.stopped || state.runs.empty()) return;
  const size_t runIndex = state.runs.front();
  std::vector<size_t> live;
  for (size_t record : runs_[runIndex].pods) {
    if (!over_[record]) live.push_back(record);
  }
  while (static_cast<int64_t>(live.size()) > replicas) {
    podFinished(live.back());
    live.pop_back();
  }
  if (!arrival.replicaTemplate) return;
  std::string base = arrival.replicaTemplate->name;
  if (base.ends_with("-0")) base.resize(base.size() - 2);
  while (static_cast<int64_t>(live.size()) < replicas) {
    api::Pod pod = *arrival.replicaTemplate;
    pod.name = base + "-" + std::to_string(state.nextReplica++);
    live.push_back(addPod(runIndex, std::move(pod)));
  }
}

void WorkloadModel::bound(const std::string& key, const std::string& node) {
  auto it = recordByKey_.find(key);
  if (it == recordByKey_.end()) return;
  const size_t record = it->second;
  records_[record].boundAt = clock_.now();
  records_[record].node = node;
  podEvent_(node);
  auto pod = cluster_.reader().pod(key);
  const auto startAt = imagesReadyAt(node, pod ? pod->images : std::vector<std::string>{});
  schedule_(startAt, [this, record] { podStarted(record); });
}

void WorkloadModel::podStarted(size_t record) {
  if (over_[record] || lost_[record]) return;
  PodRecord& r = records_[record];
  auto pod = cluster_.reader().pod(r.key);
  if (pod == nullptr) return;
  api::Pod running = *pod;
  running.phase = "Running";
  cluster_.putPod(std::move(running));
  r.startedAt = clock_.now();
  RunState& run = runs_[runOf_[record]];
  if (!run.runFor) return;
  // A gang's work (a TFJob's replicas) begins when its last member is up: the others wait at
  // the rendezvous, and they all finish together. Images may differ, so they start apart.
  if (++run.started < run.pods.size()) return;
  scheduleRunEnd(runOf_[record]);
}

void WorkloadModel::scheduleRunEnd(size_t index) {
  RunState& run = runs_[index];
  const uint32_t attempt = run.attempt;
  for (size_t member : run.pods) {
    schedule_(clock_.now() + *run.runFor, [this, index, attempt, member] {
      if (runs_[index].attempt == attempt) podFinished(member);
    });
  }
}

void WorkloadModel::podFinished(size_t record) {
  if (over_[record]) return;
  over_[record] = true;
  PodRecord& r = records_[record];
  recordByKey_.erase(r.key);
  if (r.startedAt) r.finishedAt = clock_.now();
  // A finished pod leaves the cluster at once, as the pod garbage collector (or a Job's
  // ttlSecondsAfterFinished) would remove it later: every reader skips terminal pods anyway,
  // and keeping them would make each podsOn() walk the node's whole history (a third of a
  // 15,000-pod day went there). Succeeded or deleted, its record keeps
  // the times.
  if (cluster_.reader().pod(r.key)) cluster_.removePod(r.key);
  if (r.boundAt) podEvent_(r.node);
  RunState& run = runs_[runOf_[record]];
  const bool lastOfRun = ++run.finished == run.pods.size();
  if (lastOfRun && !trace_.arrivals[run.arrival].replacesPods) runEnded(runOf_[record]);
}

void WorkloadModel::nodeLost(const std::string& node) {
  std::vector<size_t> onNode;
  for (const auto& [key, record] : recordByKey_) {
    if (records_[record].node == node && !lost_[record]) onNode.push_back(record);
  }
  for (size_t record : onNode) {
    lost_[record] = true;
    RunState& run = runs_[runOf_[record]];
    if (records_[record].startedAt && run.started > 0) --run.started;
    ++run.attempt;
  }
}

void WorkloadModel::removed(const api::Pod& pod) {
  auto it = recordByKey_.find(pod.key());
  if (it == recordByKey_.end()) return;
  const size_t record = it->second;
  const RunState& run = runs_[runOf_[record]];
  if (run.ended || arrivals_[run.arrival].stopped) {
    podFinished(record);
    return;
  }
  replace(record, pod);
}

// The Job, TFJob or ReplicaSet controller sees its pod gone before it succeeded and creates
// another from the same template; the work done so far is lost (no checkpoints modelled).
// Replacements of a run's pod are named after the original with "-r<N>" (N counts the run's
// replacements); a ReplicaSet's take the Deployment's next replica number.
void WorkloadModel::replace(size_t record, api::Pod gone) {
  const size_t runIndex = runOf_[record];
  RunState& run = runs_[runIndex];
  ArrivalState& state = arrivals_[run.arrival];
  PodRecord& old = records_[record];
  if (!lost_[record] && old.startedAt) {  // evicted while running: the run is set back
    if (run.started > 0) --run.started;
    ++run.attempt;
  }
  over_[record] = true;
  recordByKey_.erase(old.key);
  if (old.startedAt) old.finishedAt = clock_.now();
  if (old.boundAt) podEvent_(old.node);
  const auto& arrival = trace_.arrivals[run.arrival];
  if (arrival.replacesPods && arrival.replicaTemplate) {
    std::string base = arrival.replicaTemplate->name;
    if (base.ends_with("-0")) base.resize(base.size() - 2);
    gone.name = base + "-" + std::to_string(state.nextReplica++);
  } else {
    const size_t cut = gone.name.rfind("-r");
    if (cut != std::string::npos && cut + 2 < gone.name.size() &&
        gone.name.find_first_not_of("0123456789", cut + 2) == std::string::npos) {
      gone.name.resize(cut);
    }
    gone.name += "-r" + std::to_string(++run.replaced);
  }
  addPod(runIndex, std::move(gone));
  std::vector<size_t>& members = runs_[runIndex].pods;
  members.erase(std::find(members.begin(), members.end(), record));
}

void WorkloadModel::runEnded(size_t index) {
  RunState& run = runs_[index];
  if (run.ended) return;
  run.ended = true;
  const size_t a = run.arrival;
  const int64_t slot = run.slot;
  if (!arrivals_[a].stopped && moreRuns(arrivals_[a], trace_.arrivals[a])) startRun(a, slot);
}

void WorkloadModel::stop(size_t a) {
  ArrivalState& state = arrivals_[a];
  if (state.stopped) return;
  state.stopped = true;
  state.arrived = true;  // deleted before it arrived: it never will
  for (size_t run : std::vector<size_t>(state.runs)) {
    for (size_t record : std::vector<size_t>(runs_[run].pods)) podFinished(record);
    runs_[run].ended = true;
  }
}

bool WorkloadModel::moreRuns(const ArrivalState& state,
                             const gantry::simulate::Arrival& arrival) const {
  if (arrival.replacesPods) return false;
  return !arrival.totalRuns || state.started < *arrival.totalRuns;
}

// An arrival that is done stays done (nothing starts a run of an arrival whose runs have all
// ended and that has no more to run), so the scan resumes where it stopped: the engine asks
// at every moment, and a day of 100,000 pods has about as many runs.
bool WorkloadModel::done() const {
  for (; doneArrivals_ < arrivals_.size(); ++doneArrivals_) {
    const ArrivalState& state = arrivals_[doneArrivals_];
    if (!state.arrived) return false;
    for (size_t run : state.runs) {
      if (!runs_[run].ended) return false;
    }
    if (!state.stopped && moreRuns(state, trace_.arrivals[doneArrivals_])) return false;
  }
  return true;
}

// The kubelet's image manager with its defaults (pull policy IfNotPresent for tagged images,
// serializeImagePulls: true): an image already on the node costs nothing, one being pulled
// is ready when that pull is, and a new pull waits for the node's pulls before it. A pod
// without images (a hand-written test trace) still waits the default pull.
Clock::TimePoint WorkloadModel::imagesReadyAt(const std::string& node,
                                              const std::vector<std::string>& images) {
  const auto now = clock_.now();
  if (images.empty()) return now + trace_.settings.imagePull;
  NodeImages& cache = nodeImages_[node];
  Clock::TimePoint ready = now;
  for (const std::string& image : images) {
    auto [it, added] = cache.readyAt.try_emplace(image);
    if (added) {
      auto byImage = trace_.settings.imagePullByImage.find(image);
      const auto pull = byImage != trace_.settings.imagePullByImage.end()
                            ? byImage->second
                            : trace_.settings.imagePull;
      cache.pullsDoneAt = std::max(cache.pullsDoneAt, now) + pull;
      it->second = cache.pullsDoneAt;
    }
    ready = std::max(ready, it->second);
  }
  return ready;
}

}  // namespace gantry::provisioner::simulate
