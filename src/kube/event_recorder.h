// Kubernetes Events (core/v1) from Gantry's controllers, so `kubectl describe pod` tells a user
// why a node was launched or a pod could not be placed. Recording never blocks or fails the
// caller: events are deduplicated, rate limited per object and sent on a background thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "src/common/clock.h"
#include "src/kube/rest_client.h"

namespace gantry::kube {

// The object an event is about (core/v1 ObjectReference). `ns` is "" for cluster-scoped
// objects (Nodes, NodeClaims); their events go to the "default" namespace, as client-go does.
struct ObjectReference {
  std::string kind{};
  std::string ns{};
  std::string name{};
  std::string uid{};
  std::string apiVersion{};
};

enum class EventType { kNormal, kWarning };

// "Normal" or "Warning".
std::string_view eventTypeName(EventType type);

// The seam controllers record through. Implementations: KubeEventRecorder (below),
// FakeEventRecorder (tests/fakes/fake_event_recorder.h).
class EventRecorder {
 public:
  virtual ~EventRecorder() = default;

  // Records that `reason` (UpperCamelCase, e.g. "Launched") happened to `object`, with a
  // human-readable `message`. Best effort: never blocks on I/O, never fails; an event may be
  // merged with an identical recent one, rate limited or dropped. Thread-safe.
  virtual void record(const ObjectReference& object, EventType type, const std::string& reason,
                      const std::string& message) = 0;
};

using EventRecorderPtr = std::unique_ptr<EventRecorder>;

struct EventRecorderOptions {
  std::string component = "gantry";  // source.component
  std::string reportingController = "gantry.dev/controller";
  std::string reportingInstance{};  // e.g. the pod name; "" leaves it out
  // The same object + type + reason + message again within this window (since its last
  // occurrence) bumps count and lastTimestamp of the Event already sent instead of a new one.
  std::chrono::seconds dedupWindow{600};
  // Per-object token bucket (client-go's spam filter): `burst` events at once, then one more
  // every `refillPeriod`. Repeats merged into an existing Event count too.
  int burst = 25;
  std::chrono::seconds refillPeriod{300};
  // Events waiting to be sent; more are dropped (counted, logged once) rather than blocking.
  std::size_t queueCapacity = 1000;
  // Objects / event keys remembered for dedup and rate limiting (least recently used evicted).
  std::size_t cacheSize = 4096;
};

// Counters, for tests and metrics.
struct EventRecorderStats {
  std::uint64_t created = 0;      // Events POSTed
  std::uint64_t merged = 0;       // repeats PATCHed onto an existing Event
  std::uint64_t rateLimited = 0;  // refused by the per-object bucket
  std::uint64_t dropped = 0;      // queue full, or recorded after stop()
  std::uint64_t failed = 0;       // the API call failed (logged; not retried)
};

// Sends through a RestClient on its own thread. Thread-safe.
class KubeEventRecorder final : public EventRecorder {
 public:
  // REQUIRES: client and clock outlive the recorder. Timestamps and rate-limit refills come
  // from `clock`, read when record() is called.
  KubeEventRecorder(RestClient& client, Clock& clock, EventRecorderOptions options = {});
  // Calls stop().
  ~KubeEventRecorder() override;

  void record(const ObjectReference& object, EventType type, const std::string& reason,
              const std::string& message) override;

  // Waits (wall time) until every event recorded so far has been handled; false on timeout.
  bool flush(std::chrono::milliseconds timeout);

  // Finishes the event being sent, drops the queued rest (counted) and joins the thread.
  // Later record() calls are dropped. Idempotent.
  void stop();

  EventRecorderStats stats() const;

 private:
  struct Pending {
    ObjectReference object;
    EventType type = EventType::kNormal;
    std::string reason;
    std::string message;
    Clock::TimePoint at;
  };
  // What we sent for one dedup key.
  struct Sent {
    std::string ns, name;
    int count = 0;
    std::string firstTimestamp;
    Clock::TimePoint last;
  };
  struct Bucket {
    double tokens = 0;
    Clock::TimePoint refilled;
  };
  template <typename V>
  struct Lru {  // a bounded map; the least recently used entry is evicted first
    std::list<std::pair<std::string, V>> order;
    std::unordered_map<std::string, typename decltype(order)::iterator> index;
    V* find(const std::string& key);
    V& put(const std::string& key, V value, std::size_t capacity);
    void erase(const std::string& key);
  };

  void sendLoop();
  void handle(const Pending& event);
  bool allow(const Pending& event);
  void create(const Pending& event, const std::string& key, int count,
              const std::string& firstTimestamp);
  nlohmann::json eventObject(const Pending& event, const std::string& ns, const std::string& name,
                             int count, const std::string& firstTimestamp) const;

  RestClient& client_;
  Clock& clock_;
  const EventRecorderOptions options_;

  // Touched by the sender thread only.
  Lru<Sent> sent_;
  Lru<Bucket> buckets_;
  std::uint64_t seq_ = 0;  // makes Event names unique within this recorder

  mutable std::mutex mu_;
  std::condition_variable cv_;      // queue_ grew, or stopping_
  std::condition_variable idleCv_;  // queue_ empty and nothing in flight
  std::deque<Pending> queue_;       // guarded by mu_
  bool busy_ = false;               // guarded by mu_: an event is being handled
  bool stopping_ = false;           // guarded by mu_
  bool loggedDrop_ = false;         // guarded by mu_
  EventRecorderStats stats_;        // guarded by mu_
  std::mutex lifecycleMu_;
  std::thread sender_;  // guarded by lifecycleMu_
};

}  // namespace gantry::kube
