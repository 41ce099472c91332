// Directory walking for manifests. std::filesystem's recursive iterator either ignores
// directory symlinks or follows them into loops, so the walk is written out: it recurses
// on real (canonical) directories and remembers each one.
#include "src/workload/file_walk.h"

#include <algorithm>
#include <set>
#include <string>

namespace gantry::workload {

namespace fs = std::filesystem;

namespace {

// Deep enough for any real tree; stops a pathological one (a chain of distinct symlinked
// directories) from exhausting the stack.
constexpr int kMaxDepth = 64;

bool isManifestFile(const fs::path& p) {
  const auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

struct Walk {
  std::set<fs::path> visitedDirectories;  // canonical paths
  std::vector<fs::path> files;

  // Returns false only when `dir` cannot be listed at all.
  bool visit(const fs::path& dir, int depth, std::error_code& listError) {
    std::error_code ec;
    const fs::path real = fs::canonical(dir, ec);
    if (ec || depth > kMaxDepth || !visitedDirectories.insert(real).second) return true;
    fs::directory_iterator it(dir, ec);
    if (ec) {
      listError = ec;
      return false;
    }
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const fs::path& entry = it->path();
      if (entry.filename().string().starts_with("..")) continue;
      std::error_code typeEc;  // a dangling link or a vanished entry is skipped
      if (fs::is_directory(entry, typeEc)) {
        std::error_code ignored;  // an unreadable subdirectory is skipped, not fatal
        visit(entry, depth + 1, ignored);
      } else if (!typeEc && fs::is_regular_file(entry, typeEc) && isManifestFile(entry)) {
        files.push_back(entry);
      }
    }
    return true;
  }
};

}  // namespace

Result<std::vector<fs::path>> manifestFilesUnder(const fs::path& dir) {
  Walk walk;
  std::error_code listError;
  if (!walk.visit(dir, 0, listError)) {
    return fail(Status::invalid(dir.string() + ": cannot list directory: " + listError.message()));
  }
  std::sort(walk.files.begin(), walk.files.end());
  // The same file reached twice (a symlink next to its target) is read once.
  std::set<fs::path> seen;
  std::vector<fs::path> out;
  for (auto& file : walk.files) {
    std::error_code ec;
    fs::path real = fs::canonical(file, ec);
    if (ec) continue;
    if (seen.insert(std::move(real)).second) out.push_back(std::move(file));
  }
  return out;
}

}  // namespace gantry::workload
