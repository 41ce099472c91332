// Parsers for the catalog calls: DescribeInstanceTypes, DescribeInstanceTypeOfferings,
// DescribeSpotPriceHistory. Accelerators of all kinds (GPUs, Neuron, inference) are kept,
// since packing GPU and ML workloads is what Gantry is for.
#include "cloudprovider/aws/ec2/ec2_xml.h"
#include "cloudprovider/aws/ec2/ec2_xml_util.h"

namespace gantry::cloudprovider::aws {
namespace {

using namespace xml;

InstanceTypeInfo parseInstanceType(const XmlNode& n) {
  InstanceTypeInfo out;
  out.instanceType = n.textAt("instanceType");
  out.currentGeneration = boolAt(n, "currentGeneration");
  out.bareMetal = boolAt(n, "bareMetal");
  out.burstablePerformanceSupported = boolAt(n, "burstablePerformanceSupported");
  out.hypervisor = n.textAt("hypervisor");
  out.supportedUsageClasses = stringsAt(n, "supportedUsageClasses");
  out.supportedArchitectures = stringsAt(n, "processorInfo/supportedArchitectures");
  out.sustainedClockSpeedGhz = doubleAt(n, "processorInfo/sustainedClockSpeedInGhz");
  out.defaultVCpus = intAt(n, "vCpuInfo/defaultVCpus");
  out.memoryMiB = int64At(n, "memoryInfo/sizeInMiB");
  for (const XmlNode* gpu : n.items("gpuInfo/gpus")) {
    const std::string partition = gpu->textAt("gpuPartitionSize");
    out.gpus.push_back({gpu->textAt("name"), gpu->textAt("manufacturer"), intAt(*gpu, "count"),
                        int64At(*gpu, "memoryInfo/sizeInMiB"),
                        partition.empty() ? 1.0 : doubleAt(*gpu, "gpuPartitionSize")});
  }
  out.totalGpuMemoryMiB = int64At(n, "gpuInfo/totalGpuMemoryInMiB");
  for (const XmlNode* dev : n.items("neuronInfo/neuronDevices")) {
    out.accelerators.push_back({dev->textAt("name"), "AWS", intAt(*dev, "count"),
                                intAt(*dev, "coreInfo/count"),
                                int64At(*dev, "memoryInfo/sizeInMiB")});
  }
  for (const XmlNode* acc : n.items("inferenceAcceleratorInfo/accelerators")) {
    out.accelerators.push_back({acc->textAt("name"), acc->textAt("manufacturer"),
                                intAt(*acc, "count"), 0, int64At(*acc, "memoryInfo/sizeInMiB")});
  }
  out.maximumNetworkInterfaces = intAt(n, "networkInfo/maximumNetworkInterfaces");
  out.ipv4AddressesPerInterface = intAt(n, "networkInfo/ipv4AddressesPerInterface");
  out.networkPerformance = n.textAt("networkInfo/networkPerformance");
  out.efaSupported = boolAt(n, "networkInfo/efaSupported");
  out.maximumEfaInterfaces = intAt(n, "networkInfo/efaInfo/maximumEfaInterfaces");
  out.instanceStorageGb = int64At(n, "instanceStorageInfo/totalSizeInGB");
  out.nvmeSupport = n.textAt("instanceStorageInfo/nvmeSupport");
  return out;
}

}  // namespace

Result<Page<InstanceTypeInfo>> parseDescribeInstanceTypesResponse(std::string_view text) {
  auto root = parseRoot(text, "DescribeInstanceTypesResponse");
  if (!root) return fail(root.error());
  Page<InstanceTypeInfo> out;
  for (const XmlNode* item : root->items("instanceTypeSet")) {
    out.items.push_back(parseInstanceType(*item));
  }
  out.nextToken = root->textAt("nextToken");
  return out;
}

Result<Page<InstanceTypeOffering>> parseDescribeInstanceTypeOfferingsResponse(
    std::string_view text) {
  auto root = parseRoot(text, "DescribeInstanceTypeOfferingsResponse");
  if (!root) return fail(root.error());
  Page<InstanceTypeOffering> out;
  for (const XmlNode* item : root->items("instanceTypeOfferingSet")) {
    out.items.push_back(
        {item->textAt("instanceType"), item->textAt("locationType"), item->textAt("location")});
  }
  out.nextToken = root->textAt("nextToken");
  return out;
}

Result<Page<SpotPrice>> parseDescribeSpotPriceHistoryResponse(std::string_view text) {
  auto root = parseRoot(text, "DescribeSpotPriceHistoryResponse");
  if (!root) return fail(root.error());
  Page<SpotPrice> out;
  for (const XmlNode* item : root->items("spotPriceHistorySet")) {
    out.items.push_back({item->textAt("instanceType"), item->textAt("availabilityZone"),
                         item->textAt("productDescription"), doubleAt(*item, "spotPrice"),
                         timeAt(*item, "timestamp")});
  }
  out.nextToken = root->textAt("nextToken");
  return out;
}

}  // namespace gantry::cloudprovider::aws
