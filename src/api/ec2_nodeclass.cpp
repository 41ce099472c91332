// EC2NodeClass decoding (Karpenter v1 field layout), with the CRD's defaults and the
// cross-field rules its CEL validations state, so a class the apiserver would refuse is
// refused here too with the field that is wrong.
#include "src/api/ec2_nodeclass.h"

#include "src/api/decode_internal.h"
#include "src/api/quantity.h"

namespace gantry::api {

using namespace detail;

namespace {

template <typename T>
using R = DecodeResult<T>;

R<SelectorTerm> decodeSelectorTerm(const json& v, const std::string& path, bool allowName) {
  if (auto e = expectObject(v, path)) return std::unexpected(*e);
  SelectorTerm term;
  if (const json* tags = child(v, "tags")) {
    auto t = decodeStringMap(*tags, join(path, "tags"));
    if (!t) return std::unexpected(t.error());
    term.tags = std::move(*t);
  }
  auto id = stringField(v, path, "id");
  if (!id) return std::unexpected(id.error());
  term.id = *id;
  if (allowName) {
    auto name = stringField(v, path, "name");
    if (!name) return std::unexpected(name.error());
    term.name = *name;
  }
  if (term.tags.empty() && term.id.empty() && term.name.empty()) {
    return fieldError(path, "a term needs tags, id" + std::string(allowName ? " or name" : ""));
  }
  if (!term.id.empty() && (!term.tags.empty() || !term.name.empty())) {
    return fieldError(path, "id is exclusive of the other fields");
  }
  return term;
}

R<std::vector<SelectorTerm>> decodeSelectorTerms(const json& spec, const std::string& field,
                                                 bool allowName) {
  const std::string path = "spec." + field;
  const json* terms = child(spec, field);
  if (!terms) return fieldError(path, "required");
  if (auto e = expectArray(*terms, path)) return std::unexpected(*e);
  if (terms->empty()) return fieldError(path, "must have at least one term");
  std::vector<SelectorTerm> out;
  for (size_t i = 0; i < terms->size(); ++i) {
    auto t = decodeSelectorTerm((*terms)[i], index(path, i), allowName);
    if (!t) return std::unexpected(t.error());
    out.push_back(std::move(*t));
  }
  return out;
}

R<AmiSelectorTerm> decodeAmiTerm(const json& v, const std::string& path) {
  if (auto e = expectObject(v, path)) return std::unexpected(*e);
  AmiSelectorTerm term;
  for (auto [field, target] : {std::pair{"alias", &term.alias}, std::pair{"id", &term.id},
                               std::pair{"name", &term.name}, std::pair{"owner", &term.owner}}) {
    auto s = stringField(v, path, field);
    if (!s) return std::unexpected(s.error());
    *target = *s;
  }
  if (const json* tags = child(v, "tags")) {
    auto t = decodeStringMap(*tags, join(path, "tags"));
    if (!t) return std::unexpected(t.error());
    term.tags = std::move(*t);
  }
  if (term.alias.empty() && term.id.empty() && term.name.empty() && term.tags.empty()) {
    return fieldError(path, "a term needs alias, tags, id or name");
  }
  if (!term.alias.empty()) {
    if (!term.id.empty() || !term.name.empty() || !term.owner.empty() || !term.tags.empty()) {
      return fieldError(path, "alias is exclusive of the other fields");
    }
    if (term.alias.find('@') == std::string::npos) {
      return fieldError(join(path, "alias"),
                        "expected <family>@<version>, e.g. al2023@latest; got " + term.alias);
    }
  }
  return term;
}

R<std::optional<int64_t>> optionalInt(const json& obj, const std::string& path,
                                      std::string_view field) {
  if (!child(obj, field)) return std::optional<int64_t>{};
  auto v = intField(obj, path, field, 0);
  if (!v) return std::unexpected(v.error());
  return std::optional<int64_t>{*v};
}

R<std::optional<bool>> optionalBool(const json& obj, const std::string& path,
                                    std::string_view field) {
  if (!child(obj, field)) return std::optional<bool>{};
  auto v = boolField(obj, path, field, false);
  if (!v) return std::unexpected(v.error());
  return std::optional<bool>{*v};
}

R<EbsSpec> decodeEbs(const json& v, const std::string& path) {
  if (auto e = expectObject(v, path)) return std::unexpected(*e);
  EbsSpec ebs;
  if (const json* size = child(v, "volumeSize")) {
    const std::string sp = join(path, "volumeSize");
    std::string text = size->is_string() ? size->get<std::string>()
                       : size->is_number_integer() ? std::to_string(size->get<int64_t>())
                                                   : std::string();
    if (text.empty()) return fieldError(sp, "expected a quantity such as 20Gi, got " + describe(*size));
    auto q = Quantity::parse(text);
    if (!q || q->sign() <= 0) return fieldError(sp, "expected a positive quantity, got " + text);
    const Int128 gib = Int128{1} << 30;
    const Int128 nanosPerGiB = gib * 1000000000;
    ebs.volumeSizeGiB = static_cast<int64_t>((q->nanoValue() + nanosPerGiB - 1) / nanosPerGiB);
  }
  for (auto [field, target] :
       {std::pair{"volumeType", &ebs.volumeType}, std::pair{"kmsKeyID", &ebs.kmsKeyId},
        std::pair{"snapshotID", &ebs.snapshotId}}) {
    auto s = stringField(v, path, field);
    if (!s) return std::unexpected(s.error());
    *target = *s;
  }
  for (auto [field, target] : {std::pair{"iops", &ebs.iops}, std::pair{"throughput", &ebs.throughput}}) {
    auto n = optionalInt(v, path, field);
    if (!n) return std::unexpected(n.error());
    *target = *n;
  }
  for (auto [field, target] : {std::pair{"encrypted", &ebs.encrypted},
                               std::pair{"deleteOnTermination", &ebs.deleteOnTermination}}) {
    auto b = optionalBool(v, path, field);
    if (!b) return std::unexpected(b.error());
    *target = *b;
  }
  return ebs;
}

R<std::vector<NodeClassBlockDevice>> decodeBlockDevices(const json& v, const std::string& path) {
  if (auto e = expectArray(v, path)) return std::unexpected(*e);
  std::vector<NodeClassBlockDevice> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string ip = index(path, i);
    if (auto e = expectObject(v[i], ip)) return std::unexpected(*e);
    NodeClassBlockDevice device;
    auto name = stringField(v[i], ip, "deviceName");
    if (!name) return std::unexpected(name.error());
    device.deviceName = *name;
    auto root = boolField(v[i], ip, "rootVolume", false);
    if (!root) return std::unexpected(root.error());
    device.rootVolume = *root;
    if (const json* ebs = child(v[i], "ebs")) {
      auto e = decodeEbs(*ebs, join(ip, "ebs"));
      if (!e) return std::unexpected(e.error());
      device.ebs = std::move(*e);
    }
    out.push_back(std::move(device));
  }
  return out;
}

R<NodeClassMetadataOptions> decodeMetadataOptions(const json& v, const std::string& path) {
  if (auto e = expectObject(v, path)) return std::unexpected(*e);
  NodeClassMetadataOptions m;
  struct Enum {
    const char* field;
    std::string* target;
    const char* a;
    const char* b;
  };
  for (const Enum& f : {Enum{"httpEndpoint", &m.httpEndpoint, "enabled", "disabled"},
                        Enum{"httpProtocolIPv6", &m.httpProtocolIpv6, "enabled", "disabled"},
                        Enum{"httpTokens", &m.httpTokens, "required", "optional"}}) {
    auto s = stringField(v, path, f.field, *f.target);
    if (!s) return std::unexpected(s.error());
    if (*s != f.a && *s != f.b) {
      return fieldError(join(path, f.field),
                        std::string("expected ") + f.a + " or " + f.b + ", got " + *s);
    }
    *f.target = *s;
  }
  auto hops = intField(v, path, "httpPutResponseHopLimit", m.httpPutResponseHopLimit);
  if (!hops) return std::unexpected(hops.error());
  if (*hops < 1 || *hops > 64) {
    return fieldError(join(path, "httpPutResponseHopLimit"),
                      "expected 1..64, got " + std::to_string(*hops));
  }
  m.httpPutResponseHopLimit = *hops;
  return m;
}

}  // namespace

DecodeResult<Ec2NodeClass> decodeEc2NodeClass(const json& object) {
  if (auto e = expectObject(object, "")) return std::unexpected(*e);
  Ec2NodeClass nc;
  auto name = objectName(object);
  if (!name) return std::unexpected(name.error());
  nc.name = *name;
  if (const json* meta = child(object, "metadata")) {
    auto gen = intField(*meta, "metadata", "generation", 0);
    if (!gen) return std::unexpected(gen.error());
    nc.generation = *gen;
    auto uid = stringField(*meta, "metadata", "uid");
    if (!uid) return std::unexpected(uid.error());
    nc.uid = *uid;
  }
  const json* spec = child(object, "spec");
  if (!spec) return fieldError("spec", "required");
  if (auto e = expectObject(*spec, "spec")) return std::unexpected(*e);

  auto subnets = decodeSelectorTerms(*spec, "subnetSelectorTerms", false);
  if (!subnets) return std::unexpected(subnets.error());
  nc.subnetSelectorTerms = std::move(*subnets);
  auto groups = decodeSelectorTerms(*spec, "securityGroupSelectorTerms", true);
  if (!groups) return std::unexpected(groups.error());
  nc.securityGroupSelectorTerms = std::move(*groups);

  const json* amis = child(*spec, "amiSelectorTerms");
  if (!amis) return fieldError("spec.amiSelectorTerms", "required");
  if (auto e = expectArray(*amis, "spec.amiSelectorTerms")) return std::unexpected(*e);
  if (amis->empty()) return fieldError("spec.amiSelectorTerms", "must have at least one term");
  for (size_t i = 0; i < amis->size(); ++i) {
    auto t = decodeAmiTerm((*amis)[i], index("spec.amiSelectorTerms", i));
    if (!t) return std::unexpected(t.error());
    if (!t->alias.empty() && amis->size() > 1) {
      return fieldError(index("spec.amiSelectorTerms", i), "an alias term must be the only term");
    }
    nc.amiSelectorTerms.push_back(std::move(*t));
  }

  for (auto [field, target] :
       {std::pair{"amiFamily", &nc.amiFamily}, std::pair{"role", &nc.role},
        std::pair{"instanceProfile", &nc.instanceProfile}, std::pair{"userData", &nc.userData}}) {
    auto s = stringField(*spec, "spec", field);
    if (!s) return std::unexpected(s.error());
    *target = *s;
  }
  if (nc.role.empty() == nc.instanceProfile.empty()) {
    return fieldError("spec", "exactly one of role and instanceProfile must be set");
  }
  if (const json* bdm = child(*spec, "blockDeviceMappings")) {
    auto b = decodeBlockDevices(*bdm, "spec.blockDeviceMappings");
    if (!b) return std::unexpected(b.error());
    nc.blockDeviceMappings = std::move(*b);
  }
  if (const json* md = child(*spec, "metadataOptions")) {
    auto m = decodeMetadataOptions(*md, "spec.metadataOptions");
    if (!m) return std::unexpected(m.error());
    nc.metadataOptions = std::move(*m);
  }
  if (const json* tags = child(*spec, "tags")) {
    auto t = decodeStringMap(*tags, "spec.tags");
    if (!t) return std::unexpected(t.error());
    nc.tags = std::move(*t);
  }
  for (auto [field, target] :
       {std::pair{"associatePublicIPAddress", &nc.associatePublicIpAddress},
        std::pair{"detailedMonitoring", &nc.detailedMonitoring}}) {
    auto b = optionalBool(*spec, "spec", field);
    if (!b) return std::unexpected(b.error());
    *target = *b;
  }
  if (const json* status = child(object, "status")) {
    if (auto decoded = decodeEc2NodeClassStatus(*status, "status")) nc.status = std::move(*decoded);
  }
  return nc;
}

}  // namespace gantry::api
