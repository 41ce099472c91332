// URL splitting and percent-encoding: the signer depends on these being byte-exact.
#include "src/http/url.h"

#include <gtest/gtest.h>

namespace gantry::http {
namespace {

TEST(UrlTest, SplitsAllParts) {
  auto url = parseUrl("HTTPS://EC2.us-east-1.amazonaws.com:8443/a/b%20c?x=1&y=2#frag");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "ec2.us-east-1.amazonaws.com");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/a/b%20c");
  EXPECT_EQ(url->query, "x=1&y=2");
  EXPECT_EQ(url->authority(), "ec2.us-east-1.amazonaws.com:8443");
}

TEST(UrlTest, DefaultsPathAndOmitsDefaultPortFromAuthority) {
  auto url = parseUrl("https://ec2.us-east-1.amazonaws.com");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->path, "/");
  EXPECT_EQ(url->query, "");
  EXPECT_EQ(url->effectivePort(), 443);
  EXPECT_EQ(url->authority(), "ec2.us-east-1.amazonaws.com");
  auto explicitDefault = parseUrl("http://127.0.0.1:80/");
  ASSERT_TRUE(explicitDefault.has_value());
  EXPECT_EQ(explicitDefault->authority(), "127.0.0.1");
}

TEST(UrlTest, QueryWithoutPath) {
  auto url = parseUrl("http://h?a=b");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->path, "/");
  EXPECT_EQ(url->query, "a=b");
}

TEST(UrlTest, Ipv6Host) {
  auto url = parseUrl("http://[fd00:ec2::254]:8080/latest");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->host, "[fd00:ec2::254]");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->authority(), "[fd00:ec2::254]:8080");
}

TEST(UrlTest, RejectsBadInput) {
  EXPECT_FALSE(parseUrl("ftp://h/").has_value());
  EXPECT_FALSE(parseUrl("no-scheme").has_value());
  EXPECT_FALSE(parseUrl("http:///path").has_value());
  EXPECT_FALSE(parseUrl("http://h:0/").has_value());
  EXPECT_FALSE(parseUrl("http://h:99999/").has_value());
  EXPECT_FALSE(parseUrl("http://h:12a/").has_value());
  EXPECT_FALSE(parseUrl("http://user:pw@h/").has_value());
  EXPECT_FALSE(parseUrl("http://[::1/").has_value());
}

TEST(UrlTest, PercentEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(percentEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(percentEncode("a b/c+d=e&f"), "a%20b%2Fc%2Bd%3De%26f");
  EXPECT_EQ(percentEncode("a b/c", /*keepSlash=*/true), "a%20b/c");
  EXPECT_EQ(percentEncode("\xE1\x88\xB4"), "%E1%88%B4");
  EXPECT_EQ(percentEncode(std::string_view("\0", 1)), "%00");
}

TEST(UrlTest, PercentDecode) {
  EXPECT_EQ(percentDecode("a%20b%2fc+d").value(), "a b/c+d");
  EXPECT_EQ(percentDecode("%E1%88%B4").value(), "\xE1\x88\xB4");
  EXPECT_FALSE(percentDecode("%").has_value());
  EXPECT_FALSE(percentDecode("%4").has_value());
  EXPECT_FALSE(percentDecode("%zz").has_value());
  EXPECT_EQ(percentDecode("%41").value(), "A");
}

}  // namespace
}  // namespace gantry::http
