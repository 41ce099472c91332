// Turns workload objects into the pods their controllers would create. The counting rules
// follow each controller: Deployments/ReplicaSets/StatefulSets run `replicas` pods, a Job
// runs min(parallelism, completions) at once, a Kubeflow job runs every replica of every
// replica spec at once (and needs them all: a gang), and Katib runs parallelTrialCount
// trials at a time, each expanding like the object in its trial template.
#include "src/workload/expander.h"

#include <algorithm>
#include <iterator>

#include "src/api/decode.h"
#include "src/workload/known_kinds.h"

namespace gantry::workload {

using nlohmann::json;

namespace {

struct ObjectRef {
  std::string kind;
  std::string ns;
  std::string name;
  std::string display() const {
    const std::string k = kind.empty() ? std::string("object") : kind;
    if (name.empty()) return k + " " + std::string(kUnnamedObject);
    return k + " " + (ns.empty() ? std::string("default") : ns) + "/" + name;
  }
};

// Lists inside Lists are legal but never deep in practice; the bound keeps recursion (and
// the stack) small whatever the input.
constexpr int kMaxListDepth = 16;

// A short printable rendering of a bad value: dump() throws on invalid UTF-8 (YAML input
// can carry it), and a whole object in an error message helps nobody.
std::string describe(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 80) + "...";
  return text;
}

const json* at(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string stringAt(const json& obj, std::string_view key) {
  const json* v = at(obj, key);
  return v && v->is_string() ? v->get<std::string>() : "";
}

// Collects pods for one top-level object and names them <owner>-<index>. Pods are held
// back until commit(): an object with any error contributes no pods at all, so a gang is
// never planned half-way (its Workers without its broken PS, say).
class Emitter {
 public:
  Emitter(const ObjectRef& ref, const std::string& source, Workload& out, const ExpandOptions& options)
      : ref_(ref), source_(source), out_(out), limit_(options.maxPodsPerObject),
        totalLimit_(options.maxPodsTotal) {}

  void error(std::string field, std::string message) {
    out_.errors.push_back({source_, ref_.display(), std::move(field), std::move(message)});
    failed_ = true;
  }

  // Reads an integer count at obj[key] (default when absent). Returns nullopt after
  // recording an error for a bad value.
  std::optional<int64_t> count(const json& obj, const std::string& path, std::string_view key,
                               int64_t fallback) {
    const json* v = at(obj, key);
    if (!v) return fallback;
    const bool ok = v->is_number_unsigned()
                        ? v->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)
                        : v->is_number_integer() && v->get<int64_t>() >= 0;
    if (!ok) {
      error(path + "." + std::string(key), "expected a non-negative integer, got " + describe(*v));
      return std::nullopt;
    }
    return v->get<int64_t>();
  }

  // Emits `replicas` copies of a pod template found at `path`.
  void emit(const json& templ, const std::string& path, int64_t replicas, const std::string& gang) {
    if (failed_) return;
    // Written as a subtraction: emitted_ + replicas can overflow for replicas near INT64_MAX.
    if (replicas > limit_ - emitted_) {
      error(path, "would create more than " + std::to_string(limit_) +
                      " pods (the limit per object); asked for " + std::to_string(replicas) +
                      " more after " + std::to_string(emitted_));
      return;
    }
    if (replicas == 0) return;
    auto first = api::decodePodTemplate(templ, path, ns(), name(emitted_));
    if (!first) {
      error(first.error().field, first.error().message);
      return;
    }
    first->owner = api::OwnerRef{ref_.kind, ref_.name, ""};
    if (!gang.empty()) first->gang = ns() + "/" + gang;
    for (int64_t i = 0; i < replicas; ++i) {
      api::Pod pod = *first;
      pod.name = name(emitted_++);
      pending_.push_back(std::move(pod));
    }
  }

  // Appends the pods to the workload unless an error was recorded or the workload would
  // grow past its total limit.
  void commit() {
    if (failed_ || pending_.empty()) return;
    if (out_.pods.size() + pending_.size() > static_cast<uint64_t>(std::max<int64_t>(totalLimit_, 0))) {
      error("", "its " + std::to_string(pending_.size()) + " pods would take the workload past " +
                    std::to_string(totalLimit_) + " pods in all");
      return;
    }
    std::move(pending_.begin(), pending_.end(), std::back_inserter(out_.pods));
    pending_.clear();
  }

  bool failed() const { return failed_; }
  int64_t emitted() const { return emitted_; }

 private:
  std::string ns() const { return ref_.ns.empty() ? "default" : ref_.ns; }
  std::string name(int64_t index) const { return ref_.name + "-" + std::to_string(index); }

  const ObjectRef& ref_;
  const std::string& source_;
  Workload& out_;
  int64_t limit_;
  int64_t totalLimit_;
  int64_t emitted_ = 0;
  bool failed_ = false;
  std::vector<api::Pod> pending_;
};

const json* requireTemplate(const json& spec, const std::string& path, Emitter& em) {
  const json* templ = at(spec, "template");
  if (!templ) em.error(path + ".template", "required");
  return templ;
}

void expandReplicated(const json& spec, Emitter& em) {
  auto replicas = em.count(spec, "spec", "replicas", 1);
  if (!replicas) return;
  if (const json* templ = requireTemplate(spec, "spec", em)) em.emit(*templ, "spec.template", *replicas, "");
}

// Pods a Job runs at once: parallelism (default 1) capped by completions.
void expandJobSpec(const json& spec, const std::string& path, Emitter& em) {
  if (const json* suspend = at(spec, "suspend"); suspend && suspend->is_boolean() && suspend->get<bool>()) {
    return;
  }
  auto parallelism = em.count(spec, path, "parallelism", 1);
  auto completions = em.count(spec, path, "completions", -1);
  if (!parallelism || !completions) return;
  int64_t n = *completions >= 0 ? std::min(*parallelism, *completions) : *parallelism;
  if (const json* templ = requireTemplate(spec, path, em)) em.emit(*templ, path + ".template", n, "");
}

// Kubeflow training jobs keep their replicas under spec.<framework>ReplicaSpecs.
// Roles are expanded leaders first so that pod indices are stable and readable.
int roleRank(const std::string& role) {
  static const std::vector<std::string> order = {"Master", "Chief", "Launcher", "PS",
                                                 "Worker", "Evaluator"};
  auto it = std::find(order.begin(), order.end(), role);
  return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}

bool expandTrainingJob(const json& spec, const std::string& path, const std::string& gang,
                       Emitter& em) {
  if (!spec.is_object()) return false;
  bool found = false;
  for (const auto& [field, replicaSpecs] : spec.items()) {
    if (!field.ends_with("ReplicaSpecs")) continue;
    found = true;
    const std::string rp = path + "." + field;
    if (!replicaSpecs.is_object()) {
      em.error(rp, "expected an object of replica specs");
      return true;
    }
    std::vector<std::string> roles;
    for (const auto& [role, _] : replicaSpecs.items()) roles.push_back(role);
    std::stable_sort(roles.begin(), roles.end(), [](const auto& a, const auto& b) {
      return std::make_pair(roleRank(a), a) < std::make_pair(roleRank(b), b);
    });
    for (const auto& role : roles) {
      const json& rs = replicaSpecs[role];
      const std::string here = rp + "." + role;
      auto replicas = em.count(rs, here, "replicas", 1);
      if (!replicas) return true;
      if (const json* templ = requireTemplate(rs, here, em)) {
        em.emit(*templ, here + ".template", *replicas, gang);
      }
    }
  }
  return found;
}

void expandExperiment(const json& spec, const ObjectRef& ref, Emitter& em) {
  auto parallel = em.count(spec, "spec", "parallelTrialCount", 3);  // Katib's default
  auto maxTrials = em.count(spec, "spec", "maxTrialCount", -1);
  if (!parallel || !maxTrials) return;
  int64_t trials = *maxTrials >= 0 ? std::min(*parallel, *maxTrials) : *parallel;
  const json* trialTemplate = at(spec, "trialTemplate");
  const json* trialSpec = trialTemplate ? at(*trialTemplate, "trialSpec") : nullptr;
  if (!trialSpec || !trialSpec->is_object()) {
    em.error("spec.trialTemplate.trialSpec", "required: the object each trial runs");
    return;
  }
  const std::string path = "spec.trialTemplate.trialSpec";
  const std::string kind = stringAt(*trialSpec, "kind");
  const json* tspec = at(*trialSpec, "spec");
  if (!tspec) {
    em.error(path + ".spec", "required");
    return;
  }
  for (int64_t t = 0; t < trials && !em.failed(); ++t) {
    const int64_t before = em.emitted();
    if (kind == "Job") {
      expandJobSpec(*tspec, path + ".spec", em);
    } else if (kind == "Pod") {
      em.emit(*trialSpec, path, 1, "");
    } else if (!expandTrainingJob(*tspec, path + ".spec",
                                  ref.name + "-trial-" + std::to_string(t), em)) {
      em.error(path + ".kind", "trial kind \"" + kind + "\" is not one Gantry can expand "
                               "(Job, Pod, or a Kubeflow training job)");
    }
    // Every trial expands alike: one that runs no pods (a suspended Job, zero replicas)
    // means none does, and looping on (parallelTrialCount may be huge) would only spin.
    if (em.emitted() == before) break;
  }
}

// Expands the spec of a pod-creating kind into `em`; DaemonSets go straight to `out`.
void expandSpec(const json& spec, const ObjectRef& ref, Workload& out, Emitter& em) {
  const std::string& kind = ref.kind;
  if (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" ||
      kind == "ReplicationController") {
    expandReplicated(spec, em);
  } else if (kind == "Job") {
    expandJobSpec(spec, "spec", em);
  } else if (kind == "CronJob") {
    // One run of the schedule, unless the CronJob is suspended (then it starts no Jobs).
    if (const json* suspend = at(spec, "suspend"); suspend && suspend->is_boolean() && suspend->get<bool>()) {
      return;
    }
    const json* jt = at(spec, "jobTemplate");
    const json* js = jt ? at(*jt, "spec") : nullptr;
    if (!js) {
      em.error("spec.jobTemplate.spec", "required");
    } else {
      expandJobSpec(*js, "spec.jobTemplate.spec", em);
    }
  } else if (kind == "DaemonSet") {
    if (const json* templ = requireTemplate(spec, "spec", em)) {
      auto pod = api::decodePodTemplate(*templ, "spec.template", ref.ns.empty() ? "default" : ref.ns,
                                        ref.name);
      if (pod) {
        pod->owner = api::OwnerRef{"DaemonSet", ref.name, ""};
        out.daemonSets.push_back(std::move(*pod));
      } else {
        em.error(pod.error().field, pod.error().message);
      }
    }
  } else if (kind == "Experiment") {
    expandExperiment(spec, ref, em);
  } else if (!expandTrainingJob(spec, "spec", ref.name, em)) {
    em.error("spec", kind + " has no *ReplicaSpecs to expand");
  }
}

void expandAt(const json& object, const std::string& source, Workload& out,
              const ExpandOptions& options, int listDepth) {
  const std::string kind = stringAt(object, "kind");
  const std::string apiVersion = stringAt(object, "apiVersion");
  if (kind == "List") {
    if (listDepth >= kMaxListDepth) {
      out.errors.push_back({source, "List", "items", "Lists nested deeper than " +
                                                         std::to_string(kMaxListDepth) + " levels"});
      return;
    }
    if (const json* items = at(object, "items"); items && items->is_array()) {
      for (const auto& item : *items) expandAt(item, source, out, options, listDepth + 1);
    }
    return;
  }
  ObjectRef ref{kind, "", ""};
  if (const json* meta = at(object, "metadata")) {
    ref.name = stringAt(*meta, "name");
    ref.ns = stringAt(*meta, "namespace");
  }
  Emitter em(ref, source, out, options);
  auto decodeInto = [&](auto result, auto& into) {
    if (result) {
      into.push_back(std::move(*result));
    } else {
      em.error(result.error().field, result.error().message);
    }
  };

  if (kind == "Pod") {
    if (out.pods.size() >= static_cast<uint64_t>(std::max<int64_t>(options.maxPodsTotal, 0))) {
      em.error("", "the workload already has " + std::to_string(out.pods.size()) +
                       " pods, the limit in all");
      return;
    }
    decodeInto(api::decodePod(object), out.pods);
    return;
  }
  if (kind == "NodePool") {
    decodeInto(api::decodeNodePool(object), out.nodePools);
    return;
  }
  if (kind == "Node") {
    decodeInto(api::decodeNode(object), out.nodes);
    return;
  }
  if (kind == "EC2NodeClass") {
    decodeInto(api::decodeEc2NodeClass(object), out.nodeClasses);
    return;
  }
  if (!isPlannedKind(apiVersion, kind)) return;  // Services, ConfigMaps, CRDs...: nothing to place
  if (ref.name.empty()) {
    em.error("metadata.name", "required");
    return;
  }
  const json* spec = at(object, "spec");
  if (!spec || !spec->is_object()) {
    em.error("spec", "required");
    return;
  }
  expandSpec(*spec, ref, out, em);
  em.commit();
}

}  // namespace

void expandObject(const json& object, const std::string& source, Workload& out,
                  const ExpandOptions& options) {
  expandAt(object, source, out, options, 0);
}

std::string describeObject(const json& object) {
  ObjectRef ref{stringAt(object, "kind"), "", ""};
  if (const json* meta = at(object, "metadata")) {
    ref.name = stringAt(*meta, "name");
    ref.ns = stringAt(*meta, "namespace");
  }
  return ref.display();
}

}  // namespace gantry::workload
