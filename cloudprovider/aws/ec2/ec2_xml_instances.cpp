// Parsers for the instance lifecycle calls: CreateFleet, RunInstances, TerminateInstances,
// DescribeInstances. Element names follow the EC2 API reference (lowerCamel, lists as
// <xSet><item>).
#include <algorithm>

#include "cloudprovider/aws/ec2/ec2_xml.h"
#include "cloudprovider/aws/ec2/ec2_xml_util.h"

namespace gantry::cloudprovider::aws {
namespace {

using namespace xml;

Instance parseInstance(const XmlNode& n) {
  Instance out;
  out.instanceId = n.textAt("instanceId");
  out.instanceType = n.textAt("instanceType");
  out.imageId = n.textAt("imageId");
  out.state = n.textAt("instanceState/name");
  out.stateReasonCode = n.textAt("stateReason/code");
  out.stateReasonMessage = n.textAt("stateReason/message");
  out.availabilityZone = n.textAt("placement/availabilityZone");
  out.subnetId = n.textAt("subnetId");
  out.vpcId = n.textAt("vpcId");
  for (const XmlNode* group : n.items("groupSet")) {
    out.securityGroupIds.push_back(group->textAt("groupId"));
  }
  std::sort(out.securityGroupIds.begin(), out.securityGroupIds.end());
  out.privateDnsName = n.textAt("privateDnsName");
  out.privateIpAddress = n.textAt("privateIpAddress");
  out.architecture = n.textAt("architecture");
  out.lifecycle = n.textAt("instanceLifecycle");
  out.capacityReservationId = n.textAt("capacityReservationId");
  out.launchTime = timeAt(n, "launchTime");
  out.tags = tagsAt(n);
  return out;
}

// Where a fleet placed (or failed to place) capacity: the overrides echoed back.
void readPool(const XmlNode& item, std::string& instanceType, std::string& zone,
              std::string& subnet) {
  const XmlNode* overrides = item.find("launchTemplateAndOverrides/overrides");
  if (overrides != nullptr) {
    instanceType = overrides->textAt("instanceType");
    zone = overrides->textAt("availabilityZone");
    if (zone.empty()) zone = overrides->textAt("placement/availabilityZone");
    subnet = overrides->textAt("subnetId");
  }
  // Instances also carry the type at the top level; prefer it when present.
  if (const std::string top = item.textAt("instanceType"); !top.empty()) instanceType = top;
}

}  // namespace

Result<CreateFleetResponse> parseCreateFleetResponse(std::string_view text) {
  auto root = parseRoot(text, "CreateFleetResponse");
  if (!root) return fail(root.error());
  CreateFleetResponse out;
  out.fleetId = root->textAt("fleetId");
  for (const XmlNode* item : root->items("fleetInstanceSet")) {
    CreateFleetInstance inst;
    readPool(*item, inst.instanceType, inst.availabilityZone, inst.subnetId);
    inst.lifecycle = item->textAt("lifecycle");
    inst.instanceIds = stringsAt(*item, "instanceIds");
    out.instances.push_back(std::move(inst));
  }
  for (const XmlNode* item : root->items("errorSet")) {
    CreateFleetError err;
    readPool(*item, err.instanceType, err.availabilityZone, err.subnetId);
    err.lifecycle = item->textAt("lifecycle");
    err.errorCode = item->textAt("errorCode");
    err.errorMessage = item->textAt("errorMessage");
    out.errors.push_back(std::move(err));
  }
  return out;
}

Result<std::vector<Instance>> parseRunInstancesResponse(std::string_view text) {
  auto root = parseRoot(text, "RunInstancesResponse");
  if (!root) return fail(root.error());
  std::vector<Instance> out;
  for (const XmlNode* item : root->items("instancesSet")) out.push_back(parseInstance(*item));
  return out;
}

Result<std::vector<InstanceStateChange>> parseTerminateInstancesResponse(std::string_view text) {
  auto root = parseRoot(text, "TerminateInstancesResponse");
  if (!root) return fail(root.error());
  std::vector<InstanceStateChange> out;
  for (const XmlNode* item : root->items("instancesSet")) {
    out.push_back({item->textAt("instanceId"), item->textAt("previousState/name"),
                   item->textAt("currentState/name")});
  }
  return out;
}

Result<Page<Instance>> parseDescribeInstancesResponse(std::string_view text) {
  auto root = parseRoot(text, "DescribeInstancesResponse");
  if (!root) return fail(root.error());
  Page<Instance> out;
  for (const XmlNode* reservation : root->items("reservationSet")) {
    for (const XmlNode* item : reservation->items("instancesSet")) {
      out.items.push_back(parseInstance(*item));
    }
  }
  out.nextToken = root->textAt("nextToken");
  return out;
}

}  // namespace gantry::cloudprovider::aws
