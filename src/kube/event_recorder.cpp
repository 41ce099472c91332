// KubeEventRecorder: client-go's event correlator (dedup into count/lastTimestamp, a per-object
// spam filter) and broadcaster (a bounded queue drained by one sender thread) in one class.
// Failed sends are logged and not retried: events are diagnostics, and a retry loop against
// a struggling apiserver would only add load.
#include "src/kube/event_recorder.h"

#include <algorithm>
#include <cstdio>

#include "src/common/logging.h"
#include "src/kube/time_format.h"

namespace gantry::kube {

using nlohmann::json;

namespace {

std::shared_ptr<spdlog::logger> logger() { return componentLogger("events"); }

constexpr std::size_t kMaxMessage = 1024;  // longer messages are cut (as events.k8s.io does)
constexpr std::size_t kMaxName = 253;      // a DNS subdomain

std::string objectKey(const ObjectReference& o) {
  // \x1f cannot occur in names, so distinct references never share a key.
  return o.apiVersion + '\x1f' + o.kind + '\x1f' + o.ns + '\x1f' + o.name + '\x1f' + o.uid;
}

std::string eventNamespace(const ObjectReference& o) {
  return o.ns.empty() ? "default" : o.ns;
}

}  // namespace

std::string_view eventTypeName(EventType type) {
  return type == EventType::kWarning ? "Warning" : "Normal";
}

template <typename V>
V* KubeEventRecorder::Lru<V>::find(const std::string& key) {
  auto it = index.find(key);
  if (it == index.end()) return nullptr;
  order.splice(order.begin(), order, it->second);
  return &it->second->second;
}

template <typename V>
V& KubeEventRecorder::Lru<V>::put(const std::string& key, V value, std::size_t capacity) {
  if (V* existing = find(key)) return *existing = std::move(value);
  while (!order.empty() && order.size() >= std::max<std::size_t>(capacity, 1)) {
    index.erase(order.back().first);
    order.pop_back();
  }
  order.emplace_front(key, std::move(value));
  index[key] = order.begin();
  return order.front().second;
}

template <typename V>
void KubeEventRecorder::Lru<V>::erase(const std::string& key) {
  auto it = index.find(key);
  if (it == index.end()) return;
  order.erase(it->second);
  index.erase(it);
}

KubeEventRecorder::KubeEventRecorder(RestClient& client, Clock& clock, EventRecorderOptions options)
    : client_(client), clock_(clock), options_(std::move(options)) {
  sender_ = std::thread([this] { sendLoop(); });
}

KubeEventRecorder::~KubeEventRecorder() {
  stop();
}

void KubeEventRecorder::record(const ObjectReference& object, EventType type,
                               const std::string& reason, const std::string& message) {
  Pending event{.object = object,
                .type = type,
                .reason = reason,
                .message = message.substr(0, kMaxMessage),
                .at = clock_.now()};
  std::lock_guard lock(mu_);
  if (stopping_ || queue_.size() >= options_.queueCapacity) {
    ++stats_.dropped;
    if (!loggedDrop_) {  // once: a flood of drop messages would be its own flood
      loggedDrop_ = true;
      logger()->warn("drop event: recorder queue full or stopped capacity={} reason={}",
                     options_.queueCapacity, reason);
    }
    return;
  }
  queue_.push_back(std::move(event));
  cv_.notify_one();
}

bool KubeEventRecorder::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idleCv_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

void KubeEventRecorder::stop() {
  std::lock_guard lifecycle(lifecycleMu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (sender_.joinable()) sender_.join();
}

EventRecorderStats KubeEventRecorder::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void KubeEventRecorder::sendLoop() {
  for (;;) {
    Pending event;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        stats_.dropped += queue_.size();
        if (stats_.dropped > 0) {
          logger()->info("stop event recorder dropped={} created={} merged={}", stats_.dropped,
                         stats_.created, stats_.merged);
        }
        queue_.clear();
        idleCv_.notify_all();
        return;
      }
      event = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    handle(event);
    {
      std::lock_guard lock(mu_);
      busy_ = false;
      if (queue_.empty()) idleCv_.notify_all();
    }
  }
}

bool KubeEventRecorder::allow(const Pending& event) {
  const std::string key = objectKey(event.object);
  Bucket* b = buckets_.find(key);
  if (b == nullptr) {
    b = &buckets_.put(key,
                      Bucket{.tokens = static_cast<double>(options_.burst), .refilled = event.at},
                      options_.cacheSize);
  }
  if (event.at > b->refilled && options_.refillPeriod.count() > 0) {
    const double earned = std::chrono::duration<double>(event.at - b->refilled) /
                          std::chrono::duration<double>(options_.refillPeriod);
    b->tokens = std::min<double>(options_.burst, b->tokens + earned);
    b->refilled = event.at;
  }
  if (b->tokens < 1) return false;
  b->tokens -= 1;
  return true;
}

void KubeEventRecorder::handle(const Pending& event) {
  if (!allow(event)) {
    std::lock_guard lock(mu_);
    ++stats_.rateLimited;
    return;
  }
  const std::string key = objectKey(event.object) + '\x1f' +
                          std::string(eventTypeName(event.type)) + '\x1f' + event.reason + '\x1f' +
                          event.message;
  Sent* sent = sent_.find(key);
  if (sent != nullptr && event.at - sent->last <= options_.dedupWindow) {
    const int count = sent->count + 1;
    const ResourcePath path{.resource = "events", .ns = sent->ns, .name = sent->name};
    auto r = client_.patch(path, PatchType::kMerge,
                           json{{"count", count}, {"lastTimestamp", formatTime(event.at)}});
    if (r) {
      sent->count = count;
      sent->last = event.at;
      std::lock_guard lock(mu_);
      ++stats_.merged;
      return;
    }
    if (!r.error().isNotFound()) {
      logger()->warn("update event failed name={} reason={} error={}", sent->name, event.reason,
                     r.error().toString());
      std::lock_guard lock(mu_);
      ++stats_.failed;
      return;
    }
    // The Event expired (the apiserver's event TTL) or was deleted: write it afresh.
    const std::string first = sent->firstTimestamp;
    create(event, key, count, first);
    return;
  }
  create(event, key, 1, formatTime(event.at));
}

void KubeEventRecorder::create(const Pending& event, const std::string& key, int count,
                               const std::string& firstTimestamp) {
  // client-go's name: the object's name and the time in hex nanoseconds; `seq` keeps two
  // events of one recorder at the same clock reading (a fake clock) apart.
  const auto nanos = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(event.at.time_since_epoch()).count());
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".%llx", static_cast<unsigned long long>(nanos + seq_++));
  std::string name = event.object.name.substr(0, kMaxName - std::string(suffix).size()) + suffix;
  const std::string ns = eventNamespace(event.object);
  const json body = eventObject(event, ns, name, count, firstTimestamp);
  auto r = client_.create(ResourcePath{.resource = "events", .ns = ns}, body);
  if (!r) {
    // Abandoned for shutdown (kCancelled) is not a failure worth a warning.
    logger()->log(r.error().isCancelled() ? spdlog::level::debug : spdlog::level::warn,
                  "create event failed object={}/{} reason={} error=\"{}\"", ns, event.object.name,
                  event.reason, r.error().toString());
    sent_.erase(key);
    std::lock_guard lock(mu_);
    ++stats_.failed;
    return;
  }
  sent_.put(key,
            Sent{.ns = ns,
                 .name = name,
                 .count = count,
                 .firstTimestamp = firstTimestamp,
                 .last = event.at},
            options_.cacheSize);
  std::lock_guard lock(mu_);
  ++stats_.created;
}

json KubeEventRecorder::eventObject(const Pending& event, const std::string& ns,
                                    const std::string& name, int count,
                                    const std::string& firstTimestamp) const {
  const ObjectReference& o = event.object;
  json involved = {{"kind", o.kind}, {"name", o.name}};
  if (!o.ns.empty()) involved["namespace"] = o.ns;
  if (!o.uid.empty()) involved["uid"] = o.uid;
  if (!o.apiVersion.empty()) involved["apiVersion"] = o.apiVersion;
  json out = {{"apiVersion", "v1"},
              {"kind", "Event"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"involvedObject", std::move(involved)},
              {"reason", event.reason},
              {"message", event.message},
              {"type", eventTypeName(event.type)},
              {"source", {{"component", options_.component}}},
              {"firstTimestamp", firstTimestamp},
              {"lastTimestamp", formatTime(event.at)},
              {"count", count}};
  // core/v1 spells events.k8s.io's reportingController "reportingComponent".
  if (!options_.reportingController.empty())
    out["reportingComponent"] = options_.reportingController;
  if (!options_.reportingInstance.empty()) out["reportingInstance"] = options_.reportingInstance;
  return out;
}

}  // namespace gantry::kube
