// Manifest reading: YAML (multi-document) and JSON, typed the way kubectl types YAML, from
// files and directory trees; and untrusted input (alias bombs, deep nesting, broken syntax)
// refused quickly with an error that says where.
#include "src/workload/manifest_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace gantry::workload {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

const fs::path kTestdata = fs::path(GANTRY_SOURCE_DIR) / "tests/unit/src/workload/testdata";

std::vector<json> parseOk(std::string_view text, const LoadOptions& options = {}) {
  auto docs = parseDocuments(text, options);
  EXPECT_TRUE(docs.has_value()) << (docs ? "" : docs.error().toString());
  return docs.value_or(std::vector<json>{});
}

Status parseError(std::string_view text, const LoadOptions& options = {}) {
  auto docs = parseDocuments(text, options);
  EXPECT_FALSE(docs.has_value()) << "parsed although it should not";
  return docs ? Status::ok() : docs.error();
}

std::vector<std::string> podKeys(const Workload& w) {
  std::vector<std::string> out;
  for (const auto& p : w.pods) out.push_back(p.key());
  return out;
}

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("gantry-loader-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path write(const std::string& name, std::string_view text) const {
    fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// --- parseDocuments: documents ----------------------------------------------------------------

TEST(ParseDocuments, MultiDocumentYamlSkipsEmptyDocuments) {
  auto docs = parseOk("---\n---\nkind: A\n---\n# only a comment\n---\nkind: B\n...\n---\n");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["kind"], "A");
  EXPECT_EQ(docs[1]["kind"], "B");
}

TEST(ParseDocuments, EmptyInputHasNoDocuments) {
  EXPECT_THAT(parseOk(""), IsEmpty());
  EXPECT_THAT(parseOk("   \n\n"), IsEmpty());
  EXPECT_THAT(parseOk("# nothing\n"), IsEmpty());
}

TEST(ParseDocuments, JsonIsParsedExactly) {
  auto docs = parseOk(R"(  {"kind": "Pod", "n": 9007199254740993, "f": 0.5, "s": "2", "b": true, "z": null})");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["n"].get<int64_t>(), 9007199254740993);  // not rounded through a double
  EXPECT_TRUE(docs[0]["f"].is_number_float());
  EXPECT_TRUE(docs[0]["s"].is_string());
  EXPECT_TRUE(docs[0]["b"].is_boolean());
  EXPECT_TRUE(docs[0]["z"].is_null());
}

TEST(ParseDocuments, YamlFlowStyleThatIsNotJsonStillParses) {
  auto docs = parseOk("{kind: Pod, metadata: {name: p}}");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["metadata"]["name"], "p");
}

TEST(ParseDocuments, TopLevelJsonArrayIsOneDocument) {
  auto docs = parseOk("[1, 2]");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_TRUE(docs[0].is_array());
}

// --- parseDocuments: scalar typing -------------------------------------------------------------

TEST(ParseDocuments, UnquotedScalarsAreTypedQuotedOnesAreStrings) {
  auto docs = parseOk(R"(
int: 2
quotedInt: "2"
singleQuoted: '2'
negative: -3
float: 0.5
bool: true
boolCaps: False
quotedBool: "true"
nullTilde: ~
nullWord: null
empty:
exponent: 1e3
quantity: 500m
big: 99999999999999999999
version: 1.2.3
explicitStr: !!str 7
)");
  ASSERT_EQ(docs.size(), 1u);
  const json& d = docs[0];
  EXPECT_EQ(d["int"], json(2));
  EXPECT_EQ(d["quotedInt"], json("2"));
  EXPECT_EQ(d["singleQuoted"], json("2"));
  EXPECT_EQ(d["negative"], json(-3));
  EXPECT_TRUE(d["float"].is_number_float());
  EXPECT_DOUBLE_EQ(d["float"].get<double>(), 0.5);
  EXPECT_EQ(d["bool"], json(true));
  EXPECT_EQ(d["boolCaps"], json(false));
  EXPECT_EQ(d["quotedBool"], json("true"));
  EXPECT_TRUE(d["nullTilde"].is_null());
  EXPECT_TRUE(d["nullWord"].is_null());
  EXPECT_TRUE(d["empty"].is_null());
  EXPECT_EQ(d["exponent"], json("1e3"));  // kept as text so quantities stay exact
  EXPECT_EQ(d["quantity"], json("500m"));
  EXPECT_EQ(d["big"], json("99999999999999999999"));
  EXPECT_EQ(d["version"], json("1.2.3"));
  EXPECT_EQ(d["explicitStr"], json("7"));
}

TEST(ParseDocuments, QuotedReplicasAreAnErrorLikeKubectl) {
  Workload w;
  for (const json& doc : parseOk(R"(
kind: Deployment
metadata: {name: web}
spec:
  replicas: "2"
  template: {spec: {containers: [{name: c}]}}
)")) {
    expandObject(doc, "w.yaml", w);
  }
  EXPECT_THAT(w.pods, IsEmpty());
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].field, "spec.replicas");
}

TEST(ParseDocuments, UnquotedTrueAsALabelValueIsAnError) {
  Workload w;
  for (const json& doc : parseOk(R"(
kind: Pod
metadata: {name: p, labels: {gpu: true}}
spec: {containers: [{name: c}]}
---
kind: Pod
metadata: {name: q, labels: {gpu: "true"}}
spec: {containers: [{name: c}]}
)")) {
    expandObject(doc, "w.yaml", w);
  }
  EXPECT_THAT(podKeys(w), ElementsAre("default/q"));
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].object, "Pod default/p");
  EXPECT_EQ(w.errors[0].field, "metadata.labels.gpu");
  EXPECT_THAT(w.errors[0].message, HasSubstr("quote"));
}

TEST(ParseDocuments, NumericResourceValuesBecomeQuantities) {
  Workload w;
  for (const json& doc : parseOk("kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{resources: "
                                 "{requests: {cpu: 0.25, memory: 1e9}, limits: {nvidia.com/gpu: 2}}}]\n")) {
    expandObject(doc, "w.yaml", w);
  }
  ASSERT_EQ(w.pods.size(), 1u);
  EXPECT_EQ(w.pods[0].requests.get("cpu"), api::Quantity::parse("250m").value());
  EXPECT_EQ(w.pods[0].requests.get("memory"), api::Quantity::parse("1G").value());
  EXPECT_EQ(w.pods[0].requests.get("nvidia.com/gpu"), api::Quantity::fromValue(2));
}

// --- parseDocuments: hostile input -------------------------------------------------------------

TEST(ParseDocuments, BrokenYamlNamesLineAndColumn) {
  Status s = parseError("kind: Pod\nmetadata:\n  name: [unclosed\nspec: {}\n");
  EXPECT_TRUE(s.isInvalid());
  EXPECT_THAT(s.message(), StartsWith("line "));
  EXPECT_THAT(s.message(), HasSubstr(", column "));
  Status tab = parseError("a: 1\nb:\n\t- x\n");
  EXPECT_THAT(tab.message(), StartsWith("line 3, column "));
}

TEST(ParseDocuments, BrokenJsonFallsBackToYamlAndFails) {
  Status s = parseError(R"({"kind": "Pod", "metadata": )");
  EXPECT_TRUE(s.isInvalid());
  EXPECT_THAT(s.message(), HasSubstr("line 1"));
}

TEST(ParseDocuments, BillionLaughsIsRejectedQuickly) {
  // Nine levels of nine aliases: 9^9 (387 million) values if expanded.
  std::string bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'i'; ++c, ++prev) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? "," : "") + "*" + prev;
    bomb += "]\n";
  }
  auto start = std::chrono::steady_clock::now();
  Status s = parseError(bomb);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(s.isInvalid());
  EXPECT_THAT(s.message(), HasSubstr("alias"));
}

TEST(ParseDocuments, AliasesWithinTheBudgetExpand) {
  auto docs = parseOk("base: &b {cpu: \"1\"}\ncopy: *b\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["copy"]["cpu"], "1");
  LoadOptions tight;
  tight.maxNodesPerDocument = 4;
  EXPECT_TRUE(parseError("a: &a [1, 2, 3]\nb: *a\n", tight).isInvalid());
}

TEST(ParseDocuments, AnchoredScalarCanBeReusedAsAKey) {
  auto docs = parseOk("name: &n web\nlabels: {*n : frontend}\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["labels"]["web"], "frontend");
}

TEST(ParseDocuments, AliasInsideItsOwnAnchorIsRejected) {
  EXPECT_TRUE(parseError("a: &a [1, *a]\n").isInvalid());
}

TEST(ParseDocuments, DeeplyNestedYamlIsRejected) {
  std::string flow = std::string(300, '[') + std::string(300, ']');
  EXPECT_THAT(parseError(flow).message(), HasSubstr("nested"));
  std::string block;
  for (int i = 0; i < 300; ++i) block += std::string(i * 2, ' ') + "k:\n";
  EXPECT_THAT(parseError(block).message(), HasSubstr("nested"));
  // Far deeper than any parser stack should go: refused, not a crash.
  std::string huge = "x: " + std::string(100000, '[');
  EXPECT_TRUE(parseError(huge).isInvalid());
}

TEST(ParseDocuments, DeeplyNestedJsonIsRejected) {
  std::string deep = std::string(300, '[') + std::string(300, ']');
  // Starts with '[' so it takes the JSON path.
  EXPECT_THAT(parseError(deep).message(), HasSubstr("nested"));
  std::string objects;
  for (int i = 0; i < 1000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(1000, '}');
  EXPECT_THAT(parseError(objects).message(), HasSubstr("nested"));
  auto start = std::chrono::steady_clock::now();
  // Deep enough to overflow the stack of anything that recursed over it.
  std::string huge = std::string(200'000, '[') + std::string(200'000, ']');
  EXPECT_TRUE(parseError(huge).isInvalid());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(ParseDocuments, NestingWithinTheLimitIsFine) {
  std::string ok = std::string(150, '[') + std::string(150, ']');
  EXPECT_EQ(parseOk(ok).size(), 1u);
  std::string yamlOk = "a: " + std::string(150, '[') + std::string(150, ']') + "\n";
  EXPECT_EQ(parseOk(yamlOk).size(), 1u);
}

TEST(ParseDocuments, StrayFlowIndicatorIsAnErrorNotAnEndlessLoop) {
  // yaml-cpp alone keeps producing empty documents at the "," forever.
  for (std::string_view text : {",", "{a: b},", "[a],\n", "{\"kind\": \"Pod\"}\n,\n"}) {
    auto start = std::chrono::steady_clock::now();
    Status s = parseError(text);
    EXPECT_TRUE(s.isInvalid()) << text;
    EXPECT_THAT(s.message(), StartsWith("line ")) << text;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1)) << text;
  }
}

TEST(ParseDocuments, NonScalarMappingKeysAreRejected) {
  EXPECT_TRUE(parseError("? [a, b]\n: c\n").isInvalid());
}

// --- loadManifests -----------------------------------------------------------------------------

TEST(LoadManifests, MissingPathIsNotFound) {
  Workload w;
  Status s = loadManifests((kTestdata / "no-such-file.yaml").string(), w);
  EXPECT_TRUE(s.isNotFound()) << s.toString();
  EXPECT_THAT(s.message(), HasSubstr("no-such-file.yaml"));
}

TEST(LoadManifests, SingleYamlFile) {
  Workload w;
  Status s = loadManifests((kTestdata / "tree/20-training.yml").string(), w);
  ASSERT_TRUE(s.isOk()) << s.toString();
  EXPECT_THAT(podKeys(w), ElementsAre("ml/bert-0", "ml/bert-1", "ml/bert-2"));
  EXPECT_THAT(w.errors, IsEmpty());
}

TEST(LoadManifests, SingleJsonFile) {
  Workload w;
  ASSERT_TRUE(loadManifests((kTestdata / "tree/nested/30-web.json").string(), w).isOk());
  EXPECT_THAT(podKeys(w), ElementsAre("shop/web-0", "shop/web-1"));
}

TEST(LoadManifests, DirectoryIsReadRecursivelyInSortedOrderManifestFilesOnly) {
  Workload w;
  Status s = loadManifests((kTestdata / "tree").string(), w);
  ASSERT_TRUE(s.isOk()) << s.toString();  // notes.txt and README.md would not parse
  EXPECT_THAT(podKeys(w), ElementsAre("ml/bert-0", "ml/bert-1", "ml/bert-2", "shop/web-0", "shop/web-1"));
  ASSERT_EQ(w.nodePools.size(), 1u);
  EXPECT_EQ(w.nodePools[0].name, "gpu");
  ASSERT_EQ(w.daemonSets.size(), 1u);
  EXPECT_EQ(w.daemonSets[0].key(), "monitoring/node-exporter");
  EXPECT_THAT(w.errors, IsEmpty());
}

TEST(LoadManifests, OrderDoesNotDependOnCreationOrder) {
  TempDir dir;
  dir.write("z/b.yaml", "kind: Pod\nmetadata: {name: from-z-b}\nspec: {containers: [{name: c}]}\n");
  dir.write("a.yaml", "kind: Pod\nmetadata: {name: from-a}\nspec: {containers: [{name: c}]}\n");
  dir.write("z/a.json", R"({"kind": "Pod", "metadata": {"name": "from-z-a"}, "spec": {"containers": [{"name": "c"}]}})");
  dir.write("m.yml", "kind: Pod\nmetadata: {name: from-m}\nspec: {containers: [{name: c}]}\n");
  Workload w;
  ASSERT_TRUE(loadManifests(dir.path().string(), w).isOk());
  EXPECT_THAT(podKeys(w), ElementsAre("default/from-a", "default/from-m", "default/from-z-a", "default/from-z-b"));
}

TEST(LoadManifests, BrokenFileIsAnErrorNamingFileLineAndColumn) {
  Workload w;
  const std::string file = (kTestdata / "broken/pod.yaml").string();
  ASSERT_TRUE(loadManifests(file, w).isOk());
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].source, file);
  EXPECT_EQ(w.errors[0].object, "");
  EXPECT_THAT(w.errors[0].message, StartsWith("line "));
  EXPECT_THAT(w.errors[0].message, HasSubstr("column"));
  Workload viaDir;
  ASSERT_TRUE(loadManifests((kTestdata / "broken").string(), viaDir).isOk());
  ASSERT_EQ(viaDir.errors.size(), 1u);
  EXPECT_EQ(viaDir.errors[0].source, file);
}

TEST(LoadManifests, ErrorsCarryTheFileAndUnnamedObjectsTheirDocument) {
  TempDir dir;
  fs::path file = dir.write("apps.yaml", R"(
kind: Deployment
metadata: {name: ok}
spec: {replicas: 1, template: {spec: {containers: [{name: c}]}}}
---
---
kind: Job
metadata: {namespace: batch}
spec: {template: {spec: {containers: [{name: c}]}}}
---
- just
- a list
---
kind: Deployment
metadata: {name: bad, namespace: shop}
spec: {replicas: 1, template: {spec: {containers: [{resources: {requests: {memory: 1Qi}}}]}}}
)");
  Workload w;
  ASSERT_TRUE(loadManifests(file.string(), w).isOk());
  EXPECT_THAT(podKeys(w), ElementsAre("default/ok-0"));
  ASSERT_EQ(w.errors.size(), 3u);
  for (const auto& e : w.errors) EXPECT_EQ(e.source, file.string());
  EXPECT_EQ(w.errors[0].object, "document 2 (Job)");
  EXPECT_EQ(w.errors[0].field, "metadata.name");
  EXPECT_EQ(w.errors[1].object, "document 3");
  EXPECT_THAT(w.errors[1].message, HasSubstr("array"));
  EXPECT_EQ(w.errors[2].object, "Deployment shop/bad");
  EXPECT_EQ(w.errors[2].field, "spec.template.spec.containers[0].resources.requests.memory");
}

TEST(LoadManifests, FilesOverTheSizeLimitAreRefused) {
  TempDir dir;
  fs::path file = dir.write("big.yaml", std::string(2048, '#'));
  LoadOptions options;
  options.maxFileBytes = 1024;
  Workload w;
  ASSERT_TRUE(loadManifests(file.string(), w, options).isOk());
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].source, file.string());
  EXPECT_THAT(w.errors[0].message, HasSubstr("1024"));
}

TEST(LoadManifests, ExpandOptionsArePassedThrough) {
  LoadOptions options;
  options.expand.maxPodsPerObject = 2;
  Workload w;
  ASSERT_TRUE(loadManifests((kTestdata / "tree/20-training.yml").string(), w, options).isOk());
  EXPECT_THAT(w.pods, IsEmpty());
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].object, "PyTorchJob ml/bert");
}

TEST(LoadManifests, EmptyDirectoryLoadsNothing) {
  TempDir dir;
  Workload w;
  EXPECT_TRUE(loadManifests(dir.path().string(), w).isOk());
  EXPECT_THAT(w.pods, IsEmpty());
  EXPECT_THAT(w.errors, IsEmpty());
}

}  // namespace
}  // namespace gantry::workload
