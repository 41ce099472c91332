#include "provisioner/disruption/consolidation_fingerprint.h"

#include <bit>
#include <string_view>

#include "src/api/nodepool_hash.h"

namespace gantry::provisioner::disruption {

namespace {

class Fnv1a {
 public:
  void add(std::string_view s) {
    for (unsigned char c : s) mix(c);
    mix(0xff);  // field separator: "ab"+"c" differs from "a"+"bc"
  }
  void add(uint64_t v) {
    for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(v >> (8 * i)));
  }
  void add(bool b) { mix(b ? 1 : 2); }
  void add(double d) { add(std::bit_cast<uint64_t>(d)); }
  void add(const api::Labels& labels) {
    add(static_cast<uint64_t>(labels.size()));
    for (const auto& [k, v] : labels) {
      add(k);
      add(v);
    }
  }
  void add(const api::ResourceList& list) {
    add(static_cast<uint64_t>(list.entries().size()));
    for (const auto& [name, q] : list.entries()) {
      add(name);
      add(q.toString());
    }
  }
  uint64_t value() const { return h_; }

 private:
  void mix(unsigned char c) {
    h_ ^= c;
    h_ *= 0x100000001b3ULL;
  }
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace

uint64_t consolidationFingerprint(const ConsolidationInput& input,
                                  const api::InstanceTypes* catalog) {
  Fnv1a h;
  h.add(reinterpret_cast<uint64_t>(catalog));
  h.add(input.region);
  h.add(static_cast<uint64_t>(input.nodes.size()));
  for (const ClusterNode& n : input.nodes) {
    h.add(n.node.name);
    h.add(n.claim);
    h.add(n.nodePool);
    h.add(n.pricePerHour);
    h.add(n.target);
    h.add(n.candidate);
    h.add(n.node.labels);
    h.add(static_cast<uint64_t>(n.node.taints.size()));
    for (const auto& t : n.node.taints) {
      h.add(t.key);
      h.add(t.value);
      h.add(std::string_view(api::taintEffectName(t.effect)));
    }
    h.add(n.node.allocatable);
    h.add(static_cast<uint64_t>(n.pods.size()));
    for (const api::Pod& p : n.pods) {
      h.add(p.key());
      h.add(p.requests);
    }
  }
  h.add(static_cast<uint64_t>(input.nodePools.size()));
  for (const api::NodePool& pool : input.nodePools) {
    h.add(pool.name);
    h.add(api::nodePoolHash(pool));
    h.add(static_cast<uint64_t>(pool.weight));
    h.add(static_cast<uint64_t>(pool.requirements.size()));
    for (const auto& r : pool.requirements) {
      h.add(r.key);
      h.add(static_cast<uint64_t>(r.op));
      for (const auto& v : r.values) h.add(v);
    }
  }
  h.add(static_cast<uint64_t>(input.allowed.size()));
  for (const auto& [pool, n] : input.allowed) {
    h.add(pool);
    h.add(static_cast<uint64_t>(n));
  }
  h.add(static_cast<uint64_t>(input.daemonSets.size()));
  for (const api::Pod& d : input.daemonSets) {
    h.add(d.key());
    h.add(d.requests);
  }
  return h.value();
}

}  // namespace gantry::provisioner::disruption
