// Toleration matching must agree with the scheduler's TaintToleration plugin, or Gantry
// launches nodes that pods then refuse (or skips nodes they would accept).
#include "src/api/taints.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gantry::api {
namespace {

using ::testing::HasSubstr;
using Op = Toleration::Op;

const Taint kGpuTaint{"nvidia.com/gpu", "present", TaintEffect::kNoSchedule};

Toleration tol(std::string key, Op op, std::string value = "",
               std::optional<TaintEffect> effect = std::nullopt) {
  Toleration t;
  t.key = std::move(key);
  t.op = op;
  t.value = std::move(value);
  t.effect = effect;
  return t;
}

TEST(TaintEffect, ParsesAndNamesEveryEffect) {
  for (auto [text, effect] : std::vector<std::pair<std::string, TaintEffect>>{
           {"NoSchedule", TaintEffect::kNoSchedule},
           {"PreferNoSchedule", TaintEffect::kPreferNoSchedule},
           {"NoExecute", TaintEffect::kNoExecute}}) {
    auto parsed = parseTaintEffect(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, effect);
    EXPECT_EQ(taintEffectName(effect), text);
  }
}

TEST(TaintEffect, RejectsUnknownEffectsNamingThem) {
  for (std::string_view text : {"noschedule", "", "NoScheduleX", "Evict"}) {
    auto parsed = parseTaintEffect(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_TRUE(parsed.error().isInvalid());
    EXPECT_THAT(parsed.error().message(), HasSubstr("\"" + std::string(text) + "\""));
  }
}

TEST(Taint, ToStringShowsValueOnlyWhenSet) {
  EXPECT_EQ(kGpuTaint.toString(), "nvidia.com/gpu=present:NoSchedule");
  EXPECT_EQ((Taint{"dedicated", "", TaintEffect::kNoExecute}).toString(), "dedicated:NoExecute");
}

TEST(Toleration, EqualNeedsSameKeyAndValue) {
  EXPECT_TRUE(tol("nvidia.com/gpu", Op::kEqual, "present").tolerates(kGpuTaint));
  EXPECT_FALSE(tol("nvidia.com/gpu", Op::kEqual, "absent").tolerates(kGpuTaint));
  EXPECT_FALSE(tol("nvidia.com/gpu", Op::kEqual, "").tolerates(kGpuTaint));
  EXPECT_FALSE(tol("amd.com/gpu", Op::kEqual, "present").tolerates(kGpuTaint));
}

TEST(Toleration, EqualWithEmptyValueToleratesATaintWithoutValue) {
  Taint t{"dedicated", "", TaintEffect::kNoSchedule};
  EXPECT_TRUE(tol("dedicated", Op::kEqual, "").tolerates(t));
  EXPECT_FALSE(tol("dedicated", Op::kEqual, "x").tolerates(t));
}

TEST(Toleration, ExistsIgnoresTheValue) {
  EXPECT_TRUE(tol("nvidia.com/gpu", Op::kExists).tolerates(kGpuTaint));
  EXPECT_FALSE(tol("amd.com/gpu", Op::kExists).tolerates(kGpuTaint));
}

TEST(Toleration, EmptyKeyWithExistsToleratesEveryTaint) {
  auto all = tol("", Op::kExists);
  EXPECT_TRUE(all.tolerates(kGpuTaint));
  EXPECT_TRUE(all.tolerates({"anything", "at-all", TaintEffect::kNoExecute}));
  EXPECT_TRUE(all.tolerates({"x", "", TaintEffect::kPreferNoSchedule}));
}

TEST(Toleration, EmptyKeyWithEqualToleratesNothing) {
  // The apiserver rejects this combination; we never let it tolerate anything.
  EXPECT_FALSE(tol("", Op::kEqual, "").tolerates({"", "", TaintEffect::kNoSchedule}));
  EXPECT_FALSE(tol("", Op::kEqual, "present").tolerates(kGpuTaint));
}

TEST(Toleration, EffectMustMatchWhenGiven) {
  EXPECT_TRUE(tol("nvidia.com/gpu", Op::kExists, "", TaintEffect::kNoSchedule).tolerates(kGpuTaint));
  EXPECT_FALSE(tol("nvidia.com/gpu", Op::kExists, "", TaintEffect::kNoExecute).tolerates(kGpuTaint));
  EXPECT_FALSE(
      tol("nvidia.com/gpu", Op::kExists, "", TaintEffect::kPreferNoSchedule).tolerates(kGpuTaint));
  // Empty key + Exists with an effect tolerates every taint of that effect only.
  auto allNoExecute = tol("", Op::kExists, "", TaintEffect::kNoExecute);
  EXPECT_TRUE(allNoExecute.tolerates({"node.kubernetes.io/not-ready", "", TaintEffect::kNoExecute}));
  EXPECT_FALSE(allNoExecute.tolerates(kGpuTaint));
}

TEST(Toleration, NoEffectToleratesEveryEffect) {
  auto t = tol("dedicated", Op::kEqual, "ml");
  for (auto effect : {TaintEffect::kNoSchedule, TaintEffect::kPreferNoSchedule, TaintEffect::kNoExecute}) {
    EXPECT_TRUE(t.tolerates({"dedicated", "ml", effect}));
  }
}

TEST(Tolerated, AnyTolerationSuffices) {
  std::vector<Toleration> ts = {tol("a", Op::kExists), tol("nvidia.com/gpu", Op::kExists)};
  EXPECT_TRUE(tolerated(kGpuTaint, ts));
  EXPECT_FALSE(tolerated(kGpuTaint, {tol("a", Op::kExists)}));
  EXPECT_FALSE(tolerated(kGpuTaint, {}));
}

TEST(FirstUntolerated, NoTaintsNeverBlock) { EXPECT_EQ(firstUntolerated({}, {}), std::nullopt); }

TEST(FirstUntolerated, ReturnsTheFirstBlockingTaintInOrder) {
  std::vector<Taint> taints = {{"a", "", TaintEffect::kNoSchedule},
                               {"b", "", TaintEffect::kNoExecute},
                               {"c", "", TaintEffect::kNoSchedule}};
  EXPECT_EQ(firstUntolerated(taints, {}), taints[0]);
  EXPECT_EQ(firstUntolerated(taints, {tol("a", Op::kExists)}), taints[1]);
  EXPECT_EQ(firstUntolerated(taints, {tol("a", Op::kExists), tol("b", Op::kExists)}), taints[2]);
  EXPECT_EQ(firstUntolerated(taints, {tol("", Op::kExists)}), std::nullopt);
}

TEST(FirstUntolerated, PreferNoScheduleNeverBlocks) {
  std::vector<Taint> taints = {{"soft", "x", TaintEffect::kPreferNoSchedule}};
  EXPECT_EQ(firstUntolerated(taints, {}), std::nullopt);
}

TEST(FirstUntolerated, NoExecuteBlocksUnlessTolerated) {
  std::vector<Taint> taints = {{"spot-reclaim", "", TaintEffect::kNoExecute}};
  EXPECT_EQ(firstUntolerated(taints, {}), taints[0]);
  Toleration t = tol("spot-reclaim", Op::kExists, "", TaintEffect::kNoExecute);
  t.tolerationSeconds = 30;  // still tolerated for scheduling purposes
  EXPECT_EQ(firstUntolerated(taints, {t}), std::nullopt);
  // A NoSchedule toleration does not cover a NoExecute taint.
  EXPECT_EQ(firstUntolerated(taints, {tol("spot-reclaim", Op::kExists, "", TaintEffect::kNoSchedule)}),
            taints[0]);
}

}  // namespace
}  // namespace gantry::api
