// Label key and value rules of the NodePool CRD; see nodepool_rules.h.
#include "src/api/nodepool_rules.h"

#include <algorithm>

#include "src/api/well_known_labels.h"

namespace gantry::api {
namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isAlnum(char c) { return isLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// One DNS label of the prefix: [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool isDnsLabel(std::string_view s) {
  if (s.empty() || !isLowerAlnum(s.front()) || !isLowerAlnum(s.back())) return false;
  return std::ranges::all_of(s, [](char c) { return isLowerAlnum(c) || c == '-'; });
}

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?
bool isName(std::string_view s) {
  if (s.empty() || !isAlnum(s.front()) || !isAlnum(s.back())) return false;
  return std::ranges::all_of(s, [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool domainEndsWith(std::string_view key, std::string_view suffix) {
  return labelKeyDomain(key).ends_with(suffix);
}

bool isRestrictedKey(std::string_view key) {
  return key == label::kNodePool || key == label::kKarpenterNodePool || key == label::kHostname;
}

bool inGantryDomains(std::string_view key) {
  return domainEndsWith(key, "gantry.dev") || domainEndsWith(key, "karpenter.sh") ||
         domainEndsWith(key, "karpenter.k8s.aws");
}

// The CRD's kubernetes.io / k8s.io rule: outside those domains, one of the well-known keys,
// or under node-restriction.kubernetes.io (labels kubelets may not set themselves).
bool kubernetesDomainAllows(std::string_view key) {
  if (!domainEndsWith(key, "kubernetes.io") && !domainEndsWith(key, "k8s.io")) return true;
  if (std::ranges::find(label::kAllowedKubernetesKeys, key) != label::kAllowedKubernetesKeys.end()) {
    return true;
  }
  return domainEndsWith(key, "node-restriction.kubernetes.io");
}

std::string quoted(std::string_view key) { return "\"" + std::string(key.substr(0, 80)) + "\""; }

}  // namespace

std::string_view labelKeyDomain(std::string_view key) { return key.substr(0, key.find('/')); }

bool isQualifiedLabelKey(std::string_view key) {
  if (key.size() > 316) return false;
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return isName(key);
  std::string_view prefix = key.substr(0, slash);
  for (size_t start = 0;;) {
    const size_t dot = prefix.find('.', start);
    if (!isDnsLabel(prefix.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return isName(key.substr(slash + 1));
}

bool isLabelValue(std::string_view value) {
  return value.empty() || (value.size() <= 63 && isName(value));
}

std::optional<std::string> templateLabelKeyProblem(std::string_view key) {
  if (isRestrictedKey(key)) {
    return "label " + quoted(key) +
           " is restricted: labels gantry.dev/nodepool, karpenter.sh/nodepool and "
           "kubernetes.io/hostname are restricted";
  }
  if (inGantryDomains(key)) {
    return "label " + quoted(key) +
           " is restricted: label domains gantry.dev, karpenter.sh and karpenter.k8s.aws are "
           "restricted (Gantry sets them)";
  }
  if (!kubernetesDomainAllows(key)) {
    return "label " + quoted(key) +
           " is restricted: label domains kubernetes.io and k8s.io are restricted to the "
           "well-known keys";
  }
  return std::nullopt;
}

std::optional<std::string> requirementKeyProblem(std::string_view key) {
  if (isRestrictedKey(key)) {
    return "label " + quoted(key) + " is restricted (Gantry sets it on every node)";
  }
  if (!kubernetesDomainAllows(key)) {
    return "label " + quoted(key) +
           " is restricted: label domains kubernetes.io and k8s.io are restricted to the "
           "well-known keys";
  }
  if (inGantryDomains(key) &&
      std::ranges::find(label::kKnownRequirementKeys, key) == label::kKnownRequirementKeys.end()) {
    return "label " + quoted(key) +
           " is not a key Gantry knows: label domains gantry.dev, karpenter.sh and "
           "karpenter.k8s.aws are restricted to the instance-type and capacity-type keys "
           "(`gantry catalog --values <key>` prints a key's values and, for an unknown key, the "
           "known keys)";
  }
  return std::nullopt;
}

bool isInstanceTypeRequirementKey(std::string_view key) {
  if (std::ranges::find(label::kKnownRequirementKeys, key) != label::kKnownRequirementKeys.end()) {
    return true;
  }
  // The Kubernetes keys the catalog fills in (cloudprovider/catalog/instance_type_resolver.cpp
  // and InstanceType::labelsFor); the other well-known ones (beta.kubernetes.io/arch, EC2 zone
  // IDs, ...) are allowed but no instance type carries them.
  for (std::string_view carried : {label::kArch, label::kOs, label::kInstanceType, label::kZone,
                                   label::kLegacyZone, label::kRegion}) {
    if (key == carried) return true;
  }
  return false;
}

std::vector<std::string> nodePoolWarnings(const NodePool& pool) {
  std::vector<std::string> out;
  for (size_t i = 0; i < pool.requirements.size(); ++i) {
    const Requirement& r = pool.requirements[i];
    if (isInstanceTypeRequirementKey(r.key)) continue;
    // The decoder may have added requirements after the written ones; those use known keys.
    std::string what = "spec.template.spec.requirements[" + std::to_string(i) + "].key: ";
    what += "label " + quoted(r.key) + " is not one instance types carry, so it restricts no type";
    if (r.op == SelectorOp::kIn && r.values.size() == 1) {
      what += "; the pool's nodes get the label " + r.key + "=" + r.values.front();
    } else if (r.op == SelectorOp::kNotIn || r.op == SelectorOp::kDoesNotExist) {
      what += " and always holds";
    } else if (!pool.labels.contains(r.key)) {
      what += " and no node of the pool can satisfy it, so the pool provisions nothing";
    }
    out.push_back(std::move(what));
  }
  return out;
}

}  // namespace gantry::api
