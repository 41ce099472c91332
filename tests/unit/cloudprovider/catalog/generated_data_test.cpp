// Keeps the committed generated catalog honest: rerunning generate_catalog.py on the EC2 facts
// vendored in cloudprovider/catalog/data/ must reproduce bundled_catalog_data.cpp byte for byte, and the generated rows must satisfy the
// invariants the loader relies on (sorted unique names, zone masks within each region).
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cloudprovider/catalog/catalog_data.h"

namespace gantry::cloudprovider::catalog {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

// Line number (1-based) and both texts of the first differing line, for a readable failure.
std::string firstDifference(const std::string& a, const std::string& b) {
  std::istringstream as(a), bs(b);
  std::string al, bl;
  for (int line = 1;; ++line) {
    const bool aok = static_cast<bool>(std::getline(as, al));
    const bool bok = static_cast<bool>(std::getline(bs, bl));
    if (!aok && !bok) return "no line differs (trailing bytes?)";
    if (aok != bok || al != bl) {
      return "line " + std::to_string(line) + ":\n  committed:   " + (aok ? al : "<eof>") +
             "\n  regenerated: " + (bok ? bl : "<eof>");
    }
  }
}

TEST(GeneratedCatalogData, MatchesGeneratorOutput) {
  const fs::path sourceDir = GANTRY_SOURCE_DIR;
  const fs::path dataDir = sourceDir / "cloudprovider/catalog/data";
  ASSERT_TRUE(fs::exists(dataDir / "ec2-describe-instance-types.json"))
      << "the vendored EC2 facts are missing from " << dataDir;
  ASSERT_EQ(std::system("command -v python3 >/dev/null 2>&1"), 0)
      << "python3 is required to check the generated catalog against its generator";

  const fs::path output = fs::temp_directory_path() /
                          ("gantry_catalog_" + std::to_string(::getpid()) + ".cpp");
  const std::string command =
      "python3 " + quoted(sourceDir / "cloudprovider/catalog/generate_catalog.py") +
      " --data-dir " + quoted(dataDir) + " --output " + quoted(output) + " >/dev/null";
  const int status = std::system(command.c_str());
  const std::string regenerated = readFile(output);
  fs::remove(output);
  ASSERT_EQ(status, 0) << command;

  const std::string committed =
      readFile(sourceDir / "cloudprovider/catalog/bundled_catalog_data.cpp");
  ASSERT_FALSE(committed.empty());
  EXPECT_TRUE(committed == regenerated)
      << "bundled_catalog_data.cpp is stale; rerun generate_catalog.py. First difference at "
      << firstDifference(committed, regenerated);
}

TEST(GeneratedCatalogData, RowsAreSortedUniqueAndZonesAreInRange) {
  const auto rows = catalogRows();
  const auto regions = catalogRegions();
  ASSERT_EQ(regions.size(), kRegionCount);
  EXPECT_TRUE(std::is_sorted(
      regions.begin(), regions.end(),
      [](const RegionRow& a, const RegionRow& b) { return a.name < b.name; }));
  // 1373 described types minus 9 Mac instances and 19 without a us-east-1 price.
  EXPECT_EQ(rows.size(), 1345u);
  for (size_t i = 0; i < rows.size(); ++i) {
    const CatalogRow& row = rows[i];
    if (i > 0) {
      EXPECT_LT(rows[i - 1].name, row.name);
    }
    EXPECT_GT(row.vcpus, 0) << row.name;
    EXPECT_GT(row.memoryMiB, 0) << row.name;
    EXPECT_GT(row.maxPods, 0) << row.name;
    EXPECT_GT(row.priceMicros, 0) << row.name;
    bool offeredSomewhere = false;
    for (size_t r = 0; r < regions.size(); ++r) {
      const uint32_t valid = (1u << regions[r].zoneCount) - 1;
      EXPECT_EQ(row.zoneMasks[r] & ~valid, 0u) << row.name << " in " << regions[r].name;
      offeredSomewhere = offeredSomewhere || row.zoneMasks[r] != 0;
    }
    EXPECT_TRUE(offeredSomewhere) << row.name;
  }
}

}  // namespace
}  // namespace gantry::cloudprovider::catalog
