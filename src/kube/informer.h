// Informers keep a local, indexed copy of one resource collection current (client-go's
// reflector + store + handlers): list, then watch from the list's resourceVersion with
// bookmarks; resume from the last version seen after a dropped watch; relist after 410 Gone
// and reconcile the cache against the fresh list, so consumers see every change exactly
// once, never a duplicate. Only the fields a decoder keeps are stored (Gantry's slim model),
// which keeps 50,000 pods in tens of MiB.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/kube/object_store.h"
#include "src/kube/rest_client.h"
#include "src/kube/watch.h"

namespace gantry::kube {

struct InformerOptions {
  std::string labelSelector{};
  std::string fieldSelector{};
  int pageSize = 500;              // list page size (limit/continue)
  int watchTimeoutSeconds = 300;   // the server ends each watch after this; we re-watch
  std::chrono::milliseconds initialBackoff{250};  // after a failed list or watch, doubling
  std::chrono::milliseconds maxBackoff{30000};
  // Every period, onUpdate(obj, obj) for every cached object (client-go resync); 0 = never.
  std::chrono::milliseconds resyncPeriod{0};
};

struct InformerStats {
  uint64_t lists = 0;         // completed lists (the first one included)
  uint64_t relists = 0;       // lists forced by 410 Gone
  uint64_t watches = 0;       // watch requests started
  uint64_t watchErrors = 0;   // watches that ended in an error other than 410
  uint64_t events = 0;        // watch events applied (bookmarks excluded)
  uint64_t decodeErrors = 0;  // objects the decoder rejected (kept out of the cache)
};

// "ns/name", or "name" for a cluster-scoped object; "" when metadata.name is missing.
std::string objectKey(const nlohmann::json& object);

// The list + watch loop, independent of the object type. Subclasses turn the raw objects
// into cache entries. Thread-safety: start/stop/hasSynced/stats from any thread; the hooks
// run on the informer's thread only (or the caller of step()).
class InformerEngine {
 public:
  // REQUIRES: client and clock outlive the engine. `path` names a collection.
  InformerEngine(RestClient& client, Clock& clock, ResourcePath path, InformerOptions options);
  virtual ~InformerEngine();
  InformerEngine(const InformerEngine&) = delete;
  InformerEngine& operator=(const InformerEngine&) = delete;

  // Runs the loop on a thread of its own until stop(). Call once.
  void start();
  // Ends the loop (an open watch is closed within about 250 ms) and joins. Idempotent.
  // Subclasses with state their hooks touch must call it from their own destructor.
  void stop();
  // Asks the loop to end without waiting, so that several informers stop in parallel
  // (requestStop() on each, then stop() on each). Idempotent; thread-safe.
  void requestStop() { stopping_.store(true); }

  // One iteration, for tests and for start()'s loop: lists when there is no valid
  // resourceVersion (first time, or after 410), then runs one watch to its end. Returns
  // the list's or the watch's error (kGone has already scheduled the relist).
  Status step();

  // True once the first list has been applied.
  bool hasSynced() const { return synced_.load(); }
  // Waits (polling the clock) until synced, stop(), or `timeout`. Returns hasSynced().
  bool waitForSync(Clock::Duration timeout);
  InformerStats stats() const;
  const ResourcePath& path() const { return path_; }

 protected:
  // A (re)list, one page at a time so memory peaks at a page of JSON, not the whole
  // collection: beginList(), listed(item) for every item, then endList(), after which the
  // subclass drops whatever it holds that was not listed. An interrupted list never reaches
  // endList(); the next attempt starts with beginList() again.
  virtual void beginList() = 0;
  virtual void listed(const nlohmann::json& item) = 0;
  virtual void endList() = 0;
  // One watch event (never a bookmark).
  virtual void applyEvent(WatchEventType type, const nlohmann::json& object) = 0;
  // The periodic resync.
  virtual void resyncAll() = 0;
  // Counts a rejected object; the subclass logs it (once per key and version).
  void countDecodeError() { decodeErrors_.fetch_add(1); }

 private:
  void run();
  void sleepUnlessStopped(Clock::Duration d);

  RestClient& client_;
  Clock& clock_;
  const ResourcePath path_;
  const InformerOptions options_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> synced_{false};
  std::string resourceVersion_;  // informer thread only; "" = must list
  Clock::TimePoint nextResync_{};
  std::chrono::milliseconds backoff_{0};
  std::thread thread_;

  mutable std::mutex statsMu_;
  InformerStats stats_;  // guarded by statsMu_ (decode errors counted apart)
  std::atomic<uint64_t> decodeErrors_{0};
};

template <typename T>
struct EventHandlers {
  std::function<void(const ObjectPtr<T>&)> onAdd{};
  // old and new; both the same object on a resync.
  std::function<void(const ObjectPtr<T>&, const ObjectPtr<T>&)> onUpdate{};
  std::function<void(const ObjectPtr<T>&)> onDelete{};
};

// A decoder keeps what Gantry uses of an object, or says (for the log) why it cannot.
template <typename T>
using Decoder = std::function<std::expected<T, std::string>(const nlohmann::json&)>;

// Logs one rejected object at warning level, at most once per key and resourceVersion, so a
// malformed object that the server keeps sending does not flood the log.
class DecodeErrorLog {
 public:
  void report(const ResourcePath& path, const std::string& key, const std::string& version,
              const std::string& why);

 private:
  std::mutex mu_;
  std::set<std::string> seen_;  // "key@version"; guarded by mu_
};

// An informer for objects decoded into T. Handlers run on the informer thread, in event
// order, after the cache holds the change; they must be quick (enqueue, do not call out).
template <typename T>
class Informer final : public InformerEngine {
 public:
  Informer(RestClient& client, Clock& clock, ResourcePath path, Decoder<T> decoder,
           InformerOptions options = {})
      : InformerEngine(client, clock, std::move(path), std::move(options)),
        decoder_(std::move(decoder)) {}
  ~Informer() override { stop(); }

  // REQUIRES: before start().
  void addHandlers(EventHandlers<T> handlers) { handlers_.push_back(std::move(handlers)); }
  void addIndex(std::string name, IndexFunction<T> function) {
    store_.addIndex(std::move(name), std::move(function));
  }

  const ObjectStore<T>& store() const { return store_; }

 protected:
  void beginList() override { listedKeys_.clear(); }
  void listed(const nlohmann::json& item) override {
    const std::string key = objectKey(item);
    if (key.empty()) return;
    listedKeys_.insert(key);
    upsert(key, item);
  }
  void endList() override {
    // Whatever the cache holds that the list does not was deleted while we were not
    // watching: deliver those deletions now.
    for (const auto& key : store_.keys()) {
      if (!listedKeys_.contains(key)) remove(key);
    }
    listedKeys_.clear();
  }

  void applyEvent(WatchEventType type, const nlohmann::json& object) override {
    const std::string key = objectKey(object);
    if (key.empty()) return;
    if (type == WatchEventType::kDeleted) {
      remove(key);
    } else {
      upsert(key, object);
    }
  }

  void resyncAll() override {
    for (const auto& object : store_.list()) {
      for (const auto& h : handlers_) {
        if (h.onUpdate) h.onUpdate(object, object);
      }
    }
  }

 private:
  void upsert(const std::string& key, const nlohmann::json& object) {
    const std::string version = resourceVersionOf(object);
    // The same version again (a relist, or a watch replaying what the list had) is no change.
    if (!version.empty() && store_.resourceVersionOf(key) == version) return;
    auto decoded = decoder_(object);
    if (!decoded) {
      countDecodeError();
      errors_.report(path(), key, version, decoded.error());
      remove(key);  // a stale copy would be planned on as if it were current
      return;
    }
    auto fresh = std::make_shared<const T>(std::move(*decoded));
    auto previous = store_.put(key, fresh, version);
    for (const auto& h : handlers_) {
      if (previous.object == nullptr) {
        if (h.onAdd) h.onAdd(fresh);
      } else if (h.onUpdate) {
        h.onUpdate(previous.object, fresh);
      }
    }
  }

  void remove(const std::string& key) {
    auto previous = store_.erase(key);
    if (previous.object == nullptr) return;
    for (const auto& h : handlers_) {
      if (h.onDelete) h.onDelete(previous.object);
    }
  }

  static std::string resourceVersionOf(const nlohmann::json& object) {
    auto meta = object.find("metadata");
    if (meta == object.end() || !meta->is_object()) return {};
    auto rv = meta->find("resourceVersion");
    return rv != meta->end() && rv->is_string() ? rv->get<std::string>() : std::string();
  }

  Decoder<T> decoder_;
  std::vector<EventHandlers<T>> handlers_;
  std::unordered_set<std::string> listedKeys_;  // during a list
  ObjectStore<T> store_;
  DecodeErrorLog errors_;
};

}  // namespace gantry::kube
