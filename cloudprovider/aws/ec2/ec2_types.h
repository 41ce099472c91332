// Typed requests and responses for the EC2 calls Gantry makes. Field names follow the EC2
// API (in camelBack) so the wire mapping in ec2_query.cpp and ec2_xml*.cpp reads one to
// one; only fields Gantry uses are kept. Every member defaults with {} so designated
// initialisers may leave any of them out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/common/clock.h"

namespace gantry::cloudprovider::aws {

struct Tag {
  std::string key{};
  std::string value{};
  bool operator==(const Tag&) const = default;
};

// "Filter.N.Name" / "Filter.N.Value.M": a resource matches when, for every filter, one of
// its values matches.
struct Filter {
  std::string name{};
  std::vector<std::string> values{};
};

// A set of tags for resources of one type created by the call ("instance", "volume",
// "network-interface", "fleet", "launch-template", "spot-instances-request").
struct TagSpecification {
  std::string resourceType{};
  std::vector<Tag> tags{};
};

// ---- Instances -----------------------------------------------------------------------

struct Instance {
  std::string instanceId{};
  std::string instanceType{};
  std::string imageId{};
  std::string state{};  // pending | running | shutting-down | terminated | stopping | stopped
  std::string stateReasonCode{};  // e.g. "Server.SpotInstanceTermination"
  std::string stateReasonMessage{};
  std::string availabilityZone{};
  std::string subnetId{};
  std::string vpcId{};
  std::vector<std::string> securityGroupIds{};  // groupSet, sorted
  std::string privateDnsName{};
  std::string privateIpAddress{};
  std::string architecture{};  // x86_64 | arm64
  std::string lifecycle{};     // "spot", "capacity-block", or "" for on-demand
  std::string capacityReservationId{};
  std::optional<Clock::TimePoint> launchTime{};
  std::vector<Tag> tags{};
};

struct DescribeInstancesRequest {
  std::vector<std::string> instanceIds{};
  std::vector<Filter> filters{};
};

struct TerminateInstancesRequest {
  std::vector<std::string> instanceIds{};
};

struct InstanceStateChange {
  std::string instanceId{};
  std::string previousState{};
  std::string currentState{};
};

struct LaunchTemplateSpecification {
  std::string launchTemplateId{};  // one of id or name
  std::string launchTemplateName{};
  std::string version{};  // "$Latest", "$Default" or a number; empty: default
};

struct RunInstancesRequest {
  LaunchTemplateSpecification launchTemplate{};  // optional: empty id and name omit it
  std::string imageId{};
  std::string instanceType{};
  std::string subnetId{};
  std::vector<std::string> securityGroupIds{};
  int minCount = 1;
  int maxCount = 1;
  std::string marketType{};  // "spot" for a one-time spot instance; empty for on-demand
  std::string userData{};    // already base64-encoded
  std::vector<TagSpecification> tagSpecifications{};
  std::string clientToken{};  // filled in by the client when empty, for safe retries
};

// ---- CreateFleet (type instant) ------------------------------------------------------

struct FleetOverride {
  std::string instanceType{};
  std::string subnetId{};
  std::string availabilityZone{};
  std::string imageId{};
  std::optional<double> priority{};  // lower is preferred (allocation strategy "prioritized")
  std::optional<std::string> maxPrice{};
  std::optional<double> weightedCapacity{};
};

struct FleetLaunchTemplateConfig {
  LaunchTemplateSpecification launchTemplate{};
  std::vector<FleetOverride> overrides{};
};

struct CreateFleetRequest {
  std::vector<FleetLaunchTemplateConfig> launchTemplateConfigs{};
  int totalTargetCapacity = 1;
  std::string defaultTargetCapacityType = "on-demand";  // on-demand | spot
  std::string onDemandAllocationStrategy{};             // lowest-price | prioritized
  std::string
      spotAllocationStrategy{};  // price-capacity-optimized | capacity-optimized-prioritized ...
  std::optional<int> minTargetCapacity{};  // with singleInstanceType: all-or-nothing launches
  bool singleInstanceType = false;
  bool singleAvailabilityZone = false;
  std::vector<TagSpecification> tagSpecifications{};
  std::string type = "instant";
  std::string clientToken{};  // filled in by the client when empty, for safe retries
};

// One pool (type, zone, subnet) the fleet could not launch in.
struct CreateFleetError {
  std::string instanceType{};
  std::string availabilityZone{};
  std::string subnetId{};
  std::string lifecycle{};  // spot | on-demand
  std::string errorCode{};  // e.g. InsufficientInstanceCapacity
  std::string errorMessage{};
};

struct CreateFleetInstance {
  std::vector<std::string> instanceIds{};
  std::string instanceType{};
  std::string availabilityZone{};
  std::string subnetId{};
  std::string lifecycle{};
};

struct CreateFleetResponse {
  std::string fleetId{};
  std::vector<CreateFleetInstance> instances{};
  std::vector<CreateFleetError> errors{};
};

// ---- Catalog -------------------------------------------------------------------------

struct GpuDevice {
  std::string name{};          // "A100", "T4"
  std::string manufacturer{};  // "NVIDIA", "AMD"
  int count = 0;
  std::int64_t memoryMiB = 0;  // per device
  // gpuPartitionSize: the share of one device a fractional-GPU type gets (0.125 for
  // g6f.large, whose count is 0); 1 for whole GPUs and when EC2 leaves it out.
  double partitionSize = 1.0;
};

struct AcceleratorDevice {  // Inferentia/Trainium (neuronInfo) and older inference accelerators
  std::string name{};
  std::string manufacturer{};
  int count = 0;
  int coreCount = 0;
  std::int64_t memoryMiB = 0;
};

struct InstanceTypeInfo {
  std::string instanceType{};
  bool currentGeneration = false;
  bool bareMetal = false;
  bool burstablePerformanceSupported = false;
  std::string hypervisor{};                           // nitro | xen | "" (bare metal)
  std::vector<std::string> supportedUsageClasses{};   // on-demand, spot, capacity-block
  std::vector<std::string> supportedArchitectures{};  // x86_64, arm64, i386
  double sustainedClockSpeedGhz = 0;
  int defaultVCpus = 0;
  std::int64_t memoryMiB = 0;
  std::vector<GpuDevice> gpus{};
  std::int64_t totalGpuMemoryMiB = 0;
  std::vector<AcceleratorDevice> accelerators{};  // neuron and inference accelerators
  int maximumNetworkInterfaces = 0;
  int ipv4AddressesPerInterface = 0;
  std::string networkPerformance{};
  bool efaSupported = false;
  int maximumEfaInterfaces = 0;
  std::int64_t instanceStorageGb = 0;  // 0: EBS only
  std::string nvmeSupport{};           // for instance storage: required | supported | unsupported
};

struct DescribeInstanceTypesRequest {
  std::vector<std::string> instanceTypes{};
  std::vector<Filter> filters{};
};

struct InstanceTypeOffering {
  std::string instanceType{};
  std::string locationType{};  // region | availability-zone | availability-zone-id
  std::string location{};
};

struct DescribeInstanceTypeOfferingsRequest {
  std::string locationType = "availability-zone";
  std::vector<Filter> filters{};
};

struct DescribeSpotPriceHistoryRequest {
  std::vector<std::string> instanceTypes{};
  std::vector<std::string> productDescriptions{};  // e.g. "Linux/UNIX"
  std::vector<Filter> filters{};
  std::optional<Clock::TimePoint> startTime{};  // with endTime unset: prices in effect since
  std::optional<Clock::TimePoint> endTime{};
};

struct SpotPrice {
  std::string instanceType{};
  std::string availabilityZone{};
  std::string productDescription{};
  double price = 0;  // USD per hour
  std::optional<Clock::TimePoint> timestamp{};
};

// ---- Network, images, launch templates ------------------------------------------------

struct Subnet {
  std::string subnetId{};
  std::string vpcId{};
  std::string availabilityZone{};
  std::string availabilityZoneId{};
  std::string cidrBlock{};
  std::int64_t availableIpAddressCount = 0;
  std::string state{};
  bool mapPublicIpOnLaunch = false;
  std::vector<Tag> tags{};
};

struct SecurityGroup {
  std::string groupId{};
  std::string groupName{};
  std::string vpcId{};
  std::string description{};
  std::vector<Tag> tags{};
};

struct Image {
  std::string imageId{};
  std::string name{};
  std::string architecture{};
  std::string state{};  // available | pending | failed ...
  std::string ownerId{};
  std::string rootDeviceName{};
  std::optional<Clock::TimePoint> creationDate{};
  std::optional<Clock::TimePoint> deprecationTime{};
  std::vector<Tag> tags{};
};

// DescribeSubnets, DescribeSecurityGroups and DescribeImages take ids and/or filters.
struct DescribeByIdsRequest {
  std::vector<std::string> ids{};
  std::vector<Filter> filters{};
  std::vector<std::string> owners{};  // DescribeImages only: "self", "amazon", account ids
};

struct BlockDeviceMapping {
  std::string deviceName{};  // "/dev/xvda"
  std::optional<int> volumeSizeGiB{};
  std::string volumeType{};  // gp3 ...
  std::optional<int> iops{};
  std::optional<int> throughput{};
  std::optional<bool> encrypted{};
  std::string kmsKeyId{};
  std::string snapshotId{};
  std::optional<bool> deleteOnTermination{};
};

struct MetadataOptions {
  std::string httpTokens{};  // required | optional
  std::optional<int> httpPutResponseHopLimit{};
  std::string httpEndpoint{};          // enabled | disabled
  std::string httpProtocolIpv6{};      // enabled | disabled
  std::string instanceMetadataTags{};  // enabled | disabled
};

struct LaunchTemplateData {
  std::string imageId{};
  std::string instanceType{};
  std::string userData{};  // already base64-encoded
  std::vector<std::string> securityGroupIds{};
  std::string iamInstanceProfileName{};
  std::string iamInstanceProfileArn{};
  std::vector<BlockDeviceMapping> blockDeviceMappings{};
  MetadataOptions metadataOptions{};
  std::vector<TagSpecification> tagSpecifications{};  // applied to instances/volumes launched
  std::optional<bool> detailedMonitoring{};
};

struct CreateLaunchTemplateRequest {
  std::string launchTemplateName{};
  LaunchTemplateData data{};
  std::vector<TagSpecification> tagSpecifications{};  // for the template ("launch-template")
  std::string clientToken{};  // filled in by the client when empty, for safe retries
};

struct LaunchTemplate {
  std::string launchTemplateId{};
  std::string launchTemplateName{};
  std::int64_t defaultVersionNumber = 0;
  std::int64_t latestVersionNumber = 0;
  std::optional<Clock::TimePoint> createTime{};
  std::vector<Tag> tags{};
};

struct DescribeLaunchTemplatesRequest {
  std::vector<std::string> launchTemplateIds{};
  std::vector<std::string> launchTemplateNames{};
  std::vector<Filter> filters{};
};

}  // namespace gantry::cloudprovider::aws
