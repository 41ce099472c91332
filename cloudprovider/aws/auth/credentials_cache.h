// A cache in front of any credential source, so temporary credentials are fetched once per
// lifetime rather than once per request, and renewed before they run out.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "cloudprovider/aws/transport/credentials.h"
#include "src/common/clock.h"

namespace gantry::cloudprovider::aws {

// Caches the inner provider's credentials and fetches new ones `refreshBefore` ahead of
// their expiration (never for credentials that do not expire). If a refresh fails while the
// cached credentials are still valid, those are returned and the refresh is tried again
// kRefreshRetryInterval later; once they expire, the refresh error is returned. Concurrent
// callers share one refresh. Thread-safe; `clock` must outlive the provider.
class CachingCredentialsProvider final : public CredentialsProvider {
 public:
  CachingCredentialsProvider(CredentialsProviderPtr inner, Clock& clock,
                             Clock::Duration refreshBefore = std::chrono::minutes(5));
  Result<Credentials> credentials() override;
  std::string_view name() const override { return inner_->name(); }

  static constexpr Clock::Duration kRefreshRetryInterval = std::chrono::seconds(30);

 private:
  CredentialsProviderPtr inner_;
  Clock& clock_;
  const Clock::Duration refreshBefore_;
  std::mutex mu_;
  std::optional<Credentials> cached_;  // guarded by mu_
  Clock::TimePoint retryRefreshAt_{};  // guarded by mu_
};

}  // namespace gantry::cloudprovider::aws
