// Kubeconfig and in-cluster loading, following client-go's clientcmd for the fields that
// Gantry's users have in practice (client certs, tokens, token files, exec plugins).
#include "src/kube/kubeconfig.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/common/yaml_documents.h"

namespace gantry::kube {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string getString(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string resolvePath(const std::string& p, std::string_view baseDir) {
  if (p.empty() || baseDir.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(baseDir) / p).string();
}

// The `.<field>` object of the entry named `name` in list `key` ("clusters" → "cluster").
Result<json> findNamed(const json& doc, const char* key, const char* field, const std::string& name) {
  const auto list = doc.find(key);
  if (list != doc.end() && list->is_array()) {
    for (const auto& entry : *list) {
      if (entry.is_object() && getString(entry, "name") == name) {
        const auto f = entry.find(field);
        if (f != entry.end() && f->is_object()) return *f;
        return json::object();
      }
    }
  }
  return fail(Status::invalid(std::string("kubeconfig has no ") + field + " named '" + name + "'"));
}

Result<std::string> decodeField(const json& obj, const char* key) {
  const std::string raw = getString(obj, key);
  if (raw.empty()) return std::string();
  auto decoded = base64Decode(raw);
  if (!decoded) return fail(decoded.error().withContext(std::string("kubeconfig ") + key));
  return decoded;
}

Result<ExecConfig> parseExec(const json& exec) {
  ExecConfig out;
  out.command = getString(exec, "command");
  if (out.command.empty()) return fail(Status::invalid("kubeconfig exec has no command"));
  if (auto v = getString(exec, "apiVersion"); !v.empty()) out.apiVersion = v;
  if (const auto args = exec.find("args"); args != exec.end() && args->is_array()) {
    for (const auto& a : *args) {
      if (a.is_string()) out.args.push_back(a.get<std::string>());
    }
  }
  if (const auto env = exec.find("env"); env != exec.end() && env->is_array()) {
    for (const auto& e : *env) {
      if (e.is_object()) out.env.emplace_back(getString(e, "name"), getString(e, "value"));
    }
  }
  return out;
}

}  // namespace

Result<std::string> base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  bool padding = false;
  for (char c : in) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int v = value(c);
    if (v < 0 || padding) return fail(Status::invalid("bad base64"));
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if (bits >= 6) return fail(Status::invalid("bad base64 length"));
  return out;
}

namespace {

// The kubeconfig document with relative file paths made absolute against `baseDir`.
Result<json> parseDoc(std::string_view text, std::string_view baseDir) {
  auto docs = parseYamlDocuments(text);
  if (!docs) return fail(docs.error().withContext("kubeconfig"));
  if (docs->size() != 1 || !(*docs)[0].is_object()) {
    return fail(Status::invalid("kubeconfig must be one YAML mapping"));
  }
  json doc = std::move((*docs)[0]);
  auto resolveIn = [&](const char* list, const char* field, std::initializer_list<const char*> keys) {
    auto it = doc.find(list);
    if (it == doc.end() || !it->is_array()) return;
    for (auto& entry : *it) {
      if (!entry.is_object() || !entry.contains(field) || !entry[field].is_object()) continue;
      for (const char* key : keys) {
        if (auto v = entry[field].find(key); v != entry[field].end() && v->is_string()) {
          *v = resolvePath(v->get<std::string>(), baseDir);
        }
      }
    }
  };
  resolveIn("clusters", "cluster", {"certificate-authority"});
  resolveIn("users", "user", {"client-certificate", "client-key", "tokenFile"});
  return doc;
}

// Adds to `into` what `from` defines and `into` does not yet (kubectl's rule: first wins).
void mergeDoc(json& into, const json& from) {
  if (getString(into, "current-context").empty() && !getString(from, "current-context").empty()) {
    into["current-context"] = from["current-context"];
  }
  for (const char* list : {"clusters", "users", "contexts"}) {
    const auto src = from.find(list);
    if (src == from.end() || !src->is_array()) continue;
    if (!into.contains(list) || !into[list].is_array()) into[list] = json::array();
    for (const auto& entry : *src) {
      if (!entry.is_object()) continue;
      const std::string name = getString(entry, "name");
      bool present = false;
      for (const auto& have : into[list]) present = present || getString(have, "name") == name;
      if (!present) into[list].push_back(entry);
    }
  }
}

// The RestConfig for `context` of a parsed document (paths already resolved by parseDoc).
Result<RestConfig> configFromDoc(const json& doc, std::string_view context) {
  RestConfig cfg;
  cfg.contextName = context.empty() ? getString(doc, "current-context") : std::string(context);
  if (cfg.contextName.empty()) return fail(Status::invalid("kubeconfig has no current-context"));
  auto ctx = findNamed(doc, "contexts", "context", cfg.contextName);
  if (!ctx) return fail(ctx.error());
  if (auto ns = getString(*ctx, "namespace"); !ns.empty()) cfg.defaultNamespace = ns;

  auto cluster = findNamed(doc, "clusters", "cluster", getString(*ctx, "cluster"));
  if (!cluster) return fail(cluster.error());
  cfg.server = getString(*cluster, "server");
  while (cfg.server.ends_with('/')) cfg.server.pop_back();
  if (cfg.server.empty()) return fail(Status::invalid("kubeconfig cluster has no server"));
  cfg.tls.caFile = getString(*cluster, "certificate-authority");
  auto caData = decodeField(*cluster, "certificate-authority-data");
  if (!caData) return fail(caData.error());
  cfg.tls.caData = *caData;
  if (const auto it = cluster->find("insecure-skip-tls-verify"); it != cluster->end()) {
    cfg.tls.insecureSkipVerify = it->is_boolean() ? it->get<bool>() : getString(*cluster, "insecure-skip-tls-verify") == "true";
  }

  // A context may name no user (anonymous access).
  const std::string userName = getString(*ctx, "user");
  if (userName.empty()) return cfg;
  auto user = findNamed(doc, "users", "user", userName);
  if (!user) return fail(user.error());
  cfg.tls.clientCertFile = getString(*user, "client-certificate");
  cfg.tls.clientKeyFile = getString(*user, "client-key");
  auto certData = decodeField(*user, "client-certificate-data");
  if (!certData) return fail(certData.error());
  auto keyData = decodeField(*user, "client-key-data");
  if (!keyData) return fail(keyData.error());
  cfg.tls.clientCertData = *certData;
  cfg.tls.clientKeyData = *keyData;
  cfg.token = getString(*user, "token");
  cfg.tokenFile = getString(*user, "tokenFile");
  if (const auto exec = user->find("exec"); exec != user->end() && exec->is_object()) {
    auto parsed = parseExec(*exec);
    if (!parsed) return fail(parsed.error());
    cfg.exec = std::move(*parsed);
  }
  return cfg;
}

}  // namespace

Result<RestConfig> parseKubeconfig(std::string_view text, std::string_view context,
                                   std::string_view baseDir) {
  auto doc = parseDoc(text, baseDir);
  if (!doc) return fail(doc.error());
  return configFromDoc(*doc, context);
}

Result<RestConfig> loadKubeconfigFiles(const std::vector<std::string>& paths, std::string_view context) {
  json merged = json::object();
  bool any = false;
  for (const auto& path : paths) {
    auto text = readFile(path);
    if (!text) continue;
    auto doc = parseDoc(*text, fs::path(path).parent_path().string());
    if (!doc) return fail(doc.error().withContext(path));
    mergeDoc(merged, *doc);
    any = true;
  }
  if (!any) return fail(Status::notFound("none of the kubeconfig files can be read"));
  return configFromDoc(merged, context);
}

Result<RestConfig> loadKubeconfigFile(const std::string& path, std::string_view context) {
  auto text = readFile(path);
  if (!text) return fail(Status::notFound("cannot read kubeconfig " + path));
  auto cfg = parseKubeconfig(*text, context, fs::path(path).parent_path().string());
  if (!cfg) return fail(cfg.error().withContext(path));
  return cfg;
}

Result<RestConfig> inClusterConfig(std::string_view host, std::string_view port, std::string_view dir) {
  if (host.empty() || port.empty()) {
    return fail(Status::notFound("not in a cluster: KUBERNETES_SERVICE_HOST/PORT are unset"));
  }
  const fs::path base(dir);
  RestConfig cfg;
  const bool ipv6 = host.find(':') != std::string_view::npos;
  cfg.server = "https://" + (ipv6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" +
               std::string(port);
  cfg.tokenFile = (base / "token").string();
  if (!fs::exists(cfg.tokenFile)) {
    return fail(Status::notFound("no service-account token at " + cfg.tokenFile));
  }
  cfg.tls.caFile = (base / "ca.crt").string();
  if (auto ns = readFile((base / "namespace").string()); ns && !trimmed(*ns).empty()) {
    cfg.defaultNamespace = trimmed(*ns);
  }
  return cfg;
}

Result<RestConfig> loadRestConfig(const std::string& kubeconfigFlag, std::string_view context) {
  if (!kubeconfigFlag.empty()) return loadKubeconfigFile(kubeconfigFlag, context);
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    std::vector<std::string> paths;
    std::string_view list(env);
    while (!list.empty()) {
      const auto colon = list.find(':');
      const std::string path(list.substr(0, colon));
      list = colon == std::string_view::npos ? std::string_view() : list.substr(colon + 1);
      if (!path.empty() && fs::exists(path)) paths.push_back(path);
    }
    if (!paths.empty()) return loadKubeconfigFiles(paths, context);
  }
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST"); host != nullptr && *host != '\0') {
    if (!context.empty()) return fail(Status::invalid("--context needs a kubeconfig; none found"));
    const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
    return inClusterConfig(host, port != nullptr ? port : "");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    const std::string path = std::string(home) + "/.kube/config";
    if (fs::exists(path)) return loadKubeconfigFile(path, context);
  }
  return fail(Status::notFound("no kubeconfig (--kubeconfig, $KUBECONFIG, ~/.kube/config) and not in a cluster"));
}

TokenSourcePtr makeTokenSource(const RestConfig& config, Clock& clock,
                               std::shared_ptr<ExecCredentialCache> execCache) {
  if (!config.tokenFile.empty()) return makeFileTokenSource(config.tokenFile, clock);
  if (config.exec) {
    if (!execCache) execCache = std::make_shared<ExecCredentialCache>(*config.exec, clock);
    return makeExecTokenSource(std::move(execCache));
  }
  return makeStaticTokenSource(config.token);
}

}  // namespace gantry::kube
