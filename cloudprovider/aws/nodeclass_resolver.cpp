// One describe call per selector term (terms are ORed, fields within a term ANDed, which is
// exactly what EC2's filters do within one call), results merged by id. Terms that matched
// nothing are remembered so the error, and the EC2NodeClass status after it, can name them.
#include "cloudprovider/aws/nodeclass_resolver.h"

#include <algorithm>
#include <set>

namespace gantry::cloudprovider::aws {

std::string eksOptimizedAmiParameter(std::string_view kubernetesVersion, std::string_view arch,
                                     bool nvidia, std::string_view version) {
  const std::string variant = nvidia ? "nvidia" : "standard";
  std::string path = "/aws/service/eks/optimized-ami/" + std::string(kubernetesVersion) +
                     "/amazon-linux-2023/" + std::string(arch) + "/" + variant + "/";
  if (version.empty() || version == "latest") return path + "recommended/image_id";
  return path + "amazon-eks-node-al2023-" + std::string(arch) + "-" + variant + "-" +
         std::string(kubernetesVersion) + "-" + std::string(version) + "/image_id";
}

std::vector<Filter> tagFilters(const api::Labels& tags) {
  std::vector<Filter> filters;
  for (const auto& [k, v] : tags) {
    if (v == "*") {
      filters.push_back({.name = "tag-key", .values = {k}});
    } else {
      filters.push_back({.name = "tag:" + k, .values = {v}});
    }
  }
  return filters;
}

namespace {

std::string describeTags(const api::Labels& tags) {
  std::string out = "tags={";
  for (const auto& [k, v] : tags) out += (out.size() > 6 ? "," : "") + k + "=" + v;
  return out + "}";
}

std::string describeTerm(const api::SelectorTerm& term) {
  if (!term.id.empty()) return "id=" + term.id;
  std::string out;
  if (!term.tags.empty()) out = describeTags(term.tags);
  if (!term.name.empty()) out += (out.empty() ? "" : " ") + std::string("name=") + term.name;
  return out;
}

std::string describeTerm(const api::AmiSelectorTerm& term) {
  if (!term.alias.empty()) return "alias=" + term.alias;
  if (!term.id.empty()) return "id=" + term.id;
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : " ") + part; };
  if (!term.name.empty()) add("name=" + term.name);
  if (!term.owner.empty()) add("owner=" + term.owner);
  if (!term.tags.empty()) add(describeTags(term.tags));
  return out;
}

// The terms of one part that matched nothing, for the error that names them all.
class Misses {
 public:
  void add(size_t index, std::string term, std::string why = "") {
    text_ += (text_.empty() ? "" : "; ") + std::string("[") + std::to_string(index) + "] " +
             std::move(term);
    if (!why.empty()) text_ += " (" + why + ")";
  }
  Status none(const std::string& nodeClass, std::string_view what, std::string_view field) const {
    return Status::invalid("EC2NodeClass " + nodeClass + ": no " + std::string(what) +
                           " matches spec." + std::string(field) + " " + text_);
  }

 private:
  std::string text_;
};

}  // namespace

NodeClassResolver::NodeClassResolver(NodeClassResolverOptions options, Ec2Api& ec2, SsmApi* ssm,
                                     Clock& clock)
    : options_(std::move(options)), ec2_(ec2), ssm_(ssm), clock_(clock) {}

Result<std::vector<Subnet>> NodeClassResolver::subnets(const api::Ec2NodeClass& nodeClass) {
  std::map<std::string, Subnet> byId;
  Misses misses;
  for (size_t i = 0; i < nodeClass.subnetSelectorTerms.size(); ++i) {
    const auto& term = nodeClass.subnetSelectorTerms[i];
    DescribeByIdsRequest request;
    if (!term.id.empty()) request.ids = {term.id};
    request.filters = tagFilters(term.tags);
    auto found = ec2_.describeSubnets(request);
    if (!found && found.error().isNotFound()) {
      misses.add(i, describeTerm(term), found.error().message());
      continue;
    }
    if (!found) return fail(found.error().withContext("discover subnets of " + nodeClass.name));
    size_t matched = 0;
    for (auto& s : *found) {
      if (!s.state.empty() && s.state != "available") continue;
      ++matched;
      byId.emplace(s.subnetId, std::move(s));
    }
    if (matched == 0) misses.add(i, describeTerm(term));
  }
  if (byId.empty()) return fail(misses.none(nodeClass.name, "subnet", "subnetSelectorTerms"));
  std::vector<Subnet> out;
  for (auto& [id, s] : byId) out.push_back(std::move(s));
  return out;
}

Result<std::vector<SecurityGroup>> NodeClassResolver::securityGroups(
    const api::Ec2NodeClass& nodeClass) {
  std::map<std::string, SecurityGroup> byId;
  Misses misses;
  for (size_t i = 0; i < nodeClass.securityGroupSelectorTerms.size(); ++i) {
    const auto& term = nodeClass.securityGroupSelectorTerms[i];
    DescribeByIdsRequest request;
    if (!term.id.empty()) request.ids = {term.id};
    request.filters = tagFilters(term.tags);
    if (!term.name.empty()) request.filters.push_back({.name = "group-name", .values = {term.name}});
    auto found = ec2_.describeSecurityGroups(request);
    if (!found && found.error().isNotFound()) {
      misses.add(i, describeTerm(term), found.error().message());
      continue;
    }
    if (!found) {
      return fail(found.error().withContext("discover security groups of " + nodeClass.name));
    }
    if (found->empty()) misses.add(i, describeTerm(term));
    for (auto& g : *found) byId.emplace(g.groupId, std::move(g));
  }
  if (byId.empty()) {
    return fail(misses.none(nodeClass.name, "security group", "securityGroupSelectorTerms"));
  }
  std::vector<SecurityGroup> out;
  for (auto& [id, g] : byId) out.push_back(std::move(g));
  return out;
}

Result<std::vector<std::string>> NodeClassResolver::securityGroupIds(
    const api::Ec2NodeClass& nodeClass) {
  auto groups = securityGroups(nodeClass);
  if (!groups) return fail(groups.error());
  std::vector<std::string> ids;
  for (const auto& g : *groups) ids.push_back(g.groupId);  // sorted: securityGroups() is by id
  return ids;
}

Result<std::string> NodeClassResolver::ssmParameter(const std::string& name) {
  // Answers, including "no such parameter" (a variant AWS does not publish), are cached so
  // every launch does not repeat the lookups.
  const auto now = clock_.now();
  {
    std::lock_guard lock(mu_);
    auto it = ssmCache_.find(name);
    if (it != ssmCache_.end() && it->second.second > now) {
      if (it->second.first.empty()) return fail(Status::notFound("SSM parameter " + name + " not found"));
      return it->second.first;
    }
  }
  auto value = ssm_->getParameter(name);
  if (!value && !value.error().isNotFound()) return value;
  std::lock_guard lock(mu_);
  ssmCache_[name] = {value ? *value : std::string(), now + options_.ssmCacheTtl};
  return value;
}

Result<std::vector<ResolvedImage>> NodeClassResolver::images(const api::Ec2NodeClass& nodeClass) {
  std::vector<ResolvedImage> out;
  std::set<std::string> seen;
  Misses misses;
  const auto now = clock_.now();
  for (size_t i = 0; i < nodeClass.amiSelectorTerms.size(); ++i) {
    const auto& term = nodeClass.amiSelectorTerms[i];
    const size_t before = out.size();
    if (!term.alias.empty()) {
      const auto at = term.alias.find('@');
      const std::string family = term.alias.substr(0, at);
      const std::string version = at == std::string::npos ? "latest" : term.alias.substr(at + 1);
      if (family != "al2023") {
        return fail(Status::invalid("EC2NodeClass " + nodeClass.name + ": AMI alias family " +
                                    family + " is not supported (only al2023)"));
      }
      if (ssm_ == nullptr) {
        return fail(Status::unimplemented("AMI aliases need an SSM client"));
      }
      struct Variant {
        const char* arch;
        bool nvidia;
      };
      for (Variant v : {Variant{"x86_64", false}, Variant{"x86_64", true}, Variant{"arm64", false}}) {
        const std::string param =
            eksOptimizedAmiParameter(options_.kubernetesVersion, v.arch, v.nvidia, version);
        auto id = ssmParameter(param);
        if (!id) {
          if (id.error().isNotFound()) continue;  // e.g. no NVIDIA build of a pinned version
          return fail(id.error().withContext("resolve AMI alias " + term.alias));
        }
        if (seen.insert(*id + (v.nvidia ? "/nvidia" : "")).second) {
          out.push_back({.imageId = *id, .architecture = v.arch, .nvidia = v.nvidia, .fromAlias = true});
        }
      }
      if (out.size() == before) {
        misses.add(i, describeTerm(term),
                   "SSM publishes no EKS-optimized AMI for Kubernetes " + options_.kubernetesVersion);
      }
      continue;
    }
    DescribeByIdsRequest request;
    if (!term.id.empty()) request.ids = {term.id};
    request.filters = tagFilters(term.tags);
    if (!term.name.empty()) request.filters.push_back({.name = "name", .values = {term.name}});
    if (!term.owner.empty()) request.owners = {term.owner};
    auto found = ec2_.describeImages(request);
    if (!found && found.error().isNotFound()) {
      misses.add(i, describeTerm(term), found.error().message());
      continue;
    }
    if (!found) return fail(found.error().withContext("discover images of " + nodeClass.name));
    size_t matched = 0;
    for (const auto& image : *found) {
      if (!image.state.empty() && image.state != "available") continue;
      ++matched;
      if (!seen.insert(image.imageId).second) continue;
      out.push_back({.imageId = image.imageId,
                     .name = image.name,
                     .architecture = image.architecture.empty() ? "x86_64" : image.architecture,
                     .deprecated = image.deprecationTime && *image.deprecationTime <= now,
                     .creationDate = image.creationDate});
    }
    if (matched == 0) misses.add(i, describeTerm(term));
  }
  if (out.empty()) return fail(misses.none(nodeClass.name, "AMI", "amiSelectorTerms"));
  std::stable_sort(out.begin(), out.end(), [](const ResolvedImage& a, const ResolvedImage& b) {
    return a.creationDate.value_or(Clock::TimePoint{}) > b.creationDate.value_or(Clock::TimePoint{});
  });
  return out;
}

std::optional<ResolvedImage> NodeClassResolver::imageFor(const std::vector<ResolvedImage>& images,
                                                         const api::InstanceType& type) {
  const std::string arch = type.architecture == "arm64" ? "arm64" : "x86_64";
  const bool wantsNvidia = type.gpu && type.gpu->manufacturer == "NVIDIA";
  std::optional<ResolvedImage> fallback;
  for (const auto& image : images) {
    if (image.architecture != arch) continue;
    if (image.fromAlias && image.nvidia != wantsNvidia) {
      if (!image.nvidia && !fallback) fallback = image;
      continue;
    }
    return image;
  }
  return fallback;
}

}  // namespace gantry::cloudprovider::aws
