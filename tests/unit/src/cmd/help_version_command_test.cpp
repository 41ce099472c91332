// The CLI basics every subcommand shares, through the real binary: `-h`/`--help` (and `gantry
// help <command>`) print the command's flags, an example and its exit codes, on stdout with
// exit 0; `gantry version` and `gantry --version` print the version and the commit built.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/run_command.h"

#include <regex>
#include <string>

namespace gantry {
namespace {

using gantry::testing::CommandResult;
using ::testing::HasSubstr;

CommandResult runGantry(const std::string& args) {
  return gantry::testing::runCommand(std::string(GANTRY_BINARY) + " " + args);
}

const char* const kCommands[] = {"plan", "catalog", "controller", "version"};

TEST(CommandHelp, DashHAndDashDashHelpWorkOnEverySubcommand) {
  for (const std::string command : kCommands) {
    for (const char* flag : {"-h", "--help"}) {
      CommandResult run = runGantry(command + " " + flag);
      SCOPED_TRACE(command + " " + flag);
      EXPECT_EQ(run.exitCode, 0) << run.err;
      EXPECT_EQ(run.err, "");
      EXPECT_THAT(run.out, HasSubstr("usage: gantry " + command + " [flags]"));
      EXPECT_THAT(run.out, HasSubstr("--help"));
      // An example of the command itself, and what each exit code means.
      EXPECT_THAT(run.out, HasSubstr("\nexamples:\n  gantry " + command));
      EXPECT_THAT(run.out, HasSubstr("\nexit codes:\n  0  "));
    }
  }
}

TEST(CommandHelp, ExitCodesListedAreTheOnesEachCommandUses) {
  EXPECT_THAT(runGantry("plan --help").out, HasSubstr("\n  1  the cluster could not be reached"));
  EXPECT_THAT(runGantry("plan --help").out, HasSubstr("\n  2  bad flags"));
  EXPECT_THAT(runGantry("catalog --help").out, HasSubstr("\n  1  the live catalog could not be built"));
  EXPECT_THAT(runGantry("controller --help").out, HasSubstr("\n  0  stopped cleanly on SIGTERM"));
  EXPECT_THAT(runGantry("plan --help").out, HasSubstr("| gantry plan --pods -"));
}

TEST(CommandHelp, HelpNeedsNoOtherFlagAndWinsOverThem) {
  // The controller requires --cluster-name, and plan --pods or --kubeconfig: not for help.
  EXPECT_EQ(runGantry("controller -h").exitCode, 0);
  EXPECT_EQ(runGantry("plan --pods /nonexistent.yaml -h").exitCode, 0);
  EXPECT_EQ(runGantry("catalog --live -h").exitCode, 0);  // no AWS call
}

TEST(CommandHelp, HelpCommandShowsTheSubcommandsHelp) {
  for (const std::string command : kCommands) {
    EXPECT_EQ(runGantry("help " + command).out, runGantry(command + " --help").out) << command;
  }
  CommandResult unknown = runGantry("help frobnicate");
  EXPECT_EQ(unknown.exitCode, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown command \"frobnicate\""));
}

TEST(CommandHelp, TopLevelHelpListsEveryCommand) {
  for (const char* flag : {"-h", "--help", "help"}) {
    CommandResult run = runGantry(flag);
    EXPECT_EQ(run.exitCode, 0) << flag;
    for (const std::string command : kCommands) {
      EXPECT_THAT(run.out, HasSubstr("\n  " + command + " ")) << flag;
    }
    EXPECT_THAT(run.out, HasSubstr("--version"));
  }
  CommandResult bare = runGantry("");
  EXPECT_EQ(bare.exitCode, 2);
  EXPECT_THAT(bare.err, HasSubstr("usage: gantry <command>"));
}

TEST(Version, VersionAndDashDashVersionPrintTheVersionAndCommit) {
  CommandResult version = runGantry("version");
  CommandResult flag = runGantry("--version");
  ASSERT_EQ(version.exitCode, 0) << version.err;
  ASSERT_EQ(flag.exitCode, 0) << flag.err;
  EXPECT_EQ(version.out, flag.out);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(version.out, m,
                               std::regex(R"(gantry (\S+) \(commit ([0-9a-f]{12}|unknown)\)\n)")))
      << version.out;
  EXPECT_EQ(m[1].str(), GANTRY_PROJECT_VERSION);
  const std::string commit = m[2].str();
  // Built from a git checkout: the commit is one of its commits (not necessarily HEAD, should
  // the tests run before a rebuild). Without git, "unknown" (tests/unit/version_commit_test.cmake).
  CommandResult isCheckout = gantry::testing::runCommand(
      "git -C '" + std::string(GANTRY_SOURCE_DIR) + "' rev-parse --is-inside-work-tree");
  if (isCheckout.exitCode == 0 && commit != "unknown") {
    EXPECT_EQ(gantry::testing::runCommand("git -C '" + std::string(GANTRY_SOURCE_DIR) +
                                          "' cat-file -e " + commit + "^{commit}")
                  .exitCode,
              0)
        << commit << " is not a commit of " << GANTRY_SOURCE_DIR;
  }
}

TEST(Version, ExtraArgumentsAreAUsageError) {
  CommandResult run = runGantry("version --short");
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_THAT(run.err, HasSubstr("unknown flag --short"));
  EXPECT_EQ(run.out, "");
}

}  // namespace
}  // namespace gantry
