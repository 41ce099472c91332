// Field by field, because each field has its own range and the user needs the error to name
// the one they got wrong. Durations share one rule (trace_values.h): positive where zero means
// nothing (duration), zero allowed where it is a what-if (an instant launch or image pull).
#include "src/simulate/simulation_settings.h"

#include <algorithm>
#include <set>

#include "src/simulate/trace_values.h"

namespace gantry::simulate {

namespace {

using nlohmann::json;

std::string describe(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 64) text = text.substr(0, 64) + "...";
  return text;
}

class SpecReader {
 public:
  SpecReader(const std::string& source, const std::string& object,
             std::vector<workload::ManifestError>& errors)
      : source_(source), object_(object), errors_(errors) {}

  void error(const std::string& field, std::string message) {
    errors_.push_back({source_, object_, field, std::move(message)});
    ok_ = false;
  }
  bool ok() const { return ok_; }

  std::optional<Duration> duration(const json& v, const std::string& field, ZeroDuration zero) {
    if (!v.is_string()) {
      error(field, "expected a duration string like 90s or 1h30m, got " + describe(v));
      return std::nullopt;
    }
    auto d = parseTraceDuration(v.get<std::string>(), zero);
    if (!d) {
      error(field, d.error().message());
      return std::nullopt;
    }
    return *d;
  }

  std::optional<double> number(const json& v, const std::string& field, double low, bool lowOpen,
                               double high) {
    if (!v.is_number()) {
      error(field, "expected a number, got " + describe(v));
      return std::nullopt;
    }
    const double x = v.get<double>();
    if (!(lowOpen ? x > low : x >= low) || !(x <= high)) {
      error(field, "must be in " + std::string(lowOpen ? "(" : "[") + trimmed(low) + ", " +
                       trimmed(high) + "], got " + describe(v));
      return std::nullopt;
    }
    return x;
  }

  // Reports keys of `obj` not in `known`.
  void onlyKeys(const json& obj, const std::string& path,
                std::initializer_list<std::string_view> known) {
    for (const auto& [key, _] : obj.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        error(path + "." + key, "unknown field (known: " + list + ")");
      }
    }
  }

 private:
  static std::string trimmed(double x) {
    std::string s = std::to_string(x);
    while (s.ends_with('0')) s.pop_back();
    if (s.ends_with('.')) s.pop_back();
    return s;
  }
  const std::string& source_;
  const std::string& object_;
  std::vector<workload::ManifestError>& errors_;
  bool ok_ = true;
};

void decodeImagePull(const json& v, SpecReader& r, SimulationSettings& out) {
  if (v.is_string()) {
    if (auto d = r.duration(v, "spec.imagePull", ZeroDuration::kAllow)) out.imagePull = *d;
    return;
  }
  if (!v.is_object()) {
    r.error("spec.imagePull",
            "expected a duration (20s) or {default: 20s, images: {IMAGE: 3m}}, got " + describe(v));
    return;
  }
  r.onlyKeys(v, "spec.imagePull", {"default", "images"});
  if (auto it = v.find("default"); it != v.end()) {
    if (auto d = r.duration(*it, "spec.imagePull.default", ZeroDuration::kAllow))
      out.imagePull = *d;
  }
  if (auto it = v.find("images"); it != v.end()) {
    if (!it->is_object()) {
      r.error("spec.imagePull.images", "expected a map of image to duration, got " + describe(*it));
      return;
    }
    for (const auto& [image, d] : it->items()) {
      if (auto pull = r.duration(d, "spec.imagePull.images[" + image + "]", ZeroDuration::kAllow)) {
        out.imagePullByImage[image] = *pull;
      }
    }
  }
}

void decodeCapacityErrors(const json& v, SpecReader& r, const CatalogLookup& catalog,
                          const std::string& region, SimulationSettings& out) {
  if (!v.is_array()) {
    r.error("spec.capacityErrors",
            "expected a list of {instanceType, zone, from, until}, got " + describe(v));
    return;
  }
  api::InstanceTypesPtr types;
  if (catalog) {
    auto found = catalog(region);
    if (found) types = *found;  // an unknown region is reported at spec.region
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string path = "spec.capacityErrors[" + std::to_string(i) + "]";
    const json& e = v[i];
    if (!e.is_object()) {
      r.error(path, "expected {instanceType, zone, from, until}, got " + describe(e));
      continue;
    }
    r.onlyKeys(e, path, {"instanceType", "zone", "from", "until"});
    SimulationSettings::CapacityError out1;
    bool ok = true;
    auto type = e.find("instanceType");
    if (type == e.end() || !type->is_string() || type->get<std::string>().empty()) {
      r.error(path + ".instanceType", "required: the instance type that has no capacity");
      ok = false;
    } else {
      out1.instanceType = type->get<std::string>();
    }
    if (auto zone = e.find("zone"); zone != e.end()) {
      if (!zone->is_string()) {
        r.error(path + ".zone", "expected a zone name, got " + describe(*zone));
        ok = false;
      } else {
        out1.zone = zone->get<std::string>();
      }
    }
    if (ok && types) {
      auto it = std::find_if(types->begin(), types->end(), [&](const api::InstanceType& t) {
        return t.name == out1.instanceType;
      });
      if (it == types->end()) {
        r.error(path + ".instanceType",
                "unknown instance type \"" + out1.instanceType.substr(0, 64) + "\" in " + region);
        ok = false;
      } else if (!out1.zone.empty() &&
                 std::none_of(it->offerings.begin(), it->offerings.end(),
                              [&](const api::Offering& o) { return o.zone == out1.zone; })) {
        std::set<std::string> zones;
        for (const auto& o : it->offerings) zones.insert(o.zone);
        std::string list;
        for (const auto& z : zones) list += (list.empty() ? "" : ", ") + z;
        r.error(path + ".zone", out1.instanceType + " is not offered in \"" +
                                    out1.zone.substr(0, 64) + "\" (its zones: " + list + ")");
        ok = false;
      }
    }
    if (auto from = e.find("from"); from != e.end()) {
      auto d = r.duration(*from, path + ".from", ZeroDuration::kAllow);
      ok = ok && d.has_value();
      if (d) out1.from = *d;
    }
    if (auto until = e.find("until"); until != e.end()) {
      auto d = r.duration(*until, path + ".until", ZeroDuration::kRefuse);
      ok = ok && d.has_value();
      if (d && *d <= out1.from) {
        r.error(path + ".until", "must be after from");
        ok = false;
      }
      if (d) out1.until = *d;
    }
    if (ok) out.capacityErrors.push_back(std::move(out1));
  }
}

}  // namespace

bool decodeSimulation(const json& object, const std::string& source, const std::string& objectName,
                      const CatalogLookup& catalog, SimulationSettings& out,
                      std::vector<workload::ManifestError>& errors) {
  SpecReader r(source, objectName, errors);
  out.source = source;
  out.object = objectName;
  auto specIt = object.find("spec");
  if (specIt == object.end() || specIt->is_null()) return true;  // every default
  const json& spec = *specIt;
  if (!spec.is_object()) {
    r.error("spec", "expected an object, got " + describe(spec));
    return false;
  }
  r.onlyKeys(spec, "spec",
             {"duration", "seed", "region", "launchLatency", "devicePluginDelay", "imagePull",
              "spotPriceRatio", "capacityErrors", "spotInterruptionsPerHour"});
  if (auto it = spec.find("duration"); it != spec.end()) {
    out.duration = r.duration(*it, "spec.duration", ZeroDuration::kRefuse);
  }
  if (auto it = spec.find("seed"); it != spec.end()) {
    if (it->is_number_unsigned() || (it->is_number_integer() && it->get<int64_t>() >= 0)) {
      out.seed = it->get<uint64_t>();
    } else {
      r.error("spec.seed", "expected a non-negative whole number, got " + describe(*it));
    }
  }
  if (auto it = spec.find("region"); it != spec.end()) {
    if (!it->is_string() || it->get<std::string>().empty()) {
      r.error("spec.region", "expected a region name like us-east-1, got " + describe(*it));
    } else if (auto found = catalog ? catalog(it->get<std::string>())
                                    : Result<api::InstanceTypesPtr>(nullptr);
               !found) {
      r.error("spec.region", found.error().message());
    } else {
      out.region = it->get<std::string>();
    }
  }
  if (auto it = spec.find("launchLatency"); it != spec.end()) {
    if (!it->is_object()) {
      r.error("spec.launchLatency", "expected {cpu: 45s, gpu: 90s}, got " + describe(*it));
    } else {
      r.onlyKeys(*it, "spec.launchLatency", {"cpu", "gpu"});
      if (auto c = it->find("cpu"); c != it->end()) {
        if (auto d = r.duration(*c, "spec.launchLatency.cpu", ZeroDuration::kAllow))
          out.cpuLaunchLatency = *d;
      }
      if (auto g = it->find("gpu"); g != it->end()) {
        if (auto d = r.duration(*g, "spec.launchLatency.gpu", ZeroDuration::kAllow))
          out.gpuLaunchLatency = *d;
      }
    }
  }
  if (auto it = spec.find("devicePluginDelay"); it != spec.end()) {
    if (auto d = r.duration(*it, "spec.devicePluginDelay", ZeroDuration::kAllow))
      out.devicePluginDelay = *d;
  }
  if (auto it = spec.find("imagePull"); it != spec.end()) decodeImagePull(*it, r, out);
  if (auto it = spec.find("spotPriceRatio"); it != spec.end()) {
    out.spotPriceRatio = r.number(*it, "spec.spotPriceRatio", 0, true, 1);
  }
  if (auto it = spec.find("spotInterruptionsPerHour"); it != spec.end()) {
    if (auto x = r.number(*it, "spec.spotInterruptionsPerHour", 0, false, 60))
      out.spotInterruptionsPerHour = *x;
  }
  // After region: the instance types are checked against the region's catalog.
  if (auto it = spec.find("capacityErrors"); it != spec.end()) {
    decodeCapacityErrors(*it, r, catalog, out.region, out);
  }
  return r.ok();
}

}  // namespace gantry::simulate
