// The command-line requirements syntax must produce the same Requirement values the decoders
// do, and reject every malformed expression with a message that points at the problem.
#include "src/api/label_expression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gantry::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

NodeSelectorTerm parsed(std::string_view text) {
  auto term = parseLabelExpression(text);
  EXPECT_TRUE(term.has_value()) << text << ": " << (term ? "" : term.error().toString());
  return term.value_or(NodeSelectorTerm{});
}

TEST(LabelExpression, ParsesTheBriefsExampleIntoThreeRequirements) {
  NodeSelectorTerm term = parsed(
      "gantry.dev/instance-gpu-name in (a10g,l4),topology.kubernetes.io/zone=us-east-1a,"
      "karpenter.k8s.aws/instance-gpu-count>1");
  ASSERT_EQ(term.requirements.size(), 3u);
  EXPECT_EQ(term.requirements[0].key, "gantry.dev/instance-gpu-name");
  EXPECT_EQ(term.requirements[0].op, SelectorOp::kIn);
  EXPECT_THAT(term.requirements[0].values, ElementsAre("a10g", "l4"));
  EXPECT_EQ(term.requirements[1].op, SelectorOp::kIn);
  EXPECT_THAT(term.requirements[1].values, ElementsAre("us-east-1a"));
  EXPECT_EQ(term.requirements[2].op, SelectorOp::kGt);
  EXPECT_THAT(term.requirements[2].values, ElementsAre("1"));
}

TEST(LabelExpression, EveryOperatorForm) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a", "a Exists"},
      {"!a", "a DoesNotExist"},
      {" ! a ", "a DoesNotExist"},
      {"a=b", "a In [b]"},
      {"a==b", "a In [b]"},
      {"a = b", "a In [b]"},
      {"a!=b", "a NotIn [b]"},
      {"a in (x, y ,z)", "a In [x,y,z]"},
      {"a notin (x)", "a NotIn [x]"},
      {"a in(x)", "a In [x]"},
      {"a>3", "a Gt [3]"},
      {"a < -2", "a Lt [-2]"},
      {"a=", "a In []"},
  };
  for (const auto& [text, want] : cases) {
    NodeSelectorTerm term = parsed(text);
    ASSERT_EQ(term.requirements.size(), 1u) << text;
    std::string got = term.requirements[0].toString();
    if (want == "a In []") {
      EXPECT_EQ(term.requirements[0].values, std::vector<std::string>{""}) << text;
    } else {
      EXPECT_EQ(got, want) << text;
    }
  }
}

TEST(LabelExpression, MatchesNodeLabelsLikeNodeAffinity) {
  NodeSelectorTerm term = parsed("gpu-count>1,zone in (us-east-1a),!spot-only");
  EXPECT_TRUE(term.matches({{"gpu-count", "4"}, {"zone", "us-east-1a"}}));
  EXPECT_FALSE(term.matches({{"gpu-count", "1"}, {"zone", "us-east-1a"}}));
  EXPECT_FALSE(term.matches({{"gpu-count", "4"}, {"zone", "us-east-1b"}}));
  EXPECT_FALSE(term.matches({{"gpu-count", "4"}, {"zone", "us-east-1a"}, {"spot-only", "x"}}));
}

TEST(LabelExpression, RejectsMalformedExpressionsWithThePosition) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"   ", "empty"},
      {"a,", "after ','"},
      {",a", "expected a label key"},
      {"a in (x", "expected ',' or ')'"},
      {"a in x", "expected '('"},
      {"a in ()", "expected a label value"},
      {"a>x", "integer"},
      {"a>", "integer"},
      {"a=b c", "expected ',' or the end"},
      {"a ~ b", "expected an operator"},
      {"/a=b", "bad label key"},
      {"a/b/c=d", "bad label key"},
      {"a=(b)", "expected ',' or the end"},
      {"a inx (b)", "expected an operator"},
      {"a=b\xff", "expected ',' or the end"},
  };
  for (const auto& [text, fragment] : cases) {
    auto term = parseLabelExpression(text);
    ASSERT_FALSE(term.has_value()) << "accepted: " << text;
    EXPECT_TRUE(term.error().isInvalid()) << text;
    EXPECT_THAT(term.error().message(), HasSubstr(fragment)) << text;
    EXPECT_THAT(term.error().message(), HasSubstr("requirements expression")) << text;
  }
}

}  // namespace
}  // namespace gantry::api
