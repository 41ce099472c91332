// A small command-line flag parser for the gantry subcommands: `--name value`,
// `--name=value`, repeatable flags, boolean switches, `-o` as a short form of `--output` and
// `-h` of `--help`. Every flag can also come from an environment variable (GANTRY_<NAME>),
// which is how the controller is configured in a pod spec.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/common/status.h"

namespace gantry::cmd {

struct FlagSpec {
  std::string name;         // without dashes: "pods"
  std::string help;
  bool repeatable = false;
  bool isSwitch = false;    // takes no value
  std::string defaultValue;
};

// What `gantry <command> --help` says besides the flags.
struct CommandHelp {
  std::string summary;                // what the command does, a sentence or two
  std::vector<std::string> examples;  // command lines, shown as given
  std::vector<std::pair<int, std::string>> exitCodes;  // code, when
};

class Flags {
 public:
  // Parses argv (after the subcommand). kInvalid for unknown flags or missing values.
  static Result<Flags> parse(const std::vector<FlagSpec>& specs, const std::vector<std::string>& args);

  std::string get(const std::string& name) const;             // last value, env, or default
  std::vector<std::string> all(const std::string& name) const;  // every value given
  bool has(const std::string& name) const;
  bool enabled(const std::string& name) const;  // for switches

  // The usage line and the flags: printed after a usage error.
  static std::string usage(const std::string& command, const std::vector<FlagSpec>& specs);
  // The whole help: the summary, usage(), the examples and the exit codes.
  static std::string help(const std::string& command, const std::vector<FlagSpec>& specs,
                          const CommandHelp& text);

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::map<std::string, std::string> defaults_;
};

}  // namespace gantry::cmd
