// Kubeconfig parsing, context selection, path resolution, in-cluster config and the
// client-go loading order, with real files in a temporary folder.
#include "src/kube/kubeconfig.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/fakes/fake_clock.h"

namespace gantry::kube {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("gantry-kube-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// Sets an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// "hello" and "world" in base64.
constexpr const char* kKubeconfig = R"(apiVersion: v1
kind: Config
current-context: admin
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443/
    certificate-authority-data: aGVsbG8=
- name: dev
  cluster:
    server: https://dev.example
    certificate-authority: certs/ca.pem
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate-data: aGVsbG8=
    client-key-data: d29ybGQ=
- name: dev-user
  user:
    client-certificate: certs/client.pem
    client-key: /abs/client.key
    token: static-token
    tokenFile: token.txt
- name: eks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, gantry]
      env:
      - name: AWS_PROFILE
        value: ml
contexts:
- name: admin
  context: {cluster: prod, user: admin}
- name: dev
  context: {cluster: dev, user: dev-user, namespace: team-a}
- name: eks
  context: {cluster: prod, user: eks}
- name: broken
  context: {cluster: nowhere, user: admin}
)";

TEST(Base64, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(base64Decode("aGVsbG8=").value(), "hello");
  EXPECT_EQ(base64Decode("aGVsbG8").value(), "hello");
  EXPECT_EQ(base64Decode("aGVs\nbG8=").value(), "hello");
  EXPECT_EQ(base64Decode("").value(), "");
  EXPECT_TRUE(base64Decode("a$b=").error().isInvalid());
  EXPECT_TRUE(base64Decode("a").error().isInvalid());
}

TEST(Kubeconfig, CurrentContextWithEmbeddedCertificates) {
  auto cfg = parseKubeconfig(kKubeconfig);
  ASSERT_TRUE(cfg) << cfg.error().toString();
  EXPECT_EQ(cfg->server, "https://prod.example:6443");
  EXPECT_EQ(cfg->tls.caData, "hello");
  EXPECT_EQ(cfg->tls.clientCertData, "hello");
  EXPECT_EQ(cfg->tls.clientKeyData, "world");
  EXPECT_FALSE(cfg->tls.insecureSkipVerify);
  EXPECT_EQ(cfg->defaultNamespace, "default");
  EXPECT_EQ(cfg->contextName, "admin");
  EXPECT_FALSE(cfg->exec);
}

TEST(Kubeconfig, ExplicitContextResolvesRelativePaths) {
  auto cfg = parseKubeconfig(kKubeconfig, "dev", "/home/me/.kube");
  ASSERT_TRUE(cfg) << cfg.error().toString();
  EXPECT_EQ(cfg->server, "https://dev.example");
  EXPECT_EQ(cfg->tls.caFile, "/home/me/.kube/certs/ca.pem");
  EXPECT_EQ(cfg->tls.clientCertFile, "/home/me/.kube/certs/client.pem");
  EXPECT_EQ(cfg->tls.clientKeyFile, "/abs/client.key");
  EXPECT_TRUE(cfg->tls.insecureSkipVerify);
  EXPECT_EQ(cfg->token, "static-token");
  EXPECT_EQ(cfg->tokenFile, "/home/me/.kube/token.txt");
  EXPECT_EQ(cfg->defaultNamespace, "team-a");
}

TEST(Kubeconfig, ExecPlugin) {
  auto cfg = parseKubeconfig(kKubeconfig, "eks");
  ASSERT_TRUE(cfg) << cfg.error().toString();
  ASSERT_TRUE(cfg->exec);
  EXPECT_EQ(cfg->exec->command, "aws");
  EXPECT_EQ(cfg->exec->args, (std::vector<std::string>{"eks", "get-token", "--cluster-name", "gantry"}));
  ASSERT_EQ(cfg->exec->env.size(), 1u);
  EXPECT_EQ(cfg->exec->env[0].first, "AWS_PROFILE");
  EXPECT_EQ(cfg->exec->env[0].second, "ml");
}

TEST(Kubeconfig, Errors) {
  EXPECT_TRUE(parseKubeconfig(kKubeconfig, "missing").error().isInvalid());
  EXPECT_TRUE(parseKubeconfig(kKubeconfig, "broken").error().isInvalid());
  EXPECT_TRUE(parseKubeconfig("clusters: [").error().isInvalid());
  EXPECT_TRUE(parseKubeconfig("kind: Config\n").error().isInvalid());  // no current-context
  EXPECT_TRUE(parseKubeconfig(R"(current-context: c
contexts: [{name: c, context: {cluster: x}}]
clusters: [{name: x, cluster: {certificate-authority-data: aGVsbG8=}}]
)").error().isInvalid());  // no server
  EXPECT_TRUE(loadKubeconfigFile("/nonexistent/kubeconfig").error().isNotFound());
}

TEST(Kubeconfig, LoadFileUsesItsFolderForRelativePaths) {
  TempDir dir;
  const std::string path = dir.write("config", kKubeconfig);
  auto cfg = loadKubeconfigFile(path, "dev");
  ASSERT_TRUE(cfg) << cfg.error().toString();
  EXPECT_EQ(cfg->tls.caFile, dir.path() + "/certs/ca.pem");
}

TEST(Kubeconfig, MergesFilesFirstDefinitionWins) {
  TempDir a, b;
  const std::string first = a.write("config", R"(current-context: mine
clusters:
- name: shared
  cluster: {server: https://first.example, certificate-authority: ca.pem}
users:
- name: me
  user: {token: first-token}
contexts:
- name: mine
  context: {cluster: shared, user: me}
)");
  const std::string second = b.write("config", kKubeconfig);  // also names cluster "dev", ...
  const std::string second2 = b.write("extra", R"(current-context: theirs
clusters:
- name: shared
  cluster: {server: https://second.example}
- name: only-here
  cluster: {server: https://only.example, certificate-authority: ca.pem}
contexts:
- name: theirs
  context: {cluster: only-here, user: me}
)");
  auto cfg = loadKubeconfigFiles({first, a.path() + "/missing", second2, second});
  ASSERT_TRUE(cfg) << cfg.error().toString();
  EXPECT_EQ(cfg->contextName, "mine");                 // the first current-context
  EXPECT_EQ(cfg->server, "https://first.example");     // the first "shared"
  EXPECT_EQ(cfg->tls.caFile, a.path() + "/ca.pem");   // resolved against its own file
  EXPECT_EQ(cfg->token, "first-token");
  auto theirs = loadKubeconfigFiles({first, second2}, "theirs");
  ASSERT_TRUE(theirs) << theirs.error().toString();
  EXPECT_EQ(theirs->server, "https://only.example");
  EXPECT_EQ(theirs->tls.caFile, b.path() + "/ca.pem");
  EXPECT_EQ(theirs->token, "first-token");  // user from the first file
  EXPECT_EQ(loadKubeconfigFiles({first, second}, "dev")->defaultNamespace, "team-a");
  EXPECT_TRUE(loadKubeconfigFiles({a.path() + "/missing"}).error().isNotFound());
}

TEST(InClusterConfig, ReadsServiceAccountMount) {
  TempDir dir;
  dir.write("token", "sa-token\n");
  dir.write("ca.crt", "PEM");
  dir.write("namespace", "gantry-system\n");
  auto cfg = inClusterConfig("10.96.0.1", "443", dir.path());
  ASSERT_TRUE(cfg) << cfg.error().toString();
  EXPECT_EQ(cfg->server, "https://10.96.0.1:443");
  EXPECT_EQ(cfg->tokenFile, dir.path() + "/token");
  EXPECT_EQ(cfg->tls.caFile, dir.path() + "/ca.crt");
  EXPECT_EQ(cfg->defaultNamespace, "gantry-system");

  EXPECT_EQ(inClusterConfig("fd00::1", "443", dir.path())->server, "https://[fd00::1]:443");
  EXPECT_TRUE(inClusterConfig("", "443", dir.path()).error().isNotFound());
  TempDir empty;
  EXPECT_TRUE(inClusterConfig("10.96.0.1", "443", empty.path()).error().isNotFound());
}

TEST(InClusterConfig, TokenFileRotationIsPickedUpAfterAMinute) {
  TempDir dir;
  const std::string tokenPath = dir.write("token", "first\n");
  dir.write("ca.crt", "PEM");
  auto cfg = inClusterConfig("10.96.0.1", "443", dir.path());
  ASSERT_TRUE(cfg);
  FakeClock clock;
  auto source = makeTokenSource(*cfg, clock);
  EXPECT_EQ(source->token().value(), "first");
  dir.write("token", "second\n");
  EXPECT_EQ(source->token().value(), "first");  // cached
  clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(source->token().value(), "second");
  dir.write("token", "third\n");
  source->invalidate();  // a 401 forces a re-read
  EXPECT_EQ(source->token().value(), "third");
  fs::remove(tokenPath);
  source->invalidate();
  EXPECT_TRUE(source->token().error().isUnauthorized());
}

TEST(LoadRestConfig, FlagThenKubeconfigEnvThenInCluster) {
  TempDir dir;
  const std::string path = dir.write("config", kKubeconfig);
  ScopedEnv home("HOME", dir.path().c_str());
  ScopedEnv host("KUBERNETES_SERVICE_HOST", nullptr);
  {
    ScopedEnv kc("KUBECONFIG", (dir.path() + "/missing:" + path).c_str());
    auto cfg = loadRestConfig("", "dev");
    ASSERT_TRUE(cfg) << cfg.error().toString();
    EXPECT_EQ(cfg->server, "https://dev.example");
    EXPECT_TRUE(loadRestConfig(dir.path() + "/nope").error().isNotFound());
    EXPECT_EQ(loadRestConfig(path)->server, "https://prod.example:6443");
  }
  ScopedEnv kc("KUBECONFIG", nullptr);
  EXPECT_TRUE(loadRestConfig().error().isNotFound());  // no ~/.kube/config, not in a cluster
  fs::create_directories(dir.path() + "/.kube");
  dir.write(".kube/config", kKubeconfig);
  EXPECT_EQ(loadRestConfig()->contextName, "admin");
}

TEST(MakeTokenSource, PrefersTokenFileThenExecThenToken) {
  FakeClock clock;
  RestConfig cfg;
  cfg.token = "fixed";
  EXPECT_EQ(makeTokenSource(cfg, clock)->token().value(), "fixed");
  RestConfig none;
  EXPECT_EQ(makeTokenSource(none, clock)->token().value(), "");
}

}  // namespace
}  // namespace gantry::kube
