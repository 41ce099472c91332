// Flag parsing; see flags.h.
#include "src/cmd/flags.h"

#include <algorithm>
#include <cstdlib>

namespace gantry::cmd {

namespace {

std::string envName(const std::string& flag) {
  std::string out = "GANTRY_";
  for (char c : flag) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<Flags> Flags::parse(const std::vector<FlagSpec>& specs, const std::vector<std::string>& args) {
  Flags flags;
  for (const auto& s : specs) flags.defaults_[s.name] = s.defaultValue;
  auto find = [&](const std::string& name) -> const FlagSpec* {
    for (const auto& s : specs) {
      if (s.name == name) return &s;
    }
    return nullptr;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "-o") arg = "--output";
    if (arg == "-h") arg = "--help";
    if (!arg.starts_with("--")) {
      return fail(Status::invalid("unexpected argument \"" + arg + "\""));
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* spec = find(name);
    if (!spec) return fail(Status::invalid("unknown flag --" + name));
    if (spec->isSwitch) {
      flags.values_[name].push_back(value.value_or("true"));
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) return fail(Status::invalid("flag --" + name + " needs a value"));
      value = args[++i];
    }
    auto& slot = flags.values_[name];
    if (!spec->repeatable) slot.clear();
    slot.push_back(*value);
  }
  return flags;
}

std::string Flags::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end() && !it->second.empty()) return it->second.back();
  if (const char* env = std::getenv(envName(name).c_str()); env && *env) return env;
  auto it = defaults_.find(name);
  return it == defaults_.end() ? "" : it->second;
}

std::vector<std::string> Flags::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool Flags::has(const std::string& name) const {
  return values_.count(name) > 0 || std::getenv(envName(name).c_str()) != nullptr;
}

bool Flags::enabled(const std::string& name) const {
  std::string v = get(name);
  return v == "true" || v == "1" || v == "yes";
}

std::string Flags::usage(const std::string& command, const std::vector<FlagSpec>& specs) {
  std::string out = "usage: gantry " + command + " [flags]\n";
  for (const auto& s : specs) {
    const std::string left = "  --" + s.name + (s.isSwitch ? "" : " VALUE");
    out += left + std::string(std::max<int>(2, 32 - static_cast<int>(left.size())), ' ');
    out += s.help;
    if (!s.defaultValue.empty()) out += " (default " + s.defaultValue + ")";
    if (s.repeatable) out += " (repeatable)";
    out += "\n";
  }
  return out;
}

std::string Flags::help(const std::string& command, const std::vector<FlagSpec>& specs,
                        const CommandHelp& text) {
  std::string out = "gantry " + command + ": " + text.summary + "\n\n" + usage(command, specs);
  if (!text.examples.empty()) {
    out += "\nexamples:\n";
    for (const auto& e : text.examples) out += "  " + e + "\n";
  }
  if (!text.exitCodes.empty()) {
    out += "\nexit codes:\n";
    for (const auto& [code, when] : text.exitCodes) out += "  " + std::to_string(code) + "  " + when + "\n";
  }
  return out;
}

}  // namespace gantry::cmd
