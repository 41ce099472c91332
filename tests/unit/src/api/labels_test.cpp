// Node-selector requirements, node selectors and label selectors must match exactly as the
// Kubernetes scheduler's NodeAffinity and InterPodAffinity plugins do.
#include "src/api/labels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gantry::api {
namespace {

using ::testing::HasSubstr;

Requirement req(std::string key, SelectorOp op, std::vector<std::string> values = {}) {
  auto r = Requirement::make(std::move(key), op, std::move(values));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().toString());
  return r.value_or(Requirement{});
}

const Labels kGpuNode = {{"kubernetes.io/arch", "amd64"},
                         {"gantry.dev/instance-gpu-count", "4"},
                         {"gantry.dev/instance-gpu-name", "a10g"},
                         {"topology.kubernetes.io/zone", "us-east-1a"}};

TEST(SelectorOp, ParsesEveryOperatorAsKubernetesSpellsIt) {
  for (auto [text, op] : std::vector<std::pair<std::string, SelectorOp>>{
           {"In", SelectorOp::kIn},
           {"NotIn", SelectorOp::kNotIn},
           {"Exists", SelectorOp::kExists},
           {"DoesNotExist", SelectorOp::kDoesNotExist},
           {"Gt", SelectorOp::kGt},
           {"Lt", SelectorOp::kLt}}) {
    auto parsed = parseSelectorOp(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, op);
    EXPECT_EQ(selectorOpName(op), text);
  }
}

TEST(SelectorOp, RejectsOtherSpellingsNamingTheInput) {
  for (std::string_view text : {"in", "IN", "Equals", "", "Exists ", "GT"}) {
    auto parsed = parseSelectorOp(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_TRUE(parsed.error().isInvalid());
    EXPECT_THAT(parsed.error().message(), HasSubstr("\"" + std::string(text) + "\""));
  }
}

TEST(Requirement, MakeValidatesValueCountPerOperator) {
  EXPECT_FALSE(Requirement::make("k", SelectorOp::kIn, {}).has_value());
  EXPECT_FALSE(Requirement::make("k", SelectorOp::kNotIn, {}).has_value());
  EXPECT_FALSE(Requirement::make("k", SelectorOp::kExists, {"a"}).has_value());
  EXPECT_FALSE(Requirement::make("k", SelectorOp::kDoesNotExist, {"a"}).has_value());
  EXPECT_FALSE(Requirement::make("k", SelectorOp::kGt, {}).has_value());
  EXPECT_FALSE(Requirement::make("k", SelectorOp::kGt, {"1", "2"}).has_value());
  EXPECT_TRUE(Requirement::make("k", SelectorOp::kIn, {"a", "b"}).has_value());
  EXPECT_TRUE(Requirement::make("k", SelectorOp::kExists, {}).has_value());
  EXPECT_TRUE(Requirement::make("k", SelectorOp::kLt, {"-3"}).has_value());
}

TEST(Requirement, MakeRejectsAnEmptyKey) {
  auto r = Requirement::make("", SelectorOp::kExists, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message(), HasSubstr("empty key"));
}

TEST(Requirement, MakeRejectsGtAndLtWithNonIntegerValuesNamingTheKey) {
  for (std::string value : {"1.5", "abc", "", "4Gi", "1e3", " 1", "9223372036854775808"}) {
    auto gt = Requirement::make("gantry.dev/instance-cpu", SelectorOp::kGt, {value});
    ASSERT_FALSE(gt.has_value()) << value;
    EXPECT_THAT(gt.error().message(), HasSubstr("gantry.dev/instance-cpu"));
    EXPECT_THAT(gt.error().message(), HasSubstr("integer"));
    EXPECT_FALSE(Requirement::make("k", SelectorOp::kLt, {value}).has_value()) << value;
  }
}

TEST(Requirement, InMatchesAListedValueOnly) {
  auto r = req("gantry.dev/instance-gpu-name", SelectorOp::kIn, {"a100", "a10g"});
  EXPECT_TRUE(r.matches(kGpuNode));
  EXPECT_FALSE(r.matches({{"gantry.dev/instance-gpu-name", "t4"}}));
}

TEST(Requirement, InNeverMatchesAMissingLabel) {
  EXPECT_FALSE(req("gpu", SelectorOp::kIn, {"true"}).matches(kGpuNode));
  EXPECT_FALSE(req("gpu", SelectorOp::kIn, {""}).matches(Labels{}));
}

TEST(Requirement, NotInMatchesOtherValuesAndAMissingLabel) {
  auto r = req("topology.kubernetes.io/zone", SelectorOp::kNotIn, {"us-east-1b"});
  EXPECT_TRUE(r.matches(kGpuNode));
  EXPECT_FALSE(r.matches({{"topology.kubernetes.io/zone", "us-east-1b"}}));
  EXPECT_TRUE(r.matches(Labels{}));
}

TEST(Requirement, ExistsNeedsTheKeyWhateverItsValue) {
  auto r = req("gantry.dev/instance-gpu-name", SelectorOp::kExists);
  EXPECT_TRUE(r.matches(kGpuNode));
  EXPECT_TRUE(r.matches({{"gantry.dev/instance-gpu-name", ""}}));
  EXPECT_FALSE(r.matches({{"kubernetes.io/arch", "amd64"}}));
}

TEST(Requirement, DoesNotExistMatchesOnlyAMissingLabel) {
  auto r = req("gantry.dev/instance-gpu-name", SelectorOp::kDoesNotExist);
  EXPECT_FALSE(r.matches(kGpuNode));
  EXPECT_FALSE(r.matches({{"gantry.dev/instance-gpu-name", ""}}));
  EXPECT_TRUE(r.matches({{"kubernetes.io/arch", "amd64"}}));
  EXPECT_TRUE(r.matches(Labels{}));
}

TEST(Requirement, GtAndLtCompareIntegers) {
  auto gt3 = req("gantry.dev/instance-gpu-count", SelectorOp::kGt, {"3"});
  auto gt4 = req("gantry.dev/instance-gpu-count", SelectorOp::kGt, {"4"});
  auto lt5 = req("gantry.dev/instance-gpu-count", SelectorOp::kLt, {"5"});
  auto lt4 = req("gantry.dev/instance-gpu-count", SelectorOp::kLt, {"4"});
  EXPECT_TRUE(gt3.matches(kGpuNode));
  EXPECT_FALSE(gt4.matches(kGpuNode));  // strictly greater
  EXPECT_TRUE(lt5.matches(kGpuNode));
  EXPECT_FALSE(lt4.matches(kGpuNode));  // strictly less
  // Numeric, not lexicographic: "10" > "9".
  EXPECT_TRUE(req("n", SelectorOp::kGt, {"9"}).matches({{"n", "10"}}));
  EXPECT_TRUE(req("n", SelectorOp::kLt, {"-1"}).matches({{"n", "-20"}}));
}

TEST(Requirement, GtAndLtNeverMatchANonIntegerOrMissingLabel) {
  auto gt = req("n", SelectorOp::kGt, {"0"});
  auto lt = req("n", SelectorOp::kLt, {"100"});
  for (std::string value : {"", "abc", "1.5", "4Gi", " 7", "7 ", "0x10", "99999999999999999999"}) {
    EXPECT_FALSE(gt.matches({{"n", value}})) << value;
    EXPECT_FALSE(lt.matches({{"n", value}})) << value;
  }
  EXPECT_FALSE(gt.matches(Labels{}));
  EXPECT_FALSE(lt.matches(Labels{}));
}

TEST(Requirement, MatchesValueTakesNulloptAsAMissingLabel) {
  EXPECT_TRUE(req("k", SelectorOp::kNotIn, {"a"}).matchesValue(std::nullopt));
  EXPECT_TRUE(req("k", SelectorOp::kDoesNotExist).matchesValue(std::nullopt));
  EXPECT_FALSE(req("k", SelectorOp::kIn, {"a"}).matchesValue(std::nullopt));
  EXPECT_FALSE(req("k", SelectorOp::kExists).matchesValue(std::nullopt));
  EXPECT_FALSE(req("k", SelectorOp::kGt, {"1"}).matchesValue(std::nullopt));
  EXPECT_TRUE(req("k", SelectorOp::kIn, {"a"}).matchesValue("a"));
}

TEST(Requirement, ToStringShowsKeyOperatorAndValues) {
  EXPECT_EQ(req("zone", SelectorOp::kIn, {"a", "b"}).toString(), "zone In [a,b]");
  EXPECT_EQ(req("gpu", SelectorOp::kExists).toString(), "gpu Exists");
  EXPECT_EQ(req("n", SelectorOp::kGt, {"3"}).toString(), "n Gt [3]");
}

TEST(NodeSelectorTerm, AndsItsRequirements) {
  NodeSelectorTerm term{{req("kubernetes.io/arch", SelectorOp::kIn, {"amd64"}),
                         req("gantry.dev/instance-gpu-count", SelectorOp::kGt, {"1"})}};
  EXPECT_TRUE(term.matches(kGpuNode));
  EXPECT_FALSE(term.matches({{"kubernetes.io/arch", "amd64"}}));
  EXPECT_EQ(term.toString(), "kubernetes.io/arch In [amd64], gantry.dev/instance-gpu-count Gt [1]");
}

TEST(NodeSelectorTerm, EmptyTermOnItsOwnMatchesEverything) {
  // Documented: the term itself is a plain conjunction; NodeSelector applies the k8s rule.
  EXPECT_TRUE(NodeSelectorTerm{}.matches(kGpuNode));
}

TEST(NodeSelector, NoTermsMeansNoConstraint) {
  NodeSelector sel;
  EXPECT_TRUE(sel.empty());
  EXPECT_TRUE(sel.matches(kGpuNode));
  EXPECT_TRUE(sel.matches(Labels{}));
}

TEST(NodeSelector, OrsItsTerms) {
  NodeSelector sel{{NodeSelectorTerm{{req("topology.kubernetes.io/zone", SelectorOp::kIn, {"us-east-1b"})}},
                    NodeSelectorTerm{{req("gantry.dev/instance-gpu-name", SelectorOp::kIn, {"a10g"})}}}};
  EXPECT_FALSE(sel.empty());
  EXPECT_TRUE(sel.matches(kGpuNode));  // second term
  EXPECT_TRUE(sel.matches({{"topology.kubernetes.io/zone", "us-east-1b"}}));  // first term
  EXPECT_FALSE(sel.matches({{"topology.kubernetes.io/zone", "us-east-1c"}}));
}

TEST(NodeSelector, EmptyTermMatchesNothing) {
  NodeSelector onlyEmpty{{NodeSelectorTerm{}}};
  EXPECT_FALSE(onlyEmpty.matches(kGpuNode));
  EXPECT_FALSE(onlyEmpty.matches(Labels{}));
  // ...but does not stop another term from matching.
  NodeSelector withOther{{NodeSelectorTerm{}, NodeSelectorTerm{{req("kubernetes.io/arch", SelectorOp::kExists)}}}};
  EXPECT_TRUE(withOther.matches(kGpuNode));
}

TEST(LabelSelector, EmptySelectorMatchesEverything) {
  EXPECT_TRUE(LabelSelector{}.matches(Labels{}));
  EXPECT_TRUE(LabelSelector{}.matches(kGpuNode));
}

TEST(LabelSelector, MatchLabelsNeedEveryPairExactly) {
  LabelSelector sel{{{"app", "trainer"}, {"role", "worker"}}, {}};
  EXPECT_TRUE(sel.matches({{"app", "trainer"}, {"role", "worker"}, {"x", "y"}}));
  EXPECT_FALSE(sel.matches({{"app", "trainer"}}));
  EXPECT_FALSE(sel.matches({{"app", "trainer"}, {"role", "ps"}}));
}

TEST(LabelSelector, MatchExpressionsAreAndedWithMatchLabels) {
  LabelSelector sel{{{"app", "trainer"}},
                    {req("role", SelectorOp::kNotIn, {"ps"}), req("canary", SelectorOp::kDoesNotExist)}};
  EXPECT_TRUE(sel.matches({{"app", "trainer"}}));
  EXPECT_TRUE(sel.matches({{"app", "trainer"}, {"role", "worker"}}));
  EXPECT_FALSE(sel.matches({{"app", "trainer"}, {"role", "ps"}}));
  EXPECT_FALSE(sel.matches({{"app", "trainer"}, {"canary", "true"}}));
  EXPECT_FALSE(sel.matches({{"role", "worker"}}));
}

}  // namespace
}  // namespace gantry::api
