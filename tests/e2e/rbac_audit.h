// Reading the apiserver's audit log against the chart's RBAC: which requests of the gantry
// service account were denied (403), and which of the rights the chart grants no request
// used. Pure functions over text, so the check is tested with synthetic audit lines too
// (rbac_audit_e2e_test.cpp). Tests only.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/common/yaml_documents.h"

namespace gantry::e2e {

inline constexpr std::string_view kGantryServiceAccountUser = "system:serviceaccount:gantry-system:gantry";

// One RBAC right: API group ("" for core), resource ("pods/eviction" for a subresource), verb.
struct Right {
  std::string group{};
  std::string resource{};
  std::string verb{};
  auto operator<=>(const Right&) const = default;
  std::string describe() const { return verb + " " + (group.empty() ? "" : group + "/") + resource; }
};

// One request of the audited user, as the audit log's Metadata level records it.
struct AuditedRequest {
  Right right{};           // resource "" for a non-resource URL
  std::string ns{};        // "" when cluster-scoped
  std::string uri{};       // requestURI
  int code = 0;            // responseStatus.code
  std::string received{};  // requestReceivedTimestamp, RFC 3339 with microseconds
};

// The request in one audit log line (JSON, --audit-log-format json) when it is `user`'s, was
// received at or after `since` (same RFC 3339 form; "" for any) and is at its final stage
// (ResponseComplete or Panic: one entry per request, watches included once they end).
inline std::optional<AuditedRequest> parseAuditLine(std::string_view line, std::string_view user,
                                                    std::string_view since = "") {
  const auto event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!event.is_object() || event.value("kind", "") != "Event") return std::nullopt;
  const std::string stage = event.value("stage", "");
  if (stage != "ResponseComplete" && stage != "Panic") return std::nullopt;
  if (event.value("user", nlohmann::json::object()).value("username", "") != user) return std::nullopt;
  AuditedRequest r{.uri = event.value("requestURI", ""),
                   .code = event.value("responseStatus", nlohmann::json::object()).value("code", 0),
                   .received = event.value("requestReceivedTimestamp", "")};
  if (!since.empty() && r.received < since) return std::nullopt;
  r.right.verb = event.value("verb", "");
  if (const auto ref = event.value("objectRef", nlohmann::json::object()); !ref.empty()) {
    r.right.group = ref.value("apiGroup", "");
    r.right.resource = ref.value("resource", "");
    if (const std::string sub = ref.value("subresource", ""); !sub.empty()) r.right.resource += "/" + sub;
    r.ns = ref.value("namespace", "");
  }
  return r;
}

// What a request that was refused is reported as: verb, resource and namespace (or its URL).
inline std::string describeDenied(const AuditedRequest& r) {
  if (r.right.resource.empty()) return r.right.verb + " " + r.uri + " (HTTP " + std::to_string(r.code) + ")";
  return r.right.describe() + " in namespace " + (r.ns.empty() ? "(cluster scope)" : r.ns) + " (HTTP " +
         std::to_string(r.code) + ", " + r.uri + ")";
}

// Every right the ClusterRoles and Roles of a rendered manifest grant, one per group, resource
// and verb. Empty with `error` set when the text does not parse or grants nothing.
inline std::set<Right> grantedRights(std::string_view manifest, std::string& error) {
  std::set<Right> out;
  auto docs = parseYamlDocuments(manifest);
  if (!docs) {
    error = docs.error().message();
    return out;
  }
  for (const auto& doc : *docs) {
    const std::string kind = doc.value("kind", "");
    if (kind != "ClusterRole" && kind != "Role") continue;
    for (const auto& rule : doc.value("rules", nlohmann::json::array())) {
      for (const auto& group : rule.value("apiGroups", nlohmann::json::array())) {
        for (const auto& resource : rule.value("resources", nlohmann::json::array())) {
          for (const auto& verb : rule.value("verbs", nlohmann::json::array())) {
            out.insert({group.get<std::string>(), resource.get<std::string>(), verb.get<std::string>()});
          }
        }
      }
    }
  }
  if (out.empty()) error = "no ClusterRole or Role rules";
  return out;
}

// The outcome of reading the log: refused requests and the granted rights nothing used.
struct RbacAuditResult {
  std::vector<AuditedRequest> denied{};
  std::set<Right> unused{};
  size_t requests = 0;  // of the audited user, since the mark
};

// Reads audit log `lines` (any order) for `user` since `since` against `granted`.
inline RbacAuditResult auditRbac(const std::vector<std::string>& lines, const std::set<Right>& granted,
                                 std::string_view user = kGantryServiceAccountUser, std::string_view since = "") {
  RbacAuditResult result{.unused = granted};
  for (const auto& line : lines) {
    auto r = parseAuditLine(line, user, since);
    if (!r) continue;
    ++result.requests;
    if (r->code == 403) result.denied.push_back(*r);
    result.unused.erase(r->right);
  }
  return result;
}

}  // namespace gantry::e2e
