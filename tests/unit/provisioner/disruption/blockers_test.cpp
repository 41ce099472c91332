// do-not-disrupt: "true" under gantry.dev/do-not-disrupt or karpenter.sh/do-not-disrupt on the
// NodeClaim, on the Node, or on a non-terminal pod of the node blocks voluntary disruption; the
// Block names the object for the Event. Another value, or a terminal pod, does not block.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "provisioner/disruption/blockers.h"

namespace gantry::provisioner::disruption {
namespace {

using ::testing::HasSubstr;
namespace nc = api::nodeclaim;
using PodPtr = std::shared_ptr<const api::Pod>;

const std::string kGantryKey(nc::kDoNotDisruptAnnotation);
const std::string kKarpenterKey(nc::kKarpenterDoNotDisruptAnnotation);

api::NodeClaim claim() {
  api::NodeClaim c;
  c.name = "gpu-1";
  c.annotations = {{"gantry.dev/gang", "g"}};
  return c;
}

api::Node node() {
  api::Node n;
  n.name = "ip-10-0-0-1.ec2.internal";
  return n;
}

PodPtr pod(const std::string& name, const std::string& phase = "Running",
           std::map<std::string, std::string, std::less<>> annotations = {}) {
  auto p = std::make_shared<api::Pod>();
  p->ns = "ml";
  p->name = name;
  p->phase = phase;
  p->nodeName = "ip-10-0-0-1.ec2.internal";
  p->annotations = std::move(annotations);
  return p;
}

TEST(Blockers, NothingAnnotatedDoesNotBlock) {
  EXPECT_EQ(doNotDisrupt(claim(), node(), {}), std::nullopt);
  EXPECT_EQ(doNotDisrupt(claim(), node(), {pod("a"), pod("b", "Pending")}), std::nullopt);
}

TEST(Blockers, SaysDoNotDisruptWantsTrueUnderEitherKey) {
  using Map = std::map<std::string, std::string>;
  EXPECT_TRUE(saysDoNotDisrupt(Map{{kGantryKey, "true"}}));
  EXPECT_TRUE(saysDoNotDisrupt(Map{{kKarpenterKey, "true"}}));
  EXPECT_TRUE(saysDoNotDisrupt(Map{{kGantryKey, "false"}, {kKarpenterKey, "true"}}));
  EXPECT_FALSE(saysDoNotDisrupt(Map{}));
  EXPECT_FALSE(saysDoNotDisrupt(Map{{kGantryKey, "false"}}));
  EXPECT_FALSE(saysDoNotDisrupt(Map{{kKarpenterKey, ""}}));
  EXPECT_FALSE(saysDoNotDisrupt(Map{{"example.com/do-not-disrupt", "true"}}));
}

TEST(Blockers, TheNodeClaimAnnotationBlocks) {
  for (const auto& key : {kGantryKey, kKarpenterKey}) {
    SCOPED_TRACE(key);
    api::NodeClaim c = claim();
    c.annotations[key] = "true";
    auto block = doNotDisrupt(c, node(), {});
    ASSERT_TRUE(block);
    EXPECT_EQ(block->cause, "do-not-disrupt");
    EXPECT_THAT(block->message, HasSubstr("NodeClaim gpu-1"));
  }
}

TEST(Blockers, TheNodeAnnotationBlocks) {
  for (const auto& key : {kGantryKey, kKarpenterKey}) {
    SCOPED_TRACE(key);
    api::Node n = node();
    n.annotations[key] = "true";
    auto block = doNotDisrupt(claim(), n, {});
    ASSERT_TRUE(block);
    EXPECT_EQ(block->cause, "do-not-disrupt");
    EXPECT_THAT(block->message, HasSubstr("Node ip-10-0-0-1.ec2.internal"));
  }
}

TEST(Blockers, ANonTerminalPodsAnnotationBlocks) {
  for (const auto& key : {kGantryKey, kKarpenterKey}) {
    for (const std::string phase : {"Running", "Pending", "Unknown"}) {
      SCOPED_TRACE(key + " " + phase);
      auto block =
          doNotDisrupt(claim(), node(), {pod("a"), pod("trainer", phase, {{key, "true"}})});
      ASSERT_TRUE(block);
      EXPECT_EQ(block->cause, "do-not-disrupt");
      EXPECT_THAT(block->message, HasSubstr("pod ml/trainer"));
    }
  }
}

TEST(Blockers, ATerminalPodsAnnotationDoesNotBlock) {
  for (const std::string phase : {"Succeeded", "Failed"}) {
    SCOPED_TRACE(phase);
    EXPECT_EQ(doNotDisrupt(claim(), node(), {pod("trainer", phase, {{kGantryKey, "true"}}),
                                             pod("eval", phase, {{kKarpenterKey, "true"}})}),
              std::nullopt);
  }
}

TEST(Blockers, AValueOtherThanTrueDoesNotBlock) {
  api::NodeClaim c = claim();
  c.annotations[kGantryKey] = "false";
  api::Node n = node();
  n.annotations[kKarpenterKey] = "yes";
  EXPECT_EQ(doNotDisrupt(c, n, {pod("trainer", "Running", {{kGantryKey, "TRUE"}})}),
            std::nullopt);
}

TEST(Blockers, OnePodAmongManyIsEnough) {
  std::vector<PodPtr> pods;
  for (int i = 0; i < 5; ++i) pods.push_back(pod("worker-" + std::to_string(i)));
  pods.push_back(pod("checkpointer", "Running", {{kKarpenterKey, "true"}}));
  auto block = doNotDisrupt(claim(), node(), pods);
  ASSERT_TRUE(block);
  EXPECT_THAT(block->message, HasSubstr("ml/checkpointer"));
}

}  // namespace
}  // namespace gantry::provisioner::disruption
