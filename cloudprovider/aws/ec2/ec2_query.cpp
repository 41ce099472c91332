// Request encoders. Parameter names follow the EC2 Query API reference for API version
// 2016-11-15 (the names the AWS SDKs' marshallers emit); list members are 1-based.
#include "cloudprovider/aws/ec2/ec2_query.h"

#include "cloudprovider/aws/transport/iso8601.h"

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








void addFilters(QueryParams& q, const std::vector<Filter>& filters, std::string_view prefix) {
  for (std::size_t i = 0; i < filters.size(); ++i) {
    const std::string base = indexed(prefix, i);
    q.add(base + ".Name", filters[i].name);
    q.addList(base + ".Value", filters[i].values);
  }
}

void addTags(QueryParams& q, std::string_view prefix, const std::vector<Tag>& tags) {
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const std::string base = indexed(prefix, i);
    q.add(base + ".Key", tags[i].key);
    q.add(base + ".Value", tags[i].value);
  }
}

void addTagSpecifications(QueryParams& q, std::string_view prefix,
                          const std::vector<TagSpecification>& specs) {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::string base = indexed(prefix, i);
    q.add(base + ".ResourceType", specs[i].resourceType);
    addTags(q, base + ".Tag", specs[i].tags);
  }
}




QueryParams encodeCreateFleet(const CreateFleetRequest& r) {
  QueryParams q("CreateFleet", kEc2ApiVersion);
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
  addTagSpecifications(q, "TagSpecification", r.tagSpecifications);
  return q;
}

QueryParams encodeRunInstances(const RunInstancesRequest& r) {
  QueryParams q("RunInstances", kEc2ApiVersion);
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
  addTagSpecifications(q, "TagSpecification", r.tagSpecifications);
  q.addIfSet("ClientToken", r.clientToken);
  return q;
}

QueryParams encodeTerminateInstances(const TerminateInstancesRequest& r) {
  QueryParams q("TerminateInstances", kEc2ApiVersion);
  q.addList("InstanceId", r.instanceIds);
  return q;
}

QueryParams encodeDescribeInstances(const DescribeInstancesRequest& r) {
  QueryParams q("DescribeInstances", kEc2ApiVersion);
  q.addList("InstanceId", r.instanceIds);
  addFilters(q, r.filters);
  return q;
}

QueryParams encodeDescribeInstanceTypes(const DescribeInstanceTypesRequest& r) {
  QueryParams q("DescribeInstanceTypes", kEc2ApiVersion);
  q.addList("InstanceType", r.instanceTypes);
  addFilters(q, r.filters);
  return q;
}

QueryParams encodeDescribeInstanceTypeOfferings(const DescribeInstanceTypeOfferingsRequest& r) {
  QueryParams q("DescribeInstanceTypeOfferings", kEc2ApiVersion);
  q.addIfSet("LocationType", r.locationType);
  addFilters(q, r.filters);
  return q;
}

QueryParams encodeDescribeSubnets(const DescribeByIdsRequest& r) {
  QueryParams q("DescribeSubnets", kEc2ApiVersion);
  q.addList("SubnetId", r.ids);
  addFilters(q, r.filters);
  return q;
}

QueryParams encodeDescribeSecurityGroups(const DescribeByIdsRequest& r) {
  QueryParams q("DescribeSecurityGroups", kEc2ApiVersion);
  q.addList("GroupId", r.ids);
  addFilters(q, r.filters);
  return q;
}

QueryParams encodeDescribeImages(const DescribeByIdsRequest& r) {
  QueryParams q("DescribeImages", kEc2ApiVersion);
  q.addList("ImageId", r.ids);
  q.addList("Owner", r.owners);
  addFilters(q, r.filters);
  return q;
}

QueryParams encodeDescribeSpotPriceHistory(const DescribeSpotPriceHistoryRequest& r) {
  QueryParams q("DescribeSpotPriceHistory", kEc2ApiVersion);
  q.addList("InstanceType", r.instanceTypes);
  q.addList("ProductDescription", r.productDescriptions);
  addFilters(q, r.filters);
  if (r.startTime) q.add("StartTime", formatIso8601(*r.startTime));
  if (r.endTime) q.add("EndTime", formatIso8601(*r.endTime));
  return q;
}

QueryParams encodeCreateTags(const std::vector<std::string>& resourceIds,
                             const std::vector<Tag>& tags) {
  QueryParams q("CreateTags", kEc2ApiVersion);
  q.addList("ResourceId", resourceIds);
  addTags(q, "Tag", tags);
  return q;
}

QueryParams encodeCreateLaunchTemplate(const CreateLaunchTemplateRequest& r) {
  QueryParams q("CreateLaunchTemplate", kEc2ApiVersion);
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
  addTagSpecifications(q, p + ".TagSpecification", d.tagSpecifications);
  if (d.detailedMonitoring) q.addBool(p + ".Monitoring.Enabled", *d.detailedMonitoring);
  addTagSpecifications(q, "TagSpecification", r.tagSpecifications);
  return q;
}

QueryParams encodeDescribeLaunchTemplates(const DescribeLaunchTemplatesRequest& r) {
  QueryParams q("DescribeLaunchTemplates", kEc2ApiVersion);
  q.addList("LaunchTemplateId", r.launchTemplateIds);
  q.addList("LaunchTemplateName", r.launchTemplateNames);
  addFilters(q, r.filters);
  return q;
}

}  // namespace gantry::cloudprovider::aws
