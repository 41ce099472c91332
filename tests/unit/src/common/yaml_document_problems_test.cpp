// What parseYamlDocumentsChecked finds besides syntax: keys given twice (YAML and JSON, with the
// JSON path of the repeat) and text that is not UTF-8.
#include "src/common/yaml_documents.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gantry {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<ParsedDocument> parse(std::string_view text) {
  auto docs = parseYamlDocumentsChecked(text, YamlLimits{.maxNodesPerDocument = 1'000'000});
  EXPECT_TRUE(docs.has_value()) << (docs ? "" : docs.error().toString());
  return docs.value_or(std::vector<ParsedDocument>{});
}

TEST(DocumentProblems, CleanDocumentsHaveNone) {
  auto docs = parse("kind: Pod\nmetadata: {name: a, labels: {x: y}}\n---\n{\"kind\": \"Job\"}\n");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_THAT(docs[0].problems, IsEmpty());
  EXPECT_THAT(docs[1].problems, IsEmpty());
  EXPECT_THAT(parse(R"({"kind": "Pod", "spec": {"containers": [{"name": "a"}, {"name": "b"}]}})")[0].problems,
              IsEmpty());
}

TEST(DocumentProblems, YamlDuplicateKeyIsNamedByPathAndLine) {
  auto docs = parse(R"(kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: a
      - name: b
        image: x
        image: y
)");
  ASSERT_EQ(docs.size(), 1u);
  ASSERT_EQ(docs[0].problems.size(), 1u);
  EXPECT_EQ(docs[0].problems[0].field, "spec.template.spec.containers[1].image");
  EXPECT_THAT(docs[0].problems[0].message, HasSubstr("duplicate key (line 10)"));
}

TEST(DocumentProblems, DuplicatesAreFoundPerDocumentAndOnlyWithinOneMapping) {
  auto docs = parse("kind: A\nkind: B\n---\nkind: C\nmetadata: {kind: D}\n");
  ASSERT_EQ(docs.size(), 2u);
  ASSERT_EQ(docs[0].problems.size(), 1u);
  EXPECT_EQ(docs[0].problems[0].field, "kind");
  EXPECT_THAT(docs[1].problems, IsEmpty());  // the same key in another mapping is fine
}

TEST(DocumentProblems, JsonDuplicateKeyIsNamedByPath) {
  auto docs = parse(R"({"kind": "Pod", "spec": {"containers": [{"name": "a"}, {"name": "b", "resources": {"limits": {"cpu": "1", "cpu": "2"}}}]}})");
  ASSERT_EQ(docs.size(), 1u);
  ASSERT_EQ(docs[0].problems.size(), 1u);
  EXPECT_EQ(docs[0].problems[0].field, "spec.containers[1].resources.limits.cpu");
  EXPECT_THAT(docs[0].problems[0].message, HasSubstr("duplicate key"));
}

TEST(DocumentProblems, JsonArrayIndexCountsNestedValues) {
  auto docs = parse(R"({"a": [[1, 2], {"x": 1}, {"y": 1, "y": 2}]})");
  ASSERT_EQ(docs[0].problems.size(), 1u);
  EXPECT_EQ(docs[0].problems[0].field, "a[2].y");
}

TEST(DocumentProblems, InvalidUtf8IsAProblemAtItsField) {
  // nlohmann refuses invalid UTF-8 in JSON, so both spellings go through the YAML reader.
  for (std::string text : {std::string("kind: Pod\nmetadata:\n  name: \"p\xff\"\n"),
                           std::string("{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\xff\"}}")}) {
    auto docs = parse(text);
    ASSERT_EQ(docs.size(), 1u) << text;
    ASSERT_EQ(docs[0].problems.size(), 1u) << text;
    EXPECT_EQ(docs[0].problems[0].field, "metadata.name");
    EXPECT_THAT(docs[0].problems[0].message, HasSubstr("UTF-8"));
  }
  // A bad key names the object that holds it.
  auto key = parse("metadata:\n  labels:\n    \"k\xc3\": v\n");
  ASSERT_EQ(key[0].problems.size(), 1u);
  EXPECT_EQ(key[0].problems[0].field, "metadata.labels");
}

TEST(DocumentProblems, ProblemsPerDocumentAreCapped) {
  std::string text = "a: 1\n";
  for (int i = 0; i < 50; ++i) text += "a: " + std::to_string(i) + "\n";
  auto docs = parse(text);
  EXPECT_EQ(docs[0].problems.size(), kMaxProblemsPerDocument);
}

}  // namespace
}  // namespace gantry
