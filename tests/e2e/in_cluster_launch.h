// How the e2e suites run `gantry controller` the way the Helm chart deploys it: the container
// args of the rendered chart (deploy/manifests/gantry.yaml) with only what a test must change
// laid over them, and the in-cluster configuration a pod has: no kubeconfig,
// KUBERNETES_SERVICE_HOST/PORT, and token, ca.crt and namespace under
// /var/run/secrets/kubernetes.io/serviceaccount. Each controller gets that directory in a mount
// namespace of its own (unshare; the tests run as root), so parallel tests each see their own
// token and the product needs no test-only path override. Tests only.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/common/yaml_documents.h"
#include "tests/support/free_port.h"

namespace gantry::e2e {

using gantry::testing::freeLoopbackPort;

// The container of the chart's Deployment as rendered: its args ("controller", "--flag=value"
// and bare "--flag" for booleans) and the namespace the pod runs in (POD_NAMESPACE, the
// service account's namespace).
struct ChartController {
  std::vector<std::string> args{};
  std::string podNamespace{};
};

// Reads the Deployment "gantry" out of a rendered manifest; nullopt with `error` set when the
// file, the Deployment or its controller container is missing.
inline std::optional<ChartController> readChartController(const std::string& manifestPath, std::string& error) {
  std::ifstream in(manifestPath);
  if (!in) {
    error = "cannot read " + manifestPath;
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto docs = parseYamlDocuments(text.str());
  if (!docs) {
    error = manifestPath + ": " + docs.error().message();
    return std::nullopt;
  }
  for (const auto& doc : *docs) {
    if (doc.value("kind", "") != "Deployment") continue;
    for (const auto& c : doc["spec"]["template"]["spec"].value("containers", nlohmann::json::array())) {
      if (c.value("name", "") != "controller") continue;
      ChartController out{.podNamespace = doc["metadata"].value("namespace", "")};
      for (const auto& a : c.value("args", nlohmann::json::array())) out.args.push_back(a.get<std::string>());
      return out;
    }
  }
  error = manifestPath + " has no Deployment with a container named controller";
  return std::nullopt;
}

// Command-line flags in order, as name -> value (nullopt: a bare boolean flag). Positional
// words (the subcommand) keep an empty name.
class FlagList {
 public:
  // Accepts "--name=value", "--name value" (a value is a word not starting with "--") and a
  // bare "--name".
  explicit FlagList(const std::vector<std::string>& args) {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (!a.starts_with("--")) {
        flags_.push_back({"", a});
        continue;
      }
      if (const auto eq = a.find('='); eq != std::string::npos) {
        flags_.push_back({a.substr(2, eq - 2), a.substr(eq + 1)});
      } else if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
        flags_.push_back({a.substr(2), args[++i]});
      } else {
        flags_.push_back({a.substr(2), std::nullopt});
      }
    }
  }

  bool has(const std::string& name) const { return find(name) != flags_.end(); }

  // Replaces the flag's value where it stands, or appends it.
  void set(const std::string& name, std::optional<std::string> value) {
    if (auto it = find(name); it != flags_.end()) {
      it->second = std::move(value);
    } else {
      flags_.push_back({name, std::move(value)});
    }
  }
  void remove(const std::string& name) { std::erase_if(flags_, [&](const auto& f) { return f.first == name; }); }

  // Every flag of `overrides` set over these, in its order.
  void overlay(const FlagList& overrides) {
    for (const auto& [name, value] : overrides.flags_) {
      if (!name.empty()) set(name, value);
    }
  }

  std::vector<std::string> args() const {
    std::vector<std::string> out;
    for (const auto& [name, value] : flags_) {
      if (name.empty()) {
        out.push_back(*value);
      } else {
        out.push_back("--" + name + (value ? "=" + *value : ""));
      }
    }
    return out;
  }

 private:
  using Flags = std::vector<std::pair<std::string, std::optional<std::string>>>;
  Flags::iterator find(const std::string& name) {
    return std::find_if(flags_.begin(), flags_.end(), [&](const auto& f) { return f.first == name; });
  }
  Flags::const_iterator find(const std::string& name) const {
    return std::find_if(flags_.begin(), flags_.end(), [&](const auto& f) { return f.first == name; });
  }
  Flags flags_;
};

// Points the metrics and health listeners at `metricsPort` and `healthPort`, in whichever
// form the chart sets them (--metrics-port, or --metrics-bind-address when the chart uses
// that), on loopback for the bind-address form.
inline void setListenPorts(FlagList& flags, int metricsPort, int healthPort) {
  for (const auto& [kind, port] : {std::pair{std::string("metrics"), metricsPort}, {std::string("health"), healthPort}}) {
    if (flags.has(kind + "-bind-address")) {
      flags.remove(kind + "-port");
      flags.set(kind + "-bind-address", "127.0.0.1:" + std::to_string(port));
    } else {
      flags.set(kind + "-port", std::to_string(port));
    }
  }
}

// The environment a pod of the chart has: the apiserver's Service address (host and port of
// `server`, "https://host:port") and POD_NAMESPACE, which the chart sets from the pod's namespace.
inline std::map<std::string, std::string> inClusterEnv(const std::string& server, const std::string& podNamespace) {
  const std::string hostPort = server.substr(server.find("://") + 3);
  return {{"KUBERNETES_SERVICE_HOST", hostPort.substr(0, hostPort.rfind(':'))},
          {"KUBERNETES_SERVICE_PORT", hostPort.substr(hostPort.rfind(':') + 1)},
          {"POD_NAMESPACE", podNamespace}};
}

// The service-account mount as a pod sees it, written to `dir`: token (trailing whitespace
// trimmed, as `kubectl create token` prints it), ca.crt, namespace.
inline bool writeServiceAccountDir(const std::string& dir, std::string token, const std::string& caFile,
                                   const std::string& ns, std::string& error) {
  namespace fs = std::filesystem;
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec) fs::copy_file(caFile, fs::path(dir) / "ca.crt", fs::copy_options::overwrite_existing, ec);
  if (ec) {
    error = dir + ": " + ec.message();
    return false;
  }
  for (const auto& [name, content] : {std::pair{"token", token}, {"namespace", ns}}) {
    std::ofstream out(fs::path(dir) / name);
    out << content;
    if (!out) {
      error = "cannot write " + dir + "/" + name;
      return false;
    }
  }
  return true;
}

// The argv that runs `binary args...` in a mount namespace of its own in which
// /var/run/secrets/kubernetes.io/serviceaccount is `serviceAccountDir` (read-only): a tmpfs
// over /var/run (which leaves the host's /run untouched and needs no directory on the host)
// and a bind mount into it. KUBECONFIG is dropped, as a pod has none. The shell execs the
// binary, so the process id is the controller's.
inline std::vector<std::string> inClusterArgv(const std::string& serviceAccountDir, const std::string& binary,
                                              const std::vector<std::string>& args) {
  static const std::string kScript =
      "set -e; sa=/var/run/secrets/kubernetes.io/serviceaccount; "
      "mount -t tmpfs -o size=1m,mode=0755 gantry-pod-run /var/run; mkdir -p \"$sa\"; "
      "mount --bind \"$1\" \"$sa\"; mount -o remount,bind,ro \"$sa\"; shift; unset KUBECONFIG; exec \"$@\"";
  std::vector<std::string> argv = {"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                                   kScript,            "gantry-in-cluster", serviceAccountDir, binary};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace gantry::e2e
