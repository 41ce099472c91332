// Expiry is checked lazily on every access rather than by a timer, so the cache needs no
// thread and a fake clock drives it completely in tests.
#include "cloudprovider/aws/unavailable_offerings.h"

#include <array>

namespace gantry::cloudprovider::aws {

namespace {
constexpr std::array<std::string_view, 8> kCapacityCodes = {
    "InsufficientInstanceCapacity", "MaxSpotInstanceCountExceeded",
    "VcpuLimitExceeded",            "UnfulfillableCapacity",
    "InsufficientFreeAddressesInSubnet", "InsufficientCapacity",
    "SpotMaxPriceTooLow",           "Unsupported",
};
}  // namespace

bool isCapacityErrorCode(std::string_view code) {
  for (auto c : kCapacityCodes) {
    if (code == c) return true;
  }
  return false;
}

std::string capacityErrorCodeIn(std::string_view message) {
  // Codes appear as "<code>:" in awsErrorStatus messages; match whole words so that
  // "Unsupported" does not match inside "UnsupportedOperation".
  for (auto c : kCapacityCodes) {
    for (size_t pos = message.find(c); pos != std::string_view::npos;
         pos = message.find(c, pos + 1)) {
      const size_t end = pos + c.size();
      const bool startOk = pos == 0 || message[pos - 1] == ' ' || message[pos - 1] == '(';
      const bool endOk = end == message.size() || message[end] == ':' || message[end] == ' ' ||
                         message[end] == ')' || message[end] == '.';
      if (startOk && endOk) return std::string(c);
    }
  }
  return "";
}

UnavailableOfferings::UnavailableOfferings(Clock& clock, Clock::Duration ttl)
    : clock_(clock), ttl_(ttl) {}

void UnavailableOfferings::mark(api::CapacityType capacityType, std::string_view instanceType,
                                std::string_view zone, std::string_view reason) {
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  entries_[Key{capacityType, std::string(instanceType), std::string(zone)}] =
      Entry{now + ttl_, std::string(reason)};
}

bool UnavailableOfferings::isUnavailable(api::CapacityType capacityType,
                                         std::string_view instanceType,
                                         std::string_view zone) const {
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = entries_.find(Key{capacityType, std::string(instanceType), std::string(zone)});
  return it != entries_.end() && it->second.expires > now;
}

api::InstanceTypes UnavailableOfferings::apply(const api::InstanceTypes& types) const {
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  dropExpiredLocked(now);
  api::InstanceTypes out = types;
  if (entries_.empty()) return out;
  for (auto& type : out) {
    for (auto& offering : type.offerings) {
      if (entries_.contains(Key{offering.capacityType, type.name, offering.zone})) {
        offering.available = false;
      }
    }
  }
  return out;
}

size_t UnavailableOfferings::size() const {
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  dropExpiredLocked(now);
  return entries_.size();
}

void UnavailableOfferings::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

void UnavailableOfferings::dropExpiredLocked(Clock::TimePoint now) const {
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.expires <= now; });
}

}  // namespace gantry::cloudprovider::aws
