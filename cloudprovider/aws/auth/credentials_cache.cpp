// Refreshing five minutes early keeps a request signed just before expiry from reaching AWS
// with dead credentials; serving still-valid credentials through a failed refresh keeps a
// brief STS or IMDS outage from stopping every cloud call.
#include "cloudprovider/aws/auth/credentials_cache.h"

#include "cloudprovider/aws/transport/logging.h"

namespace gantry::cloudprovider::aws {

CachingCredentialsProvider::CachingCredentialsProvider(CredentialsProviderPtr inner, Clock& clock,
                                                       Clock::Duration refreshBefore)
    : inner_(std::move(inner)), clock_(clock), refreshBefore_(refreshBefore) {}

Result<Credentials> CachingCredentialsProvider::credentials() {
  std::lock_guard lock(mu_);
  const Clock::TimePoint now = clock_.now();
  if (cached_ && !cached_->expiresBy(now + refreshBefore_)) return *cached_;
  // After a failed refresh, keep serving still-valid credentials for a while instead of
  // paying the failing source's timeout on every call.
  if (cached_ && !cached_->expiresBy(now) && now < retryRefreshAt_) return *cached_;
  auto fresh = inner_->credentials();
  if (fresh) {
    cached_ = *fresh;
    retryRefreshAt_ = {};
    awsLogger()->debug("refreshed aws credentials source={}", fresh->source);
    return fresh;
  }
  if (cached_ && !cached_->expiresBy(now)) {
    retryRefreshAt_ = now + kRefreshRetryInterval;
    awsLogger()->warn(
        "aws credential refresh failed, using cached credentials until expiry reason={}",
        fresh.error().toString());
    return *cached_;
  }
  return fresh;
}

}  // namespace gantry::cloudprovider::aws
