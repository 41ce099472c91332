// Pod classes: grouping by a constraint signature, then per-pool type masks that fold in
// taints, node selectors, node affinity, resource fit and the GPU co-location rule.
#include "binpack/pod_class.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "binpack/pool_rejection.h"
#include "src/api/gpu_isolation.h"

namespace gantry::binpack {

namespace {

// Everything that can change where a pod may go or what it needs, serialised.
std::string placementSignature(const api::Pod& p) {
  std::string s;
  s.reserve(256);
  auto add = [&](std::string_view x) {
    s += x;
    s += '\x1f';
  };
  for (const auto& [k, v] : p.nodeSelector) {
    add(k);
    add(v);
  }
  s += "|A";
  for (const auto& t : p.requiredNodeAffinity.terms) add(t.toString());
  s += "|P";
  for (const auto& t : p.preferredNodeAffinity) {
    add(std::to_string(t.weight));
    add(t.term.toString());
  }
  s += "|T";
  for (const auto& t : p.tolerations) {
    add(t.key);
    add(t.op == api::Toleration::Op::kExists ? "E" : "=");
    add(t.value);
    add(t.effect ? api::taintEffectName(*t.effect) : "*");
  }
  return s;
}

// Requests as raw nano values: formatting canonical quantity strings for every one of
// 10,000 pods would cost more than the rest of the grouping.
std::string requestsSignature(const api::ResourceList& requests) {
  std::string s;
  for (const auto& [name, q] : requests.entries()) {
    const api::Int128 nanos = q.nanoValue();
    s += name;
    s += '=';
    s += std::to_string(static_cast<int64_t>(nanos >> 64));
    s += ':';
    s += std::to_string(static_cast<uint64_t>(nanos));
    s += ',';
  }
  return s;
}

std::string selectorString(const api::LabelSelector& sel) {
  std::string s;
  for (const auto& [k, v] : sel.matchLabels) s += k + "=" + v + ",";
  for (const auto& r : sel.matchExpressions) s += r.toString() + ",";
  return s;
}

std::string hostPortSignature(const api::Pod& p) {
  std::string s;
  for (const auto& hp : p.hostPorts) s += hp.protocol + "/" + hp.hostIP + "/" + std::to_string(hp.port) + ";";
  return s;
}

// Clears the types on which a DaemonSet already binds one of the class's host ports (the
// NodePorts filter would reject the pod there). False when no type is left.
bool dropTypesWithTakenPorts(const PodClass& c, const PoolEntry& pool, TypeMasks& relaxed,
                             TypeMasks& strict) {
  bool anyLeft = false;
  for (size_t t = 0; t < relaxed.size(); ++t) {
    if (relaxed[t].empty()) continue;
    if (hostPortsOverlap(c.hostPorts, pool.daemonSetHostPorts[t])) {
      relaxed[t] = OfferMask{};
      if (t < strict.size()) strict[t] = OfferMask{};
    } else {
      anyLeft = true;
    }
  }
  return anyLeft;
}

std::string topologySignature(const api::Pod& p) {
  std::string s;
  auto term = [&](const api::PodAffinityTerm& t) {
    s += t.topologyKey + "/" + selectorString(t.selector) + "/";
    for (const auto& n : t.namespaces) s += n + ",";
    s += ";";
  };
  s += "RA:";
  for (const auto& t : p.requiredPodAffinity) term(t);
  s += "PA:";
  for (const auto& t : p.preferredPodAffinity) term(t.term);
  s += "RN:";
  for (const auto& t : p.requiredPodAntiAffinity) term(t);
  s += "PN:";
  for (const auto& t : p.preferredPodAntiAffinity) term(t.term);
  s += "TS:";
  for (const auto& t : p.topologySpread) {
    s += std::to_string(t.maxSkew) + t.topologyKey +
         (t.whenUnsatisfiable == api::UnsatisfiableAction::kDoNotSchedule ? "D" : "A") +
         selectorString(t.selector) + std::to_string(t.minDomains.value_or(0)) + ";";
  }
  // Labels matter once any pod selects on them; keep them in the signature always, it is
  // cheap and keeps classes homogeneous for the topology counters.
  s += "L:";
  for (const auto& [k, v] : p.labels) s += k + "=" + v + ",";
  return s;
}

std::string ownerOf(const api::Pod& p) {
  if (!p.gang.empty()) return "gang/" + p.gang;
  if (!p.owner.empty()) return p.owner.kind + "/" + p.ns + "/" + p.owner.name;
  return "pod/" + p.key();
}

// Per-type offer masks of the required constraints (nodeSelector AND any required term).
TypeMasks requiredMasks(const api::Pod& p, const CatalogIndex& index, const PoolEntry& pool) {
  TypeMasks out(index.types().size());
  for (uint32_t t : pool.typesByPrice) {
    LabelView view(index, pool, *index.types()[t].type);
    OfferMask m = pool.masks[t] & view.matchSelector(p.nodeSelector);
    if (!m.empty() && !p.requiredNodeAffinity.empty()) {
      OfferMask any;
      for (const auto& term : p.requiredNodeAffinity.terms) {
        if (!term.requirements.empty()) any |= view.matchTerm(term.requirements);
      }
      m &= any;
    }
    out[t] = m;
  }
  return out;
}

TypeMasks applyPreferences(const api::Pod& p, const CatalogIndex& index, const PoolEntry& pool,
                           const TypeMasks& required) {
  if (p.preferredNodeAffinity.empty()) return required;
  TypeMasks out = required;
  bool anyLeft = false;
  for (uint32_t t : pool.typesByPrice) {
    if (out[t].empty()) continue;
    LabelView view(index, pool, *index.types()[t].type);
    for (const auto& pref : p.preferredNodeAffinity) {
      if (pref.weight > 0) out[t] &= view.matchTerm(pref.term.requirements);
    }
    anyLeft |= !out[t].empty();
  }
  // A preference no type can meet is dropped for this pool rather than making it unusable.
  return anyLeft ? out : required;
}

bool anyType(const TypeMasks& masks) {
  return std::any_of(masks.begin(), masks.end(), [](const OfferMask& m) { return !m.empty(); });
}

// Removes types whose allocatable cannot hold one pod. Returns true for a pod without
// accelerators that only accelerator types can hold.
bool filterByFit(TypeMasks& masks, const PodClass& c, const CatalogIndex& index,
                 const PoolEntry& pool) {
  bool nonAcceleratorLeft = false;
  for (uint32_t t : pool.typesByPrice) {
    if (masks[t].empty()) continue;
    if (!c.requests.fitsIn(pool.allocatable[t])) {
      masks[t] = {};
      continue;
    }
    if (!index.types()[t].accelerator) nonAcceleratorLeft = true;
  }
  return !c.accelerator && !nonAcceleratorLeft && anyType(masks);
}

}  // namespace

bool hostPortsOverlap(const std::vector<api::HostPort>& a, const std::vector<api::HostPort>& b) {
  for (const auto& mine : a) {
    for (const auto& theirs : b) {
      if (mine.conflictsWith(theirs)) return true;
    }
  }
  return false;
}

bool PodClass::portsConflictWith(const PodClass& other) const {
  return hostPortsOverlap(hostPorts, other.hostPorts);
}

std::string resourceRejection(const PodClass& c, const PoolEntry& pool, const TypeMasks& masks,
                              const ResourceDims& dims) {
  ResourceVector largest;
  bool anyCompatible = false;
  for (uint32_t t : pool.typesByPrice) {
    if (masks[t].empty()) continue;
    anyCompatible = true;
    if (c.requests.fitsIn(pool.allocatable[t])) return "";
    for (size_t d = 0; d < kMaxResourceDims; ++d) {
      largest.v[d] = std::max(largest.v[d], pool.allocatable[t].v[d]);
    }
  }
  if (!anyCompatible) return "";
  for (size_t d = 0; d < dims.names().size(); ++d) {
    if (c.requests.v[d] > largest.v[d]) {
      ResourceVector need, have;
      need.v[d] = c.requests.v[d];
      have.v[d] = std::max<int64_t>(largest.v[d], 0);
      std::string haveText = have.v[d] == 0 ? "0" : dims.toList(have).toString();
      haveText = haveText.substr(haveText.find('=') + 1);
      return "needs " + dims.toList(need).toString() + "; the largest allowed instance type in "
             "NodePool " + pool.pool->name + " has " + haveText;
    }
  }
  return "needs " + dims.toList(c.requests).toString() +
         " together; no allowed instance type in NodePool " + pool.pool->name + " has all of it";
}

Result<std::vector<PodClass>> buildClasses(const std::vector<api::Pod>& pods,
                                           const CatalogIndex& index, ResourceDims& dims) {
  std::vector<PodClass> classes;
  std::unordered_map<std::string, size_t> bySignature;
  const size_t podsDim = *dims.find(api::resource::kPods);
  // The owner only matters for the GPU co-location rule, i.e. for owners of GPU pods; keying
  // every Deployment's pods apart would multiply classes for nothing.
  std::unordered_set<std::string> gpuOwners;
  for (const auto& p : pods) {
    if (p.nodeName.empty() && p.needsAccelerator()) gpuOwners.insert(ownerOf(p));
  }
  // Under the batch GPU isolation policy a Job's pods may go where others may not: they
  // must not share a class with other pods then.
  const bool jobsApart =
      std::any_of(index.pools().begin(), index.pools().end(), [](const PoolEntry& pe) {
        return api::gpuIsolationOf(*pe.pool) == api::GpuIsolation::kBatch;
      });
  for (size_t i = 0; i < pods.size(); ++i) {
    const api::Pod& p = pods[i];
    if (!p.nodeName.empty()) continue;
    std::string owner = ownerOf(p);
    if (!gpuOwners.count(owner)) owner.clear();
    std::string sig = placementSignature(p) + "#" + topologySignature(p) + "#" +
                      requestsSignature(p.requests) + "#" + owner + "#" + p.gang;
    if (!p.hostPorts.empty()) sig += "#" + hostPortSignature(p);
    if (jobsApart && p.owner.kind == "Job") sig += "#job";
    auto [it, inserted] = bySignature.emplace(std::move(sig), classes.size());
    if (!inserted) {
      classes[it->second].pods.push_back(i);
      continue;
    }
    PodClass c;
    c.pods.push_back(i);
    c.rep = &p;
    auto req = dims.toVector(p.requests);
    if (!req) return fail(req.error().withContext("pod " + p.key()));
    c.requests = *req;
    c.requests.v[podsDim] += 1;
    c.accelerator = p.needsAccelerator();
    c.owner = owner.empty() ? ownerOf(p) : owner;
    c.jobOwned = p.owner.kind == "Job";
    c.gang = p.gang;
    c.hasTopology = !p.topologySpread.empty() || !p.requiredPodAffinity.empty() ||
                    !p.preferredPodAffinity.empty() || !p.requiredPodAntiAffinity.empty() ||
                    !p.preferredPodAntiAffinity.empty();
    c.hostPorts = p.hostPorts;
    classes.push_back(std::move(c));
  }

  // Compatibility, cached by placement signature: replicas share it even when their
  // requests differ.
  std::unordered_map<std::string, std::pair<std::vector<TypeMasks>, std::vector<TypeMasks>>> cache;
  // Classes that differ only in owner (one per Katib trial, say) end with the same masks:
  // keep the finished result per placement signature and requests too.
  struct Finished {
    std::shared_ptr<const ClassMasks> masks;
    std::vector<std::string> rejections;
    bool needsAcceleratorType;
  };
  std::unordered_map<std::string, Finished> finished;
  for (PodClass& c : classes) {
    const api::Pod& p = *c.rep;
    std::string sig = placementSignature(p);
    const std::string finishedKey = sig + "#" + requestsSignature(p.requests) + "#" +
                                    hostPortSignature(p);
    if (auto done = finished.find(finishedKey); done != finished.end()) {
      c.masks = done->second.masks;
      c.poolRejections = done->second.rejections;
      c.needsAcceleratorType = done->second.needsAcceleratorType;
      continue;
    }
    auto it = cache.find(sig);
    if (it == cache.end()) {
      std::vector<TypeMasks> required, preferred;
      for (const PoolEntry& pool : index.pools()) {
        if (api::firstUntolerated(pool.pool->taints, p.tolerations)) {
          required.emplace_back();
          preferred.emplace_back();
          continue;
        }
        required.push_back(requiredMasks(p, index, pool));
        preferred.push_back(applyPreferences(p, index, pool, required.back()));
      }
      it = cache.emplace(sig, std::make_pair(std::move(required), std::move(preferred))).first;
    }
    auto masks = std::make_shared<ClassMasks>(ClassMasks{it->second.second, it->second.first});
    std::vector<TypeMasks>& relaxed = masks->relaxed;
    std::vector<TypeMasks>& strict = masks->strict;
    c.poolRejections.resize(index.pools().size());
    for (size_t pi = 0; pi < index.pools().size(); ++pi) {
      const PoolEntry& pool = index.pools()[pi];
      if (auto taint = api::firstUntolerated(pool.pool->taints, p.tolerations)) {
        c.poolRejections[pi] = "NodePool " + pool.pool->name + " has taint " + taint->toString() +
                               " that the pod does not tolerate";
        continue;
      }
      if (relaxed[pi].empty() || !anyType(relaxed[pi])) {
        relaxed[pi].assign(index.types().size(), OfferMask{});
        strict[pi] = relaxed[pi];
        c.poolRejections[pi] = selectorRejection(p, index, pool);
        continue;
      }
      if (!c.hostPorts.empty() && !pool.daemonSetHostPorts.empty() &&
          !dropTypesWithTakenPorts(c, pool, relaxed[pi], strict[pi])) {
        c.poolRejections[pi] = "a DaemonSet binds one of its host ports on every node of NodePool " +
                               pool.pool->name;
        continue;
      }
      // The reason needs the masks before fit filtering; only compute it when it is needed.
      TypeMasks beforeFit = relaxed[pi];
      c.needsAcceleratorType |= filterByFit(relaxed[pi], c, index, pool);
      if (p.preferredNodeAffinity.empty()) {
        strict[pi] = relaxed[pi];  // no preferences: the same masks
      } else {
        filterByFit(strict[pi], c, index, pool);
      }
      if (!anyType(relaxed[pi])) c.poolRejections[pi] = resourceRejection(c, pool, beforeFit, dims);
    }
    c.masks = masks;
    finished.emplace(finishedKey, Finished{std::move(masks), c.poolRejections, c.needsAcceleratorType});
  }

  // Placement order: accelerator pods first (they drive the expensive nodes), then by a
  // size score (largest first, as first-fit-decreasing wants), then by first pod key.
  auto score = [&](const PodClass& c) {
    const size_t cpu = *dims.find(api::resource::kCpu);
    const size_t mem = *dims.find(api::resource::kMemory);
    // ~1 vCPU per 4 GiB, the general-purpose ratio: a single scalar to sort by.
    return static_cast<double>(c.requests.v[cpu]) / 1000.0 +
           static_cast<double>(c.requests.v[mem]) / (4.0 * 1024 * 1024 * 1024);
  };
  std::stable_sort(classes.begin(), classes.end(), [&](const PodClass& a, const PodClass& b) {
    if (a.accelerator != b.accelerator) return a.accelerator;
    double sa = score(a), sb = score(b);
    if (sa != sb) return sa > sb;
    return keyLess(*a.rep, *b.rep);
  });
  return classes;
}

}  // namespace gantry::binpack
