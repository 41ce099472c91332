// Request encoders. Parameter names follow the EC2 Query API reference for API version
// 2016-11-15 (the names the AWS SDKs' marshallers emit); list members are 1-based.
#include "cloudprovider/aws/ec2/ec2_query.h"

#include <charconv>

#include "cloudprovider/aws/transport/iso8601.h"
#include "src/http/url.h"

namespace gantry::cloudprovider::aws {
namespace {

std::string indexed(std::string_view prefix, std::size_t i) {
  return std::string(prefix) + "." + std::to_string(i + 1);
}

void addLaunchTemplate(QueryParams& q, const std::string& prefix,
                       const LaunchTemplateSpecification& lt) {
  q.addIfSet(prefix + ".LaunchTemplateId", lt.launchTemplateId);
  q.addIfSet(prefix + ".LaunchTemplateName", lt.launchTemplateName);
  q.addIfSet(prefix + ".Version", lt.version);
}

}  // namespace

QueryParams::QueryParams(std::string_view action, std::string_view version) {
  entries_.emplace_back("Action", std::string(action));
  entries_.emplace_back("Version", std::string(version));
}

void QueryParams::add(std::string key, std::string value) {
  entries_.emplace_back(std::move(key), std::move(value));
}

void QueryParams::addIfSet(std::string key, const std::string& value) {
  if (!value.empty()) add(std::move(key), value);
}

void QueryParams::addInt(std::string key, std::int64_t value) {
  add(std::move(key), std::to_string(value));
}

void QueryParams::addBool(std::string key, bool value) {
  add(std::move(key), value ? "true" : "false");
}

void QueryParams::addDouble(std::string key, double value) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  add(std::move(key), ec == std::errc{} ? std::string(buf, end) : std::string("0"));
}

void QueryParams::addList(std::string_view prefix, const std::vector<std::string>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) add(indexed(prefix, i), values[i]);
}

void QueryParams::addFilters(const std::vector<Filter>& filters, std::string_view prefix) {
  for (std::size_t i = 0; i < filters.size(); ++i) {
    const std::string base = indexed(prefix, i);
    add(base + ".Name", filters[i].name);
    addList(base + ".Value", filters[i].values);
  }
}

void QueryParams::addTags(std::string_view prefix, const std::vector<Tag>& tags) {
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const std::string base = indexed(prefix, i);
    add(base + ".Key", tags[i].key);
    add(base + ".Value", tags[i].value);
  }
}

void QueryParams::addTagSpecifications(std::string_view prefix,
                                       const std::vector<TagSpecification>& specs) {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::string base = indexed(prefix, i);
    add(base + ".ResourceType", specs[i].resourceType);
    addTags(base + ".Tag", specs[i].tags);
  }
}

std::string QueryParams::action() const {
  return entries_.front().second;
}

std::optional<std::string> QueryParams::get(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::string QueryParams::encode() const {
  std::string out;
  for (const auto& [k, v] : entries_) {
    if (!out.empty()) out += '&';
    out += http::percentEncode(k);
    out += '=';
    out += http::percentEncode(v);
  }
  return out;
}

QueryParams encodeCreateFleet(const CreateFleetRequest& r) {
  QueryParams q("CreateFleet");
  q.add("Type", r.type);
  q.addIfSet("ClientToken", r.clientToken);
  for (std::size_t i = 0; i < r.launchTemplateConfigs.size(); ++i) {
    const auto& config = r.launchTemplateConfigs[i];
    const std::string base = indexed("LaunchTemplateConfigs", i);
    addLaunchTemplate(q, base + ".LaunchTemplateSpecification", config.launchTemplate);
    for (std::size_t j = 0; j < config.overrides.size(); ++j) {
      const auto& o = config.overrides[j];
      const std::string ob = indexed(base + ".Overrides", j);
      q.addIfSet(ob + ".InstanceType", o.instanceType);
      q.addIfSet(ob + ".SubnetId", o.subnetId);
      q.addIfSet(ob + ".AvailabilityZone", o.availabilityZone);
      q.addIfSet(ob + ".ImageId", o.imageId);
      if (o.priority) q.addDouble(ob + ".Priority", *o.priority);
      if (o.maxPrice) q.add(ob + ".MaxPrice", *o.maxPrice);
      if (o.weightedCapacity) q.addDouble(ob + ".WeightedCapacity", *o.weightedCapacity);
    }
  }
  q.addInt("TargetCapacitySpecification.TotalTargetCapacity", r.totalTargetCapacity);
  q.add("TargetCapacitySpecification.DefaultTargetCapacityType", r.defaultTargetCapacityType);
  // The options block for the capacity type being bought carries the launch constraints.
  const bool spot = r.defaultTargetCapacityType == "spot";
  const std::string options = spot ? "SpotOptions" : "OnDemandOptions";
  q.addIfSet(options + ".AllocationStrategy",
             spot ? r.spotAllocationStrategy : r.onDemandAllocationStrategy);
  if (r.singleInstanceType) q.addBool(options + ".SingleInstanceType", true);
  if (r.singleAvailabilityZone) q.addBool(options + ".SingleAvailabilityZone", true);
  if (r.minTargetCapacity) q.addInt(options + ".MinTargetCapacity", *r.minTargetCapacity);
  q.addTagSpecifications("TagSpecification", r.tagSpecifications);
  return q;
}

QueryParams encodeRunInstances(const RunInstancesRequest& r) {
  QueryParams q("RunInstances");
  if (!r.launchTemplate.launchTemplateId.empty() || !r.launchTemplate.launchTemplateName.empty()) {
    addLaunchTemplate(q, "LaunchTemplate", r.launchTemplate);
  }
  q.addIfSet("ImageId", r.imageId);
  q.addIfSet("InstanceType", r.instanceType);
  q.addIfSet("SubnetId", r.subnetId);
  q.addList("SecurityGroupId", r.securityGroupIds);
  q.addInt("MinCount", r.minCount);
  q.addInt("MaxCount", r.maxCount);
  q.addIfSet("InstanceMarketOptions.MarketType", r.marketType);
  q.addIfSet("UserData", r.userData);
  q.addTagSpecifications("TagSpecification", r.tagSpecifications);
  q.addIfSet("ClientToken", r.clientToken);
  return q;
}

QueryParams encodeTerminateInstances(const TerminateInstancesRequest& r) {
  QueryParams q("TerminateInstances");
  q.addList("InstanceId", r.instanceIds);
  return q;
}

QueryParams encodeDescribeInstances(const DescribeInstancesRequest& r) {
  QueryParams q("DescribeInstances");
  q.addList("InstanceId", r.instanceIds);
  q.addFilters(r.filters);
  return q;
}

QueryParams encodeDescribeInstanceTypes(const DescribeInstanceTypesRequest& r) {
  QueryParams q("DescribeInstanceTypes");
  q.addList("InstanceType", r.instanceTypes);
  q.addFilters(r.filters);
  return q;
}

QueryParams encodeDescribeInstanceTypeOfferings(const DescribeInstanceTypeOfferingsRequest& r) {
  QueryParams q("DescribeInstanceTypeOfferings");
  q.addIfSet("LocationType", r.locationType);
  q.addFilters(r.filters);
  return q;
}

QueryParams encodeDescribeSubnets(const DescribeByIdsRequest& r) {
  QueryParams q("DescribeSubnets");
  q.addList("SubnetId", r.ids);
  q.addFilters(r.filters);
  return q;
}

QueryParams encodeDescribeSecurityGroups(const DescribeByIdsRequest& r) {
  QueryParams q("DescribeSecurityGroups");
  q.addList("GroupId", r.ids);
  q.addFilters(r.filters);
  return q;
}

QueryParams encodeDescribeImages(const DescribeByIdsRequest& r) {
  QueryParams q("DescribeImages");
  q.addList("ImageId", r.ids);
  q.addList("Owner", r.owners);
  q.addFilters(r.filters);
  return q;
}

QueryParams encodeDescribeSpotPriceHistory(const DescribeSpotPriceHistoryRequest& r) {
  QueryParams q("DescribeSpotPriceHistory");
  q.addList("InstanceType", r.instanceTypes);
  q.addList("ProductDescription", r.productDescriptions);
  q.addFilters(r.filters);
  if (r.startTime) q.add("StartTime", formatIso8601(*r.startTime));
  if (r.endTime) q.add("EndTime", formatIso8601(*r.endTime));
  return q;
}

QueryParams encodeCreateTags(const std::vector<std::string>& resourceIds,
                             const std::vector<Tag>& tags) {
  QueryParams q("CreateTags");
  q.addList("ResourceId", resourceIds);
  q.addTags("Tag", tags);
  return q;
}

QueryParams encodeCreateLaunchTemplate(const CreateLaunchTemplateRequest& r) {
  QueryParams q("CreateLaunchTemplate");
  q.add("LaunchTemplateName", r.launchTemplateName);
  q.addIfSet("ClientToken", r.clientToken);
  const LaunchTemplateData& d = r.data;
  const std::string p = "LaunchTemplateData";
  q.addIfSet(p + ".ImageId", d.imageId);
  q.addIfSet(p + ".InstanceType", d.instanceType);
  q.addIfSet(p + ".UserData", d.userData);
  q.addList(p + ".SecurityGroupId", d.securityGroupIds);
  q.addIfSet(p + ".IamInstanceProfile.Name", d.iamInstanceProfileName);
  q.addIfSet(p + ".IamInstanceProfile.Arn", d.iamInstanceProfileArn);
  for (std::size_t i = 0; i < d.blockDeviceMappings.size(); ++i) {
    const auto& b = d.blockDeviceMappings[i];
    const std::string base = indexed(p + ".BlockDeviceMapping", i);
    q.addIfSet(base + ".DeviceName", b.deviceName);
    if (b.volumeSizeGiB) q.addInt(base + ".Ebs.VolumeSize", *b.volumeSizeGiB);
    q.addIfSet(base + ".Ebs.VolumeType", b.volumeType);
    if (b.iops) q.addInt(base + ".Ebs.Iops", *b.iops);
    if (b.throughput) q.addInt(base + ".Ebs.Throughput", *b.throughput);
    if (b.encrypted) q.addBool(base + ".Ebs.Encrypted", *b.encrypted);
    q.addIfSet(base + ".Ebs.KmsKeyId", b.kmsKeyId);
    q.addIfSet(base + ".Ebs.SnapshotId", b.snapshotId);
    if (b.deleteOnTermination) q.addBool(base + ".Ebs.DeleteOnTermination", *b.deleteOnTermination);
  }
  const MetadataOptions& m = d.metadataOptions;
  q.addIfSet(p + ".MetadataOptions.HttpTokens", m.httpTokens);
  if (m.httpPutResponseHopLimit) {
    q.addInt(p + ".MetadataOptions.HttpPutResponseHopLimit", *m.httpPutResponseHopLimit);
  }
  q.addIfSet(p + ".MetadataOptions.HttpEndpoint", m.httpEndpoint);
  q.addIfSet(p + ".MetadataOptions.HttpProtocolIpv6", m.httpProtocolIpv6);
  q.addIfSet(p + ".MetadataOptions.InstanceMetadataTags", m.instanceMetadataTags);
  q.addTagSpecifications(p + ".TagSpecification", d.tagSpecifications);
  if (d.detailedMonitoring) q.addBool(p + ".Monitoring.Enabled", *d.detailedMonitoring);
  q.addTagSpecifications("TagSpecification", r.tagSpecifications);
  return q;
}

QueryParams encodeDescribeLaunchTemplates(const DescribeLaunchTemplatesRequest& r) {
  QueryParams q("DescribeLaunchTemplates");
  q.addList("LaunchTemplateId", r.launchTemplateIds);
  q.addList("LaunchTemplateName", r.launchTemplateNames);
  q.addFilters(r.filters);
  return q;
}

}  // namespace gantry::cloudprovider::aws
