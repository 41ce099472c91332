// The gantry.dev CRDs of deploy/crds installed in the shared test cluster when a suite needs
// them and they are not there yet (another suite, or an earlier run, may have installed
// them: both are fine), then waited for until every one is Established. Suites that read or
// write NodePools, NodeClaims or EC2NodeClasses call it from SetUp. Header-only, tests only.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/kube/rest_client.h"
#include "src/workload/manifest_loader.h"

namespace gantry::testing {

inline const kube::ResourcePath kCustomResourceDefinitions{.group = "apiextensions.k8s.io",
                                                           .resource = "customresourcedefinitions"};

// Creates each CRD of deploy/crds that is missing, then waits (30 s at most) until all are
// Established. Failures are gtest assertions: call it under ASSERT_NO_FATAL_FAILURE.
inline void installGantryCrdsIfMissing(kube::RestClient& client) {
  std::vector<std::string> names;
  const std::string dir = std::string(GANTRY_SOURCE_DIR) + "/deploy/crds";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    auto docs = workload::parseDocuments(text.str());
    ASSERT_TRUE(docs) << e.path() << ": " << docs.error().toString();
    for (const nlohmann::json& crd : *docs) {
      const std::string name = crd["metadata"]["name"];
      names.push_back(name);
      if (client.get(kCustomResourceDefinitions.withName(name))) continue;
      auto made = client.create(kCustomResourceDefinitions, crd);
      ASSERT_TRUE(made || made.error().isAlreadyExists()) << made.error().toString();
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (const auto& name : names) {
    while (true) {
      bool established = false;
      if (auto crd = client.get(kCustomResourceDefinitions.withName(name))) {
        for (const auto& c : (*crd)["status"].value("conditions", nlohmann::json::array())) {
          established = established || (c.value("type", "") == "Established" && c.value("status", "") == "True");
        }
      }
      if (established) break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << name << " not Established within 30s";
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

}  // namespace gantry::testing
