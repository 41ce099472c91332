// What a node costs on AWS besides its instance price: the EBS volumes its EC2NodeClass
// attaches (spec.blockDeviceMappings, else the AMI family's default volumes) and a public IPv4
// address when the class associates one. The solver adds it per node, so that many tiny
// instances no longer look cheaper than a few larger ones when each carries a 20 GiB volume.
//
// Prices are a bundled table of us-east-1 public list prices (no Pricing API call), so the
// figure is an estimate elsewhere; volumes are billed per GiB-month and turned into $/h at
// 730 hours a month, as AWS does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/api/ec2_nodeclass.h"

namespace gantry::cloudprovider::aws {

// us-east-1 list prices. Per month unless the name says otherwise.
struct EbsPrices {
  double hoursPerMonth = 730;
  double gp3PerGiB = 0.08;
  double gp2PerGiB = 0.10;
  double io1PerGiB = 0.125;
  double io2PerGiB = 0.125;
  double st1PerGiB = 0.045;
  double sc1PerGiB = 0.015;
  double standardPerGiB = 0.05;  // magnetic
  double ioPerIops = 0.065;      // io1 and io2, every provisioned IOPS
  double gp3PerIops = 0.005;     // above the 3,000 IOPS gp3 includes
  int64_t gp3FreeIops = 3000;
  double gp3PerMiBps = 0.04;     // throughput above the 125 MiB/s gp3 includes
  int64_t gp3FreeMiBps = 125;
  double publicIpv4PerHour = 0.005;
};

// The AMI family that decides default volumes: spec.amiFamily when set, else the family of
// the first amiSelectorTerms alias ("bottlerocket@latest" -> "bottlerocket"), lower-cased;
// "al2023" when neither says (what the launcher assumes too).
std::string amiFamilyOf(const api::Ec2NodeClass& nodeClass);

// One volume as priced: size, type, and the IOPS/throughput it provisions (0 when unset).
struct PricedVolume {
  int64_t sizeGiB = 0;
  std::string type;
  int64_t iops = 0;
  int64_t throughputMiBps = 0;
};

// The volumes a node of this class gets. spec.blockDeviceMappings when given (a mapping
// without `ebs` is no EBS volume; a missing size is the family's root size, a missing type is
// EC2's default, gp2); otherwise Karpenter's defaults per AMI family: AL2 and AL2023 one
// 20 GiB gp3 root, Bottlerocket a 4 GiB gp3 root plus a 20 GiB gp3 data volume, Windows one
// 50 GiB gp3 root, Custom none.
std::vector<PricedVolume> volumesOf(const api::Ec2NodeClass& nodeClass);

// $/h of one volume. An unknown volume type is priced as gp2 (the dearest general purpose
// type) rather than as free; io2's lower tiers above 32,000 IOPS are not modelled.
double volumeCostPerHour(const PricedVolume& volume, const EbsPrices& prices = {});

// The fixed $/h of one node of this class: its volumes, plus the public IPv4 address when
// associatePublicIpAddress is explicitly true (unset follows the subnet, which Gantry cannot
// see from here, and private subnets are the norm for nodes).
double nodeFixedCostPerHour(const api::Ec2NodeClass& nodeClass, const EbsPrices& prices = {});

// The fixed $/h of a node whose class is unknown: the AL2023 default, a 20 GiB gp3 root.
double defaultNodeFixedCostPerHour(const EbsPrices& prices = {});

// The class named `name` among `classes` priced by nodeFixedCostPerHour, or the default when
// none has that name. For hosts that read classes from manifests.
double nodeFixedCostPerHour(const std::vector<api::Ec2NodeClass>& classes, std::string_view name,
                            const EbsPrices& prices = {});

}  // namespace gantry::cloudprovider::aws
