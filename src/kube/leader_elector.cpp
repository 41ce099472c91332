// LeaderElector: client-go's tryAcquireOrRenew, renew loop and release, over RestClient.
// Expiry is judged on OUR clock from the moment we last saw the Lease change, never from the
// renewTime written in it, so clock skew between replicas cannot cause two leaders.
#include "src/kube/leader_elector.h"

#include <algorithm>

#include "src/common/logging.h"
#include "src/kube/time_format.h"

namespace gantry::kube {

using nlohmann::json;

namespace {

std::shared_ptr<spdlog::logger> logger() { return componentLogger("leader-election"); }

// How often the run loop's waits look at stopRequested_: the bound on stop() latency.
constexpr Clock::Duration kWaitSlice = std::chrono::milliseconds(50);

// Reads an optional field of `spec` into `out`; false when present with the wrong type.
template <typename T>
bool readField(const json& spec, const char* key, T& out) {
  auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return true;
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return false;
    out = it->template get<std::string>();
  } else {
    if (!it->is_number_integer()) return false;
    const auto v = it->template get<long long>();
    if (v < 0 || v > 1'000'000'000) return false;
    out = static_cast<T>(v);
  }
  return true;
}

}  // namespace

LeaderElector::LeaderElector(RestClient& client, Clock& clock, LeaderElectionConfig config,
                             LeaderCallbacks callbacks)
    : client_(client),
      clock_(clock),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      leaseSeconds_(static_cast<int>((config_.leaseDuration.count() + 999) / 1000)) {}

LeaderElector::~LeaderElector() {
  stop();
}

Status LeaderElector::validate() const {
  if (config_.leaseNamespace.empty() || config_.leaseName.empty() || config_.identity.empty()) {
    return Status::invalid("leader election needs a lease namespace, lease name and identity");
  }
  if (config_.retryPeriod <= std::chrono::milliseconds::zero() ||
      config_.renewDeadline * 10 <= config_.retryPeriod * 12) {
    return Status::invalid("leader election: renewDeadline must exceed 1.2 * retryPeriod > 0");
  }
  if (config_.leaseDuration <= config_.renewDeadline) {
    return Status::invalid("leader election: leaseDuration must exceed renewDeadline");
  }
  return Status::ok();
}

Status LeaderElector::start() {
  if (auto st = validate(); !st.isOk()) return st;
  std::lock_guard lifecycle(lifecycleMu_);
  if (loop_.joinable() || stopRequested_)
    return Status::internal("leader elector already started or stopped");
  loop_ = std::thread([this] { runLoop(); });
  return Status::ok();
}

void LeaderElector::stop() {
  std::lock_guard lifecycle(lifecycleMu_);
  stopRequested_ = true;
  if (loop_.joinable()) loop_.join();
}

bool LeaderElector::isLeader() const {
  if (!leading_) return false;
  std::lock_guard lock(mu_);
  return clock_.now() - lastRenew_ < config_.renewDeadline;
}

std::string LeaderElector::leader() const {
  std::lock_guard lock(mu_);
  return leaderIdentity_;
}

bool LeaderElector::done() const {
  std::lock_guard lock(mu_);
  return done_;
}

bool LeaderElector::waitDone(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return doneCv_.wait_for(lock, timeout, [this] { return done_; });
}

ResourcePath LeaderElector::leasePath() const {
  return ResourcePath{.group = "coordination.k8s.io",
                      .version = "v1",
                      .resource = "leases",
                      .ns = config_.leaseNamespace,
                      .name = config_.leaseName};
}

void LeaderElector::waitFor(Clock::Duration d) {
  const auto deadline = clock_.now() + d;
  while (!stopRequested_) {
    const auto left = deadline - clock_.now();
    if (left <= Clock::Duration::zero()) return;
    clock_.sleepFor(std::min(left, kWaitSlice));
  }
}

void LeaderElector::runLoop() {
  logger()->info("start leader election lease={}/{} identity={}", config_.leaseNamespace,
                 config_.leaseName, config_.identity);
  bool acquired = false;
  while (!stopRequested_) {
    auto r = tryAcquireOrRenew();
    if (r && *r) {
      acquired = true;
      break;
    }
    if (!r)
      logger()->warn("acquire lease failed lease={} error={}", config_.leaseName,
                     r.error().toString());
    waitFor(config_.retryPeriod);
  }
  if (acquired) leadLoop();
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  doneCv_.notify_all();
}

void LeaderElector::leadLoop() {
  {
    std::lock_guard lock(mu_);
    lastRenew_ = clock_.now();
  }
  leading_ = true;
  logger()->info("became leader lease={} identity={}", config_.leaseName, config_.identity);
  std::jthread work;
  if (callbacks_.onStartedLeading) {
    work = std::jthread([this](std::stop_token st) { callbacks_.onStartedLeading(st); });
  }
  bool lost = false;
  while (!stopRequested_ && !lost) {
    waitFor(config_.retryPeriod);
    if (stopRequested_) break;
    auto r = tryAcquireOrRenew();
    const auto now = clock_.now();
    if (r && *r) {
      std::lock_guard lock(mu_);
      lastRenew_ = now;
      continue;
    }
    Clock::TimePoint last;
    {
      std::lock_guard lock(mu_);
      last = lastRenew_;
    }
    if (r) {  // read fine, but someone else holds a valid lease: we were deposed
      logger()->warn("lost lease to another holder lease={} holder={}", config_.leaseName,
                     observed_.holderIdentity);
      lost = true;
    } else if (now - last >= config_.renewDeadline) {
      logger()->error("failed to renew lease within deadline lease={} error={}", config_.leaseName,
                      r.error().toString());
      lost = true;
    } else {
      logger()->warn("renew lease failed lease={} error={}", config_.leaseName,
                     r.error().toString());
    }
  }
  // Stop being the leader before anything else: health checks and the work see it first, and
  // the Lease is released only after the work has returned, so two leaders never overlap.
  leading_ = false;
  if (work.joinable()) {
    work.request_stop();
    work.join();
  }
  if (!lost && config_.releaseOnStop) release();
  logger()->info("stopped leading lease={} identity={}", config_.leaseName, config_.identity);
  if (callbacks_.onStoppedLeading) callbacks_.onStoppedLeading();
}

Result<bool> LeaderElector::tryAcquireOrRenew() {
  const auto now = clock_.now();
  // Fast path while we lead: update the Lease we hold without reading it first. A conflict
  // (someone else wrote it) or any failure falls back to reading it.
  if (lease_ && observed_.holderIdentity == config_.identity) {
    Record next = observed_;
    next.renewTime = formatMicroTime(now);
    next.leaseDurationSeconds = leaseSeconds_;
    json lease = *lease_;
    lease["spec"] = specFor(next);
    auto r = writeLease(std::move(lease), false, now);
    if (r) return r;
    logger()->debug("fast renew failed, re-reading lease={} error={}", config_.leaseName,
                    r.error().toString());
  }
  return slowPath(now);
}

Result<bool> LeaderElector::slowPath(Clock::TimePoint now) {
  auto got = client_.get(leasePath());
  if (!got) {
    if (!got.error().isNotFound()) return fail(got.error());
    Record fresh{.holderIdentity = config_.identity,
                 .leaseDurationSeconds = leaseSeconds_,
                 .acquireTime = formatMicroTime(now),
                 .renewTime = formatMicroTime(now),
                 .leaseTransitions = 0};
    json lease = {
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", config_.leaseName}, {"namespace", config_.leaseNamespace}}},
        {"spec", specFor(fresh)}};
    return writeLease(std::move(lease), true, now);
  }
  auto record = parseRecord(*got);
  if (!record) return fail(record.error());
  observe(*record, (*got)["spec"], now);
  const auto validFor = std::chrono::seconds(record->leaseDurationSeconds);
  if (!record->holderIdentity.empty() && record->holderIdentity != config_.identity &&
      observedTime_ + validFor > now) {
    return false;
  }
  Record next = *record;
  next.holderIdentity = config_.identity;
  next.leaseDurationSeconds = leaseSeconds_;
  next.renewTime = formatMicroTime(now);
  if (record->holderIdentity != config_.identity) {
    next.acquireTime = formatMicroTime(now);
    next.leaseTransitions = record->leaseTransitions + 1;
  }
  json lease = std::move(*got);
  lease["spec"] = specFor(next);
  return writeLease(std::move(lease), false, now);
}

Result<bool> LeaderElector::writeLease(json lease, bool create, Clock::TimePoint now) {
  auto r =
      create ? client_.create(leasePath().withName(""), lease) : client_.update(leasePath(), lease);
  if (!r) {
    // Someone created it between our GET and POST: read it next time, as on a conflict.
    if (r.error().isAlreadyExists()) return fail(Status::conflict(r.error().message()));
    return fail(r.error());
  }
  auto record = parseRecord(*r);
  if (!record) return fail(record.error());
  lease_ = std::move(*r);
  observe(*record, (*lease_)["spec"], now);
  return record->holderIdentity == config_.identity;
}

void LeaderElector::observe(const Record& record, const json& rawSpec, Clock::TimePoint now) {
  if (rawSpec == observedSpec_) return;
  const bool newHolder =
      record.holderIdentity != observed_.holderIdentity || observedSpec_.is_null();
  observedSpec_ = rawSpec;
  observed_ = record;
  observedTime_ = now;
  {
    std::lock_guard lock(mu_);
    leaderIdentity_ = record.holderIdentity;
  }
  if (newHolder) {
    logger()->info("observed new leader lease={} holder={}", config_.leaseName,
                   record.holderIdentity);
    if (callbacks_.onNewLeader) callbacks_.onNewLeader(record.holderIdentity);
  }
}

void LeaderElector::release() {
  if (!lease_ || observed_.holderIdentity != config_.identity) return;
  const auto now = clock_.now();
  // client-go's release record: no holder, a 1 s lease, the transition count kept.
  Record released{.holderIdentity = "",
                  .leaseDurationSeconds = 1,
                  .acquireTime = formatMicroTime(now),
                  .renewTime = formatMicroTime(now),
                  .leaseTransitions = observed_.leaseTransitions};
  for (int attempt = 0; attempt < 2; ++attempt) {
    json lease = *lease_;
    lease["spec"] = specFor(released);
    auto r = client_.update(leasePath(), lease);
    if (r) {
      logger()->info("released lease lease={} identity={}", config_.leaseName, config_.identity);
      lease_ = std::move(*r);
      return;
    }
    if (!r.error().isConflict()) {
      logger()->warn("release lease failed lease={} error={}", config_.leaseName,
                     r.error().toString());
      return;
    }
    // Someone wrote it since our last renewal: release only if it is still ours.
    auto got = client_.get(leasePath());
    if (!got) return;
    auto record = parseRecord(*got);
    if (!record || record->holderIdentity != config_.identity) return;
    lease_ = std::move(*got);
  }
}

json LeaderElector::specFor(const Record& record) const {
  json spec = json::object();
  if (!record.holderIdentity.empty()) spec["holderIdentity"] = record.holderIdentity;
  spec["leaseDurationSeconds"] = record.leaseDurationSeconds;
  if (!record.acquireTime.empty()) spec["acquireTime"] = record.acquireTime;
  if (!record.renewTime.empty()) spec["renewTime"] = record.renewTime;
  spec["leaseTransitions"] = record.leaseTransitions;
  return spec;
}

Result<LeaderElector::Record> LeaderElector::parseRecord(const json& lease) {
  if (!lease.is_object()) return fail(Status::invalid("lease is not a JSON object"));
  auto it = lease.find("spec");
  if (it == lease.end() || it->is_null()) return Record{};
  if (!it->is_object()) return fail(Status::invalid("lease spec is not an object"));
  Record r;
  if (!readField(*it, "holderIdentity", r.holderIdentity) ||
      !readField(*it, "leaseDurationSeconds", r.leaseDurationSeconds) ||
      !readField(*it, "acquireTime", r.acquireTime) || !readField(*it, "renewTime", r.renewTime) ||
      !readField(*it, "leaseTransitions", r.leaseTransitions)) {
    return fail(Status::invalid("lease spec has a field of the wrong type"));
  }
  return r;
}

}  // namespace gantry::kube
