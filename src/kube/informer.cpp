// The list + watch loop. What it guarantees and why:
//  - a watch resumes from the last resourceVersion seen (events or bookmarks), so a dropped
//    connection or an apiserver restart loses nothing as long as etcd still has that
//    version;
//  - when it does not (410 Gone after a compaction), the informer relists and the typed
//    layer reconciles the cache against the list, turning the gap into the adds, updates
//    and deletes that happened in it, once each;
//  - every failure is retried with capped exponential backoff, and logged once per streak.
#include "src/kube/informer.h"

#include <algorithm>

#include "src/common/logging.h"
#include "src/kube/metrics.h"

namespace gantry::kube {
namespace {

std::shared_ptr<spdlog::logger> log() { return componentLogger("informer"); }

// object[key] when object is present and the member is a string; "" otherwise.
std::string stringMember(const nlohmann::json* object, const char* key) {
  if (object == nullptr) return {};
  auto it = object->find(key);
  return it != object->end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string objectKey(const nlohmann::json& object) {
  if (!object.is_object()) return {};
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  auto name = meta->find("name");
  if (name == meta->end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    return {};
  }
  auto ns = meta->find("namespace");
  if (ns != meta->end() && ns->is_string() && !ns->get_ref<const std::string&>().empty()) {
    return ns->get<std::string>() + "/" + name->get<std::string>();
  }
  return name->get<std::string>();
}

void DecodeErrorLog::report(const ResourcePath& path, const std::string& key,
                            const std::string& version, const std::string& why) {
  {
    std::lock_guard lock(mu_);
    if (!seen_.insert(key + "@" + version).second) return;
    if (seen_.size() > 10000) seen_.clear();  // bounded; at worst a line is repeated
  }
  log()->warn("skipping object the cache cannot hold resource={} object={} resourceVersion={} "
              "error=\"{}\"",
              path.resource, key, version, why);
}

InformerEngine::InformerEngine(RestClient& client, Clock& clock, ResourcePath path,
                               InformerOptions options)
    : client_(client), clock_(clock), path_(std::move(path)), options_(std::move(options)) {}

InformerEngine::~InformerEngine() { stop(); }

void InformerEngine::start() {
  thread_ = std::thread([this] { run(); });
}

void InformerEngine::stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

bool InformerEngine::waitForSync(Clock::Duration timeout) {
  const auto deadline = clock_.now() + timeout;
  while (!hasSynced() && !stopping_.load() && clock_.now() < deadline) {
    clock_.sleepFor(std::chrono::milliseconds(20));
  }
  return hasSynced();
}

InformerStats InformerEngine::stats() const {
  std::lock_guard lock(statsMu_);
  InformerStats copy = stats_;
  copy.decodeErrors = decodeErrors_.load();
  return copy;
}

Status InformerEngine::step() {
  if (resourceVersion_.empty()) {
    ListOptions page{.labelSelector = options_.labelSelector,
                     .fieldSelector = options_.fieldSelector,
                     .limit = options_.pageSize};
    std::string version;
    beginList();
    do {
      auto listed = client_.list(path_, page);
      if (!listed) return listed.error();  // an expired continue token is kGone: relist
      if (!listed->is_object()) return Status::invalid("list of " + path_.toString() + " is not an object");
      const nlohmann::json* meta = nullptr;
      if (auto m = listed->find("metadata"); m != listed->end() && m->is_object()) meta = &*m;
      if (version.empty()) version = stringMember(meta, "resourceVersion");
      page.continueToken = stringMember(meta, "continue");
      const auto items = listed->find("items");
      if (items != listed->end() && items->is_array()) {
        for (const auto& item : *items) this->listed(item);
      }
    } while (!page.continueToken.empty() && !stopping_.load());
    if (stopping_.load()) return Status::ok();
    endList();
    const bool relist = synced_.load();
    {
      std::lock_guard lock(statsMu_);
      ++stats_.lists;
      if (relist) ++stats_.relists;
    }
    // A server that reports no version cannot be watched consistently: list again next time.
    resourceVersion_ = version;
    if (!relist && client_.metrics() != nullptr) client_.metrics()->watchesStarted(path_.resource);
    synced_.store(true);
    if (version.empty()) {
      return Status::invalid("list of " + path_.toString() + " returned no resourceVersion");
    }
  }
  if (stopping_.load()) return Status::ok();

  WatchOptions watchOptions{.labelSelector = options_.labelSelector,
                            .fieldSelector = options_.fieldSelector,
                            .resourceVersion = resourceVersion_,
                            .timeoutSeconds = options_.watchTimeoutSeconds,
                            .allowBookmarks = true,
                            .cancel = &stopping_};
  {
    std::lock_guard lock(statsMu_);
    ++stats_.watches;
  }
  uint64_t applied = 0;
  auto ended = watch(client_, path_, watchOptions, [&](const WatchEvent& event) {
    if (event.type != WatchEventType::kBookmark) {
      applyEvent(event.type, event.object);
      ++applied;
    }
    // Advance per event, so an error later in this stream resumes after what was applied.
    auto meta = event.object.find("metadata");
    if (meta != event.object.end() && meta->is_object()) {
      auto rv = meta->find("resourceVersion");
      if (rv != meta->end() && rv->is_string() && !rv->get_ref<const std::string&>().empty()) {
        resourceVersion_ = rv->get<std::string>();
      }
    }
    if (options_.resyncPeriod.count() > 0 && clock_.now() >= nextResync_) {
      nextResync_ = clock_.now() + options_.resyncPeriod;
      resyncAll();
    }
    return !stopping_.load();
  });
  {
    std::lock_guard lock(statsMu_);
    stats_.events += applied;
    if (!ended && !ended.error().isGone()) ++stats_.watchErrors;
  }
  if (KubeMetrics* metrics = client_.metrics(); metrics != nullptr && !stopping_.load()) {
    metrics->watchRestarted(path_.resource, ended ? kWatchClosed
                                            : ended.error().isGone() ? kWatchExpired
                                                                     : kWatchError);
  }
  if (!ended) {
    // Too old: relist. Undecodable: the stream would replay the same bytes from the same
    // version, so start over from a fresh list instead.
    if (ended.error().isGone() || ended.error().isInvalid()) resourceVersion_.clear();
    return ended.error();
  }
  resourceVersion_ = *ended;
  return Status::ok();
}

void InformerEngine::run() {
  nextResync_ = clock_.now() + options_.resyncPeriod;
  bool failing = false;
  while (!stopping_.load()) {
    const Status st = step();
    if (stopping_.load()) break;
    if (options_.resyncPeriod.count() > 0 && clock_.now() >= nextResync_) {
      nextResync_ = clock_.now() + options_.resyncPeriod;
      resyncAll();
    }
    if (st.isOk()) {
      if (failing) log()->info("watch recovered resource={}", path_.resource);
      failing = false;
      backoff_ = std::chrono::milliseconds(0);
      continue;
    }
    if (st.isGone()) {
      log()->info("relisting after the watch version expired resource={} error=\"{}\"",
                  path_.resource, st.message());
      continue;  // at once: the list is the recovery
    }
    if (!failing && !st.isCancelled()) {  // cancelled: the process is stopping, not failing
      log()->warn("list/watch failed; retrying with backoff resource={} error=\"{}\"",
                  path_.resource, st.message());
    }
    failing = true;
    backoff_ = backoff_.count() == 0 ? options_.initialBackoff
                                     : std::min(backoff_ * 2, options_.maxBackoff);
    sleepUnlessStopped(backoff_);
  }
}

void InformerEngine::sleepUnlessStopped(Clock::Duration d) {
  const auto deadline = clock_.now() + d;
  while (!stopping_.load()) {
    const auto left = deadline - clock_.now();
    if (left <= Clock::Duration::zero()) return;
    clock_.sleepFor(std::min<Clock::Duration>(left, std::chrono::milliseconds(100)));
  }
}

}  // namespace gantry::kube
