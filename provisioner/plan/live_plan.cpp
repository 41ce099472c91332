// The live `plan` steps; see live_plan.h. A CLI run is short and interactive, so the client
// retries less than the controller would: an unreachable server should fail in seconds.
#include "provisioner/plan/live_plan.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <string>

#include "binpack/solver.h"
#include "src/workload/manifest_loader.h"

namespace gantry::provisioner {

namespace {

// Nanoseconds per unit of a Go duration, longest unit names first so "ms" is not read as "m".
struct DurationUnit {
  std::string_view name;
  double nanos;
};
constexpr DurationUnit kDurationUnits[] = {
    {"ns", 1}, {"us", 1e3}, {"\u00b5s", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};

Status badTimeout(std::string_view text) {
  return Status::invalid("--request-timeout: bad duration \"" + std::string(text) +
                         "\" (e.g. 10s, 1m30s, 500ms; 0 for no limit)");
}

std::string durationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

}  // namespace

Result<std::chrono::milliseconds> parseRequestTimeout(std::string_view text) {
  if (text.empty()) return fail(badTimeout(text));
  // A bare whole number is seconds, as kubectl reads it.
  long long seconds = 0;
  auto [rest, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec == std::errc() && rest == text.data() + text.size()) {
    if (seconds < 0) return fail(badTimeout(text));
    return std::chrono::milliseconds(seconds * 1000);
  }
  double nanos = 0;
  std::string_view left = text;
  while (!left.empty()) {
    size_t digits = 0;
    while (digits < left.size() && (std::isdigit(static_cast<unsigned char>(left[digits])) ||
                                     left[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) return fail(badTimeout(text));
    const std::string number(left.substr(0, digits));
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return fail(badTimeout(text));
    left.remove_prefix(digits);
    const DurationUnit* unit = nullptr;
    for (const DurationUnit& u : kDurationUnits) {
      if (left.starts_with(u.name) && (unit == nullptr || u.name.size() > unit->name.size())) {
        unit = &u;
      }
    }
    if (unit == nullptr) return fail(badTimeout(text));
    left.remove_prefix(unit->name.size());
    nanos += value * unit->nanos;
  }
  // Below a millisecond but not zero still means "a limit": round up rather than to none.
  const double millis = std::ceil(nanos / 1e6);
  if (!std::isfinite(millis) || millis > 1e12) return fail(badTimeout(text));
  return std::chrono::milliseconds(static_cast<int64_t>(millis));
}

Result<ClusterState> readCluster(const kube::RestConfig& config, Clock& clock,
                                 api::InstanceTypesPtr catalog,
                                 std::chrono::milliseconds requestTimeout) {
  const std::string where = "cannot read the cluster at " + config.server;
  auto conn = kube::connect(config, clock,
                            {.qps = 50,
                             .burst = 100,
                             .maxRetries = 2,
                             .requestTimeout = requestTimeout,
                             .userAgent = "gantry-plan"});
  if (!conn) return fail(conn.error().withContext(where));
  ClusterReader reader(*conn->client, {.source = config.server, .catalog = std::move(catalog)});
  const Clock::TimePoint start = clock.now();
  auto state = reader.read();
  if (!state) {
    Status error = state.error().withContext(where);
    // A server that accepts connections but never answers is indistinguishable from a slow
    // one except by the clock: say which limit ended the wait, so users know what to raise.
    if (error.isUnavailable() && requestTimeout.count() > 0 &&
        clock.now() - start >= requestTimeout) {
      error = Status::unavailable(error.message() + " (no answer within --request-timeout " +
                                  durationText(requestTimeout) + ")");
    }
    return fail(error);
  }
  return state;
}

Status overrideNodePools(ClusterState& state, const std::vector<std::string>& paths) {
  workload::Workload pools;
  if (Status s = loadNodePools(paths, pools); !s.isOk()) return s;
  state.workload.nodePools = std::move(pools.nodePools);
  pools.nodeClasses.insert(pools.nodeClasses.end(),
                           std::make_move_iterator(state.workload.nodeClasses.begin()),
                           std::make_move_iterator(state.workload.nodeClasses.end()));
  state.workload.nodeClasses = std::move(pools.nodeClasses);
  state.workload.errors.insert(state.workload.errors.end(), pools.errors.begin(), pools.errors.end());
  return Status::ok();
}

Result<PlanReport> planCluster(ClusterState state, const api::InstanceTypes& catalog,
                               const std::string& region, const NodeFixedCost& nodeFixedCost) {
  binpack::Snapshot snap = snapshotOf(state, region);
  addNodeFixedCosts(snap, state.workload, nodeFixedCost);
  auto plan = binpack::solve(snap, catalog);
  if (!plan) return fail(plan.error());
  PlanReport report;
  report.plan = std::move(*plan);
  report.errors = std::move(state.workload.errors);
  report.warnings = nodePoolWarnings(snap.nodePools);
  report.podsConsidered = snap.pods.size();
  return report;
}

}  // namespace gantry::provisioner
