// The controller's log formats: every JSON line parses whatever the message holds, the
// trailing key=value fields become members, and credentials never reach either format.
#include "src/common/log_format.h"

#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "src/common/log_redaction.h"

namespace gantry {
namespace {

using nlohmann::json;

// A logger writing to a string through `formatter`.
class CapturedLog {
 public:
  explicit CapturedLog(std::unique_ptr<spdlog::formatter> formatter, std::string name = "kube")
      : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)), logger_(std::move(name), sink_) {
    logger_.set_formatter(std::move(formatter));
    logger_.set_level(spdlog::level::trace);
  }
  spdlog::logger& logger() { return logger_; }
  std::vector<std::string> lines() {
    logger_.flush();
    std::vector<std::string> out;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  spdlog::logger logger_;
};

json onlyJsonLine(CapturedLog& log) {
  const auto lines = log.lines();
  EXPECT_EQ(lines.size(), 1u);
  if (lines.empty()) return json();
  json parsed = json::parse(lines[0], nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << lines[0];
  return parsed;
}

TEST(JsonLogFormatterTest, EveryLineParsesWhateverTheMessageHolds) {
  CapturedLog log(std::make_unique<JsonLogFormatter>());
  const std::vector<std::string> hostile = {
      R"(quote " and "quoted" key="a "b" c")",
      R"(backslash \ and \" and trailing \)",
      "new\nline and carriage\rreturn\r\n",
      std::string("control \x01\x02\x1f\x7f chars and a NUL ") + std::string(1, '\0') + " inside",
      "invalid UTF-8 \xff\xfe \xc3\x28 \xe2\x82 end",
      "tab\tand {\"json\": [1,2]} and </script>",
      "key=value only",
      "",
      "unicode ok: \xc3\xa9\xe2\x82\xac\xf0\x9f\x9a\x80",
  };
  for (const auto& m : hostile) log.logger().warn("{}", m);
  const auto lines = log.lines();
  // A message's own line breaks are escaped, so one record stays one line.
  ASSERT_EQ(lines.size(), hostile.size());
  for (const auto& line : lines) {
    json parsed = json::parse(line, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
    EXPECT_EQ(parsed["level"], "warning");
    EXPECT_EQ(parsed["logger"], "kube");
    EXPECT_TRUE(parsed.contains("msg"));
    EXPECT_TRUE(parsed["time"].get<std::string>().ends_with("Z")) << line;
  }
  EXPECT_EQ(json::parse(lines[2])["msg"], "new\nline and carriage\rreturn\r\n");
  EXPECT_NE(json::parse(lines[4])["msg"].get<std::string>().find("\xef\xbf\xbd"), std::string::npos)
      << "invalid bytes become U+FFFD";
  EXPECT_EQ(json::parse(lines[8])["msg"], "unicode ok: \xc3\xa9\xe2\x82\xac\xf0\x9f\x9a\x80");
}

TEST(JsonLogFormatterTest, TrailingFieldsBecomeMembers) {
  CapturedLog log(std::make_unique<JsonLogFormatter>(), "informer");
  log.logger().info("list/watch failed; retrying with backoff resource={} error=\"{}\" attempts={}", "pods",
                    "GET /api/v1/pods: HTTP 503: \"busy\" key=x", 3);
  json line = onlyJsonLine(log);
  EXPECT_EQ(line["msg"], "list/watch failed; retrying with backoff");
  EXPECT_EQ(line["resource"], "pods");
  EXPECT_EQ(line["attempts"], "3");
  EXPECT_EQ(line["logger"], "informer");
  EXPECT_EQ(line["level"], "info");
}

TEST(JsonLogFormatterTest, ReservedAndRepeatedFieldNamesGetASuffix) {
  CapturedLog log(std::make_unique<JsonLogFormatter>());
  log.logger().info("odd msg=one level=two msg=three");
  json line = onlyJsonLine(log);
  EXPECT_EQ(line["msg"], "odd");
  EXPECT_EQ(line["msg_2"], "one");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["level_2"], "two");
  EXPECT_EQ(line["msg_3"], "three");
}

TEST(SplitLogFieldsTest, UnquotedValuesRunToTheNextField) {
  auto split = splitLogFields("cannot connect to kubernetes error=GET /api: timed out after 30 s region=us-east-1");
  EXPECT_EQ(split.message, "cannot connect to kubernetes");
  ASSERT_EQ(split.fields.size(), 2u);
  EXPECT_EQ(split.fields[0], (std::pair<std::string, std::string>{"error", "GET /api: timed out after 30 s"}));
  EXPECT_EQ(split.fields[1], (std::pair<std::string, std::string>{"region", "us-east-1"}));
}

TEST(SplitLogFieldsTest, QuotedValuesAreUnescaped) {
  auto split = splitLogFields(R"(skipping object reason="bad \"x\" and \\ here" key=v)");
  EXPECT_EQ(split.message, "skipping object");
  ASSERT_EQ(split.fields.size(), 2u);
  EXPECT_EQ(split.fields[0].second, R"(bad "x" and \ here)");
  EXPECT_EQ(split.fields[1].second, "v");
}

TEST(SplitLogFieldsTest, KeyValueTextInsideQuotesOrMarkupIsPartOfTheValue) {
  // An EC2 error quoting the reply's XML declaration, as the controller logs it.
  auto split = splitLogFields(
      "cloud call failed kind=Unauthorized error=EC2 DescribeSubnets: HTTP 401: <?xml version=\"1.0\" "
      "encoding=\"utf-8\"?> <Response><Code>AuthFailure</Code></Response> (request r-1) subject=pool");
  ASSERT_EQ(split.fields.size(), 3u);
  EXPECT_EQ(split.fields[1].first, "error");
  EXPECT_EQ(split.fields[1].second,
            "EC2 DescribeSubnets: HTTP 401: <?xml version=\"1.0\" encoding=\"utf-8\"?> "
            "<Response><Code>AuthFailure</Code></Response> (request r-1)");
  EXPECT_EQ(split.fields[2].second, "pool");
  auto inner = splitLogFields(R"(failed reason="Unauthorized: <?xml version="1.0"?> bad" next=1)");
  ASSERT_EQ(inner.fields.size(), 2u);
  EXPECT_EQ(inner.fields[0].second, R"(Unauthorized: <?xml version="1.0"?> bad)");
  EXPECT_EQ(inner.fields[1].second, "1");
}

TEST(SplitLogFieldsTest, AMessageWithoutFieldsIsAllMessage) {
  auto split = splitLogFields("waiting for the cluster cache to sync");
  EXPECT_EQ(split.message, "waiting for the cluster cache to sync");
  EXPECT_TRUE(split.fields.empty());
  EXPECT_EQ(splitLogFields("a = b and c =d").fields.size(), 0u);
}

TEST(LogRedactionTest, RegisteredSecretsNeverReachEitherFormat) {
  const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const std::string token = "eyJhbGciOiJSUzI1NiJ9.service-account-token-body";
  registerLogSecret(secret);
  registerLogSecret(token);
  registerLogSecret("short");  // too short to redact safely: ignored
  for (bool asJson : {true, false}) {
    CapturedLog log(asJson ? std::unique_ptr<spdlog::formatter>(std::make_unique<JsonLogFormatter>())
                         : std::make_unique<TextLogFormatter>());
    log.logger().error("peer echoed key={} token={} and short", secret, token);
    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].find(secret), std::string::npos) << lines[0];
    EXPECT_EQ(lines[0].find(token), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("[REDACTED]"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("short"), std::string::npos) << lines[0];
  }
}

TEST(LogRedactionTest, CredentialShapesAreCutOut) {
  const std::string redacted = redactSecrets(
      "sent Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ec2/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=0123abcdef\n"
      "url https://ec2/?X-Amz-Signature=deadbeef&X-Amz-Security-Token=FQoGZXIvYXdzEJr&Action=Run "
      "header x-amz-security-token: IQoJb3JpZ2luX2VjEJr "
      "kube Bearer abc.def.ghi and \"SecretAccessKey\": \"topsecretvalue\" "
      "aws_session_token = sessiontokenvalue");
  for (const char* leaked : {"0123abcdef", "Credential=AKID", "deadbeef", "FQoGZXIvYXdzEJr",
                             "IQoJb3JpZ2luX2VjEJr", "abc.def.ghi", "topsecretvalue", "sessiontokenvalue"}) {
    EXPECT_EQ(redacted.find(leaked), std::string::npos) << leaked << " in: " << redacted;
  }
  EXPECT_NE(redacted.find("Action=Run"), std::string::npos) << redacted;
  // A word that merely contains a credential's name is left alone.
  EXPECT_EQ(redactSecrets("AuthorizationHeaderMalformed: the header is bad"),
            "AuthorizationHeaderMalformed: the header is bad");
}

TEST(TextLogFormatterTest, KeepsThePatternAndOneLinePerRecord) {
  CapturedLog log(std::make_unique<TextLogFormatter>(), "controller");
  log.logger().info("two\nlines");
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].ends_with(" info [controller] two\\nlines")) << lines[0];
  EXPECT_EQ(lines[0][10], 'T');
}

}  // namespace
}  // namespace gantry
