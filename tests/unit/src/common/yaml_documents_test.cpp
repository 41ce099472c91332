// parseYamlDocuments, the bounded parser that manifests and kubeconfig files share: its
// documents and typing, and its limits (the manifest-level cases are in
// tests/unit/src/workload/manifest_loader_test.cpp, through workload::parseDocuments).
#include "src/common/yaml_documents.h"

#include <gtest/gtest.h>

#include <string>

namespace gantry {
namespace {

TEST(YamlDocuments, ReadsEveryNonEmptyDocumentWithKubernetesScalarTyping) {
  auto docs = parseYamlDocuments("a: 1\nb: '1'\nc: true\n---\n---\n- x\n");
  ASSERT_TRUE(docs) << docs.error().toString();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0]["a"], 1);
  EXPECT_EQ((*docs)[0]["b"], "1");
  EXPECT_EQ((*docs)[0]["c"], true);
  EXPECT_EQ((*docs)[1][0], "x");
}

TEST(YamlDocuments, JsonTextIsOneDocument) {
  auto docs = parseYamlDocuments(R"({"kind": "Config", "n": 2})");
  ASSERT_TRUE(docs) << docs.error().toString();
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0]["n"], 2);
}

TEST(YamlDocuments, RefusesADocumentOverItsValueLimitNamingWhere) {
  const std::string text = "a: [1, 2, 3, 4, 5, 6, 7, 8]\n";
  EXPECT_TRUE(parseYamlDocuments(text));
  auto docs = parseYamlDocuments(text, YamlLimits{.maxNodesPerDocument = 4});
  ASSERT_FALSE(docs);
  EXPECT_EQ(docs.error().code(), StatusCode::kInvalid);
  EXPECT_NE(docs.error().message().find("line 1"), std::string::npos) << docs.error().message();
}

TEST(YamlDocuments, SyntaxErrorsNameTheLine) {
  auto docs = parseYamlDocuments("a: 1\nb: [unclosed\n");
  ASSERT_FALSE(docs);
  EXPECT_EQ(docs.error().code(), StatusCode::kInvalid);
  EXPECT_NE(docs.error().message().find("line "), std::string::npos) << docs.error().message();
}

}  // namespace
}  // namespace gantry
