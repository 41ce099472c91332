// The simple credential sources (environment, shared files), redaction, ISO 8601, and the
// chain and cache that compose every source.
#include <gtest/gtest.h>

#include <sstream>

#include "cloudprovider/aws/auth/credentials_cache.h"
#include "cloudprovider/aws/auth/credentials_chain.h"
#include "cloudprovider/aws/auth/credentials_env.h"
#include "cloudprovider/aws/auth/credentials_files.h"
#include "cloudprovider/aws/transport/iso8601.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/cloudprovider/aws/auth/credentials_test_support.h"

namespace gantry::cloudprovider::aws {
namespace {

using testing::envFrom;
using testing::ScratchDir;

TEST(CredentialsTest, PrintingNeverShowsSecretOrToken) {
  Credentials c{.accessKeyId = "AKIAIOSFODNN7EXAMPLE",
                .secretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                .sessionToken = "FwoGZXIvYXdzEXAMPLETOKEN",
                .source = "environment"};
  std::ostringstream os;
  os << c;
  for (const std::string& text : {os.str(), c.redacted()}) {
    EXPECT_EQ(text.find("wJalr"), std::string::npos) << text;
    EXPECT_EQ(text.find("FwoG"), std::string::npos) << text;
    EXPECT_EQ(text.find("IOSFODNN7"), std::string::npos) << text;
    EXPECT_NE(text.find("AKIA****"), std::string::npos) << text;
    EXPECT_NE(text.find("sessionToken=<set>"), std::string::npos) << text;
  }
}

TEST(Iso8601Test, ParsesAwsShapesAndRejectsOthers) {
  auto t = parseIso8601("2024-05-01T10:20:30Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(formatIso8601(*t), "2024-05-01T10:20:30Z");
  EXPECT_EQ(parseIso8601("2024-05-01T10:20:30.123Z").value(), *t);
  EXPECT_EQ(parseIso8601("2024-05-01T10:20:30+00:00").value(), *t);
  for (const char* bad : {"", "2024-05-01", "2024-05-01T10:20:30", "2024-05-01T10:20:30+02:00",
                          "2024-13-01T10:20:30Z", "2024-02-30T10:20:30Z", "2024-05-01T25:20:30Z",
                          "yyyy-05-01T10:20:30Z",
                          // Found by ec2_xml_fuzz: year 9999 overflowed system_clock's nanoseconds.
                          "9999-12-31T23:59:59Z", "1000-01-01T00:00:00Z"}) {
    EXPECT_FALSE(parseIso8601(bad).has_value()) << bad;
  }
}

TEST(EnvironmentCredentialsTest, ReadsKeysTokenAndExpiration) {
  EnvironmentCredentialsProvider p(
      envFrom({{"AWS_ACCESS_KEY_ID", "AKID"},
               {"AWS_SECRET_ACCESS_KEY", "SECRET"},
               {"AWS_SESSION_TOKEN", "TOKEN"},
               {"AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z"}}));
  auto c = p.credentials();
  ASSERT_TRUE(c.has_value()) << c.error().toString();
  EXPECT_EQ(c->accessKeyId, "AKID");
  EXPECT_EQ(c->secretAccessKey, "SECRET");
  EXPECT_EQ(c->sessionToken, "TOKEN");
  EXPECT_EQ(formatIso8601(c->expiration.value()), "2030-01-01T00:00:00Z");
  EXPECT_EQ(c->source, "environment");
}

TEST(EnvironmentCredentialsTest, AbsentIsNotFoundAndHalfSetIsInvalid) {
  EXPECT_TRUE(EnvironmentCredentialsProvider(envFrom({})).credentials().error().isNotFound());
  EXPECT_TRUE(EnvironmentCredentialsProvider(envFrom({{"AWS_ACCESS_KEY_ID", "AKID"}}))
                  .credentials()
                  .error()
                  .isInvalid());
  EXPECT_TRUE(EnvironmentCredentialsProvider(envFrom({{"AWS_ACCESS_KEY_ID", "A"},
                                                      {"AWS_SECRET_ACCESS_KEY", "S"},
                                                      {"AWS_CREDENTIAL_EXPIRATION", "soon"}}))
                  .credentials()
                  .error()
                  .isInvalid());
}

TEST(SharedFilesTest, ParsesProfilesCommentsAndNestedSettings) {
  auto profiles = parseIniProfiles(R"(# comment
[default]
region = us-east-1
; another comment
[profile gpu]
aws_access_key_id=AKIDGPU
aws_secret_access_key = secret#with-hash ; inline comment
s3 =
  max_concurrent_requests = 20
[sso-session corp]
sso_region = us-east-1
[services local]
ec2 =
  endpoint_url = http://localhost:5000
)",
                                   /*configFile=*/true);
  EXPECT_EQ(profiles.size(), 2u);
  EXPECT_EQ(profiles["default"]["region"], "us-east-1");
  EXPECT_EQ(profiles["gpu"]["aws_access_key_id"], "AKIDGPU");
  EXPECT_EQ(profiles["gpu"]["aws_secret_access_key"], "secret#with-hash");
  EXPECT_FALSE(profiles["gpu"].contains("max_concurrent_requests"));
  EXPECT_FALSE(profiles.contains("corp"));
}

TEST(SharedFilesTest, DefaultProfileFromTheCredentialsFile) {
  ScratchDir dir;
  dir.write(".aws/credentials",
            "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = S1\n");
  SharedFilesCredentialsProvider p(envFrom({{"HOME", dir.path()}}));
  auto c = p.credentials();
  ASSERT_TRUE(c.has_value()) << c.error().toString();
  EXPECT_EQ(c->accessKeyId, "AKIDDEF");
  EXPECT_EQ(c->source, "shared-files:default");
}

TEST(SharedFilesTest, NamedProfileMergesFilesWithCredentialsWinning) {
  ScratchDir dir;
  const auto creds = dir.write("creds", "[gpu]\naws_secret_access_key = FROM_CREDENTIALS\n");
  const auto config = dir.write("config",
                                "[profile gpu]\naws_access_key_id = AKIDGPU\n"
                                "aws_secret_access_key = FROM_CONFIG\naws_session_token = T\n");
  SharedFilesCredentialsProvider p(envFrom({{"AWS_PROFILE", "gpu"},
                                            {"AWS_SHARED_CREDENTIALS_FILE", creds},
                                            {"AWS_CONFIG_FILE", config}}));
  auto c = p.credentials();
  ASSERT_TRUE(c.has_value()) << c.error().toString();
  EXPECT_EQ(c->accessKeyId, "AKIDGPU");
  EXPECT_EQ(c->secretAccessKey, "FROM_CREDENTIALS");
  EXPECT_EQ(c->sessionToken, "T");
}

TEST(SharedFilesTest, MissingProfilesAndUnsupportedKinds) {
  ScratchDir dir;
  EXPECT_TRUE(SharedFilesCredentialsProvider(envFrom({{"HOME", dir.path()}}))
                  .credentials()
                  .error()
                  .isNotFound());
  dir.write(".aws/config",
            "[profile assume]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n");
  auto explicitMissing =
      SharedFilesCredentialsProvider(envFrom({{"HOME", dir.path()}, {"AWS_PROFILE", "nope"}}))
          .credentials();
  EXPECT_TRUE(explicitMissing.error().isInvalid()) << explicitMissing.error().toString();
  auto roleChaining =
      SharedFilesCredentialsProvider(envFrom({{"HOME", dir.path()}, {"AWS_PROFILE", "assume"}}))
          .credentials();
  EXPECT_EQ(roleChaining.error().code(), StatusCode::kUnimplemented);
}

// A scripted provider for chain and cache tests.
class ScriptedProvider final : public CredentialsProvider {
 public:
  explicit ScriptedProvider(std::string name) : name_(std::move(name)) {}
  Result<Credentials> credentials() override {
    ++calls;
    return next;
  }
  std::string_view name() const override { return name_; }
  Result<Credentials> next = fail(Status::notFound("not configured"));
  int calls = 0;

 private:
  std::string name_;
};

TEST(ChainCredentialsTest, SkipsAbsentSourcesAndStopsAtBrokenOnes) {
  auto a = std::make_unique<ScriptedProvider>("a");
  auto b = std::make_unique<ScriptedProvider>("b");
  auto c = std::make_unique<ScriptedProvider>("c");
  ScriptedProvider* pb = b.get();
  ScriptedProvider* pc = c.get();
  std::vector<CredentialsProviderPtr> list;
  list.push_back(std::move(a));
  list.push_back(std::move(b));
  list.push_back(std::move(c));
  ChainCredentialsProvider chain(std::move(list));

  auto none = chain.credentials();
  ASSERT_FALSE(none.has_value());
  EXPECT_TRUE(none.error().isUnauthorized());
  EXPECT_NE(none.error().message().find("a: not configured; b: not configured; c: not configured"),
            std::string::npos);

  pc->next = Credentials{.accessKeyId = "C", .secretAccessKey = "S"};
  auto fromC = chain.credentials();
  ASSERT_TRUE(fromC.has_value());
  EXPECT_EQ(fromC->source, "c");

  pb->next = fail(Status::unavailable("STS down"));
  auto broken = chain.credentials();
  ASSERT_FALSE(broken.has_value());
  EXPECT_TRUE(broken.error().isUnavailable());
  EXPECT_NE(broken.error().message().find("from b"), std::string::npos);
}

TEST(CachingCredentialsTest, RefreshesFiveMinutesBeforeExpiry) {
  FakeClock clock;
  auto inner = std::make_unique<ScriptedProvider>("sts");
  ScriptedProvider* p = inner.get();
  p->next = Credentials{.accessKeyId = "A1",
                        .secretAccessKey = "S",
                        .expiration = clock.now() + std::chrono::hours(1)};
  CachingCredentialsProvider cache(std::move(inner), clock);

  EXPECT_EQ(cache.credentials()->accessKeyId, "A1");
  clock.advance(std::chrono::minutes(54));
  EXPECT_EQ(cache.credentials()->accessKeyId, "A1");
  EXPECT_EQ(p->calls, 1);

  p->next = Credentials{.accessKeyId = "A2",
                        .secretAccessKey = "S",
                        .expiration = clock.now() + std::chrono::hours(1)};
  clock.advance(std::chrono::minutes(1) + std::chrono::seconds(1));  // inside the 5-minute window
  EXPECT_EQ(cache.credentials()->accessKeyId, "A2");
  EXPECT_EQ(p->calls, 2);
}

TEST(CachingCredentialsTest, KeepsValidCredentialsWhenARefreshFailsThenGivesUpAtExpiry) {
  FakeClock clock;
  auto inner = std::make_unique<ScriptedProvider>("imds");
  ScriptedProvider* p = inner.get();
  const auto expiry = clock.now() + std::chrono::minutes(10);
  p->next = Credentials{.accessKeyId = "A1", .secretAccessKey = "S", .expiration = expiry};
  CachingCredentialsProvider cache(std::move(inner), clock);
  ASSERT_TRUE(cache.credentials().has_value());

  p->next = fail(Status::unavailable("IMDS timeout"));
  clock.advance(std::chrono::minutes(6));  // refresh due, old ones valid for 4 more minutes
  EXPECT_EQ(cache.credentials()->accessKeyId, "A1");
  EXPECT_EQ(p->calls, 2);
  clock.advance(std::chrono::seconds(10));  // within the retry interval: no new attempt
  EXPECT_EQ(cache.credentials()->accessKeyId, "A1");
  EXPECT_EQ(p->calls, 2);
  clock.advance(std::chrono::seconds(30));
  EXPECT_EQ(cache.credentials()->accessKeyId, "A1");
  EXPECT_EQ(p->calls, 3);

  clock.set(expiry);
  auto expired = cache.credentials();
  ASSERT_FALSE(expired.has_value());
  EXPECT_TRUE(expired.error().isUnavailable());
}

TEST(CachingCredentialsTest, NonExpiringCredentialsAreFetchedOnce) {
  FakeClock clock;
  auto inner = std::make_unique<ScriptedProvider>("env");
  ScriptedProvider* p = inner.get();
  p->next = Credentials{.accessKeyId = "A", .secretAccessKey = "S"};
  CachingCredentialsProvider cache(std::move(inner), clock);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cache.credentials().has_value());
    clock.advance(std::chrono::hours(24));
  }
  EXPECT_EQ(p->calls, 1);
}

}  // namespace
}  // namespace gantry::cloudprovider::aws
