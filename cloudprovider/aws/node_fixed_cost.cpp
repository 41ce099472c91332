// Pricing a node's volumes and public address from its EC2NodeClass. Defaults follow
// Karpenter's per-family block device mappings, so a class that says nothing about volumes is
// charged for what Karpenter users expect it to get.
#include "cloudprovider/aws/node_fixed_cost.h"

#include <algorithm>
#include <cctype>

namespace gantry::cloudprovider::aws {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Root volume size when a mapping leaves it out: the family's default root.
int64_t defaultRootGiB(std::string_view family) {
  if (family == "bottlerocket") return 4;
  if (family.starts_with("windows")) return 50;
  return 20;
}

double perGiBMonth(std::string_view type, const EbsPrices& p) {
  if (type == "gp3") return p.gp3PerGiB;
  if (type == "io1") return p.io1PerGiB;
  if (type == "io2") return p.io2PerGiB;
  if (type == "st1") return p.st1PerGiB;
  if (type == "sc1") return p.sc1PerGiB;
  if (type == "standard") return p.standardPerGiB;
  return p.gp2PerGiB;  // gp2, and whatever this table does not know
}

}  // namespace

std::string amiFamilyOf(const api::Ec2NodeClass& nodeClass) {
  if (!nodeClass.amiFamily.empty()) return lower(nodeClass.amiFamily);
  for (const auto& term : nodeClass.amiSelectorTerms) {
    if (term.alias.empty()) continue;
    return lower(std::string_view(term.alias).substr(0, term.alias.find('@')));
  }
  return "al2023";
}

std::vector<PricedVolume> volumesOf(const api::Ec2NodeClass& nodeClass) {
  const std::string family = amiFamilyOf(nodeClass);
  std::vector<PricedVolume> out;
  if (!nodeClass.blockDeviceMappings.empty()) {
    for (const auto& device : nodeClass.blockDeviceMappings) {
      if (!device.ebs) continue;  // instance store or a suppressed device: no EBS charge
      const api::EbsSpec& ebs = *device.ebs;
      out.push_back({.sizeGiB = ebs.volumeSizeGiB.value_or(defaultRootGiB(family)),
                     .type = ebs.volumeType.empty() ? "gp2" : lower(ebs.volumeType),
                     .iops = ebs.iops.value_or(0),
                     .throughputMiBps = ebs.throughput.value_or(0)});
    }
    return out;
  }
  if (family == "custom") return out;  // Karpenter adds nothing: the AMI's own mappings apply
  out.push_back({.sizeGiB = defaultRootGiB(family), .type = "gp3"});
  if (family == "bottlerocket") out.push_back({.sizeGiB = 20, .type = "gp3"});  // data volume
  return out;
}

double volumeCostPerHour(const PricedVolume& v, const EbsPrices& p) {
  double month = static_cast<double>(v.sizeGiB) * perGiBMonth(v.type, p);
  if (v.type == "io1" || v.type == "io2") {
    month += static_cast<double>(v.iops) * p.ioPerIops;
  } else if (v.type == "gp3") {
    month += static_cast<double>(std::max<int64_t>(0, v.iops - p.gp3FreeIops)) * p.gp3PerIops;
    month += static_cast<double>(std::max<int64_t>(0, v.throughputMiBps - p.gp3FreeMiBps)) *
             p.gp3PerMiBps;
  }
  return month / p.hoursPerMonth;
}

double nodeFixedCostPerHour(const api::Ec2NodeClass& nodeClass, const EbsPrices& prices) {
  double total = 0;
  for (const PricedVolume& v : volumesOf(nodeClass)) total += volumeCostPerHour(v, prices);
  if (nodeClass.associatePublicIpAddress.value_or(false)) total += prices.publicIpv4PerHour;
  return total;
}

double defaultNodeFixedCostPerHour(const EbsPrices& prices) {
  return nodeFixedCostPerHour(api::Ec2NodeClass{}, prices);
}

double nodeFixedCostPerHour(const std::vector<api::Ec2NodeClass>& classes, std::string_view name,
                            const EbsPrices& prices) {
  for (const auto& nodeClass : classes) {
    if (nodeClass.name == name) return nodeFixedCostPerHour(nodeClass, prices);
  }
  return defaultNodeFixedCostPerHour(prices);
}

}  // namespace gantry::cloudprovider::aws
