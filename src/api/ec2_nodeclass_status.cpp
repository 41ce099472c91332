// EC2NodeClass status, to and from JSON. The encoder writes every list even when empty because
// the status controller sends it as a JSON merge patch, where a missing field would leave the
// server's old value in place.
#include "src/api/ec2_nodeclass_status.h"

#include "src/api/decode_internal.h"

namespace gantry::api {

using namespace detail;

bool operator==(const NodeClassAmi& a, const NodeClassAmi& b) {
  if (a.id != b.id || a.name != b.name || a.deprecated != b.deprecated ||
      a.requirements.size() != b.requirements.size()) {
    return false;
  }
  for (size_t i = 0; i < a.requirements.size(); ++i) {
    const Requirement& x = a.requirements[i];
    const Requirement& y = b.requirements[i];
    if (x.key != y.key || x.op != y.op || x.values != y.values) return false;
  }
  return true;
}

namespace {

template <typename T>
using R = DecodeResult<T>;

// The items of the list `field` of `status`, each decoded by `item(value, path)`.
template <typename T, typename Fn>
R<std::vector<T>> decodeList(const json& status, const std::string& path, std::string_view field,
                             Fn item) {
  std::vector<T> out;
  const json* list = child(status, field);
  if (!list) return out;
  const std::string here = join(path, field);
  if (auto e = expectArray(*list, here)) return std::unexpected(*e);
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string at = index(here, i);
    if (auto e = expectObject((*list)[i], at)) return std::unexpected(*e);
    R<T> decoded = item((*list)[i], at);
    if (!decoded) return std::unexpected(decoded.error());
    out.push_back(std::move(*decoded));
  }
  return out;
}

R<std::string> requiredString(const json& obj, const std::string& path, std::string_view field) {
  auto s = stringField(obj, path, field);
  if (!s) return s;
  if (s->empty()) return fieldError(join(path, field), "required");
  return s;
}

R<NodeClassSubnet> decodeSubnet(const json& v, const std::string& path) {
  NodeClassSubnet s;
  auto id = requiredString(v, path, "id");
  if (!id) return std::unexpected(id.error());
  auto zone = requiredString(v, path, "zone");
  if (!zone) return std::unexpected(zone.error());
  auto zoneId = stringField(v, path, "zoneID");
  if (!zoneId) return std::unexpected(zoneId.error());
  s.id = *id;
  s.zone = *zone;
  s.zoneId = *zoneId;
  return s;
}

R<NodeClassSecurityGroup> decodeGroup(const json& v, const std::string& path) {
  auto id = requiredString(v, path, "id");
  if (!id) return std::unexpected(id.error());
  auto name = stringField(v, path, "name");
  if (!name) return std::unexpected(name.error());
  return NodeClassSecurityGroup{.id = *id, .name = *name};
}

R<NodeClassAmi> decodeAmi(const json& v, const std::string& path) {
  NodeClassAmi ami;
  auto id = requiredString(v, path, "id");
  if (!id) return std::unexpected(id.error());
  ami.id = *id;
  auto name = stringField(v, path, "name");
  if (!name) return std::unexpected(name.error());
  ami.name = *name;
  auto deprecated = boolField(v, path, "deprecated", false);
  if (!deprecated) return std::unexpected(deprecated.error());
  ami.deprecated = *deprecated;
  if (const json* reqs = child(v, "requirements")) {
    const std::string here = join(path, "requirements");
    if (auto e = expectArray(*reqs, here)) return std::unexpected(*e);
    for (size_t i = 0; i < reqs->size(); ++i) {
      auto r = decodeRequirement((*reqs)[i], index(here, i));
      if (!r) return std::unexpected(r.error());
      ami.requirements.push_back(std::move(*r));
    }
  }
  return ami;
}

}  // namespace

DecodeResult<Ec2NodeClassStatus> decodeEc2NodeClassStatus(const json& value,
                                                          const std::string& path) {
  if (auto e = expectObject(value, path)) return std::unexpected(*e);
  Ec2NodeClassStatus status;
  auto subnets = decodeList<NodeClassSubnet>(value, path, "subnets", decodeSubnet);
  if (!subnets) return std::unexpected(subnets.error());
  status.subnets = std::move(*subnets);
  auto groups = decodeList<NodeClassSecurityGroup>(value, path, "securityGroups", decodeGroup);
  if (!groups) return std::unexpected(groups.error());
  status.securityGroups = std::move(*groups);
  auto amis = decodeList<NodeClassAmi>(value, path, "amis", decodeAmi);
  if (!amis) return std::unexpected(amis.error());
  status.amis = std::move(*amis);
  auto profile = stringField(value, path, "instanceProfile");
  if (!profile) return std::unexpected(profile.error());
  status.instanceProfile = *profile;
  if (const json* conditions = child(value, "conditions")) {
    auto c = decodeConditions(*conditions, join(path, "conditions"));
    if (!c) return std::unexpected(c.error());
    status.conditions = std::move(*c);
  }
  return status;
}

json encodeEc2NodeClassStatus(const Ec2NodeClassStatus& status) {
  json subnets = json::array();
  for (const auto& s : status.subnets) {
    json item{{"id", s.id}, {"zone", s.zone}};
    if (!s.zoneId.empty()) item["zoneID"] = s.zoneId;
    subnets.push_back(std::move(item));
  }
  json groups = json::array();
  for (const auto& g : status.securityGroups) {
    json item{{"id", g.id}};
    if (!g.name.empty()) item["name"] = g.name;
    groups.push_back(std::move(item));
  }
  json amis = json::array();
  for (const auto& a : status.amis) {
    json reqs = json::array();
    for (const Requirement& r : a.requirements) {
      json req{{"key", r.key}, {"operator", selectorOpName(r.op)}};
      if (!r.values.empty()) req["values"] = r.values;
      reqs.push_back(std::move(req));
    }
    json item{{"id", a.id}, {"requirements", std::move(reqs)}};
    if (!a.name.empty()) item["name"] = a.name;
    if (a.deprecated) item["deprecated"] = true;
    amis.push_back(std::move(item));
  }
  return json{{"subnets", std::move(subnets)},
              {"securityGroups", std::move(groups)},
              {"amis", std::move(amis)},
              {"instanceProfile",
               status.instanceProfile.empty() ? json(nullptr) : json(status.instanceProfile)},
              {"conditions", encodeConditions(status.conditions)}};
}

}  // namespace gantry::api
