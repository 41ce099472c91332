// The consolidation planner (Karpenter's consolidation simulation): which nodes to take away,
// and what single node, if any, to buy instead, so that the cluster costs less per hour. A pure
// function of values: the controller, the benchmark and the unit tests hand it the cluster as
// they read it. It decides with binpack::solve, the solver provisioning uses: the candidate
// nodes' pods are planned against the rest of the cluster (only nodes that exist and are
// initialized: never capacity still on its way) plus new capacity from the NodePools.
//
// Three moves, the one saving the most per hour wins (ties: a move that buys no node before
// one that does, then fewer nodes disrupted):
//   - delete: one node whose pods all fit on the other nodes;
//   - replace: one node whose pods fit on the others plus one new, cheaper node;
//   - multi: N >= 2 nodes whose pods fit on the others plus at most one new node.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "binpack/snapshot.h"
#include "src/api/instance_type.h"
#include "src/api/node.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"

namespace gantry::provisioner::disruption {

// A node as the planner sees it.
struct ClusterNode {
  // Labels, taints, allocatable (what the solver matches pods against). `requested`, `pods`
  // and `hostPorts` are filled from `pods` by the planner.
  api::Node node;
  // The non-terminal pods bound to it, DaemonSet pods included.
  std::vector<api::Pod> pods;
  std::string claim;     // its NodeClaim; "" for a node Gantry does not manage
  std::string nodePool;  // "" when none
  double pricePerHour = 0;
  // Initialized, ready and schedulable: pods may be moved onto it.
  bool target = true;
  // May be consolidated away: its pool's policy and consolidateAfter allow it, nothing
  // blocks it (consolidation_candidates.h, do-not-disrupt), and it runs some pod to move (an
  // empty node is emptiness's).
  bool candidate = false;
};

struct ConsolidationInput {
  std::vector<ClusterNode> nodes;
  // Pools replacements may come from (those able to launch now).
  std::vector<api::NodePool> nodePools;
  std::vector<api::Pod> daemonSets;
  std::string region;
  // How many more nodes of each pool consolidation may disrupt now (its budgets); a pool not
  // listed is unlimited.
  std::map<std::string, int64_t, std::less<>> allowed;
};

struct ConsolidationOptions {
  binpack::Options solver{};
  // Single-node moves are simulated for the emptiest candidates only, and multi-node moves
  // over at most this many (Karpenter: 100), so a pass over a large cluster stays bounded.
  size_t maxSingleNodeCandidates = 50;
  size_t maxMultiNodeCandidates = 100;
  // A move must save more than this, in dollars per hour.
  double minSavingsPerHour = 1e-6;
};

enum class MoveKind { kDelete, kReplace, kMulti };
std::string_view moveKindName(MoveKind kind);  // "delete", "replace", "multi"

struct Move {
  MoveKind kind = MoveKind::kDelete;
  std::vector<std::string> nodes;   // removed, by Node name
  std::vector<std::string> claims;  // their NodeClaims, in the same order
  std::optional<binpack::PlannedNode> replacement;
  double removedPerHour = 0;
  double addedPerHour = 0;
  double savingsPerHour() const { return removedPerHour - addedPerHour; }
  // Pods to move ("ns/name"), per removed node, for the last look before draining.
  std::map<std::string, std::vector<std::string>> pods;
  // For people: "2 nodes ($0.17/h) -> 1 t3.medium ($0.04/h)".
  std::string summary;
};

// The best move, or nullopt when none lowers the price. Never throws; a solver error makes
// that simulation fail (no move from it).
std::optional<Move> planConsolidation(const ConsolidationInput& input,
                                      const api::InstanceTypes& catalog,
                                      const ConsolidationOptions& options = {});

// Simulates removing exactly the nodes named (which must all still be candidates): the move,
// or nullopt when their pods no longer fit the rest plus one new node, or it saves nothing.
std::optional<Move> simulateRemoval(const ConsolidationInput& input,
                                    const std::vector<std::string>& nodeNames,
                                    const api::InstanceTypes& catalog,
                                    const ConsolidationOptions& options = {});

// The validation period's check (Karpenter's validator): `decided` still holds on `input`
// when re-simulating its nodes gives a move that needs no new node where `decided` needed
// none, and a replacement no dearer than `decided`'s otherwise. Returns that fresh move.
std::optional<Move> revalidate(const ConsolidationInput& input, const Move& decided,
                               const api::InstanceTypes& catalog,
                               const ConsolidationOptions& options = {});

}  // namespace gantry::provisioner::disruption
