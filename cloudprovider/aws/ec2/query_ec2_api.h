// Ec2Api over the EC2 Query protocol: form-encoded POSTs over the shared SignedTransport
// (SigV4, retries with jittered exponential backoff), XML responses, a client-side token
// bucket for mutating calls, and NextToken pagination. Speaks to AWS or, through an endpoint override, to moto.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "cloudprovider/aws/transport/credentials.h"
#include "cloudprovider/aws/ec2/ec2_api.h"
#include "cloudprovider/aws/ec2/ec2_query.h"
#include "cloudprovider/aws/ec2/ec2_xml.h"
#include "cloudprovider/aws/transport/retry.h"
#include "cloudprovider/aws/transport/signed_transport.h"
#include "cloudprovider/aws/transport/token_bucket.h"
#include "src/common/clock.h"
#include "src/http/http_client.h"

namespace gantry::cloudprovider::aws {

struct QueryEc2ApiOptions {
  std::string region{};    // REQUIRED, e.g. "us-east-1"; also the signing region
  std::string endpoint{};  // full URL; empty: resolveEndpoint("ec2", region, env)
  RetryOptions retry{};
  // Client-side budget for mutating calls (CreateFleet, RunInstances, TerminateInstances,
  // CreateTags, CreateLaunchTemplate): burst size and sustained rate.
  double mutatingBurst = 20;
  double mutatingPerSecond = 5;
  std::chrono::milliseconds requestTimeout{30000};
  int maxPages = 1000;  // a describe call stops with kInternal beyond this many pages
};

class QueryEc2Api final : public Ec2Api {
 public:
  // The references must outlive this object. `env` resolves endpoint overrides when
  // options.endpoint is empty. Thread-safe (see Ec2Api).
  QueryEc2Api(QueryEc2ApiOptions options, http::HttpClient& http, CredentialsProvider& credentials,
              Clock& clock, const EnvLookup& env = processEnvironment(),
              RandomSource random = defaultRandomSource());

  const std::string& endpoint() const { return transport_.endpoint(); }

  Result<CreateFleetResponse> createFleet(const CreateFleetRequest& request) override;
  Result<std::vector<Instance>> runInstances(const RunInstancesRequest& request) override;
  Result<std::vector<InstanceStateChange>> terminateInstances(
      const TerminateInstancesRequest& request) override;
  Result<std::vector<Instance>> describeInstances(const DescribeInstancesRequest& request) override;
  Result<std::vector<InstanceTypeInfo>> describeInstanceTypes(
      const DescribeInstanceTypesRequest& request) override;
  Result<std::vector<InstanceTypeOffering>> describeInstanceTypeOfferings(
      const DescribeInstanceTypeOfferingsRequest& request) override;
  Result<std::vector<Subnet>> describeSubnets(const DescribeByIdsRequest& request) override;
  Result<std::vector<SecurityGroup>> describeSecurityGroups(
      const DescribeByIdsRequest& request) override;
  Result<std::vector<Image>> describeImages(const DescribeByIdsRequest& request) override;
  Result<std::vector<SpotPrice>> describeSpotPriceHistory(
      const DescribeSpotPriceHistoryRequest& request) override;
  Status createTags(const std::vector<std::string>& resourceIds,
                    const std::vector<Tag>& tags) override;
  Result<LaunchTemplate> createLaunchTemplate(const CreateLaunchTemplateRequest& request) override;
  Result<std::vector<LaunchTemplate>> describeLaunchTemplates(
      const DescribeLaunchTemplatesRequest& request) override;

 private:
  // Sends one action (with retries) and returns the body of its 200 response.
  Result<std::string> call(const QueryParams& params, bool mutating);

  // Follows NextToken through every page. `maxResults` (0: none) is sent only when the
  // request names no ids, since EC2 refuses MaxResults together with explicit ids.
  template <typename T>
  Result<std::vector<T>> paginate(QueryParams params, int maxResults,
                                  Result<Page<T>> (*parse)(std::string_view));

  // A random idempotency token for calls the caller left without one, so our own retries
  // cannot launch twice.
  std::string newClientToken();

  QueryEc2ApiOptions options_;
  RandomSource random_;  // client tokens; the transport draws its own jitter
  TokenBucket mutatingBucket_;
  SignedTransport transport_;
};

}  // namespace gantry::cloudprovider::aws
