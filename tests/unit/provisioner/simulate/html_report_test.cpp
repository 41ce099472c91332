// The HTML report on a hand-made outcome: well-formed XML (every element closed, only the
// five XML entities), the four charts with their points, trace names escaped, and the same
// bytes every time.
#include "provisioner/simulate/html_report.h"

#include <gtest/gtest.h>

#include <regex>
#include <vector>

namespace gantry::provisioner::simulate {
namespace {

Clock::TimePoint at(int seconds) { return Clock::TimePoint{} + std::chrono::seconds(seconds); }

SimulationOutcome outcomeWithHostileNames() {
  SimulationOutcome o;
  o.start = at(0);
  o.end = at(7200);
  NodeRecord n;
  n.name = "i-1";
  n.nodePool = "gpu";
  n.instanceType = "<script>alert('x')</script>&\"";
  n.gpus = 4;
  n.pricePerHour = 16;
  n.cost = 16 * 4990 / 3600.0;  // the engine fills it from the cloud's bill
  n.launchedAt = at(10);
  n.readyAt = at(100);
  n.terminatedAt = at(5000);
  o.nodes = {n};
  PodRecord p;
  p.key = "ml/<b>train</b>";
  p.node = "i-1";
  p.gpus = 2;
  p.createdAt = at(0);
  p.boundAt = at(100);
  p.startedAt = at(120);
  p.finishedAt = at(3000);
  o.pods = {p};
  return o;
}

// A strict enough XML well-formedness check for what the renderer writes: tags nest and
// close, attribute values are quoted, text has no raw '<' and only the XML entities.
::testing::AssertionResult wellFormed(const std::string& doc) {
  std::vector<std::string> open;
  size_t i = doc.find("<html");
  if (doc.rfind("<!DOCTYPE html>", 0) != 0 || i == std::string::npos) {
    return ::testing::AssertionFailure() << "no doctype or <html>";
  }
  static const std::regex tag(R"(^<(/?)([a-zA-Z][a-zA-Z0-9-]*)((\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<]*")*)\s*(/?)>)");
  static const std::regex entity(R"(^&(amp|lt|gt|quot|apos|#[0-9]+);)");
  while (i < doc.size()) {
    if (doc[i] == '<') {
      std::smatch m;
      const std::string rest = doc.substr(i, 2000);
      if (!std::regex_search(rest, m, tag)) {
        return ::testing::AssertionFailure() << "bad tag at " << i << ": " << rest.substr(0, 80);
      }
      if (m[1].length() > 0) {
        if (open.empty() || open.back() != m[2].str()) {
          return ::testing::AssertionFailure() << "</" << m[2] << "> closes nothing at " << i;
        }
        open.pop_back();
      } else if (m[5].length() == 0) {
        open.push_back(m[2].str());
      }
      i += m.length(0);
    } else if (doc[i] == '&') {
      const std::string rest = doc.substr(i, 12);
      if (!std::regex_search(rest, entity)) {
        return ::testing::AssertionFailure() << "bad entity at " << i << ": " << rest;
      }
      ++i;
    } else {
      ++i;
    }
  }
  if (!open.empty()) return ::testing::AssertionFailure() << "<" << open.back() << "> not closed";
  return ::testing::AssertionSuccess();
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t i = text.find(what); i != std::string::npos; i = text.find(what, i + 1)) ++n;
  return n;
}

TEST(HtmlReport, IsWellFormedWithFourChartsAndTotals) {
  const std::string html = simulationHtmlReport(outcomeWithHostileNames(), "day <1>");
  EXPECT_TRUE(wellFormed(html));
  for (const char* id : {"chart-nodes", "chart-pending", "chart-gpus", "chart-cost"}) {
    EXPECT_EQ(count(html, std::string("id=\"") + id + "\""), 1u) << id;
  }
  // Nodes: 0 then 1 at 10 s then 0 at 5000 s; GPUs paid and allocated; cost's 4 points.
  EXPECT_EQ(count(html, "class=\"series\""), 5u);
  EXPECT_NE(html.find("data-points=\"3\""), std::string::npos);
  EXPECT_NE(html.find("<td>$22.18</td>"), std::string::npos);  // 16 $/h x 4990 s
  EXPECT_NE(html.find("<title>day &lt;1&gt;</title>"), std::string::npos);
  // Self-contained: no scripts, no external references.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
}

TEST(HtmlReport, EscapesTraceNames) {
  const std::string html = simulationHtmlReport(outcomeWithHostileNames(), "t");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"),
            std::string::npos);
  EXPECT_EQ(escapeHtml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
}

TEST(HtmlReport, SameOutcomeSameBytes) {
  EXPECT_EQ(simulationHtmlReport(outcomeWithHostileNames(), "t"),
            simulationHtmlReport(outcomeWithHostileNames(), "t"));
}

TEST(HtmlReport, EmptyOutcomeStillRenders) {
  SimulationOutcome o;
  EXPECT_TRUE(wellFormed(simulationHtmlReport(o, "empty")));
}

}  // namespace
}  // namespace gantry::provisioner::simulate
