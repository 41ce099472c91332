// `gantry plan --pods -`: manifests from standard input, so `helm template ... | gantry plan
// --pods -` works, through the real binary. Standard input gets the protections files have
// (a size cap, the parser's depth and alias bounds), and its errors name "<stdin>".
#include <gtest/gtest.h>

#include "tests/support/run_command.h"
#include "tests/unit/provisioner/plan_command_support.h"

#include <string>

#include <nlohmann/json.hpp>

namespace gantry {
namespace {

using gantry::testing::CommandResult;
using gantry::testing::planTestdata;
using json = nlohmann::json;

std::string katib() { return std::string(GANTRY_SOURCE_DIR) + "/examples/katib-gpu-experiment.yaml"; }

// `<input> | gantry plan <args>`: `input` is a shell command (or redirection) feeding stdin.
CommandResult pipedPlan(const std::string& input, const std::string& args) {
  return gantry::testing::runCommand(input + " | " + std::string(GANTRY_BINARY) + " plan " + args);
}

TEST(PlanStdin, PipedManifestsPlanLikeTheSameFile) {
  CommandResult fromFile = gantry::testing::runCommand(std::string(GANTRY_BINARY) +
                                                       " plan --pods " + katib() + " -o json");
  CommandResult piped = pipedPlan("cat " + katib(), "--pods - -o json");
  ASSERT_EQ(fromFile.exitCode, 0) << fromFile.err;
  ASSERT_EQ(piped.exitCode, 0) << piped.err;
  EXPECT_EQ(json::parse(piped.out), json::parse(fromFile.out));
  EXPECT_EQ(json::parse(piped.out)["nodeclaims"].size(), 5u);
}

TEST(PlanStdin, StandardInputAddsToFilesAndServesNodePoolsToo) {
  // Pods from a file, NodePools piped in: the pool's GPU limit (2) and zone pin apply.
  CommandResult run = pipedPlan("cat " + planTestdata("gpu-pools.yaml"),
                                "--pods " + planTestdata("gpu-pods.yaml") + " --nodepools - -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  json plan = json::parse(run.out);
  ASSERT_EQ(plan["nodeclaims"].size(), 2u);
  for (const auto& claim : plan["nodeclaims"]) EXPECT_EQ(claim["nodepool"], "gpu");
  // Pods from a file and from standard input are planned together.
  CommandResult both = pipedPlan("cat " + katib(), "--pods - --pods " + planTestdata("gpu-pods.yaml") + " -o json");
  ASSERT_EQ(both.exitCode, 0) << both.err;
  EXPECT_NE(both.out.find("ml-team/resnet-lr-search-0"), std::string::npos);
}

TEST(PlanStdin, ErrorsNameStandardInput) {
  CommandResult undecodable = pipedPlan("cat " + planTestdata("bad-quantity.yaml"), "--pods - -o json");
  EXPECT_EQ(undecodable.exitCode, 2);
  json plan = json::parse(undecodable.out);
  ASSERT_EQ(plan["errors"].size(), 1u);
  EXPECT_EQ(plan["errors"][0]["source"], "<stdin>");
  EXPECT_EQ(plan["errors"][0]["object"], "Pod ml/broken");

  // Text that does not parse is listed in errors like any file, and a plan is still printed.
  CommandResult unparsable = pipedPlan("cat " + planTestdata("unparsable.yaml"), "--pods -");
  EXPECT_EQ(unparsable.exitCode, 2);
  EXPECT_NE(unparsable.out.find("<stdin>: line"), std::string::npos) << unparsable.out;
  CommandResult unparsableJson = pipedPlan("cat " + planTestdata("unparsable.yaml"), "--pods - -o json");
  EXPECT_EQ(unparsableJson.exitCode, 2);
  json errors = json::parse(unparsableJson.out)["errors"];
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["source"], "<stdin>");
  EXPECT_EQ(errors[0]["object"], "");
}

TEST(PlanStdin, EmptyInputIsAnEmptyPlan) {
  CommandResult run = pipedPlan("true", "--pods - -o json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_TRUE(json::parse(run.out)["nodeclaims"].empty());
}

TEST(PlanStdin, EndlessInputIsCutOffAtTheSizeLimit) {
  // /dev/zero never ends; `yes` never ends either and is valid YAML line by line.
  for (const char* input : {"cat /dev/zero", "yes 'a: b'"}) {
    CommandResult run = pipedPlan(input, "--pods -");
    EXPECT_EQ(run.exitCode, 2) << input;
    EXPECT_NE(run.out.find("<stdin>: input is larger than the limit of"), std::string::npos)
        << input << ": " << run.out;
    EXPECT_LT(run.took.count(), 20000) << input;
  }
}

TEST(PlanStdin, HostileStructureIsRefusedAsFromAFile) {
  // 5,000 nested sequences, and an alias bomb.
  CommandResult deep = pipedPlan(
      "{ head -c 5000 /dev/zero | tr '\\0' '['; head -c 5000 /dev/zero | tr '\\0' ']'; }", "--pods -");
  EXPECT_EQ(deep.exitCode, 2);
  EXPECT_NE(deep.out.find("<stdin>: line 1, column 201: document nested deeper than 200 levels"),
            std::string::npos)
      << deep.out;
  // a: ten x; b: ten a; ... j: ten i, that is 10^10 values once expanded.
  std::string bomb = "printf 'a: &a [x,x,x,x,x,x,x,x,x,x]\\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const std::string previous = "*" + std::string(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [" + previous;
    for (int i = 1; i < 10; ++i) bomb += "," + previous;
    bomb += "]\\n";
  }
  bomb += "'";
  CommandResult laughs = pipedPlan(bomb, "--pods -");
  EXPECT_EQ(laughs.exitCode, 2);
  EXPECT_NE(laughs.out.find("<stdin>: line "), std::string::npos) << laughs.out;
  EXPECT_NE(laughs.out.find("alias bomb"), std::string::npos) << laughs.out;
  EXPECT_LT(laughs.took.count(), 20000);
}

TEST(PlanStdin, StandardInputIsReadOnlyOnce) {
  for (const char* args : {"--pods - --pods -", "--pods - --nodepools -"}) {
    CommandResult run = pipedPlan("cat " + katib(), args);
    EXPECT_EQ(run.exitCode, 2) << args;
    EXPECT_NE(run.err.find("standard input (-) can be read only once"), std::string::npos) << run.err;
  }
}

TEST(PlanStdin, ClosedStandardInputIsAnError) {
  CommandResult run = gantry::testing::runCommand(std::string(GANTRY_BINARY) + " plan --pods - <&-");
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_NE(run.out.find("<stdin>: cannot read"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace gantry
