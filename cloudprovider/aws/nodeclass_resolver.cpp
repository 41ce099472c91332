// One describe call per selector term (terms are ORed, fields within a term ANDed, which is
// exactly what EC2's filters do within one call), results merged by id.
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

NodeClassResolver::NodeClassResolver(NodeClassResolverOptions options, Ec2Api& ec2, SsmApi* ssm,
                                     Clock& clock)
    : options_(std::move(options)), ec2_(ec2), ssm_(ssm), clock_(clock) {}

Result<std::vector<Subnet>> NodeClassResolver::subnets(const api::Ec2NodeClass& nodeClass) {
  std::map<std::string, Subnet> byId;
  for (const auto& term : nodeClass.subnetSelectorTerms) {
    DescribeByIdsRequest request;
    if (!term.id.empty()) request.ids = {term.id};
    request.filters = tagFilters(term.tags);
    auto found = ec2_.describeSubnets(request);
    if (!found) return fail(found.error().withContext("discover subnets of " + nodeClass.name));
    for (auto& s : *found) {
      if (s.state.empty() || s.state == "available") byId.emplace(s.subnetId, std::move(s));
    }
  }
  if (byId.empty()) {
    return fail(Status::invalid("EC2NodeClass " + nodeClass.name + ": no subnet matches"));
  }
  std::vector<Subnet> out;
  for (auto& [id, s] : byId) out.push_back(std::move(s));
  return out;
}

Result<std::vector<std::string>> NodeClassResolver::securityGroupIds(
    const api::Ec2NodeClass& nodeClass) {
  std::set<std::string> ids;
  for (const auto& term : nodeClass.securityGroupSelectorTerms) {
    DescribeByIdsRequest request;
    if (!term.id.empty()) request.ids = {term.id};
    request.filters = tagFilters(term.tags);
    if (!term.name.empty()) request.filters.push_back({.name = "group-name", .values = {term.name}});
    auto found = ec2_.describeSecurityGroups(request);
    if (!found) {
      return fail(found.error().withContext("discover security groups of " + nodeClass.name));
    }
    for (const auto& g : *found) ids.insert(g.groupId);
  }
  if (ids.empty()) {
    return fail(Status::invalid("EC2NodeClass " + nodeClass.name + ": no security group matches"));
  }
  return std::vector<std::string>(ids.begin(), ids.end());
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
  for (const auto& term : nodeClass.amiSelectorTerms) {
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
      continue;
    }
    DescribeByIdsRequest request;
    if (!term.id.empty()) request.ids = {term.id};
    request.filters = tagFilters(term.tags);
    if (!term.name.empty()) request.filters.push_back({.name = "name", .values = {term.name}});
    if (!term.owner.empty()) request.owners = {term.owner};
    auto found = ec2_.describeImages(request);
    if (!found) return fail(found.error().withContext("discover images of " + nodeClass.name));
    for (const auto& image : *found) {
      if (!image.state.empty() && image.state != "available") continue;
      if (!seen.insert(image.imageId).second) continue;
      out.push_back({.imageId = image.imageId,
                     .architecture = image.architecture.empty() ? "x86_64" : image.architecture,
                     .creationDate = image.creationDate});
    }
  }
  if (out.empty()) {
    return fail(Status::invalid("EC2NodeClass " + nodeClass.name + ": no AMI matches"));
  }
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
