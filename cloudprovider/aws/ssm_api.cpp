// GetParameter over the JSON 1.1 protocol, with the same retry policy as the EC2 client so
// a throttled lookup during a launch burst backs off instead of failing the launch.
#include "cloudprovider/aws/ssm_api.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cloudprovider/aws/ec2_xml.h"
#include "cloudprovider/aws/endpoints.h"
#include "cloudprovider/aws/logging.h"

namespace gantry::cloudprovider::aws {

using nlohmann::json;

Status jsonProtocolError(std::string_view service, std::string_view action, int httpStatus,
                         std::string_view body) {
  std::string code;
  std::string message;
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_object()) {
    if (auto t = doc.find("__type"); t != doc.end() && t->is_string()) code = t->get<std::string>();
    for (const char* key : {"message", "Message"}) {
      if (auto m = doc.find(key); m != doc.end() && m->is_string()) message = m->get<std::string>();
    }
  }
  // "com.amazonaws.ssm#ParameterNotFound" -> "ParameterNotFound"
  if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  StatusCode kind = classifyAwsError(code, httpStatus);
  if (code == "ParameterNotFound" || code == "ParameterVersionNotFound") kind = StatusCode::kNotFound;
  std::string text = std::string(service) + " " + std::string(action) + ": ";
  if (code.empty()) {
    text += "HTTP " + std::to_string(httpStatus) + ": " +
            std::string(body.substr(0, std::min<size_t>(body.size(), 200)));
  } else {
    text += code + ": " + message;
  }
  return Status(kind, std::move(text));
}

JsonSsmApi::JsonSsmApi(JsonSsmApiOptions options, http::HttpClient& http,
                       CredentialsProvider& credentials, Clock& clock, const EnvLookup& env,
                       RandomSource random)
    : options_(std::move(options)),
      http_(http),
      credentials_(credentials),
      clock_(clock),
      random_(random ? std::move(random) : defaultRandomSource()),
      endpoint_(resolveEndpoint("ssm", options_.region, env, options_.endpoint)),
      signer_(options_.region, "ssm") {}

Result<std::string> JsonSsmApi::getParameter(std::string_view name) {
  const std::string body = json{{"Name", std::string(name)}}.dump();
  const int maxAttempts = std::max(1, options_.retry.maxAttempts);
  Status last;
  for (int attempt = 1; attempt <= maxAttempts; ++attempt) {
    if (attempt > 1) {
      clock_.sleepFor(fullJitterDelay(options_.retry, attempt - 1, last.isThrottled(), random_()));
    }
    auto creds = credentials_.credentials();
    if (!creds) {
      last = creds.error().withContext("SSM GetParameter: credentials");
      if (last.isRetryable()) continue;
      return fail(last);
    }
    http::Request request{.method = "POST",
                          .url = endpoint_ + "/",
                          .headers = {{"Content-Type", "application/x-amz-json-1.1"},
                                      {"X-Amz-Target", "AmazonSSM.GetParameter"}},
                          .body = body,
                          .timeout = options_.requestTimeout};
    if (Status s = signer_.sign(request, *creds, clock_.now()); !s.isOk()) return fail(s);
    auto response = http_.send(request);
    if (!response) {
      last = response.error().withContext("SSM GetParameter");
      if (last.isRetryable()) continue;
      return fail(last);
    }
    if (response->status == 200) {
      auto doc = json::parse(response->body, nullptr, false);
      const json* value = nullptr;
      if (doc.is_object() && doc.contains("Parameter") && doc["Parameter"].is_object()) {
        auto it = doc["Parameter"].find("Value");
        if (it != doc["Parameter"].end() && it->is_string()) value = &*it;
      }
      if (value == nullptr) {
        return fail(Status::invalid("SSM GetParameter: response has no Parameter.Value"));
      }
      return value->get<std::string>();
    }
    last = jsonProtocolError("SSM", "GetParameter", response->status, response->body);
    if (!last.isRetryable()) return fail(last);
  }
  awsLogger()->warn("ssm call failed action=GetParameter attempts={} reason={}", maxAttempts,
                    last.toString());
  return fail(last);
}

}  // namespace gantry::cloudprovider::aws
