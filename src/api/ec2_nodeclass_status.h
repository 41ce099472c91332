// What an EC2NodeClass resolves to (its status subresource, Karpenter v1 layout): the subnets,
// security groups and AMIs its selector terms select right now, the instance profile, and the
// conditions that say whether each part resolved. The cloud provider fills the lists, the
// EC2NodeClass status controller owns the conditions and writes the whole thing back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/api/condition.h"
#include "src/api/decode.h"
#include "src/api/labels.h"

namespace gantry::api {

namespace nodeclass {
// Condition types (Karpenter's names). Ready is True when the three parts are.
inline constexpr std::string_view kReady = "Ready";
inline constexpr std::string_view kSubnetsReady = "SubnetsReady";
inline constexpr std::string_view kSecurityGroupsReady = "SecurityGroupsReady";
inline constexpr std::string_view kAmisReady = "AMIsReady";
// Reasons of a part that selects nothing.
inline constexpr std::string_view kSubnetsNotFound = "SubnetsNotFound";
inline constexpr std::string_view kSecurityGroupsNotFound = "SecurityGroupsNotFound";
inline constexpr std::string_view kAmisNotFound = "AMIsNotFound";
// Reason of Ready when the cloud could not be asked what the class resolves to (throttled,
// unreachable, denied) several times running: Ready is Unknown then when that may pass by
// itself, False when it will not (denied, unsupported). Either way the class cannot launch.
inline constexpr std::string_view kResolutionFailed = "ResolutionFailed";
}  // namespace nodeclass

// status.subnets[]
struct NodeClassSubnet {
  std::string id{};
  std::string zone{};
  std::string zoneId{};  // "use1-az1"; may be empty
  friend bool operator==(const NodeClassSubnet&, const NodeClassSubnet&) = default;
};

// status.securityGroups[]
struct NodeClassSecurityGroup {
  std::string id{};
  std::string name{};
  friend bool operator==(const NodeClassSecurityGroup&, const NodeClassSecurityGroup&) = default;
};

// status.amis[]: an image and the instance types it serves, as node-selector requirements on
// the labels a node of the type carries (kubernetes.io/arch, and for the EKS-optimized
// variants gantry.dev/instance-gpu-manufacturer).
struct NodeClassAmi {
  std::string id{};
  std::string name{};  // may be empty (alias images are known by id only)
  bool deprecated = false;
  std::vector<Requirement> requirements{};
  friend bool operator==(const NodeClassAmi& a, const NodeClassAmi& b);
};

struct Ec2NodeClassStatus {
  std::vector<NodeClassSubnet> subnets{};
  std::vector<NodeClassSecurityGroup> securityGroups{};
  std::vector<NodeClassAmi> amis{};
  std::string instanceProfile{};
  std::vector<Condition> conditions{};
  friend bool operator==(const Ec2NodeClassStatus&, const Ec2NodeClassStatus&) = default;
};

// Decodes the `status` object of an EC2NodeClass. `path` prefixes field errors ("status").
// Errors: a FieldError for a wrong type, a list item without its required id (zone for
// subnets), an unknown requirement operator, or a malformed condition.
DecodeResult<Ec2NodeClassStatus> decodeEc2NodeClassStatus(const nlohmann::json& value,
                                                          const std::string& path = "status");

// The wire form of `status` (the value of the object's "status"): every list is present, even
// when empty, so that a JSON merge patch of it replaces what the server holds; an empty
// instanceProfile is null (a merge patch then removes it).
nlohmann::json encodeEc2NodeClassStatus(const Ec2NodeClassStatus& status);

}  // namespace gantry::api
