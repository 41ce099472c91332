#include "provisioner/disruption/consolidation_fingerprint.h"

#include "src/api/nodepool_hash.h"
#include "src/common/fnv1a.h"

namespace gantry::provisioner::disruption {

namespace {

void addLabels(Fnv1a& h, const api::Labels& labels) {
  h.number(labels.size());
  for (const auto& [k, v] : labels) {
    h.field(k);
    h.field(v);
  }
}

void addResources(Fnv1a& h, const api::ResourceList& list) {
  h.number(list.entries().size());
  for (const auto& [name, q] : list.entries()) {
    h.field(name);
    h.field(q.toString());
  }
}

}  // namespace

uint64_t consolidationFingerprint(const ConsolidationInput& input,
                                  const api::InstanceTypes* catalog) {
  Fnv1a h;
  h.number(reinterpret_cast<uint64_t>(catalog));
  h.field(input.region);
  h.number(input.nodes.size());
  for (const ClusterNode& n : input.nodes) {
    h.field(n.node.name);
    h.field(n.claim);
    h.field(n.nodePool);
    h.real(n.pricePerHour);
    h.flag(n.target);
    h.flag(n.candidate);
    addLabels(h, n.node.labels);
    h.number(n.node.taints.size());
    for (const auto& t : n.node.taints) {
      h.field(t.key);
      h.field(t.value);
      h.field(api::taintEffectName(t.effect));
    }
    addResources(h, n.node.allocatable);
    h.number(n.pods.size());
    for (const api::Pod& p : n.pods) {
      h.field(p.key());
      addResources(h, p.requests);
    }
  }
  h.number(input.nodePools.size());
  for (const api::NodePool& pool : input.nodePools) {
    h.field(pool.name);
    h.field(api::nodePoolHash(pool));
    h.number(static_cast<uint64_t>(pool.weight));
    h.number(pool.requirements.size());
    for (const auto& r : pool.requirements) {
      h.field(r.key);
      h.number(static_cast<uint64_t>(r.op));
      for (const auto& v : r.values) h.field(v);
    }
  }
  h.number(input.allowed.size());
  for (const auto& [pool, n] : input.allowed) {
    h.field(pool);
    h.number(static_cast<uint64_t>(n));
  }
  h.number(input.daemonSets.size());
  for (const api::Pod& d : input.daemonSets) {
    h.field(d.key());
    addResources(h, d.requests);
  }
  return h.value();
}

}  // namespace gantry::provisioner::disruption
