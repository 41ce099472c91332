// The EC2NodeClass model: how Gantry launches an instance on AWS (subnets, security groups,
// AMIs, IAM, user data, volumes, metadata options, tags). Field-compatible with Karpenter's v1
// EC2NodeClass so a Karpenter user moves by changing only the apiVersion.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/api/decode.h"
#include "src/api/ec2_nodeclass_status.h"
#include "src/api/labels.h"

namespace gantry::api {

// spec.subnetSelectorTerms[] / spec.securityGroupSelectorTerms[]: a term matches a
// resource by id, or by every one of its tags (a value "*" matches any value of that key).
// Terms are ORed.
struct SelectorTerm {
  Labels tags{};
  std::string id{};
  std::string name{};  // securityGroupSelectorTerms only (group name)
};

// spec.amiSelectorTerms[]: alias ("al2023@latest") selects the EKS-optimized image through
// SSM; otherwise id, or name/owner/tags (all that are set must match).
struct AmiSelectorTerm {
  std::string alias{};
  Labels tags{};
  std::string id{};
  std::string name{};
  std::string owner{};
};

struct EbsSpec {
  std::optional<int64_t> volumeSizeGiB{};  // from a Quantity ("20Gi"), rounded up to GiB
  std::string volumeType{};                 // gp3, io2 ...
  std::optional<int64_t> iops{};
  std::optional<int64_t> throughput{};
  std::optional<bool> encrypted{};
  std::optional<bool> deleteOnTermination{};
  std::string kmsKeyId{};
  std::string snapshotId{};
};

struct NodeClassBlockDevice {
  std::string deviceName{};
  std::optional<EbsSpec> ebs{};
  bool rootVolume = false;
};

// Karpenter v1 defaults: httpEndpoint enabled, IPv6 disabled, hop limit 1, IMDSv2 required.
struct NodeClassMetadataOptions {
  std::string httpEndpoint = "enabled";
  std::string httpProtocolIpv6 = "disabled";
  int64_t httpPutResponseHopLimit = 1;
  std::string httpTokens = "required";
};

struct Ec2NodeClass {
  std::string name{};
  std::string uid{};       // metadata.uid
  int64_t generation = 0;  // metadata.generation
  std::vector<SelectorTerm> subnetSelectorTerms{};
  std::vector<SelectorTerm> securityGroupSelectorTerms{};
  std::vector<AmiSelectorTerm> amiSelectorTerms{};
  std::string amiFamily{};  // AL2023, Bottlerocket, Custom ...; empty: from the alias
  std::string role{};
  std::string instanceProfile{};
  std::string userData{};  // plain text as written; base64-encoded at launch
  std::vector<NodeClassBlockDevice> blockDeviceMappings{};
  NodeClassMetadataOptions metadataOptions{};
  Labels tags{};
  std::optional<bool> associatePublicIpAddress{};
  std::optional<bool> detailedMonitoring{};
  Ec2NodeClassStatus status{};  // as last written; never read by launches
};

// An EC2NodeClass object (Karpenter v1 layout under spec). Errors: a FieldError naming the
// path ("spec.blockDeviceMappings[0].ebs.volumeSize") for a wrong type, a malformed quantity,
// a selector term with nothing in it, or neither/both of role and instanceProfile.
// Unknown fields are ignored. A status that does not decode is left empty rather than
// refusing the object: status is Gantry's own to rewrite, the spec is the user's.
DecodeResult<Ec2NodeClass> decodeEc2NodeClass(const nlohmann::json& object);

}  // namespace gantry::api
