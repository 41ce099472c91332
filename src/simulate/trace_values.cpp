// Annotation values are user text in a manifest, so every parser here bounds what it reads and
// quotes only a short prefix of the input back in its error.
#include "src/simulate/trace_values.h"

#include <algorithm>
#include <cmath>

#include "src/api/nodeclaim.h"

namespace gantry::simulate {

namespace {

std::string quoted(std::string_view text) {
  std::string shown(text.substr(0, 64));
  if (text.size() > 64) shown += "...";
  return "\"" + shown + "\"";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The two arguments of "name(a,b)", or nullopt when `text` is not that shape.
std::optional<std::pair<std::string_view, std::string_view>> call(std::string_view text,
                                                                  std::string_view name) {
  if (!text.starts_with(name) || text.size() < name.size() + 2) return std::nullopt;
  std::string_view rest = text.substr(name.size());
  if (rest.front() != '(' || rest.back() != ')') return std::nullopt;
  rest = rest.substr(1, rest.size() - 2);
  const size_t comma = rest.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  return std::pair{trim(rest.substr(0, comma)), trim(rest.substr(comma + 1))};
}

std::string formatHint() {
  return " (want a duration like 30m or 1h30m, uniform(20m,40m) or normal(30m,5m))";
}

}  // namespace

Result<Duration> parseTraceDuration(std::string_view text, ZeroDuration zero) {
  if (text.starts_with('-'))
    return fail(Status::invalid("duration " + quoted(text) + " is negative"));
  if (text == "Never") {
    return fail(
        Status::invalid("duration \"Never\" has no meaning in a simulation (leave it out)"));
  }
  auto parsed = api::parseNodeDuration(text);
  if (!parsed) return fail(parsed.error());
  const Duration d = **parsed;
  if (d > kMaxSimulatedTime) {
    return fail(Status::invalid("duration " + quoted(text) +
                                " is longer than a simulation may run (168h, 7 days)"));
  }
  if (d == Duration::zero() && zero == ZeroDuration::kRefuse) {
    return fail(Status::invalid("duration " + quoted(text) + " must be more than zero"));
  }
  return d;
}

Result<RunFor> parseRunFor(std::string_view text) {
  const std::string_view t = trim(text);
  for (auto [name, kind] : {std::pair{std::string_view("uniform"), RunFor::Kind::kUniform},
                            std::pair{std::string_view("normal"), RunFor::Kind::kNormal}}) {
    if (!t.starts_with(name)) continue;
    auto args = call(t, name);
    if (!args) {
      return fail(
          Status::invalid(quoted(text) + " is not " + std::string(name) + "(A,B)" + formatHint()));
    }
    auto a = parseTraceDuration(args->first);
    if (!a) return fail(a.error().withContext(std::string(name) + " first argument"));
    auto b = parseTraceDuration(args->second);
    if (!b) return fail(b.error().withContext(std::string(name) + " second argument"));
    if (kind == RunFor::Kind::kUniform && !(*a < *b)) {
      return fail(Status::invalid(quoted(text) + ": uniform(LOW,HIGH) needs LOW below HIGH"));
    }
    return RunFor{.kind = kind, .first = *a, .second = *b};
  }
  auto d = parseTraceDuration(t);
  if (!d) return fail(Status::invalid(d.error().message() + formatHint()));
  return RunFor{.kind = RunFor::Kind::kFixed, .first = *d, .second = {}};
}

Result<std::vector<ScaleStep>> parseReplicasAt(std::string_view text, int64_t maxReplicas) {
  constexpr size_t kMaxSteps = 1000;
  std::vector<ScaleStep> steps;
  std::string_view rest = text;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    const size_t n = steps.size() + 1;
    auto bad = [&](const std::string& why) {
      return fail(Status::invalid("step " + std::to_string(n) + " " + quoted(item) + " " + why +
                                  " (want e.g. \"0s=2,8h=10,18h=2\")"));
    };
    if (steps.size() == kMaxSteps) return bad("is past the limit of 1000 steps");
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return bad("is not TIME=REPLICAS");
    auto at = parseTraceDuration(trim(item.substr(0, eq)), ZeroDuration::kAllow);
    if (!at) return bad("has a bad time: " + at.error().message());
    const std::string_view count = trim(item.substr(eq + 1));
    int64_t replicas = 0;
    if (count.empty() || count.size() > 18) return bad("needs a whole number of replicas");
    for (char c : count) {
      if (c < '0' || c > '9') return bad("needs a whole number of replicas");
      replicas = replicas * 10 + (c - '0');
    }
    if (replicas > maxReplicas)
      return bad("asks for more than " + std::to_string(maxReplicas) + " replicas");
    if (!steps.empty() && *at <= steps.back().at)
      return bad("is not later than the step before it");
    steps.push_back({*at, replicas});
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return steps;
}

std::optional<Duration> RunFor::sample(SeededRandom& random) const {
  using Ms = std::chrono::milliseconds;
  using Seconds = std::chrono::duration<double>;
  switch (kind) {
    case Kind::kUntilEnd: return std::nullopt;
    case Kind::kFixed: return first;
    case Kind::kUniform: {
      const double s = random.uniform(Seconds(first).count(), Seconds(second).count());
      return std::chrono::round<Ms>(Seconds(s));
    }
    case Kind::kNormal: {
      double s = random.normal(Seconds(first).count(), Seconds(second).count());
      s = std::clamp(s, 1.0, Seconds(kMaxSimulatedTime).count());
      return std::chrono::round<Ms>(Seconds(s));
    }
  }
  return std::nullopt;
}

}  // namespace gantry::simulate
