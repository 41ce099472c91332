// Shared by the hostile-input tests of `gantry plan`: a scratch directory per test and the
// real binary run on it. Tests only.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.h"
#include "tests/unit/provisioner/plan_command_support.h"

namespace gantry::testing {

// A directory for one test's manifests, removed at its end.
class ManifestDir {
 public:
  ManifestDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("gantry-plan-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ManifestDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ManifestDir(const ManifestDir&) = delete;
  ManifestDir& operator=(const ManifestDir&) = delete;

  std::string write(const std::string& name, std::string_view text) const {
    auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string link(const std::string& name, const std::string& target) const {
    auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink(target, p);
    return p.string();
  }
  std::string path(const std::string& name = "") const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A pending Pod asking for 1 cpu, named as given, in namespace "ml".
inline std::string podYaml(const std::string& name) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: ml}\n"
         "spec: {containers: [{name: c, resources: {requests: {cpu: \"1\"}}}]}\n";
}

// Runs `gantry plan ARGS -o json` and parses its stdout; the test fails unless the exit code is
// `wantExit` and stdout is exactly one JSON document (a discarded value then).
inline nlohmann::json planJson(const std::string& args, int wantExit) {
  CommandResult run = gantryPlan(args + " -o json");
  EXPECT_EQ(run.exitCode, wantExit) << run.err << run.out;
  EXPECT_TRUE(nlohmann::json::accept(run.out)) << run.out;
  return nlohmann::json::parse(run.out, nullptr, false);
}

}  // namespace gantry::testing
