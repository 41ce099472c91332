// The RBAC audit of the e2e run: CTest runs RbacAuditMark before every e2e suite and RbacAudit
// after all of them (FIXTURES_SETUP / FIXTURES_CLEANUP, tests/e2e/CMakeLists.txt). It reads
// the test environment's apiserver audit log (GANTRY_TESTENV_AUDIT_LOG; tests/testenv writes
// the gantry service account's requests at Metadata level) from the mark on: any request of
// system:serviceaccount:gantry-system:gantry answered 403 fails it, named by verb, resource and
// namespace. The chart's rights (deploy/rbac.yaml, rendered from it) that no request used are
// listed, not failed: the e2e suites do not reach every code path. RbacAuditSelfCheck proves
// the check fails on a refused request, with synthetic audit lines.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <ctime>
#include <fstream>
#include <sstream>

#include "tests/e2e/rbac_audit.h"
#include "tests/support/testenv.h"

namespace gantry::e2e {
namespace {

namespace fs = std::filesystem;

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::set<Right> chartRights() {
  std::string error;
  auto rights = grantedRights(readText(std::string(GANTRY_SOURCE_DIR) + "/deploy/rbac.yaml"), error);
  EXPECT_TRUE(error.empty()) << error;
  return rights;
}

// Where the mark (the UTC time the e2e run started, in the audit log's timestamp form) is kept.
std::string markPath() {
  const char* path = std::getenv("GANTRY_E2E_AUDIT_MARK");
  return path != nullptr ? path : "";
}

std::string auditLine(const std::string& user, const std::string& verb, const std::string& group,
                      const std::string& resource, const std::string& ns, int code,
                      const std::string& received = "2026-12-06T04:00:00.000000Z") {
  nlohmann::json e = {{"kind", "Event"},
                      {"apiVersion", "audit.k8s.io/v1"},
                      {"level", "Metadata"},
                      {"stage", "ResponseComplete"},
                      {"requestURI", "/apis/x"},
                      {"verb", verb},
                      {"user", {{"username", user}}},
                      {"objectRef", {{"resource", resource}, {"apiGroup", group}, {"namespace", ns}}},
                      {"responseStatus", {{"metadata", nlohmann::json::object()}, {"code", code}}},
                      {"requestReceivedTimestamp", received}};
  return e.dump();
}

TEST(RbacAuditSelfCheck, ARefusedRequestOfTheServiceAccountIsReportedAndOthersAreNot) {
  const std::string sa(kGantryServiceAccountUser);
  const std::set<Right> granted = chartRights();
  ASSERT_TRUE(granted.contains(Right{"", "nodes", "patch"}));
  const std::vector<std::string> lines = {
      auditLine(sa, "patch", "", "nodes", "", 200),
      auditLine(sa, "delete", "coordination.k8s.io", "leases", "gantry-system", 403),
      auditLine("system:admin", "list", "", "secrets", "kube-system", 403),  // not gantry's
      auditLine(sa, "list", "", "secrets", "", 403, "2026-12-06T03:00:00.000000Z"),  // before the mark
      "not json"};
  const auto result = auditRbac(lines, granted, sa, "2026-12-06T03:59:00.000000Z");
  EXPECT_EQ(result.requests, 2u);
  ASSERT_EQ(result.denied.size(), 1u);
  EXPECT_EQ(describeDenied(result.denied[0]),
            "delete coordination.k8s.io/leases in namespace gantry-system (HTTP 403, /apis/x)");
  EXPECT_FALSE(result.unused.contains(Right{"", "nodes", "patch"}));
  EXPECT_TRUE(result.unused.contains(Right{"", "nodes", "delete"}));
}

TEST(RbacAuditMark, RecordsWhereTheE2eRunStarts) {
  ASSERT_FALSE(markPath().empty()) << "GANTRY_E2E_AUDIT_MARK is not set (CTest sets it)";
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char mark[64];
  std::strftime(mark, sizeof mark, "%Y-%m-%dT%H:%M:%S.000000Z", &utc);
  std::ofstream(markPath()) << mark << "\n";
  ASSERT_FALSE(readText(markPath()).empty()) << markPath();
}

TEST(RbacAudit, TheGantryServiceAccountWasNeverRefused) {
  auto env = testing::TestEnv::load();
  ASSERT_TRUE(env) << "no test environment: " << testing::TestEnv::defaultPath() << "; start tests/testenv/up";
  const std::string log = env->get("GANTRY_TESTENV_AUDIT_LOG");
  ASSERT_FALSE(log.empty()) << env->path() << " has no GANTRY_TESTENV_AUDIT_LOG: run tests/testenv/up again";
  ASSERT_FALSE(markPath().empty()) << "GANTRY_E2E_AUDIT_MARK is not set (CTest sets it)";
  std::string since = readText(markPath());
  while (!since.empty() && since.back() == '\n') since.pop_back();
  ASSERT_FALSE(since.empty()) << "no mark at " << markPath() << ": RbacAuditMark runs before the e2e suites";

  // The log and the backups the apiserver rotated it into (audit-<time>.log) next to it.
  std::vector<std::string> lines;
  const fs::path dir = fs::path(log).parent_path();
  const std::string stem = fs::path(log).stem().string();
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(stem) || entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  }
  const auto result = auditRbac(lines, chartRights(), kGantryServiceAccountUser, since);
  // The e2e suites run the controller as this user; nothing logged means the audit is broken.
  EXPECT_GT(result.requests, 0u) << "no request of " << kGantryServiceAccountUser << " in " << log << " since "
                                 << since;
  for (const auto& denied : result.denied) ADD_FAILURE() << "refused: " << describeDenied(denied);

  std::string report = std::to_string(result.requests) + " requests of " + std::string(kGantryServiceAccountUser) +
                       " since " + since + "; chart rights no request used (" +
                       std::to_string(result.unused.size()) + "):\n";
  for (const auto& right : result.unused) report += "  unused: " + right.describe() + "\n";
  std::printf("%s", report.c_str());
  std::ofstream(markPath() + ".report") << report;
}

}  // namespace
}  // namespace gantry::e2e
