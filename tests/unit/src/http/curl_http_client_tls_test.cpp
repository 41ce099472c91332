// CurlHttpClient's TLS settings against a real TLS peer on loopback: `openssl s_server`,
// started by the test with certificates it generates, so in-memory PEM data (what a
// kubeconfig's *-data fields carry), CA files, client certificates and the insecure switch
// are all exercised end to end. Skipped when the openssl command is not installed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "src/http/curl_http_client.h"
#include "tests/support/free_port.h"

extern char** environ;

namespace gantry::http {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

using gantry::testing::freeLoopbackPort;

bool accepting(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Self-signed certificates and an `openssl s_server -www` bound to 127.0.0.1.
class TlsPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("openssl version > /dev/null 2>&1") != 0) {
      GTEST_SKIP() << "openssl command not installed";
    }
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("gantry-tls-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
    makeCert("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    makeCert("client", "/CN=gantry-client", "");
  }

  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  void makeCert(const std::string& name, const std::string& subject, const std::string& ext) {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj '" +
        subject + "'" + (ext.empty() ? "" : " -addext '" + ext + "'") + " -keyout '" +
        (dir_ / (name + ".key")).string() + "' -out '" + (dir_ / (name + ".pem")).string() +
        "' > /dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }

  // Starts the server; with requireClientCert it demands a certificate signed by client.pem.
  void startServer(bool requireClientCert) {
    port_ = freeLoopbackPort();
    std::vector<std::string> args = {"openssl", "s_server",
                                     "-quiet",  "-www",
                                     "-accept", "127.0.0.1:" + std::to_string(port_),
                                     "-cert",   (dir_ / "server.pem").string(),
                                     "-key",    (dir_ / "server.key").string()};
    if (requireClientCert) {
      for (const std::string a : {"-Verify", "1", "-verify_return_error", "-CAfile"}) {
        args.push_back(a);
      }
      args.push_back((dir_ / "client.pem").string());
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    ASSERT_EQ(posix_spawnp(&pid_, "openssl", &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!accepting(port_)) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "s_server did not start";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  Result<Response> get(const TlsConfig& tls) {
    CurlHttpClient client({.tls = tls, .connectTimeout = std::chrono::milliseconds(3000)});
    return client.send({.url = "https://127.0.0.1:" + std::to_string(port_) + "/",
                        .timeout = std::chrono::milliseconds(5000)});
  }

  fs::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST_F(TlsPeerTest, TrustsAnInMemoryCa) {
  startServer(false);
  auto resp = get({.caData = slurp(dir_ / "server.pem")});
  ASSERT_TRUE(resp.has_value()) << resp.error().toString();
  EXPECT_EQ(resp->status, 200);
}

TEST_F(TlsPeerTest, TrustsACaFile) {
  startServer(false);
  auto resp = get({.caFile = (dir_ / "server.pem").string()});
  ASSERT_TRUE(resp.has_value()) << resp.error().toString();
  EXPECT_EQ(resp->status, 200);
}

TEST_F(TlsPeerTest, RejectsAnUnknownServerUnlessTold) {
  startServer(false);
  auto untrusted = get({.caData = slurp(dir_ / "client.pem")});  // the wrong CA
  ASSERT_FALSE(untrusted.has_value());
  EXPECT_TRUE(untrusted.error().isUnavailable());
  auto insecure = get({.insecureSkipVerify = true});
  ASSERT_TRUE(insecure.has_value()) << insecure.error().toString();
  EXPECT_EQ(insecure->status, 200);
}

TEST_F(TlsPeerTest, PresentsAnInMemoryClientCertificate) {
  startServer(true);
  auto withCert = get({.caData = slurp(dir_ / "server.pem"),
                       .clientCertData = slurp(dir_ / "client.pem"),
                       .clientKeyData = slurp(dir_ / "client.key")});
  ASSERT_TRUE(withCert.has_value()) << withCert.error().toString();
  EXPECT_EQ(withCert->status, 200);
  auto withFiles = get({.caFile = (dir_ / "server.pem").string(),
                        .clientCertFile = (dir_ / "client.pem").string(),
                        .clientKeyFile = (dir_ / "client.key").string()});
  ASSERT_TRUE(withFiles.has_value()) << withFiles.error().toString();
  auto without = get({.caData = slurp(dir_ / "server.pem")});
  EXPECT_FALSE(without.has_value() && without->status == 200);
}

}  // namespace
}  // namespace gantry::http
