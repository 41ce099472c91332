// The workload side of `gantry simulate`: the Job, Katib and Deployment controllers and the
// containers themselves, played from the trace's arrivals. An arrival starts its runs
// (concurrentRuns at a time, podsPerRun pods each); a bound pod starts once its images are on the node
// and, when the run has a run-for, succeeds that long after it started; when every pod of a
// run has finished, the next run starts, until totalRuns have run. A Deployment-like object
// (replacesPods) keeps its pods until its run-for (the object's life) or delete-at, scaling
// them by its replicas-at steps (times from the start of the simulation).
// Every time and name is a function of the trace and its seed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "provisioner/simulate/kubelet_model.h"
#include "provisioner/simulate/sim_cluster.h"
#include "src/common/seeded_random.h"
#include "src/simulate/trace.h"

namespace gantry::provisioner::simulate {

// One pod's life, times absolute (the report turns them into seconds from the start).
struct PodRecord {
  std::string key;     // "ns/name"
  std::string node{};  // where it was bound, "" if never
  int64_t gpus = 0;    // nvidia.com/gpu requested
  Clock::TimePoint createdAt{};
  std::optional<Clock::TimePoint> boundAt{};
  std::optional<Clock::TimePoint> startedAt{};
  std::optional<Clock::TimePoint> finishedAt{};  // succeeded, or deleted while running
};

class WorkloadModel {
 public:
  // Called when a pod came to or left a node (bound, finished, removed): the host records the
  // pod event and wakes the node's claim, as the lifecycle's pod handlers do.
  using PodEventHook = std::function<void(const std::string& node)>;

  // REQUIRES: trace, cluster and clock outlive the model. `start` is time zero of the trace.
  WorkloadModel(const gantry::simulate::Trace& trace, SimCluster& cluster, Clock& clock,
                Schedule schedule, Clock::TimePoint start, PodEventHook podEvent);

  // Queues every arrival (and delete-at) at its time.
  void start();
  // The scheduler bound `pod` to `node` (the host has written the binding).
  void bound(const std::string& pod, const std::string& node);
  // The node's instance is gone (a spot reclaim): its kubelet is dead, so the pods bound
  // there stop making progress (a gang's run waits for a replacement of the lost member) but
  // stay in the API until the node is drained or deleted, as in a cluster.
  void nodeLost(const std::string& node);
  // Someone else removed the pod (an eviction by a drain): its owner creates a replacement,
  // which starts the pod's work over (a gang's whole run restarts). A pod of a stopped object
  // is simply over.
  void removed(const api::Pod& pod);

  // Every run has run and every pod has finished; nothing more will arrive.
  bool done() const;
  const std::vector<PodRecord>& pods() const { return records_; }

 private:
  struct RunState {
    size_t arrival = 0;
    int64_t slot = 0;                         // which of the arrival's concurrent runs
    std::vector<size_t> pods{};               // into records_
    std::optional<Clock::Duration> runFor{};  // nullopt: until deleted or the end
    size_t started = 0;  // pods of the run that have started
    size_t finished = 0;
    uint32_t attempt = 0;  // bumped when a member is lost: finishes queued before are void
    size_t replaced = 0;   // replacement pods created (they are named after their number)
    bool ended = false;
  };
  struct ArrivalState {
    SeededRandom random;
    int64_t started = 0;
    bool arrived = false;
    bool stopped = false;  // deleted, or a Deployment's life is over
    std::vector<size_t> runs{};
    int64_t nextReplica = 0;  // the number of a Deployment's next new pod
  };

  void arrive(size_t arrival);
  void startRun(size_t arrival, int64_t slot);
  // Creates one pod of run `run` (pending, unjudged) and its record; returns the record.
  size_t addPod(size_t run, api::Pod pod);
  // A Deployment's replicas-at step.
  void scaleTo(size_t arrival, int64_t replicas);
  void podStarted(size_t record);
  void podFinished(size_t record);
  // The run's members finish together runFor from now, unless the run is set back first.
  void scheduleRunEnd(size_t run);
  // The owner's replacement for `gone`, the pod of `record`, removed before it finished.
  void replace(size_t record, api::Pod gone);
  void runEnded(size_t run);
  // Ends every pod of the arrival now (delete-at, or a Deployment's run-for over).
  void stop(size_t arrival);
  bool moreRuns(const ArrivalState& state, const gantry::simulate::Arrival& arrival) const;
  // When every image of a pod bound to `node` now is on the node (pulls started as needed).
  Clock::TimePoint imagesReadyAt(const std::string& node, const std::vector<std::string>& images);

  const gantry::simulate::Trace& trace_;
  SimCluster& cluster_;
  Clock& clock_;
  Schedule schedule_;
  const Clock::TimePoint start_;
  PodEventHook podEvent_;
  std::vector<ArrivalState> arrivals_;
  std::vector<RunState> runs_;
  std::vector<PodRecord> records_;
  std::vector<size_t> runOf_;                  // record -> run
  std::vector<bool> over_;                     // record -> finished or removed unstarted
  std::vector<bool> lost_;                     // record -> its node died under it
  std::map<std::string, size_t> recordByKey_;  // live pods only
  struct NodeImages {
    std::map<std::string, Clock::TimePoint> readyAt;  // image -> on the node from then on
    Clock::TimePoint pullsDoneAt{};                   // the node's last queued pull ends
  };
  std::map<std::string, NodeImages> nodeImages_;  // by node name
  mutable size_t doneArrivals_ = 0;  // arrivals [0, this) are done (done()'s cursor)
};

}  // namespace gantry::provisioner::simulate
