// Runs a command line through the shell for CLI tests of the real binary: stdout and stderr
// apart, and the exit code. Header-only, tests only.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace gantry::testing {

struct CommandResult {
  int exitCode = -1;  // -1 when the command could not run or died from a signal
  std::string out;
  std::string err;
  std::chrono::milliseconds took{0};  // wall time from start to exit
};

// `command` goes through /bin/sh as written (quote what needs quoting). stderr is caught in
// a file unique to this process and call: ctest runs test cases as parallel processes.
inline CommandResult runCommand(const std::string& command) {
  static int calls = 0;
  const std::string errFile = ::testing::TempDir() + "gantry_cmd_stderr." +
                              std::to_string(::getpid()) + "." + std::to_string(++calls);
  CommandResult run;
  const auto start = std::chrono::steady_clock::now();
  FILE* pipe = popen((command + " 2>" + errFile).c_str(), "r");
  if (!pipe) return run;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.out.append(buf.data(), n);
  const int status = pclose(pipe);
  run.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(errFile);
  std::stringstream ss;
  ss << in.rdbuf();
  run.err = ss.str();
  std::remove(errFile.c_str());
  return run;
}

}  // namespace gantry::testing
