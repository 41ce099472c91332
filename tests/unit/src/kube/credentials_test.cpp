// Exec credential plugins: output parsing, expiry-driven caching (fake runner and clock),
// and running a real plugin script with its args and environment.
#include "src/kube/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/fakes/fake_clock.h"

namespace gantry::kube {
namespace {

namespace fs = std::filesystem;

std::string credential(const std::string& token, const std::string& expiry = "") {
  std::string out = R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":")" + token + "\"";
  if (!expiry.empty()) out += R"(,"expirationTimestamp":")" + expiry + "\"";
  return out + "}}";
}

TEST(Rfc3339, Parses) {
  using namespace std::chrono;
  const auto base = sys_days{year{2026} / 1 / 2} + hours(3) + minutes(4) + seconds(5);
  EXPECT_EQ(parseRfc3339("2026-01-02T03:04:05Z").value(), base);
  EXPECT_EQ(parseRfc3339("2026-01-02T03:04:05.5Z").value(), base + milliseconds(500));
  EXPECT_EQ(parseRfc3339("2026-01-02T05:04:05+02:00").value(), base);
  EXPECT_EQ(parseRfc3339("2026-01-02T01:04:05-02:00").value(), base);
  EXPECT_TRUE(parseRfc3339("2026-01-02 03:04:05").error().isInvalid());
  EXPECT_TRUE(parseRfc3339("2026-02-30T03:04:05Z").error().isInvalid());
  EXPECT_TRUE(parseRfc3339("yesterday").error().isInvalid());
}

TEST(ExecCredential, ParsesTokenAndCertificate) {
  auto cred = parseExecCredential(credential("tok", "2026-01-02T03:04:05Z"));
  ASSERT_TRUE(cred) << cred.error().toString();
  EXPECT_EQ(cred->token, "tok");
  ASSERT_TRUE(cred->expiration);

  auto cert = parseExecCredential(
      R"({"kind":"ExecCredential","status":{"clientCertificateData":"CERT","clientKeyData":"KEY"}})");
  ASSERT_TRUE(cert) << cert.error().toString();
  EXPECT_EQ(cert->token, "");
  EXPECT_EQ(cert->clientCertificateData, "CERT");
  EXPECT_EQ(cert->clientKeyData, "KEY");
  EXPECT_FALSE(cert->expiration);
}

TEST(ExecCredential, RejectsBadOutput) {
  EXPECT_TRUE(parseExecCredential("not json").error().isUnauthorized());
  EXPECT_TRUE(parseExecCredential(R"({"kind":"Secret","status":{"token":"x"}})").error().isUnauthorized());
  EXPECT_TRUE(parseExecCredential(R"({"kind":"ExecCredential","status":{}})").error().isUnauthorized());
  EXPECT_TRUE(parseExecCredential(R"({"kind":"ExecCredential"})").error().isUnauthorized());
  EXPECT_TRUE(parseExecCredential(credential("t", "soon")).error().isUnauthorized());
}

TEST(ExecCredentialCache, CachesUntilExpiry) {
  FakeClock clock(std::chrono::sys_days{std::chrono::year{2026} / 1 / 2});
  int runs = 0;
  ExecConfig config{.command = "fake"};
  auto cache = std::make_shared<ExecCredentialCache>(config, clock, [&](const ExecConfig&) -> Result<std::string> {
    ++runs;
    return credential("token-" + std::to_string(runs), "2026-01-02T00:15:00Z");
  });
  auto source = makeExecTokenSource(cache);
  EXPECT_EQ(source->token().value(), "token-1");
  clock.advance(std::chrono::minutes(14));
  EXPECT_EQ(source->token().value(), "token-1");
  clock.advance(std::chrono::seconds(55));  // within the 10 s skew of expiry
  EXPECT_EQ(source->token().value(), "token-2");
  source->invalidate();
  EXPECT_EQ(source->token().value(), "token-3");
  EXPECT_EQ(runs, 3);
}

TEST(ExecCredentialCache, WithoutExpiryCachesUntilInvalidated) {
  FakeClock clock;
  int runs = 0;
  ExecCredentialCache cache(ExecConfig{.command = "fake"}, clock, [&](const ExecConfig&) -> Result<std::string> {
    ++runs;
    return credential("t");
  });
  ASSERT_TRUE(cache.get());
  clock.advance(std::chrono::hours(24));
  ASSERT_TRUE(cache.get());
  EXPECT_EQ(runs, 1);
}

TEST(ExecCredentialCache, PluginFailureIsUnauthorized) {
  FakeClock clock;
  ExecCredentialCache cache(ExecConfig{.command = "fake"}, clock, [](const ExecConfig&) -> Result<std::string> {
    return fail(Status::unauthorized("boom"));
  });
  EXPECT_TRUE(cache.get().error().isUnauthorized());
}

class ExecPluginScript : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gantry-exec-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    script_ = (dir_ / "plugin.sh").string();
    // Echoes its first arg and $TEAM into the token, and checks KUBERNETES_EXEC_INFO is set.
    std::ofstream(script_) << "#!/bin/sh\n"
                              "case \"$KUBERNETES_EXEC_INFO\" in *ExecCredential*) ;; *) exit 3;; esac\n"
                              "if [ \"$1\" = fail ]; then echo oops >&2; exit 2; fi\n"
                              "printf '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s-%s\"}}' \"$1\" \"$TEAM\"\n";
    ::chmod(script_.c_str(), 0755);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string script_;
};

TEST_F(ExecPluginScript, RunsWithArgsAndEnv) {
  ExecConfig config{.command = script_, .args = {"hello"}, .env = {{"TEAM", "ml"}}};
  auto out = runExecPlugin(config);
  ASSERT_TRUE(out) << out.error().toString();
  EXPECT_EQ(parseExecCredential(*out)->token, "hello-ml");
}

TEST_F(ExecPluginScript, NonZeroExitAndMissingCommandAreUnauthorized) {
  EXPECT_TRUE(runExecPlugin(ExecConfig{.command = script_, .args = {"fail"}}).error().isUnauthorized());
  EXPECT_TRUE(runExecPlugin(ExecConfig{.command = "/nonexistent/plugin"}).error().isUnauthorized());
}

}  // namespace
}  // namespace gantry::kube
