// The EC2 Query protocol's request side: form parameters with 1-based indexed lists
// ("Filter.1.Value.2", "LaunchTemplateConfigs.1.Overrides.2.InstanceType"), and one encoder
// per call. Pure functions of the typed requests, so the wire format is tested without I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloudprovider/aws/ec2/ec2_types.h"

namespace gantry::cloudprovider::aws {

inline constexpr std::string_view kEc2ApiVersion = "2016-11-15";

class QueryParams {
 public:
  // Starts with Action and Version.
  explicit QueryParams(std::string_view action, std::string_view version = kEc2ApiVersion);

  void add(std::string key, std::string value);
  // Adds nothing for an empty value.
  void addIfSet(std::string key, const std::string& value);
  void addInt(std::string key, std::int64_t value);
  void addBool(std::string key, bool value);
  void addDouble(std::string key, double value);
  // prefix.1=v1, prefix.2=v2 ...
  void addList(std::string_view prefix, const std::vector<std::string>& values);
  // prefix.N.Name, prefix.N.Value.M
  void addFilters(const std::vector<Filter>& filters, std::string_view prefix = "Filter");
  // prefix.N.Key, prefix.N.Value
  void addTags(std::string_view prefix, const std::vector<Tag>& tags);
  // prefix.N.ResourceType, prefix.N.Tag.M.Key, prefix.N.Tag.M.Value
  void addTagSpecifications(std::string_view prefix, const std::vector<TagSpecification>& specs);

  std::string action() const;
  // The value of `key`, if present (the first one).
  std::optional<std::string> get(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  // application/x-www-form-urlencoded body: key=value pairs, RFC 3986 percent-encoded.
  std::string encode() const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

QueryParams encodeCreateFleet(const CreateFleetRequest& request);
QueryParams encodeRunInstances(const RunInstancesRequest& request);
QueryParams encodeTerminateInstances(const TerminateInstancesRequest& request);
QueryParams encodeDescribeInstances(const DescribeInstancesRequest& request);
QueryParams encodeDescribeInstanceTypes(const DescribeInstanceTypesRequest& request);
QueryParams encodeDescribeInstanceTypeOfferings(
    const DescribeInstanceTypeOfferingsRequest& request);
QueryParams encodeDescribeSubnets(const DescribeByIdsRequest& request);
QueryParams encodeDescribeSecurityGroups(const DescribeByIdsRequest& request);
QueryParams encodeDescribeImages(const DescribeByIdsRequest& request);
QueryParams encodeDescribeSpotPriceHistory(const DescribeSpotPriceHistoryRequest& request);
QueryParams encodeCreateTags(const std::vector<std::string>& resourceIds,
                             const std::vector<Tag>& tags);
QueryParams encodeCreateLaunchTemplate(const CreateLaunchTemplateRequest& request);
QueryParams encodeDescribeLaunchTemplates(const DescribeLaunchTemplatesRequest& request);

}  // namespace gantry::cloudprovider::aws
