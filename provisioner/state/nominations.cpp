// Nominations: one entry per target, renewed by every pass that plans onto it.
#include "provisioner/state/nominations.h"

namespace gantry::provisioner::state {

void Nominations::nominate(const std::string& target, const std::vector<std::string>& pods,
                           Clock::TimePoint now) {
  if (target.empty() || pods.empty()) return;
  std::lock_guard lock(mu_);
  byTarget_[target] = Entry{.at = now, .pods = pods};
}

bool Nominations::nominated(const std::string& target, Clock::TimePoint now) const {
  std::lock_guard lock(mu_);
  auto it = byTarget_.find(target);
  return it != byTarget_.end() && now - it->second.at < ttl_;
}

std::vector<std::string> Nominations::podsFor(const std::string& target,
                                              Clock::TimePoint now) const {
  std::lock_guard lock(mu_);
  auto it = byTarget_.find(target);
  if (it == byTarget_.end() || now - it->second.at >= ttl_) return {};
  return it->second.pods;
}

std::set<std::string> Nominations::nominatedPods(Clock::TimePoint now) const {
  std::lock_guard lock(mu_);
  std::set<std::string> out;
  for (const auto& [target, entry] : byTarget_) {
    if (now - entry.at < ttl_) out.insert(entry.pods.begin(), entry.pods.end());
  }
  return out;
}

void Nominations::prune(Clock::TimePoint now) {
  std::lock_guard lock(mu_);
  std::erase_if(byTarget_, [&](const auto& kv) { return now - kv.second.at >= ttl_; });
}

}  // namespace gantry::provisioner::state
