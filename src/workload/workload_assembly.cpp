// Owner matching and kind triage for collected manifests, then expansion.
#include "src/workload/workload_assembly.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "src/workload/known_kinds.h"

namespace gantry::workload {

using nlohmann::json;

namespace {

std::string stringAt(const json& object, std::string_view key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

const json* metadataOf(const json& object) {
  auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

std::string namespaceOf(const json& object) {
  const json* meta = metadataOf(object);
  const std::string ns = meta ? stringAt(*meta, "namespace") : "";
  return ns.empty() ? "default" : ns;
}

// How an error names an object: "Deployment shop/web", or "document 3 (Job)" without a name.
std::string displayOf(const ManifestObject& object) {
  const std::string shown = describeObject(object.value);
  if (!shown.ends_with(kUnnamedObject)) return shown;
  const std::string kind = stringAt(object.value, "kind");
  return kind.empty() ? object.place : object.place + " (" + kind + ")";
}

// The objects of the collection that create pods, by uid and by (kind, namespace, name).
struct Owners {
  std::set<std::string> uids;
  std::set<std::tuple<std::string, std::string, std::string>> names;

  explicit Owners(const ManifestCollection& collection) {
    for (const auto& object : collection.objects) {
      const std::string kind = stringAt(object.value, "kind");
      if (!isPlannedKind(stringAt(object.value, "apiVersion"), kind) || kind == "NodePool" ||
          kind == "EC2NodeClass" || kind == "Node") {
        continue;
      }
      const json* meta = metadataOf(object.value);
      if (!meta) continue;
      if (std::string uid = stringAt(*meta, "uid"); !uid.empty()) uids.insert(std::move(uid));
      if (std::string name = stringAt(*meta, "name"); !name.empty()) {
        names.emplace(kind, namespaceOf(object.value), std::move(name));
      }
    }
  }

  bool owns(const json& object) const {
    const json* meta = metadataOf(object);
    if (!meta) return false;
    auto refs = meta->find("ownerReferences");
    if (refs == meta->end() || !refs->is_array()) return false;
    for (const json& ref : *refs) {
      const std::string uid = stringAt(ref, "uid");
      if (!uid.empty() && uids.contains(uid)) return true;
      // Hand-written or scrubbed dumps often lack uids; owners live in their dependents'
      // namespace, so kind and name identify them.
      const std::string kind = stringAt(ref, "kind");
      const std::string name = stringAt(ref, "name");
      if (!kind.empty() && !name.empty() && names.contains({kind, namespaceOf(object), name})) {
        return true;
      }
    }
    return false;
  }
};

// Kinds whose expansion adds to Workload::pods (DaemonSets add per-node overhead instead).
bool addsPods(std::string_view apiVersion, std::string_view kind) {
  return isPlannedKind(apiVersion, kind) && kind != "NodePool" && kind != "EC2NodeClass" &&
         kind != "Node" && kind != "DaemonSet";
}

}  // namespace

void expandManifests(const ManifestCollection& collection, Workload& out, const LoadOptions& options) {
  const Owners owners(collection);
  size_t collectionErrorsShown = 0;
  auto showCollectionErrors = [&](size_t upTo) {
    for (; collectionErrorsShown < upTo; ++collectionErrorsShown) {
      out.errors.push_back(collection.errors[collectionErrorsShown]);
    }
  };
  for (const ManifestObject& object : collection.objects) {
    showCollectionErrors(object.errorsBefore);
    const json& value = object.value;
    if (!object.problems.empty()) {
      for (const auto& p : object.problems) {
        out.errors.push_back({object.source, displayOf(object), p.field, p.message});
      }
      continue;
    }
    const std::string kind = stringAt(value, "kind");
    const std::string apiVersion = stringAt(value, "apiVersion");
    if (kind.empty()) {
      out.errors.push_back({object.source, displayOf(object), "kind",
                            "required: without a kind Gantry cannot tell what the object runs"});
      continue;
    }
    if (!isPlannedKind(apiVersion, kind)) {
      if (!options.ignoreUnknownKinds && !isKnownNonWorkloadKind(apiVersion, kind)) {
        out.errors.push_back(
            {object.source, displayOf(object), "kind",
             "unknown kind \"" + kind + "\" (apiVersion \"" + apiVersion +
                 "\"): its pods, if it creates any, are not planned; "
                 "--ignore-unknown-kinds skips such objects without an error"});
      }
      continue;
    }
    if (owners.owns(value)) continue;
    if (addsPods(apiVersion, kind) &&
        out.pods.size() >= static_cast<uint64_t>(std::max<int64_t>(options.expand.maxPodsTotal, 0))) {
      // Past the cap every further object would fail alike; one message per file, the same
      // for each object, lets collapseRepeatedErrors fold them into one entry with a count.
      out.errors.push_back({object.source, "", "",
                            "object not planned: the workload already has " +
                                std::to_string(out.pods.size()) + " pods, the limit in all"});
      continue;
    }
    const size_t errorsBefore = out.errors.size();
    expandObject(value, object.source, out, options.expand);
    // An unnamed object is best found by its place in the file.
    for (size_t e = errorsBefore; e < out.errors.size(); ++e) {
      if (out.errors[e].object.ends_with(kUnnamedObject)) out.errors[e].object = displayOf(object);
    }
  }
  showCollectionErrors(collection.errors.size());
}

void collapseRepeatedErrors(std::vector<ManifestError>& errors) {
  std::map<std::tuple<std::string, std::string, std::string, std::string>, size_t> firstAt;
  std::vector<ManifestError> kept;
  kept.reserve(errors.size());
  for (auto& e : errors) {
    auto key = std::make_tuple(e.source, e.object, e.field, e.message);
    auto [it, fresh] = firstAt.emplace(std::move(key), kept.size());
    if (fresh) {
      kept.push_back(std::move(e));
    } else {
      kept[it->second].count += e.count;
    }
  }
  errors = std::move(kept);
}

}  // namespace gantry::workload
