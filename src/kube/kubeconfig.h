// Where the Kubernetes client finds its cluster: a kubeconfig file (the `--kubeconfig` flag,
// $KUBECONFIG, ~/.kube/config) with one context chosen, or the in-cluster service account.
// The result is a RestConfig value: server URL, TLS material and how to get a bearer token.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/common/clock.h"
#include "src/common/status.h"
#include "src/http/http_client.h"
#include "src/kube/credentials.h"

namespace gantry::kube {

// Everything needed to reach one apiserver as one user.
struct RestConfig {
  std::string server{};  // "https://host:port", no trailing slash
  http::TlsConfig tls{};  // CA, client certificate/key (file or PEM), insecure flag
  std::string token{};      // a fixed bearer token
  std::string tokenFile{};  // re-read as it rotates; wins over `token` when both are set
  std::optional<ExecConfig> exec{};
  std::string defaultNamespace = "default";  // the context's namespace
  std::string contextName{};                 // "" for in-cluster
};

// Parses kubeconfig text (YAML or JSON). `context` "" means current-context. Relative file
// paths (certificate-authority, client-certificate, client-key, tokenFile) are resolved
// against `baseDir` (the kubeconfig's folder); *-data fields are base64-decoded PEM.
// Errors: kInvalid for unparsable text, a missing or unknown context/cluster/user, a
// cluster without a server, or bad base64.
Result<RestConfig> parseKubeconfig(std::string_view text, std::string_view context = "",
                                   std::string_view baseDir = "");

// Reads and parses one kubeconfig file. Errors: kNotFound if it cannot be read, else as above.
Result<RestConfig> loadKubeconfigFile(const std::string& path, std::string_view context = "");

// Merges several kubeconfig files as kubectl does with $KUBECONFIG: the first file to set
// current-context, or to define a cluster, user or context name, wins; each file's relative
// paths are resolved against its own folder; unreadable files are skipped.
// Errors: kNotFound when no file can be read; otherwise as parseKubeconfig.
Result<RestConfig> loadKubeconfigFiles(const std::vector<std::string>& paths,
                                       std::string_view context = "");

// In-cluster configuration from the service-account mount: server from `host` and `port`
// (KUBERNETES_SERVICE_HOST/PORT; IPv6 hosts are bracketed), CA `<dir>/ca.crt`, tokenFile
// `<dir>/token`, namespace from `<dir>/namespace` when present.
// Errors: kNotFound when host or port is empty or the token file is missing.
inline constexpr std::string_view kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
Result<RestConfig> inClusterConfig(std::string_view host, std::string_view port,
                                   std::string_view dir = kServiceAccountDir);

// The client-go loading order:
//   1. `kubeconfigFlag` when non-empty (a missing file is kNotFound),
//   2. else the existing files in $KUBECONFIG (':'-separated), merged (loadKubeconfigFiles),
//   3. else in-cluster when $KUBERNETES_SERVICE_HOST is set (`context` must then be ""),
//   4. else ~/.kube/config.
// Errors: kNotFound when none of these exists; otherwise as the loaders above.
Result<RestConfig> loadRestConfig(const std::string& kubeconfigFlag = "",
                                  std::string_view context = "");

// The TokenSource this config asks for: tokenFile (re-read every minute), else exec, else
// the fixed token (possibly ""). `execCache` is the cache for the exec plugin, shared with
// whoever also needs its client certificate; null when the config has no exec.
// REQUIRES: clock outlives the source.
TokenSourcePtr makeTokenSource(const RestConfig& config, Clock& clock,
                               std::shared_ptr<ExecCredentialCache> execCache = nullptr);

// Decodes standard base64 (padding optional, whitespace ignored). Errors: kInvalid.
Result<std::string> base64Decode(std::string_view in);

}  // namespace gantry::kube
