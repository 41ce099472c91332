// The INI dialect of the AWS shared files: "[profile name]" in the config file, "[name]"
// in the credentials file, "key = value" lines, '#'/';' comments, and indented continuation
// lines for nested settings (which no static-key profile needs, so they are skipped).
#include "cloudprovider/aws/auth/credentials_files.h"

#include "cloudprovider/aws/auth/credentials_util.h"

namespace gantry::cloudprovider::aws {
namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

IniProfiles parseIniProfiles(std::string_view text, bool configFile) {
  IniProfiles out;
  std::string section;
  bool inUsableSection = false;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) continue;  // nested value
    std::string_view line = trimSpaces(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      const auto close = line.find(']');
      std::string_view name =
          trimSpaces(line.substr(1, close == std::string_view::npos ? 0 : close - 1));
      inUsableSection = true;
      if (configFile && name != "default") {
        if (name.starts_with("profile ") || name.starts_with("profile\t")) {
          name = trimSpaces(name.substr(8));
        } else {
          inUsableSection = false;  // [sso-session x], [services x] ...
        }
      }
      section = std::string(name);
      if (inUsableSection) out[section];
      continue;
    }
    if (!inUsableSection) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view value = trimSpaces(line.substr(eq + 1));
    // Inline comments need whitespace before the marker, so values may contain '#'.
    for (const char* marker : {" #", "\t#", " ;", "\t;"}) {
      if (const auto pos = value.find(marker); pos != std::string_view::npos) {
        value = trimSpaces(value.substr(0, pos));
      }
    }
    out[section][lowered(trimSpaces(line.substr(0, eq)))] = std::string(value);
  }
  return out;
}

Result<Credentials> SharedFilesCredentialsProvider::credentials() {
  std::string profile = envOr(env_, "AWS_PROFILE");
  const bool explicitProfile = !profile.empty() || !envOr(env_, "AWS_DEFAULT_PROFILE").empty();
  if (profile.empty()) profile = envOr(env_, "AWS_DEFAULT_PROFILE", "default");
  const std::string home = envOr(env_, "HOME");
  const std::string credentialsPath =
      envOr(env_, "AWS_SHARED_CREDENTIALS_FILE", home.empty() ? "" : home + "/.aws/credentials");
  const std::string configPath =
      envOr(env_, "AWS_CONFIG_FILE", home.empty() ? "" : home + "/.aws/config");

  std::map<std::string, std::string> settings;
  bool found = false;
  // Config first, then credentials, so the credentials file wins on conflicts.
  for (const auto& [path, isConfig] :
       {std::pair{configPath, true}, std::pair{credentialsPath, false}}) {
    if (path.empty()) continue;
    auto text = readTextFile(path);
    if (!text) {
      if (text.error().isNotFound()) continue;
      return fail(text.error());
    }
    const IniProfiles profiles = parseIniProfiles(*text, isConfig);
    if (auto it = profiles.find(profile); it != profiles.end()) {
      found = true;
      for (const auto& [k, v] : it->second) settings[k] = v;
    }
  }
  if (!found) {
    const std::string msg =
        "no profile '" + profile + "' in " + credentialsPath + " or " + configPath;
    return fail(explicitProfile ? Status::invalid(msg) : Status::notFound(msg));
  }
  Credentials out;
  out.source = "shared-files:" + profile;
  out.accessKeyId = settings["aws_access_key_id"];
  out.secretAccessKey = settings["aws_secret_access_key"];
  out.sessionToken = settings["aws_session_token"];
  if (out.accessKeyId.empty() && out.secretAccessKey.empty()) {
    for (const char* unsupported :
         {"role_arn", "credential_process", "sso_session", "sso_start_url"}) {
      if (settings.contains(unsupported)) {
        return fail(Status::unimplemented("profile '" + profile + "' uses " + unsupported +
                                          ", which Gantry does not support; use IRSA, Pod "
                                          "Identity or static keys"));
      }
    }
    const std::string msg = "profile '" + profile + "' has no aws_access_key_id";
    return fail(explicitProfile ? Status::invalid(msg) : Status::notFound(msg));
  }
  if (out.accessKeyId.empty() || out.secretAccessKey.empty()) {
    return fail(Status::invalid("profile '" + profile +
                                "' needs both aws_access_key_id and aws_secret_access_key"));
  }
  return out;
}

}  // namespace gantry::cloudprovider::aws
