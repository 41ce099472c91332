// libFuzzer target for everything that reads bytes from EC2 or STS: the XML reader, every
// EC2 response parser and the error-document classifier. Any input must yield a value or a
// Status, never a crash, a hang or unbounded memory.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cloudprovider/aws/ec2/ec2_xml.h"
#include "cloudprovider/aws/transport/xml_reader.h"

namespace aws = gantry::cloudprovider::aws;

namespace {

// The depth of the deepest element, which the reader promises to bound.
std::size_t depthOf(const aws::XmlNode& node) {
  std::size_t deepest = 0;
  for (const auto& child : node.children) deepest = std::max(deepest, depthOf(child));
  return deepest + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);

  if (auto doc = aws::parseXml(xml)) {
    if (depthOf(*doc) > aws::XmlLimits{}.maxDepth + 1) __builtin_trap();
    (void)doc->textAt("a/b/c");
    (void)doc->items("reservationSet");
  }
  (void)aws::parseCreateFleetResponse(xml);
  (void)aws::parseRunInstancesResponse(xml);
  (void)aws::parseTerminateInstancesResponse(xml);
  (void)aws::parseDescribeInstancesResponse(xml);
  (void)aws::parseDescribeInstanceTypesResponse(xml);
  (void)aws::parseDescribeInstanceTypeOfferingsResponse(xml);
  (void)aws::parseDescribeSubnetsResponse(xml);
  (void)aws::parseDescribeSecurityGroupsResponse(xml);
  (void)aws::parseDescribeImagesResponse(xml);
  (void)aws::parseDescribeSpotPriceHistoryResponse(xml);
  (void)aws::parseCreateTagsResponse(xml);
  (void)aws::parseCreateLaunchTemplateResponse(xml);
  (void)aws::parseDescribeLaunchTemplatesResponse(xml);
  (void)aws::parseAwsError(xml);
  (void)aws::awsErrorStatus("EC2", "DescribeInstances", 400, xml);
  return 0;
}
