// Parsers for the calls about resources a NodeClass refers to: subnets, security groups,
// images, launch templates, and the bare acknowledgement of CreateTags.
#include "cloudprovider/aws/ec2/ec2_xml.h"
#include "cloudprovider/aws/ec2/ec2_xml_util.h"

namespace gantry::cloudprovider::aws {
namespace {

using namespace xml;

LaunchTemplate parseLaunchTemplate(const XmlNode& n) {
  LaunchTemplate out;
  out.launchTemplateId = n.textAt("launchTemplateId");
  out.launchTemplateName = n.textAt("launchTemplateName");
  out.defaultVersionNumber = int64At(n, "defaultVersionNumber");
  out.latestVersionNumber = int64At(n, "latestVersionNumber");
  out.createTime = timeAt(n, "createTime");
  out.tags = tagsAt(n);
  return out;
}

}  // namespace

Result<Page<Subnet>> parseDescribeSubnetsResponse(std::string_view text) {
  auto root = parseRoot(text, "DescribeSubnetsResponse");
  if (!root) return fail(root.error());
  Page<Subnet> out;
  for (const XmlNode* n : root->items("subnetSet")) {
    Subnet s;
    s.subnetId = n->textAt("subnetId");
    s.vpcId = n->textAt("vpcId");
    s.availabilityZone = n->textAt("availabilityZone");
    s.availabilityZoneId = n->textAt("availabilityZoneId");
    s.cidrBlock = n->textAt("cidrBlock");
    s.availableIpAddressCount = int64At(*n, "availableIpAddressCount");
    s.state = n->textAt("state");
    s.mapPublicIpOnLaunch = boolAt(*n, "mapPublicIpOnLaunch");
    s.tags = tagsAt(*n);
    out.items.push_back(std::move(s));
  }
  out.nextToken = root->textAt("nextToken");
  return out;
}

Result<Page<SecurityGroup>> parseDescribeSecurityGroupsResponse(std::string_view text) {
  auto root = parseRoot(text, "DescribeSecurityGroupsResponse");
  if (!root) return fail(root.error());
  Page<SecurityGroup> out;
  for (const XmlNode* n : root->items("securityGroupInfo")) {
    out.items.push_back({n->textAt("groupId"), n->textAt("groupName"), n->textAt("vpcId"),
                         n->textAt("groupDescription"), tagsAt(*n)});
  }
  out.nextToken = root->textAt("nextToken");
  return out;
}

Result<Page<Image>> parseDescribeImagesResponse(std::string_view text) {
  auto root = parseRoot(text, "DescribeImagesResponse");
  if (!root) return fail(root.error());
  Page<Image> out;
  for (const XmlNode* n : root->items("imagesSet")) {
    Image img;
    img.imageId = n->textAt("imageId");
    img.name = n->textAt("name");
    img.architecture = n->textAt("architecture");
    img.state = n->textAt("imageState");
    img.ownerId = n->textAt("imageOwnerId");
    img.rootDeviceName = n->textAt("rootDeviceName");
    img.creationDate = timeAt(*n, "creationDate");
    img.deprecationTime = timeAt(*n, "deprecationTime");
    img.tags = tagsAt(*n);
    out.items.push_back(std::move(img));
  }
  out.nextToken = root->textAt("nextToken");
  return out;
}

Status parseCreateTagsResponse(std::string_view text) {
  auto root = parseRoot(text, "CreateTagsResponse");
  if (!root) return root.error();
  if (root->textAt("return") == "false") return Status::invalid("EC2 CreateTags returned false");
  return Status::ok();
}

Result<LaunchTemplate> parseCreateLaunchTemplateResponse(std::string_view text) {
  auto root = parseRoot(text, "CreateLaunchTemplateResponse");
  if (!root) return fail(root.error());
  const XmlNode* lt = root->child("launchTemplate");
  if (lt == nullptr)
    return fail(Status::invalid("CreateLaunchTemplate response has no launchTemplate"));
  return parseLaunchTemplate(*lt);
}

Result<Page<LaunchTemplate>> parseDescribeLaunchTemplatesResponse(std::string_view text) {
  auto root = parseRoot(text, "DescribeLaunchTemplatesResponse");
  if (!root) return fail(root.error());
  Page<LaunchTemplate> out;
  for (const XmlNode* n : root->items("launchTemplates"))
    out.items.push_back(parseLaunchTemplate(*n));
  out.nextToken = root->textAt("nextToken");
  return out;
}

}  // namespace gantry::cloudprovider::aws
