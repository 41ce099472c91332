// NodePool and Node decoding. NodePools accept Karpenter v1's layout so a Karpenter user
// moves by changing only the apiVersion.
#include <nlohmann/json.hpp>

#include "src/api/decode_internal.h"
#include "src/api/gpu_isolation.h"
#include "src/api/nodeclaim.h"

namespace gantry::api {

using namespace detail;

namespace {

// A key whose prefix (before the '/') is gantry.dev, karpenter.sh, or a subdomain of either.
bool isGantryOrKarpenterKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view domain = key.substr(0, slash);
  for (std::string_view d : {std::string_view("gantry.dev"), std::string_view("karpenter.sh")}) {
    if (domain == d) return true;
    if (domain.size() > d.size() && domain.ends_with(d) &&
        domain[domain.size() - d.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

}  // namespace

DecodeResult<NodePool> decodeNodePool(const json& object) {
  if (auto e = expectObject(object, "")) return std::unexpected(*e);
  NodePool pool;
  // Karpenter v1's CRD defaults, applied here too so that a pool without a template or
  // without a disruption block gets the same values as one that spells them out.
  pool.consolidateAfter = "0s";
  pool.expireAfter = "720h";
  auto name = objectName(object);
  if (!name) return std::unexpected(name.error());
  pool.name = *name;
  // metadata.generation moves with spec changes only (status has its own subresource); a
  // missing or odd one is 0, it is only ever compared.
  if (const json* meta = child(object, "metadata"); meta && meta->is_object()) {
    if (const json* g = child(*meta, "generation"); g && g->is_number_integer()) {
      pool.generation = g->get<int64_t>();
    }
    if (const json* annotations = child(*meta, "annotations")) {
      auto a = decodeStringMap(*annotations, "metadata.annotations");
      if (!a) return std::unexpected(a.error());
      for (auto& [key, value] : *a) {
        if (isGantryOrKarpenterKey(key)) pool.annotations.emplace(key, std::move(value));
      }
      if (auto it = pool.annotations.find(kGpuIsolationAnnotation); it != pool.annotations.end()) {
        if (auto policy = parseGpuIsolation(it->second); !policy) {
          return fieldError("metadata.annotations[" + std::string(kGpuIsolationAnnotation) + "]",
                            policy.error());
        }
      }
    }
  }
  const json* spec = child(object, "spec");
  if (!spec) return fieldError("spec", "required");
  if (auto e = expectObject(*spec, "spec")) return std::unexpected(*e);

  // Karpenter's CRD allows 1..100 and treats an absent weight as 0; an explicit 0 is
  // accepted too, meaning the same.
  auto weight = int32Field(*spec, "spec", "weight", 0, 0, 100);
  if (!weight) return std::unexpected(weight.error());
  pool.weight = *weight;

  if (const json* limits = child(*spec, "limits")) {
    auto l = decodeResourceList(*limits, "spec.limits");
    if (!l) return std::unexpected(l.error());
    pool.limits = std::move(*l);
  }
  if (const json* disruption = child(*spec, "disruption")) {
    if (auto e = decodeDisruption(*disruption, pool)) return std::unexpected(*e);
  }

  // Status is ours, written by the usage controller: a malformed one must not make the pool
  // unusable for provisioning, so it is read leniently (dropped when it does not decode).
  if (const json* status = child(object, "status"); status && status->is_object()) {
    if (const json* resources = child(*status, "resources")) {
      if (auto r = decodeResourceList(*resources, "status.resources")) {
        pool.statusResources = std::move(*r);
      }
    }
  }

  const json* templ = child(*spec, "template");
  if (!templ) {  // an empty template is allowed: no extra constraints
    addDefaultCapacityType(pool);
    return pool;
  }
  if (auto e = expectObject(*templ, "spec.template")) return std::unexpected(*e);
  if (const json* meta = child(*templ, "metadata")) {
    if (auto e = expectObject(*meta, "spec.template.metadata")) return std::unexpected(*e);
    if (const json* labels = child(*meta, "labels")) {
      auto l = decodeStringMap(*labels, "spec.template.metadata.labels");
      if (!l) return std::unexpected(l.error());
      if (auto e = checkTemplateLabels(*l, "spec.template.metadata.labels")) {
        return std::unexpected(*e);
      }
      pool.labels = std::move(*l);
    }
  }
  const json* ts = child(*templ, "spec");
  if (!ts) {
    addDefaultCapacityType(pool);
    return pool;
  }
  const std::string sp = "spec.template.spec";
  if (auto e = expectObject(*ts, sp)) return std::unexpected(*e);
  if (const json* taints = child(*ts, "taints")) {
    auto t = decodeTaints(*taints, sp + ".taints");
    if (!t) return std::unexpected(t.error());
    if (auto e = checkPoolTaints(*t, sp + ".taints")) return std::unexpected(*e);
    pool.taints = std::move(*t);
  }
  if (const json* taints = child(*ts, "startupTaints")) {
    auto t = decodeTaints(*taints, sp + ".startupTaints");
    if (!t) return std::unexpected(t.error());
    if (auto e = checkPoolTaints(*t, sp + ".startupTaints")) return std::unexpected(*e);
    pool.startupTaints = std::move(*t);
  }
  if (const json* reqs = child(*ts, "requirements")) {
    auto r = decodePoolRequirements(*reqs, sp + ".requirements");
    if (!r) return std::unexpected(r.error());
    pool.requirements = std::move(*r);
  }
  addDefaultCapacityType(pool);
  if (const json* ref = child(*ts, "nodeClassRef")) {
    if (auto e = expectObject(*ref, sp + ".nodeClassRef")) return std::unexpected(*e);
    auto n = stringField(*ref, sp + ".nodeClassRef", "name");
    if (!n) return std::unexpected(n.error());
    pool.nodeClassRef = *n;
  }
  auto expire = stringField(*ts, sp, "expireAfter", pool.expireAfter);
  if (!expire) return std::unexpected(expire.error());
  if (auto d = parseNodeDuration(*expire); !d) {
    return fieldError(sp + ".expireAfter", d.error().message());
  }
  pool.expireAfter = *expire;
  // Copied onto each NodeClaim: bounds how long a drain may wait for PodDisruptionBudgets.
  auto grace = stringField(*ts, sp, "terminationGracePeriod");
  if (!grace) return std::unexpected(grace.error());
  if (!grace->empty()) {
    auto d = parseNodeDuration(*grace);
    if (!d || !*d) {
      return fieldError(sp + ".terminationGracePeriod",
                        d ? "\"Never\" is not allowed here" : d.error().message());
    }
  }
  pool.terminationGracePeriod = *grace;
  return pool;
}

DecodeResult<Node> decodeNode(const json& object) {
  if (auto e = expectObject(object, "")) return std::unexpected(*e);
  Node node;
  auto name = objectName(object);
  if (!name) return std::unexpected(name.error());
  node.name = *name;
  const json& meta = object["metadata"];
  if (const json* labels = child(meta, "labels")) {
    auto l = decodeStringMap(*labels, "metadata.labels");
    if (!l) return std::unexpected(l.error());
    node.labels = std::move(*l);
  }
  if (const json* annotations = child(meta, "annotations")) {
    auto a = decodeStringMap(*annotations, "metadata.annotations");
    if (!a) return std::unexpected(a.error());
    for (auto& [key, value] : *a) {
      if (isGantryOrKarpenterKey(key)) node.annotations.emplace(key, std::move(value));
    }
  }
  if (const json* deleted = child(meta, "deletionTimestamp")) node.deleting = !deleted->is_null();
  if (const json* spec = child(object, "spec")) {
    if (auto e = expectObject(*spec, "spec")) return std::unexpected(*e);
    auto pid = stringField(*spec, "spec", "providerID");
    if (!pid) return std::unexpected(pid.error());
    node.providerId = *pid;
    auto cordoned = boolField(*spec, "spec", "unschedulable", false);
    if (!cordoned) return std::unexpected(cordoned.error());
    node.unschedulable = *cordoned;
    if (const json* taints = child(*spec, "taints")) {
      auto t = decodeTaints(*taints, "spec.taints");
      if (!t) return std::unexpected(t.error());
      node.taints = std::move(*t);
    }
  }
  node.ready = false;
  if (const json* status = child(object, "status")) {
    if (auto e = expectObject(*status, "status")) return std::unexpected(*e);
    if (const json* alloc = child(*status, "allocatable")) {
      auto a = decodeResourceList(*alloc, "status.allocatable");
      if (!a) return std::unexpected(a.error());
      node.allocatable = std::move(*a);
    }
    if (const json* conds = child(*status, "conditions"); conds && conds->is_array()) {
      // json::value() throws when the field is present with another type; check it instead.
      auto text = [](const json& c, std::string_view field) {
        const json* v = child(c, field);
        return v && v->is_string() ? v->get<std::string>() : std::string();
      };
      for (const json& c : *conds) {
        if (text(c, "type") == "Ready") node.ready = text(c, "status") == "True";
      }
    }
  }
  if (auto it = node.labels.find("gantry.dev/nodepool"); it != node.labels.end()) {
    node.nodePool = it->second;
  }
  if (auto it = node.labels.find("node.kubernetes.io/instance-type"); it != node.labels.end()) {
    node.instanceType = it->second;
  }
  return node;
}

}  // namespace gantry::api
