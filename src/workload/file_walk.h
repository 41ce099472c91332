// The manifest files below a directory, walked the way a user expects from a tree that may
// be a mounted ConfigMap or a checkout full of symlinks.
#pragma once

#include <filesystem>
#include <vector>

#include "src/common/status.h"

namespace gantry::workload {

// Every *.yaml, *.yml and *.json file below `dir`, sorted by path (so the result does not
// depend on directory order). Symlinks to directories are followed, each real directory
// once (a link back up the tree is not a loop). Entries whose name starts with ".." are
// skipped: that is where a ConfigMap volume keeps its real files (..data -> ..2024_..._xxx),
// which the visible names link to. A file reached by two paths (a symlink and its target)
// is listed once, under the first path in sorted order. Entries that vanish or cannot be
// read while walking are skipped; kInvalid only when `dir` itself cannot be listed.
Result<std::vector<std::filesystem::path>> manifestFilesUnder(const std::filesystem::path& dir);

}  // namespace gantry::workload
