// EC2 Query-protocol responses in the shapes the EC2 API reference documents, written for
// these tests (GPU-flavoured, with pagination tokens and partial failures). Shared by the
// parser tests, the QueryEc2Api tests and the fuzz corpus seeds.
#pragma once

namespace gantry::cloudprovider::aws::samples {

inline constexpr const char* kCreateFleetPartial = R"(<?xml version="1.0" encoding="UTF-8"?>
<CreateFleetResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>2ef5c6a2-1f0b-4c5f-9d3e-aaaaaaaaaaaa</requestId>
    <fleetId>fleet-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d</fleetId>
    <errorSet>
        <item>
            <launchTemplateAndOverrides>
                <launchTemplateSpecification>
                    <launchTemplateId>lt-0123456789abcdef0</launchTemplateId>
                    <version>1</version>
                </launchTemplateSpecification>
                <overrides>
                    <instanceType>p4d.24xlarge</instanceType>
                    <subnetId>subnet-0aaa</subnetId>
                    <availabilityZone>us-east-1a</availabilityZone>
                    <priority>1.0</priority>
                </overrides>
            </launchTemplateAndOverrides>
            <lifecycle>on-demand</lifecycle>
            <errorCode>InsufficientInstanceCapacity</errorCode>
            <errorMessage>We currently do not have sufficient p4d.24xlarge capacity in the Availability Zone you requested (us-east-1a).</errorMessage>
        </item>
        <item>
            <launchTemplateAndOverrides>
                <launchTemplateSpecification>
                    <launchTemplateId>lt-0123456789abcdef0</launchTemplateId>
                    <version>1</version>
                </launchTemplateSpecification>
                <overrides>
                    <instanceType>p4de.24xlarge</instanceType>
                    <subnetId>subnet-0bbb</subnetId>
                    <availabilityZone>us-east-1b</availabilityZone>
                </overrides>
            </launchTemplateAndOverrides>
            <lifecycle>on-demand</lifecycle>
            <errorCode>Unsupported</errorCode>
            <errorMessage>Your requested instance type (p4de.24xlarge) is not supported in your requested Availability Zone (us-east-1b).</errorMessage>
        </item>
    </errorSet>
    <fleetInstanceSet>
        <item>
            <launchTemplateAndOverrides>
                <launchTemplateSpecification>
                    <launchTemplateId>lt-0123456789abcdef0</launchTemplateId>
                    <version>1</version>
                </launchTemplateSpecification>
                <overrides>
                    <instanceType>p5.48xlarge</instanceType>
                    <subnetId>subnet-0ccc</subnetId>
                    <availabilityZone>us-east-1c</availabilityZone>
                    <priority>3.0</priority>
                </overrides>
            </launchTemplateAndOverrides>
            <lifecycle>on-demand</lifecycle>
            <instanceIds>
                <item>i-0aaaaaaaaaaaaaaa1</item>
                <item>i-0aaaaaaaaaaaaaaa2</item>
            </instanceIds>
            <instanceType>p5.48xlarge</instanceType>
            <platform>Linux/UNIX</platform>
        </item>
    </fleetInstanceSet>
</CreateFleetResponse>)";

inline constexpr const char* kCreateFleetAllFailed =
    R"(<CreateFleetResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><fleetId>fleet-1</fleetId><errorSet><item><launchTemplateAndOverrides><overrides><instanceType>g5.xlarge</instanceType><availabilityZone>us-west-2d</availabilityZone></overrides></launchTemplateAndOverrides><lifecycle>spot</lifecycle><errorCode>MaxSpotInstanceCountExceeded</errorCode><errorMessage>Max spot instance count exceeded</errorMessage></item></errorSet><fleetInstanceSet/></CreateFleetResponse>)";

inline constexpr const char* kDescribeInstancesPage1 = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
    <reservationSet>
        <item>
            <reservationId>r-1234567890abcdef0</reservationId>
            <ownerId>123456789012</ownerId>
            <groupSet/>
            <instancesSet>
                <item>
                    <instanceId>i-0aaaaaaaaaaaaaaa1</instanceId>
                    <imageId>ami-0abcdef1234567890</imageId>
                    <instanceState>
                        <code>16</code>
                        <name>running</name>
                    </instanceState>
                    <privateDnsName>ip-10-0-1-17.ec2.internal</privateDnsName>
                    <dnsName/>
                    <reason/>
                    <amiLaunchIndex>0</amiLaunchIndex>
                    <productCodes/>
                    <instanceType>p5.48xlarge</instanceType>
                    <launchTime>2024-05-01T10:20:30.000Z</launchTime>
                    <placement>
                        <availabilityZone>us-east-1c</availabilityZone>
                        <groupName/>
                        <tenancy>default</tenancy>
                    </placement>
                    <monitoring><state>disabled</state></monitoring>
                    <subnetId>subnet-0ccc</subnetId>
                    <vpcId>vpc-0123</vpcId>
                    <groupSet>
                        <item><groupId>sg-0bbb</groupId><groupName>nodes</groupName></item>
                        <item><groupId>sg-0aaa</groupId><groupName>efa</groupName></item>
                    </groupSet>
                    <privateIpAddress>10.0.1.17</privateIpAddress>
                    <sourceDestCheck>true</sourceDestCheck>
                    <architecture>x86_64</architecture>
                    <rootDeviceType>ebs</rootDeviceType>
                    <rootDeviceName>/dev/xvda</rootDeviceName>
                    <tagSet>
                        <item><key>gantry.dev/nodepool</key><value>gpu-training</value></item>
                        <item><key>Name</key><value>gantry &amp; friends &lt;gpu&gt;</value></item>
                    </tagSet>
                    <hypervisor>xen</hypervisor>
                </item>
            </instancesSet>
        </item>
    </reservationSet>
    <nextToken>token-page-2</nextToken>
</DescribeInstancesResponse>)";

inline constexpr const char* kDescribeInstancesPage2 =
    R"(<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r2</requestId>
  <reservationSet>
    <item>
      <reservationId>r-2</reservationId>
      <instancesSet>
        <item>
          <instanceId>i-0bbbbbbbbbbbbbbb1</instanceId>
          <instanceState><code>48</code><name>terminated</name></instanceState>
          <stateReason><code>Server.SpotInstanceTermination</code><message>Server.SpotInstanceTermination: Spot instance termination</message></stateReason>
          <instanceType>g5.12xlarge</instanceType>
          <placement><availabilityZone>us-east-1a</availabilityZone></placement>
          <instanceLifecycle>spot</instanceLifecycle>
          <spotInstanceRequestId>sir-abc</spotInstanceRequestId>
        </item>
        <item>
          <instanceId>i-0bbbbbbbbbbbbbbb2</instanceId>
          <instanceState><code>0</code><name>pending</name></instanceState>
          <instanceType>g5.12xlarge</instanceType>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
</DescribeInstancesResponse>)";

inline constexpr const char* kTerminateInstances =
    R"(<TerminateInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <instancesSet>
    <item>
      <instanceId>i-1234567890abcdef0</instanceId>
      <currentState><code>32</code><name>shutting-down</name></currentState>
      <previousState><code>16</code><name>running</name></previousState>
    </item>
  </instancesSet>
</TerminateInstancesResponse>)";

inline constexpr const char* kRunInstances =
    R"(<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <reservationId>r-0123</reservationId>
  <ownerId>123456789012</ownerId>
  <groupSet/>
  <instancesSet>
    <item>
      <instanceId>i-0ccccccccccccccc1</instanceId>
      <imageId>ami-1</imageId>
      <instanceState><code>0</code><name>pending</name></instanceState>
      <instanceType>trn1.32xlarge</instanceType>
      <launchTime>2024-05-01T10:20:30Z</launchTime>
      <placement><availabilityZone>us-west-2d</availabilityZone></placement>
      <subnetId>subnet-9</subnetId>
    </item>
  </instancesSet>
</RunInstancesResponse>)";

inline constexpr const char* kDescribeInstanceTypes =
    R"(<DescribeInstanceTypesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <instanceTypeSet>
    <item>
      <instanceType>p4d.24xlarge</instanceType>
      <currentGeneration>true</currentGeneration>
      <freeTierEligible>false</freeTierEligible>
      <supportedUsageClasses><item>on-demand</item><item>spot</item><item>capacity-block</item></supportedUsageClasses>
      <supportedRootDeviceTypes><item>ebs</item></supportedRootDeviceTypes>
      <bareMetal>false</bareMetal>
      <hypervisor>nitro</hypervisor>
      <processorInfo>
        <supportedArchitectures><item>x86_64</item></supportedArchitectures>
        <sustainedClockSpeedInGhz>3.0</sustainedClockSpeedInGhz>
      </processorInfo>
      <vCpuInfo><defaultVCpus>96</defaultVCpus><defaultCores>48</defaultCores><defaultThreadsPerCore>2</defaultThreadsPerCore></vCpuInfo>
      <memoryInfo><sizeInMiB>1179648</sizeInMiB></memoryInfo>
      <instanceStorageSupported>true</instanceStorageSupported>
      <instanceStorageInfo>
        <totalSizeInGB>8000</totalSizeInGB>
        <disks><item><sizeInGB>1000</sizeInGB><count>8</count><type>ssd</type></item></disks>
        <nvmeSupport>required</nvmeSupport>
      </instanceStorageInfo>
      <networkInfo>
        <networkPerformance>4x 100 Gigabit</networkPerformance>
        <maximumNetworkInterfaces>60</maximumNetworkInterfaces>
        <ipv4AddressesPerInterface>50</ipv4AddressesPerInterface>
        <efaSupported>true</efaSupported>
        <efaInfo><maximumEfaInterfaces>4</maximumEfaInterfaces></efaInfo>
      </networkInfo>
      <gpuInfo>
        <gpus><item><name>A100</name><manufacturer>NVIDIA</manufacturer><count>8</count><memoryInfo><sizeInMiB>40960</sizeInMiB></memoryInfo></item></gpus>
        <totalGpuMemoryInMiB>327680</totalGpuMemoryInMiB>
      </gpuInfo>
      <burstablePerformanceSupported>false</burstablePerformanceSupported>
    </item>
    <item>
      <instanceType>inf2.xlarge</instanceType>
      <currentGeneration>true</currentGeneration>
      <supportedUsageClasses><item>on-demand</item><item>spot</item></supportedUsageClasses>
      <processorInfo><supportedArchitectures><item>x86_64</item></supportedArchitectures></processorInfo>
      <vCpuInfo><defaultVCpus>4</defaultVCpus></vCpuInfo>
      <memoryInfo><sizeInMiB>16384</sizeInMiB></memoryInfo>
      <neuronInfo>
        <neuronDevices><item><count>1</count><name>Inferentia2</name><coreInfo><count>2</count><version>2</version></coreInfo><memoryInfo><sizeInMiB>32768</sizeInMiB></memoryInfo></item></neuronDevices>
        <totalNeuronDeviceMemoryInMiB>32768</totalNeuronDeviceMemoryInMiB>
      </neuronInfo>
    </item>
    <item>
      <instanceType>t3.micro</instanceType>
      <currentGeneration>true</currentGeneration>
      <burstablePerformanceSupported>true</burstablePerformanceSupported>
      <processorInfo><supportedArchitectures><item>x86_64</item></supportedArchitectures></processorInfo>
      <vCpuInfo><defaultVCpus>2</defaultVCpus></vCpuInfo>
      <memoryInfo><sizeInMiB>1024</sizeInMiB></memoryInfo>
    </item>
  </instanceTypeSet>
  <nextToken>AAEAAeOu8Q==</nextToken>
</DescribeInstanceTypesResponse>)";

inline constexpr const char* kDescribeInstanceTypeOfferings =
    R"(<DescribeInstanceTypeOfferingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <instanceTypeOfferingSet>
    <item><instanceType>p5.48xlarge</instanceType><locationType>availability-zone</locationType><location>us-east-1a</location></item>
    <item><instanceType>p5.48xlarge</instanceType><locationType>availability-zone</locationType><location>us-east-1c</location></item>
    <item><instanceType>g5.xlarge</instanceType><locationType>availability-zone</locationType><location>us-east-1a</location></item>
  </instanceTypeOfferingSet>
</DescribeInstanceTypeOfferingsResponse>)";

inline constexpr const char* kDescribeSpotPriceHistory =
    R"(<DescribeSpotPriceHistoryResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <spotPriceHistorySet>
    <item><instanceType>g5.xlarge</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>0.402400</spotPrice><timestamp>2024-05-01T09:00:00.000Z</timestamp><availabilityZone>us-east-1a</availabilityZone></item>
    <item><instanceType>g5.xlarge</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>0.389100</spotPrice><timestamp>2024-05-01T08:00:00.000Z</timestamp><availabilityZone>us-east-1b</availabilityZone></item>
  </spotPriceHistorySet>
  <nextToken/>
</DescribeSpotPriceHistoryResponse>)";

inline constexpr const char* kDescribeSubnets =
    R"(<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <subnetSet>
    <item>
      <subnetId>subnet-0aaa</subnetId>
      <subnetArn>arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0aaa</subnetArn>
      <state>available</state>
      <ownerId>123456789012</ownerId>
      <vpcId>vpc-0123</vpcId>
      <cidrBlock>10.0.0.0/19</cidrBlock>
      <availableIpAddressCount>8187</availableIpAddressCount>
      <availabilityZone>us-east-1a</availabilityZone>
      <availabilityZoneId>use1-az4</availabilityZoneId>
      <defaultForAz>false</defaultForAz>
      <mapPublicIpOnLaunch>false</mapPublicIpOnLaunch>
      <tagSet><item><key>gantry.dev/discovery</key><value>my-cluster</value></item></tagSet>
    </item>
  </subnetSet>
</DescribeSubnetsResponse>)";

inline constexpr const char* kDescribeSecurityGroups =
    R"(<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <securityGroupInfo>
    <item>
      <ownerId>123456789012</ownerId>
      <groupId>sg-0123</groupId>
      <groupName>eks-cluster-sg</groupName>
      <groupDescription>EKS created security group</groupDescription>
      <vpcId>vpc-0123</vpcId>
      <ipPermissions/>
      <ipPermissionsEgress/>
      <tagSet><item><key>gantry.dev/discovery</key><value>my-cluster</value></item></tagSet>
    </item>
  </securityGroupInfo>
</DescribeSecurityGroupsResponse>)";

inline constexpr const char* kDescribeImages =
    R"(<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <imagesSet>
    <item>
      <imageId>ami-0abcdef1234567890</imageId>
      <imageLocation>amazon/amazon-eks-gpu-node-1.30-v20240501</imageLocation>
      <imageState>available</imageState>
      <imageOwnerId>602401143452</imageOwnerId>
      <creationDate>2024-05-01T00:00:00.000Z</creationDate>
      <isPublic>true</isPublic>
      <architecture>x86_64</architecture>
      <imageType>machine</imageType>
      <name>amazon-eks-gpu-node-1.30-v20240501</name>
      <rootDeviceType>ebs</rootDeviceType>
      <rootDeviceName>/dev/xvda</rootDeviceName>
      <virtualizationType>hvm</virtualizationType>
      <hypervisor>xen</hypervisor>
      <deprecationTime>2026-05-01T00:00:00.000Z</deprecationTime>
    </item>
  </imagesSet>
</DescribeImagesResponse>)";

inline constexpr const char* kCreateTags =
    R"(<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
  <return>true</return>
</CreateTagsResponse>)";

inline constexpr const char* kCreateLaunchTemplate =
    R"(<CreateLaunchTemplateResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <launchTemplate>
    <createTime>2024-05-01T10:00:00.000Z</createTime>
    <createdBy>arn:aws:iam::123456789012:role/gantry</createdBy>
    <defaultVersionNumber>1</defaultVersionNumber>
    <latestVersionNumber>1</latestVersionNumber>
    <launchTemplateId>lt-0123456789abcdef0</launchTemplateId>
    <launchTemplateName>gantry/gpu-training/abc123</launchTemplateName>
    <tagSet><item><key>gantry.dev/cluster</key><value>my-cluster</value></item></tagSet>
  </launchTemplate>
</CreateLaunchTemplateResponse>)";

inline constexpr const char* kDescribeLaunchTemplates =
    R"(<DescribeLaunchTemplatesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <launchTemplates>
    <item>
      <createTime>2024-05-01T10:00:00.000Z</createTime>
      <defaultVersionNumber>1</defaultVersionNumber>
      <latestVersionNumber>3</latestVersionNumber>
      <launchTemplateId>lt-0123456789abcdef0</launchTemplateId>
      <launchTemplateName>gantry/gpu-training/abc123</launchTemplateName>
    </item>
  </launchTemplates>
</DescribeLaunchTemplatesResponse>)";

inline constexpr const char* kErrorThrottled = R"(<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>5d3a7c8b-throttle</RequestID></Response>)";

inline constexpr const char* kErrorNotFound = R"(<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-0123456789abcdef0' does not exist</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>)";

inline constexpr const char* kErrorUnauthorizedOperation =
    R"(<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation. Encoded authorization failure message: abc</Message></Error></Errors><RequestID>r</RequestID></Response>)";

inline constexpr const char* kErrorInternal =
    R"(<Response><Errors><Error><Code>InternalError</Code><Message>An internal error has occurred</Message></Error></Errors><RequestID>r</RequestID></Response>)";

}  // namespace gantry::cloudprovider::aws::samples
