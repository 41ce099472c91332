// libFuzzer target for the interruption-queue message parser: bodies come from an SQS queue
// that anyone with SendMessage rights (or a misdirected EventBridge rule) can fill, and the
// controller drains nodes on what it accepts. So the parser must survive any bytes, fail only
// with kInvalid, and only ever accept well-formed instance ids, without duplicates, within
// the cap. A broken invariant aborts (libFuzzer: crash).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>

#include "cloudprovider/aws/interruption_message.h"

namespace {

namespace aws = gantry::cloudprovider::aws;

void require(bool ok, const char* invariant) {
  if (ok) return;
  std::fprintf(stderr, "interruption message invariant broken: %s\n", invariant);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto message = aws::parseInterruptionMessage(input);
  if (!message) {
    require(message.error().isInvalid(), "a bad body is not kInvalid");
    return 0;
  }
  require(message->instanceIds.size() <= aws::kMaxAffectedEntities, "more instances than the cap");
  std::set<std::string_view> seen;
  for (const auto& id : message->instanceIds) {
    require(aws::isEc2InstanceId(id), "an accepted instance id is malformed");
    require(seen.insert(id).second, "an instance id is listed twice");
  }
  const bool acts = message->kind != aws::InterruptionKind::kNoop;
  require(!acts || !message->instanceIds.empty(), "an actionable message names no instance");
  require(!acts || message->source == "aws.ec2" || message->source == "aws.health",
          "an actionable message from a source other than AWS");
  require(!aws::toString(message->kind).empty(), "a kind without a name");
  return 0;
}
