// One pass of src/workload's expansion gives the pods (so a trace runs exactly the pods
// `gantry plan` would plan for the same files); this file only adds time to them: it finds the
// object each pod came from, reads that object's annotations and counts its runs.
#include "src/simulate/trace_decoder.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "src/simulate/trace_values.h"
#include "src/workload/expander.h"
#include "src/workload/known_kinds.h"
#include "src/workload/workload_assembly.h"

namespace gantry::simulate {

namespace {

using nlohmann::json;
using Key = std::tuple<std::string, std::string, std::string>;  // kind, namespace, name

constexpr std::string_view kAnnotationPrefix = "simulate.gantry.dev/";

const json* child(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string stringAt(const json& obj, std::string_view key) {
  const json* v = child(obj, key);
  return v && v->is_string() ? v->get<std::string>() : "";
}

std::optional<int64_t> countAt(const json* obj, std::string_view key) {
  const json* v = obj ? child(*obj, key) : nullptr;
  if (!v || !v->is_number_integer()) return std::nullopt;
  return v->get<int64_t>();
}

bool isSimulation(const json& value) {
  return stringAt(value, "kind") == kSimulationKind;
}

// Pod-creating kinds, as expandManifests counts them (DaemonSets add overhead, not pods).
bool addsPods(const json& value) {
  const std::string kind = stringAt(value, "kind");
  return workload::isPlannedKind(stringAt(value, "apiVersion"), kind) && kind != "NodePool" &&
         kind != "EC2NodeClass" && kind != "Node" && kind != "DaemonSet";
}

Key keyOf(const json& value) {
  const json* meta = child(value, "metadata");
  std::string ns = meta ? stringAt(*meta, "namespace") : "";
  return {stringAt(value, "kind"), ns.empty() ? "default" : ns,
          meta ? stringAt(*meta, "name") : ""};
}

// How errors name an object: "Deployment shop/web", or "document 3 (Job)" without a name.
std::string displayOf(const workload::ManifestObject& object) {
  std::string shown = workload::describeObject(object.value);
  if (!shown.ends_with(workload::kUnnamedObject)) return shown;
  const std::string kind = stringAt(object.value, "kind");
  return kind.empty() ? object.place : object.place + " (" + kind + ")";
}

// Reads the simulate.gantry.dev/* annotations of one object into `a`; false after an error.
bool readAnnotations(const workload::ManifestObject& object, Arrival& a, int64_t maxReplicas,
                     std::vector<workload::ManifestError>& errors) {
  const json* meta = child(object.value, "metadata");
  const json* annotations = meta ? child(*meta, "annotations") : nullptr;
  if (!annotations || !annotations->is_object()) return true;
  bool ok = true;
  auto error = [&](const std::string& key, std::string message) {
    errors.push_back({object.source, a.object, "metadata.annotations[" + key.substr(0, 100) + "]",
                      std::move(message)});
    ok = false;
  };
  for (const auto& [key, value] : annotations->items()) {
    if (!key.starts_with(kAnnotationPrefix)) continue;
    if (!value.is_string()) {
      error(key, "expected a string value");
      continue;
    }
    const std::string text = value.get<std::string>();
    if (key == kAtAnnotation) {
      auto d = parseTraceDuration(text, ZeroDuration::kAllow);
      if (d)
        a.at = *d;
      else
        error(key, d.error().message());
    } else if (key == kRunForAnnotation) {
      auto r = parseRunFor(text);
      if (r)
        a.runFor = *r;
      else
        error(key, r.error().message());
    } else if (key == kDeleteAtAnnotation) {
      auto d = parseTraceDuration(text);
      if (d)
        a.deleteAt = *d;
      else
        error(key, d.error().message());
    } else if (key == kReplicasAtAnnotation) {
      if (a.kind != "Deployment" && a.kind != "StatefulSet") {
        error(key, "only Deployments and StatefulSets scale; a " + a.kind + " does not");
        continue;
      }
      auto steps = parseReplicasAt(text, maxReplicas);
      if (steps)
        a.replicasAt = std::move(*steps);
      else
        error(key, steps.error().message());
    } else {
      error(key,
            "unknown simulate.gantry.dev annotation (known: at, run-for, delete-at, replicas-at)");
    }
  }
  if (ok && a.deleteAt && *a.deleteAt <= a.at) {
    error(std::string(kDeleteAtAnnotation), "must be later than simulate.gantry.dev/at");
  }
  return ok;
}

// podsPerRun, concurrentRuns and totalRuns from the object's spec and its expansion, following
// the expander's counting (src/workload/expander.cpp), which has already checked the counts.
void countRuns(const json& value, Arrival& a) {
  const json* spec = child(value, "spec");
  const int64_t pods = static_cast<int64_t>(a.pods.size());
  const std::string& kind = a.kind;
  a.replacesPods = kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" ||
                   kind == "ReplicationController";
  if (a.replacesPods || kind == "Pod") {
    a.podsPerRun = 1;
    a.concurrentRuns = pods;
    if (kind == "Pod") a.totalRuns = 1;
    return;
  }
  if (kind == "Job" || kind == "CronJob") {
    const json* jobSpec = spec;
    if (kind == "CronJob") {
      const json* templ = spec ? child(*spec, "jobTemplate") : nullptr;
      jobSpec = templ ? child(*templ, "spec") : nullptr;
    }
    a.podsPerRun = 1;
    a.concurrentRuns = pods;
    // Without completions each of the parallel pods runs once (a work queue).
    a.totalRuns = pods == 0 ? 0 : countAt(jobSpec, "completions").value_or(pods);
    return;
  }
  if (kind == "Experiment") {
    const int64_t parallel = countAt(spec, "parallelTrialCount").value_or(3);
    const std::optional<int64_t> maxTrials = countAt(spec, "maxTrialCount");
    const int64_t trials = maxTrials ? std::min(parallel, *maxTrials) : parallel;
    a.concurrentRuns = pods == 0 ? 0 : trials;
    a.podsPerRun = trials > 0 && pods > 0 ? pods / trials : 1;
    a.totalRuns = maxTrials;  // Katib without a trial limit runs until its goal (here: the end)
    return;
  }
  // A Kubeflow training job: every replica is one gang that runs once.
  a.podsPerRun = std::max<int64_t>(pods, 1);
  a.concurrentRuns = pods == 0 ? 0 : 1;
  a.totalRuns = 1;
}

// One replica of a Deployment or StatefulSet, expanded as `plan` would with replicas: 1.
// With replicas: 0 the expansion never decoded the template, so its errors surface here.
std::optional<api::Pod> replicaTemplate(const workload::ManifestObject& object,
                                        const std::string& shown,
                                        const workload::LoadOptions& options,
                                        std::vector<workload::ManifestError>& errors) {
  json copy = object.value;
  copy["spec"]["replicas"] = 1;
  workload::Workload scratch;
  workload::expandObject(copy, object.source, scratch, options.expand);
  for (auto& e : scratch.errors) {
    e.object = shown;
    errors.push_back(std::move(e));
  }
  if (!scratch.errors.empty() || scratch.pods.empty()) return std::nullopt;
  return std::move(scratch.pods.front());
}

// Whether an object is owned by a pod-creating object of the collection (expandManifests
// skips those: the owner's expansion already has their pods).
bool ownedWithin(const json& value, const std::map<Key, size_t>& creators) {
  const json* meta = child(value, "metadata");
  const json* refs = meta ? child(*meta, "ownerReferences") : nullptr;
  if (!refs || !refs->is_array()) return false;
  const std::string ns = std::get<1>(keyOf(value));
  return std::any_of(refs->begin(), refs->end(), [&](const json& ref) {
    return creators.contains({stringAt(ref, "kind"), ns, stringAt(ref, "name")});
  });
}

}  // namespace

Trace decodeTrace(workload::ManifestCollection collection, const CatalogLookup& catalog,
                  const workload::LoadOptions& options) {
  Trace trace;
  // The Simulation document is ours: taken out before src/workload sees an unknown kind.
  std::vector<workload::ManifestObject> simulations;
  std::vector<workload::ManifestObject> others;
  for (auto& object : collection.objects) {
    (isSimulation(object.value) ? simulations : others).push_back(std::move(object));
  }
  collection.objects = std::move(others);

  std::vector<workload::ManifestError> simulationErrors;
  for (size_t i = 0; i < simulations.size(); ++i) {
    const auto& s = simulations[i];
    const std::string shown = displayOf(s);
    if (!s.problems.empty()) {
      for (const auto& p : s.problems)
        simulationErrors.push_back({s.source, shown, p.field, p.message});
      continue;
    }
    if (stringAt(s.value, "apiVersion") != kSimulationApiVersion) {
      simulationErrors.push_back({s.source, shown, "apiVersion",
                                  "expected " + std::string(kSimulationApiVersion) + ", got \"" +
                                      stringAt(s.value, "apiVersion").substr(0, 64) + "\""});
      continue;
    }
    if (!trace.settings.source.empty()) {
      simulationErrors.push_back({s.source, shown, "kind",
                                  "a second Simulation document; the first is " +
                                      trace.settings.object + " in " + trace.settings.source +
                                      " (a trace has at most one)"});
      continue;
    }
    decodeSimulation(s.value, s.source, shown, catalog, trace.settings, simulationErrors);
  }

  workload::Workload expanded;
  workload::expandManifests(collection, expanded, options);
  std::set<std::string> failedObjects;  // already reported: no arrival, no second report
  for (const auto& e : expanded.errors) failedObjects.insert(e.object);
  trace.errors = std::move(simulationErrors);
  std::move(expanded.errors.begin(), expanded.errors.end(), std::back_inserter(trace.errors));
  trace.nodePools = std::move(expanded.nodePools);
  trace.nodeClasses = std::move(expanded.nodeClasses);
  trace.daemonSets = std::move(expanded.daemonSets);
  trace.nodes = std::move(expanded.nodes);

  // Which object each pod came from: its generator (owner) if that is an object of the
  // collection, else the pod itself.
  std::map<Key, size_t> creators;
  for (size_t i = 0; i < collection.objects.size(); ++i) {
    const auto& value = collection.objects[i].value;
    if (collection.objects[i].problems.empty() && addsPods(value))
      creators.emplace(keyOf(value), i);
  }
  std::map<size_t, std::vector<api::Pod>> podsByObject;
  for (auto& pod : expanded.pods) {
    auto it = creators.find({pod.owner.kind, pod.ns, pod.owner.name});
    if (it == creators.end() || pod.owner.kind == "Pod")
      it = creators.find({"Pod", pod.ns, pod.name});
    if (it != creators.end()) podsByObject[it->second].push_back(std::move(pod));
  }

  for (size_t index = 0; index < collection.objects.size(); ++index) {
    const auto& object = collection.objects[index];
    // In input order, once per identity (the first object of a name is the one expanded).
    if (auto it = creators.find(keyOf(object.value)); it == creators.end() || it->second != index)
      continue;
    Arrival a;
    a.source = object.source;
    a.object = displayOf(object);
    std::tie(a.kind, a.ns, a.name) = keyOf(object.value);
    if (!readAnnotations(object, a, options.expand.maxPodsPerObject, trace.errors)) continue;
    if (failedObjects.contains(a.object)) continue;
    auto pods = podsByObject.find(index);
    if (pods != podsByObject.end()) a.pods = std::move(pods->second);
    if (!a.replicasAt.empty()) {
      a.replicaTemplate = replicaTemplate(object, a.object, options, trace.errors);
      if (!a.replicaTemplate) continue;
    }
    if (a.pods.empty() && (a.replicasAt.empty() || ownedWithin(object.value, creators))) continue;
    countRuns(object.value, a);
    trace.arrivals.push_back(std::move(a));
  }
  // By time; stable, so equal times keep the input order.
  std::stable_sort(trace.arrivals.begin(), trace.arrivals.end(),
                   [](const Arrival& x, const Arrival& y) { return x.at < y.at; });
  workload::collapseRepeatedErrors(trace.errors);
  return trace;
}

Result<Trace> loadTrace(const std::vector<std::string>& paths, const CatalogLookup& catalog,
                        const workload::LoadOptions& options) {
  workload::ManifestCollection collection;
  for (const auto& path : paths) {
    if (Status s = workload::collectManifests(path, collection, options); !s.isOk()) return fail(s);
  }
  return decodeTrace(std::move(collection), catalog, options);
}

}  // namespace gantry::simulate
