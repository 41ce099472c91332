// The rules deploy/crds/gantry.dev_nodepools.yaml states for label keys and values (in its
// OpenAPI patterns and CEL), written once in C++ so that a NodePool that reaches Gantry
// without the apiserver (`gantry plan --nodepools`) is held to exactly what the cluster would
// accept. tests/support/nodepool_rules.yaml holds the cases both the decoder tests and the
// CRD tests (against a real apiserver) run, so neither side can drift.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/api/nodepool.h"

namespace gantry::api {

// The domain of a label key as the CRD's CEL takes it (key.find('^[^/]+')): everything before
// the first '/', or the whole key when it has none. The CEL then tests it with endsWith, so
// "xgantry.dev/a" is in the gantry.dev domain too; the functions below do the same.
std::string_view labelKeyDomain(std::string_view key);

// A qualified name, the CRD's key pattern: an optional DNS-label prefix and '/', then a name
// of letters, digits, '-', '_' and '.' that starts and ends alphanumeric; 316 characters at
// most.
bool isQualifiedLabelKey(std::string_view key);

// A label value: empty, or up to 63 letters, digits, '-', '_' and '.' starting and ending
// alphanumeric.
bool isLabelValue(std::string_view value);

// Why `key` may not be a label of spec.template.metadata.labels, in the CRD's words; nullopt
// when it may. Restricted: gantry.dev/nodepool, karpenter.sh/nodepool, kubernetes.io/hostname,
// the gantry.dev, karpenter.sh and karpenter.k8s.aws domains (Gantry sets those labels), and
// the kubernetes.io and k8s.io domains except label::kAllowedKubernetesKeys and
// node-restriction.kubernetes.io. REQUIRES: isQualifiedLabelKey(key).
std::optional<std::string> templateLabelKeyProblem(std::string_view key);

// The same for a requirement key: the three restricted keys, the kubernetes.io and k8s.io
// domains as above, and in the gantry.dev, karpenter.sh and karpenter.k8s.aws domains any
// key but label::kKnownRequirementKeys.
std::optional<std::string> requirementKeyProblem(std::string_view key);

// True for keys whose values come from the instance type, the offering or the region (and so
// are evaluated against the catalog): label::kKnownRequirementKeys, kubernetes.io/arch and
// os, node.kubernetes.io/instance-type, the zone and region keys. False for any other key,
// which no instance type carries: a NodePool's single-value In requirement on it becomes a
// node label (Karpenter's custom labels).
bool isInstanceTypeRequirementKey(std::string_view key);

// Warnings (not errors: Karpenter accepts these) about a decoded pool: each requirement on a
// custom label key, which restricts no instance type. "spec.template.spec.requirements[2].key:
// ..." per finding, in requirement order.
std::vector<std::string> nodePoolWarnings(const NodePool& pool);

}  // namespace gantry::api
