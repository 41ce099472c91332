// The test environment's fault table (tests/testenv/README.md, "Fault table API") from C++:
// add a rule, read its hit count, and remove every rule added, so moto integration suites
// inject capacity errors and throttling the same way. Header-only, tests only.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/http/http_client.h"

namespace gantry::testing {

class FaultTable {
 public:
  // REQUIRES: http outlives the table. `endpoint` is GANTRY_FAULTS_ENDPOINT.
  FaultTable(http::HttpClient& http, std::string endpoint)
      : http_(http), endpoint_(std::move(endpoint)) {}
  ~FaultTable() { clear(); }

  // POST /faults; the rule as stored (with its id), remembered for clear(). A failed add
  // fails the test.
  nlohmann::json add(const nlohmann::json& rule) {
    auto r = http_.send({.method = "POST",
                         .url = endpoint_ + "/faults",
                         .headers = {{"Content-Type", "application/json"}},
                         .body = rule.dump()});
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().toString());
    if (!r) return nlohmann::json::object();
    EXPECT_EQ(r->status, 200) << r->body;
    auto added = nlohmann::json::parse(r->body, nullptr, false);
    if (added.is_object() && added.contains("id")) {
      ids_.push_back(added["id"].is_string() ? added["id"].get<std::string>() : added["id"].dump());
    }
    return added;
  }

  // The hit count of one added rule (GET /faults), -1 if it is not there.
  int hits(const nlohmann::json& rule) {
    auto r = http_.send({.method = "GET", .url = endpoint_ + "/faults"});
    if (!r || r->status != 200) return -1;
    auto all = nlohmann::json::parse(r->body, nullptr, false);
    if (!all.is_array()) return -1;
    for (const auto& f : all) {
      if (f.value("id", nlohmann::json()) == rule.value("id", nlohmann::json())) {
        return f.value("hits", -1);
      }
    }
    return -1;
  }

  // DELETE every rule added through this table.
  void clear() {
    for (const auto& id : ids_) (void)http_.send({.method = "DELETE", .url = endpoint_ + "/faults/" + id});
    ids_.clear();
  }

 private:
  http::HttpClient& http_;
  const std::string endpoint_;
  std::vector<std::string> ids_;
};

}  // namespace gantry::testing
