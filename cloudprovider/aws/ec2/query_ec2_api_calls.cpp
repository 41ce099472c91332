// One method per EC2 call: encode the typed request (ec2_query.cpp), send it through
// call() and parse the answer (ec2_xml*.cpp). Page sizes are EC2's documented maxima.
#include "cloudprovider/aws/ec2/query_ec2_api.h"

#include <set>

namespace gantry::cloudprovider::aws {

template <typename T>
Result<std::vector<T>> QueryEc2Api::paginate(QueryParams params, int maxResults,
                                             Result<Page<T>> (*parse)(std::string_view)) {
  if (maxResults > 0) params.addInt("MaxResults", maxResults);
  std::vector<T> out;
  std::set<std::string> seenTokens;
  std::string token;
  for (int page = 0; page < options_.maxPages; ++page) {
    QueryParams paged = params;
    if (!token.empty()) paged.add("NextToken", token);
    auto body = call(paged, /*mutating=*/false);
    if (!body) return fail(body.error());
    auto parsed = parse(*body);
    if (!parsed) return fail(parsed.error().withContext("EC2 " + params.action()));
    std::move(parsed->items.begin(), parsed->items.end(), std::back_inserter(out));
    if (parsed->nextToken.empty()) return out;
    token = std::move(parsed->nextToken);
    // A token seen before would loop forever; EC2 never does this, a broken fake might.
    if (!seenTokens.insert(token).second) {
      return fail(Status::internal("EC2 " + params.action() + ": NextToken repeated"));
    }
  }
  return fail(Status::internal("EC2 " + params.action() + ": more than " +
                               std::to_string(options_.maxPages) + " pages"));
}

Result<CreateFleetResponse> QueryEc2Api::createFleet(const CreateFleetRequest& request) {
  CreateFleetRequest r = request;
  if (r.clientToken.empty()) r.clientToken = newClientToken();
  auto body = call(encodeCreateFleet(r), /*mutating=*/true);
  if (!body) return fail(body.error());
  return parseCreateFleetResponse(*body);
}

Result<std::vector<Instance>> QueryEc2Api::runInstances(const RunInstancesRequest& request) {
  RunInstancesRequest r = request;
  if (r.clientToken.empty()) r.clientToken = newClientToken();
  auto body = call(encodeRunInstances(r), /*mutating=*/true);
  if (!body) return fail(body.error());
  return parseRunInstancesResponse(*body);
}

Result<std::vector<InstanceStateChange>> QueryEc2Api::terminateInstances(
    const TerminateInstancesRequest& request) {
  auto body = call(encodeTerminateInstances(request), /*mutating=*/true);
  if (!body) return fail(body.error());
  return parseTerminateInstancesResponse(*body);
}

Result<std::vector<Instance>> QueryEc2Api::describeInstances(
    const DescribeInstancesRequest& request) {
  return paginate(encodeDescribeInstances(request), request.instanceIds.empty() ? 1000 : 0,
                  &parseDescribeInstancesResponse);
}

Result<std::vector<InstanceTypeInfo>> QueryEc2Api::describeInstanceTypes(
    const DescribeInstanceTypesRequest& request) {
  return paginate(encodeDescribeInstanceTypes(request), request.instanceTypes.empty() ? 100 : 0,
                  &parseDescribeInstanceTypesResponse);
}

Result<std::vector<InstanceTypeOffering>> QueryEc2Api::describeInstanceTypeOfferings(
    const DescribeInstanceTypeOfferingsRequest& request) {
  return paginate(encodeDescribeInstanceTypeOfferings(request), 1000,
                  &parseDescribeInstanceTypeOfferingsResponse);
}

Result<std::vector<Subnet>> QueryEc2Api::describeSubnets(const DescribeByIdsRequest& request) {
  return paginate(encodeDescribeSubnets(request), request.ids.empty() ? 1000 : 0,
                  &parseDescribeSubnetsResponse);
}

Result<std::vector<SecurityGroup>> QueryEc2Api::describeSecurityGroups(
    const DescribeByIdsRequest& request) {
  return paginate(encodeDescribeSecurityGroups(request), request.ids.empty() ? 1000 : 0,
                  &parseDescribeSecurityGroupsResponse);
}

Result<std::vector<Image>> QueryEc2Api::describeImages(const DescribeByIdsRequest& request) {
  return paginate(encodeDescribeImages(request), request.ids.empty() ? 1000 : 0,
                  &parseDescribeImagesResponse);
}

Result<std::vector<SpotPrice>> QueryEc2Api::describeSpotPriceHistory(
    const DescribeSpotPriceHistoryRequest& request) {
  return paginate(encodeDescribeSpotPriceHistory(request), 1000,
                  &parseDescribeSpotPriceHistoryResponse);
}

Status QueryEc2Api::createTags(const std::vector<std::string>& resourceIds,
                               const std::vector<Tag>& tags) {
  auto body = call(encodeCreateTags(resourceIds, tags), /*mutating=*/true);
  if (!body) return body.error();
  return parseCreateTagsResponse(*body);
}

Result<LaunchTemplate> QueryEc2Api::createLaunchTemplate(
    const CreateLaunchTemplateRequest& request) {
  CreateLaunchTemplateRequest r = request;
  if (r.clientToken.empty()) r.clientToken = newClientToken();
  auto body = call(encodeCreateLaunchTemplate(r), /*mutating=*/true);
  if (!body) return fail(body.error());
  return parseCreateLaunchTemplateResponse(*body);
}

Result<std::vector<LaunchTemplate>> QueryEc2Api::describeLaunchTemplates(
    const DescribeLaunchTemplatesRequest& request) {
  const bool byId = !request.launchTemplateIds.empty() || !request.launchTemplateNames.empty();
  return paginate(encodeDescribeLaunchTemplates(request), byId ? 0 : 200,
                  &parseDescribeLaunchTemplatesResponse);
}

}  // namespace gantry::cloudprovider::aws
