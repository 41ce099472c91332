// Consolidation by simulation: take the candidate nodes out of a solver snapshot, put their
// pods back as pending, and let binpack::solve place them on what remains plus new capacity.
// The move stands if every pod is placed, at most one new node is bought, and the hourly
// price falls. Candidates are tried emptiest first (GPU nodes judged by their GPUs), so an
// idle GPU node running a few CPU pods comes up early, and the solver never buys a GPU type
// for CPU pods (binpack's plain-only rule), which moves them to CPU capacity.
#include "provisioner/disruption/consolidation_planner.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <tuple>

#include "binpack/solver.h"
#include "provisioner/disruption/consolidation_candidates.h"

namespace gantry::provisioner::disruption {

namespace {

std::string dollars(double perHour) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.4f/h", perHour);
  return buf;
}

// The nodes charged with their pods once per planning call; each simulation copies the ones
// it keeps (the solver takes its snapshot by value).
class Simulator {
 public:
  Simulator(const ConsolidationInput& input, const api::InstanceTypes& catalog,
            const ConsolidationOptions& options)
      : input_(input), catalog_(catalog), options_(options) {
    charged_.reserve(input.nodes.size());
    for (const ClusterNode& n : input.nodes) {
      api::Node node = n.node;
      node.requested = {};
      node.pods.clear();
      node.hostPorts.clear();
      node.inFlight = false;
      for (const api::Pod& pod : n.pods) {
        node.requested += pod.requests;
        node.pods.emplace_back(pod.key(), pod.labels);
        node.hostPorts.insert(node.hostPorts.end(), pod.hostPorts.begin(), pod.hostPorts.end());
      }
      charged_.push_back(std::move(node));
    }
  }

  // The move removing input.nodes[i] for i in `removed`, or nullopt. With buyNew false the
  // pods must fit on the remaining nodes alone.
  std::optional<Move> simulate(const std::vector<size_t>& removed, bool buyNew = true) const {
    if (removed.empty()) return std::nullopt;
    std::vector<bool> out(input_.nodes.size(), false);
    for (size_t i : removed) out[i] = true;

    binpack::Snapshot snap;
    snap.region = input_.region;
    if (buyNew) snap.nodePools = input_.nodePools;
    snap.daemonSets = input_.daemonSets;
    Move move;
    std::map<std::string, int64_t, std::less<>> perPool;
    for (size_t i : removed) {
      const ClusterNode& n = input_.nodes[i];
      if (!n.candidate) return std::nullopt;
      move.nodes.push_back(n.node.name);
      move.claims.push_back(n.claim);
      move.removedPerHour += n.pricePerHour;
      ++perPool[n.nodePool];
      auto& keys = move.pods[n.node.name];
      for (const api::Pod& pod : n.pods) {
        if (runsWithNode(pod) || pod.terminating) continue;
        api::Pod pending = pod;
        pending.nodeName.clear();
        pending.nominatedNodeName.clear();
        pending.phase = "Pending";
        keys.push_back(pod.key());
        snap.pods.push_back(std::move(pending));
      }
    }
    for (const auto& [pool, count] : perPool) {
      auto it = input_.allowed.find(pool);
      if (it != input_.allowed.end() && count > it->second) return std::nullopt;
    }
    for (size_t i = 0; i < input_.nodes.size(); ++i) {
      if (out[i]) continue;
      const ClusterNode& n = input_.nodes[i];
      if (!n.nodePool.empty()) {
        api::ResourceList& usage = snap.nodePoolUsage[n.nodePool];
        usage += n.node.allocatable;
        usage.set(api::resource::kNodes,
                  usage.get(api::resource::kNodes) + api::Quantity::fromValue(1));
      }
      // Never onto capacity that does not exist yet, nor onto a cordoned node.
      if (n.target) snap.nodes.push_back(charged_[i]);
    }

    auto plan = binpack::solve(snap, catalog_, options_.solver);
    if (plan && plan->unschedulable.empty() && plan->nodes.size() > 1) {
      // Equal prices (two halves cost what the whole does) can spread the pods over several
      // new nodes where one would do: ask again with each pool allowed one node more.
      for (api::NodePool& pool : snap.nodePools) {
        const api::Quantity oneMore = snap.nodePoolUsage[pool.name].get(api::resource::kNodes) +
                                      api::Quantity::fromValue(1);
        if (!pool.limits.has(api::resource::kNodes) ||
            oneMore.value() < pool.limits.get(api::resource::kNodes).value()) {
          pool.limits.set(api::resource::kNodes, oneMore);
        }
      }
      plan = binpack::solve(snap, catalog_, options_.solver);
    }
    if (!plan || !plan->unschedulable.empty() || plan->nodes.size() > 1) return std::nullopt;
    if (!plan->nodes.empty()) {
      move.replacement = plan->nodes.front();
      move.addedPerHour = plan->nodes.front().pricePerHour;
    }
    if (move.savingsPerHour() <= options_.minSavingsPerHour) return std::nullopt;
    move.kind = removed.size() > 1 ? MoveKind::kMulti
                : move.replacement ? MoveKind::kReplace
                                   : MoveKind::kDelete;
    move.summary = std::to_string(removed.size()) + (removed.size() == 1 ? " node (" : " nodes (") +
                   dollars(move.removedPerHour) + ") -> ";
    move.summary += move.replacement ? "1 " + move.replacement->instanceType + " (" +
                                           dollars(move.addedPerHour) + ")"
                                     : std::string("none");
    move.summary += ", saving " + dollars(move.savingsPerHour());
    return move;
  }

 private:
  const ConsolidationInput& input_;
  const api::InstanceTypes& catalog_;
  const ConsolidationOptions& options_;
  std::vector<api::Node> charged_;
};

// Candidates, emptiest first; ties: fewer pods to move, then by name (deterministic).
std::vector<size_t> orderedCandidates(const ConsolidationInput& input) {
  std::vector<size_t> out;
  std::vector<std::tuple<double, size_t, std::string>> key(input.nodes.size());
  for (size_t i = 0; i < input.nodes.size(); ++i) {
    const ClusterNode& n = input.nodes[i];
    if (!n.candidate) continue;
    api::ResourceList requested;
    size_t moving = 0;
    for (const api::Pod& pod : n.pods) {
      requested += pod.requests;
      if (!runsWithNode(pod)) ++moving;
    }
    key[i] = {utilisation(n.node.allocatable, requested), moving, n.node.name};
    out.push_back(i);
  }
  std::sort(out.begin(), out.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
  return out;
}

// True when `a` is the better move: it saves more; at the same saving, it buys nothing (no
// launch to wait for or to fail), then it disrupts fewer nodes.
bool better(const Move& a, const Move& b) {
  constexpr double kEps = 1e-9;
  if (a.savingsPerHour() > b.savingsPerHour() + kEps) return true;
  if (b.savingsPerHour() > a.savingsPerHour() + kEps) return false;
  if (a.replacement.has_value() != b.replacement.has_value()) return !a.replacement.has_value();
  if (a.nodes.size() != b.nodes.size()) return a.nodes.size() < b.nodes.size();
  return a.kind < b.kind;
}

}  // namespace

std::string_view moveKindName(MoveKind kind) {
  switch (kind) {
    case MoveKind::kDelete: return "delete";
    case MoveKind::kReplace: return "replace";
    case MoveKind::kMulti: return "multi";
  }
  return "delete";
}

std::optional<Move> planConsolidation(const ConsolidationInput& input,
                                      const api::InstanceTypes& catalog,
                                      const ConsolidationOptions& options) {
  const std::vector<size_t> order = orderedCandidates(input);
  if (order.empty()) return std::nullopt;
  Simulator sim(input, catalog, options);
  std::optional<Move> best;
  auto consider = [&](std::optional<Move> move) {
    if (move && (!best || better(*move, *best))) best = std::move(move);
  };

  // Multi-node: the longest prefix of the emptiest candidates (within budgets) that still
  // consolidates, found by bisection as Karpenter does; success is usually monotone in the
  // prefix length, and where it is not a shorter prefix is still a valid move.
  std::vector<size_t> prefix;
  std::map<std::string, int64_t, std::less<>> used;
  for (size_t i : order) {
    if (prefix.size() >= options.maxMultiNodeCandidates) break;
    const std::string& pool = input.nodes[i].nodePool;
    auto it = input.allowed.find(pool);
    if (it != input.allowed.end() && used[pool] >= it->second) continue;
    ++used[pool];
    prefix.push_back(i);
  }
  // Twice: with one new node allowed, and with none (the longest prefix that fits the rest
  // alone is often shorter, and saves as much without a launch).
  for (bool buyNew : {true, false}) {
    size_t lo = 2, hi = prefix.size();
    while (lo <= hi) {
      const size_t mid = lo + (hi - lo) / 2;
      auto move =
          sim.simulate({prefix.begin(), prefix.begin() + static_cast<ptrdiff_t>(mid)}, buyNew);
      if (move) {
        consider(std::move(move));
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
  }

  // Single-node: delete or replace each of the emptiest candidates.
  for (size_t k = 0; k < order.size() && k < options.maxSingleNodeCandidates; ++k) {
    consider(sim.simulate({order[k]}));
  }
  return best;
}

std::optional<Move> simulateRemoval(const ConsolidationInput& input,
                                    const std::vector<std::string>& nodeNames,
                                    const api::InstanceTypes& catalog,
                                    const ConsolidationOptions& options) {
  std::vector<size_t> removed;
  for (const std::string& name : nodeNames) {
    auto it = std::find_if(input.nodes.begin(), input.nodes.end(),
                           [&](const ClusterNode& n) { return n.node.name == name; });
    if (it == input.nodes.end()) return std::nullopt;
    removed.push_back(static_cast<size_t>(it - input.nodes.begin()));
  }
  return Simulator(input, catalog, options).simulate(removed);
}

std::optional<Move> revalidate(const ConsolidationInput& input, const Move& decided,
                               const api::InstanceTypes& catalog,
                               const ConsolidationOptions& options) {
  auto fresh = simulateRemoval(input, decided.nodes, catalog, options);
  if (!fresh) return std::nullopt;
  if (!decided.replacement && fresh->replacement) return std::nullopt;
  if (decided.replacement && fresh->replacement &&
      fresh->addedPerHour > decided.addedPerHour + 1e-9) {
    return std::nullopt;
  }
  return fresh;
}

}  // namespace gantry::provisioner::disruption
