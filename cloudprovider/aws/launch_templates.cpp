// The name is derived from the full template data rather than from the class name and
// generation, so two controllers (or a restart) agree on it without any shared state, and a
// class edit that does not change the launch (a label, say) keeps the template.
#include "cloudprovider/aws/launch_templates.h"

#include <nlohmann/json.hpp>

#include "cloudprovider/aws/transport/crypto.h"
#include "cloudprovider/aws/transport/logging.h"

namespace gantry::cloudprovider::aws {

std::string base64Encode(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

LaunchTemplateData launchTemplateData(const LaunchTemplateInputs& inputs) {
  const api::Ec2NodeClass& nc = *inputs.nodeClass;
  LaunchTemplateData data;
  data.imageId = inputs.imageId;
  if (!nc.userData.empty()) data.userData = base64Encode(nc.userData);
  data.securityGroupIds = inputs.securityGroupIds;
  data.iamInstanceProfileName = nc.instanceProfile;
  for (const auto& device : nc.blockDeviceMappings) {
    BlockDeviceMapping m{.deviceName = device.deviceName};
    if (device.ebs) {
      const api::EbsSpec& ebs = *device.ebs;
      if (ebs.volumeSizeGiB) m.volumeSizeGiB = static_cast<int>(*ebs.volumeSizeGiB);
      m.volumeType = ebs.volumeType;
      if (ebs.iops) m.iops = static_cast<int>(*ebs.iops);
      if (ebs.throughput) m.throughput = static_cast<int>(*ebs.throughput);
      m.encrypted = ebs.encrypted;
      m.kmsKeyId = ebs.kmsKeyId;
      m.snapshotId = ebs.snapshotId;
      m.deleteOnTermination = ebs.deleteOnTermination;
    }
    data.blockDeviceMappings.push_back(std::move(m));
  }
  if (data.blockDeviceMappings.empty()) {
    // Karpenter's AL2023 default root volume.
    data.blockDeviceMappings.push_back({.deviceName = "/dev/xvda",
                                        .volumeSizeGiB = 20,
                                        .volumeType = "gp3",
                                        .encrypted = true,
                                        .deleteOnTermination = true});
  }
  data.metadataOptions = {.httpTokens = nc.metadataOptions.httpTokens,
                          .httpPutResponseHopLimit =
                              static_cast<int>(nc.metadataOptions.httpPutResponseHopLimit),
                          .httpEndpoint = nc.metadataOptions.httpEndpoint,
                          .httpProtocolIpv6 = nc.metadataOptions.httpProtocolIpv6};
  data.detailedMonitoring = nc.detailedMonitoring;
  return data;
}

std::string launchTemplateName(const LaunchTemplateInputs& inputs) {
  const LaunchTemplateData d = launchTemplateData(inputs);
  // A canonical rendering of every field that changes the launch.
  nlohmann::json doc = {{"cluster", inputs.clusterName},
                        {"image", d.imageId},
                        {"userData", d.userData},
                        {"securityGroups", d.securityGroupIds},
                        {"profile", d.iamInstanceProfileName},
                        {"md", {d.metadataOptions.httpTokens, d.metadataOptions.httpEndpoint,
                                d.metadataOptions.httpProtocolIpv6,
                                d.metadataOptions.httpPutResponseHopLimit.value_or(0)}},
                        {"monitoring", d.detailedMonitoring.has_value()
                                           ? nlohmann::json(*d.detailedMonitoring)
                                           : nlohmann::json()}};
  for (const auto& b : d.blockDeviceMappings) {
    doc["bdm"].push_back({b.deviceName, b.volumeSizeGiB.value_or(-1), b.volumeType,
                          b.iops.value_or(-1), b.throughput.value_or(-1),
                          b.encrypted.has_value() ? int(*b.encrypted) : -1, b.kmsKeyId,
                          b.snapshotId,
                          b.deleteOnTermination.has_value() ? int(*b.deleteOnTermination) : -1});
  }
  return "gantry/" + inputs.clusterName + "/" + sha256Hex(doc.dump()).substr(0, 24);
}

Result<LaunchTemplateSpecification> LaunchTemplates::describeByName(const std::string& name) {
  auto found = ec2_.describeLaunchTemplates({.launchTemplateNames = {name}});
  if (!found) return fail(found.error());
  for (const auto& lt : *found) {
    if (lt.launchTemplateName == name) {
      std::lock_guard lock(mu_);
      idsByName_[name] = lt.launchTemplateId;
      return LaunchTemplateSpecification{.launchTemplateId = lt.launchTemplateId,
                                         .version = "$Latest"};
    }
  }
  return fail(Status::notFound("launch template " + name + " not found"));
}

Result<LaunchTemplateSpecification> LaunchTemplates::ensure(const LaunchTemplateInputs& inputs) {
  const std::string name = launchTemplateName(inputs);
  {
    std::lock_guard lock(mu_);
    if (auto it = idsByName_.find(name); it != idsByName_.end()) {
      return LaunchTemplateSpecification{.launchTemplateId = it->second, .version = "$Latest"};
    }
  }
  auto existing = describeByName(name);
  if (existing || !existing.error().isNotFound()) return existing;

  CreateLaunchTemplateRequest request{
      .launchTemplateName = name,
      .data = launchTemplateData(inputs),
      .tagSpecifications = {{.resourceType = "launch-template",
                             .tags = {{"gantry.dev/cluster", inputs.clusterName},
                                      {"gantry.dev/ec2nodeclass", inputs.nodeClass->name}}}},
      // The same token for the same name: a retried create cannot make a second template.
      .clientToken = sha256Hex(name).substr(0, 64)};
  auto created = ec2_.createLaunchTemplate(request);
  if (created) {
    awsLogger()->info("created launch template name={} id={} image={}", name,
                      created->launchTemplateId, inputs.imageId);
    std::lock_guard lock(mu_);
    idsByName_[name] = created->launchTemplateId;
    return LaunchTemplateSpecification{.launchTemplateId = created->launchTemplateId,
                                       .version = "$Latest"};
  }
  if (created.error().isAlreadyExists()) return describeByName(name);  // another writer won
  return fail(created.error().withContext("create launch template " + name));
}

void LaunchTemplates::forget() {
  std::lock_guard lock(mu_);
  idsByName_.clear();
}

}  // namespace gantry::cloudprovider::aws
