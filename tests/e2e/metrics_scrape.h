// Reading the controller's /metrics text and the Grafana dashboard's PromQL for the e2e
// checks that the dashboard only names series the binary exports.
#pragma once

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace gantry::e2e {

// The sample names of a Prometheus text exposition (histograms as name_bucket, _sum, _count).
inline std::set<std::string> scrapedMetricNames(const std::string& text) {
  std::set<std::string> names;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    names.insert(line.substr(0, line.find_first_of("{ ")));
  }
  return names;
}

// Every PromQL expression of a Grafana dashboard: the panels' targets (rows' nested panels
// too) and the query variables.
inline void collectExpressions(const nlohmann::json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if ((key == "expr" || key == "query" || key == "definition") && value.is_string()) {
        out.push_back(value.get<std::string>());
      }
      collectExpressions(value, out);
    }
  } else if (node.is_array()) {
    for (const auto& item : node) collectExpressions(item, out);
  }
}

// The gantry_* metric names the dashboard's expressions use.
inline std::set<std::string> dashboardMetricNames(const std::string& path) {
  std::ifstream in(path);
  const nlohmann::json dashboard = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> expressions;
  collectExpressions(dashboard, expressions);
  std::set<std::string> names;
  static const std::regex kName("gantry_[a-zA-Z0-9_:]*");
  for (const auto& e : expressions) {
    for (auto it = std::sregex_iterator(e.begin(), e.end(), kName); it != std::sregex_iterator(); ++it) {
      names.insert(it->str());
    }
  }
  return names;
}

}  // namespace gantry::e2e
