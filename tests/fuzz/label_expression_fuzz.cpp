// libFuzzer target for the command-line requirements syntax (`gantry catalog --requirements`):
// any bytes must parse or fail with kInvalid, and every accepted expression must hold valid
// requirements (a key, the value count its operator needs) that match labels without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "src/api/label_expression.h"

namespace {

void require(bool ok, const char* invariant) {
  if (ok) return;
  std::fprintf(stderr, "label expression invariant broken: %s\n", invariant);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto term = gantry::api::parseLabelExpression(input);
  if (!term) {
    require(term.error().isInvalid(), "a bad expression is not kInvalid");
    return 0;
  }
  require(!term->requirements.empty(), "an accepted expression has no requirement");
  for (const auto& r : term->requirements) {
    require(!r.key.empty(), "a requirement without a key");
    auto again = gantry::api::Requirement::make(r.key, r.op, r.values);
    require(again.has_value(), "an accepted requirement does not validate");
  }
  (void)term->matches({{"a", "1"}, {"gantry.dev/instance-gpu-count", "4"}});
  return 0;
}
