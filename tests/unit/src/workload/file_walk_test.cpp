// Directory walks over trees with symlinks: followed, loops cut, ConfigMap volume layouts
// (..data) read once.
#include "src/workload/file_walk.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/src/workload/temp_dir.h"

namespace gantry::workload {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::TempDir;

std::vector<std::string> relativeFiles(const fs::path& root) {
  auto files = manifestFilesUnder(root);
  EXPECT_TRUE(files.has_value()) << (files ? "" : files.error().toString());
  std::vector<std::string> out;
  for (const auto& f : files.value_or(std::vector<fs::path>{})) {
    out.push_back(f.lexically_relative(root).string());
  }
  return out;
}

TEST(FileWalk, ManifestFilesOnlySortedAndRecursive) {
  TempDir dir;
  dir.write("b.yaml", "");
  dir.write("a/z.json", "");
  dir.write("a/y.yml", "");
  dir.write("notes.txt", "");
  dir.write("x.yaml.bak", "");
  EXPECT_THAT(relativeFiles(dir.path()), ElementsAre("a/y.yml", "a/z.json", "b.yaml"));
}

TEST(FileWalk, SymlinkedDirectoriesAreFollowed) {
  TempDir dir;
  dir.write("real/pod.yaml", "");
  dir.link("tree/linked", "../real");
  EXPECT_THAT(relativeFiles(dir.path() / "tree"), ElementsAre("linked/pod.yaml"));
}

TEST(FileWalk, SymlinkLoopsAreWalkedOnce) {
  TempDir dir;
  dir.write("tree/pod.yaml", "");
  dir.link("tree/sub/up", "../..");  // tree/sub/up -> tree's parent, which holds tree again
  dir.link("tree/self", ".");
  EXPECT_THAT(relativeFiles(dir.path() / "tree"), ElementsAre("pod.yaml"));
}

TEST(FileWalk, ConfigMapVolumeLayoutIsReadOncePerFile) {
  // What the kubelet writes for a ConfigMap volume: the real files in a timestamped
  // directory, ..data pointing at it, and one visible symlink per key.
  TempDir dir;
  dir.write("..2026_12_06_01_00_00.123/pods.yaml", "");
  dir.write("..2026_12_06_01_00_00.123/jobs.yaml", "");
  dir.link("..data", "..2026_12_06_01_00_00.123");
  dir.link("pods.yaml", "..data/pods.yaml");
  dir.link("jobs.yaml", "..data/jobs.yaml");
  EXPECT_THAT(relativeFiles(dir.path()), ElementsAre("jobs.yaml", "pods.yaml"));
}

TEST(FileWalk, AFileReachedTwiceIsListedOnceUnderItsFirstPath) {
  TempDir dir;
  dir.write("b/pod.yaml", "");
  dir.link("a/alias.yaml", "../b/pod.yaml");
  EXPECT_THAT(relativeFiles(dir.path()), ElementsAre("a/alias.yaml"));
}

TEST(FileWalk, DanglingLinksAreSkipped) {
  TempDir dir;
  dir.write("pod.yaml", "");
  dir.link("gone.yaml", "nowhere.yaml");
  dir.link("gone-dir", "nowhere");
  EXPECT_THAT(relativeFiles(dir.path()), ElementsAre("pod.yaml"));
}

}  // namespace
}  // namespace gantry::workload
