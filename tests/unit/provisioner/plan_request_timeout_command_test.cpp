// `gantry plan --kubeconfig --request-timeout`, through the real binary: against a server that
// accepts connections but never answers, plan gives up after the timeout (not 90 s later),
// exits 1 and names the server, the call and the limit; bad durations are usage errors.
#include <gtest/gtest.h>

#include "tests/support/run_command.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

namespace gantry {
namespace {

using gantry::testing::CommandResult;

CommandResult gantryPlan(const std::string& args) {
  return gantry::testing::runCommand("env -u KUBECONFIG " + std::string(GANTRY_BINARY) +
                                     " plan " + args);
}

// A loopback listener that never calls accept(): the kernel completes TCP handshakes into the
// backlog, so clients connect and then wait forever for an answer.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() {
    if (fd_ >= 0) ::close(fd_);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

std::string kubeconfigFor(const std::string& server) {
  const std::string path = ::testing::TempDir() + "gantry_plan_silent." +
                           std::to_string(::getpid()) + ".kubeconfig";
  std::ofstream(path) << "apiVersion: v1\nkind: Config\n"
                         "clusters:\n- name: c\n  cluster:\n    server: " << server << "\n"
                         "    insecure-skip-tls-verify: true\n"
                         "users:\n- name: u\n  user:\n    token: t\n"
                         "contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: u\n"
                         "current-context: ctx\n";
  return path;
}

TEST(PlanRequestTimeout, SilentServerTimesOutNamingServerCallAndLimit) {
  SilentServer server;
  CommandResult run = gantryPlan("--kubeconfig " + kubeconfigFor(server.url()) +
                                 " --request-timeout 1s -o json");
  EXPECT_EQ(run.exitCode, 1) << run.err;
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_NE(run.err.find("cannot read the cluster at " + server.url()), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("GET " + server.url() + "/api/v1/nodes"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("no answer within --request-timeout 1s"), std::string::npos) << run.err;
  // Three attempts of 1 s plus backoff; without the flag's limit this took 90 s.
  EXPECT_LT(run.took, std::chrono::seconds(8));
}

TEST(PlanRequestTimeout, BadDurationsAreUsageErrors) {
  SilentServer server;
  for (const char* bad : {"soon", "-1s", "1d", "s", "1.2.3s", ""}) {
    CommandResult run = gantryPlan("--kubeconfig " + kubeconfigFor(server.url()) +
                                   " --request-timeout '" + bad + "'");
    EXPECT_EQ(run.exitCode, 2) << bad << ": " << run.err;
    EXPECT_NE(run.err.find("--request-timeout"), std::string::npos) << bad << ": " << run.err;
  }
}

TEST(PlanRequestTimeout, KubectlFormsAreAcceptedAndFractionalSecondsWork) {
  SilentServer server;
  // 700ms, a bare number of seconds and a fractional Go duration all parse; each run ends
  // with the timeout message, so the value reached the client.
  for (const char* good : {"700ms", "1", "0.5s"}) {
    CommandResult run = gantryPlan("--kubeconfig " + kubeconfigFor(server.url()) +
                                   " --request-timeout " + good);
    EXPECT_EQ(run.exitCode, 1) << good << ": " << run.err;
    EXPECT_NE(run.err.find("no answer within --request-timeout"), std::string::npos)
        << good << ": " << run.err;
  }
}

TEST(PlanRequestTimeout, HelpShowsTheFlagAndItsDefault) {
  CommandResult run = gantryPlan("--help");
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_NE(run.out.find("--request-timeout"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("10s"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace gantry
