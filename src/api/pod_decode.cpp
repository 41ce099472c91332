// Pod decoding: Kubernetes JSON to the scheduling view, including the effective-request
// rules the scheduler applies (init containers, sidecars, overhead, limit-only resources).
#include <nlohmann/json.hpp>

#include <algorithm>

#include "src/api/decode_internal.h"
#include "src/api/pod_validation.h"

namespace gantry::api {

using namespace detail;

namespace {

// Labels and annotations that mark pods of one gang: scheduler-plugins coscheduling,
// Volcano, and the Kubeflow training operator.
constexpr std::string_view kPodGroupLabel = "scheduling.x-k8s.io/pod-group";
constexpr std::string_view kVolcanoGroupAnnotation = "scheduling.k8s.io/group-name";
constexpr std::string_view kKubeflowJobLabel = "training.kubeflow.org/job-name";

// A container's requests as the scheduler sees them: a resource given only as a limit
// defaults its request to the limit (the apiserver does this on admission).
DecodeResult<ResourceList> containerRequests(const json& c, const std::string& path) {
  if (auto e = expectObject(c, path)) return std::unexpected(*e);
  ResourceList requests;
  ResourceList limits;
  if (const json* res = child(c, "resources")) {
    const std::string rp = join(path, "resources");
    if (auto e = expectObject(*res, rp)) return std::unexpected(*e);
    if (const json* r = child(*res, "requests")) {
      auto v = decodeResourceList(*r, join(rp, "requests"));
      if (!v) return std::unexpected(v.error());
      requests = std::move(*v);
    }
    if (const json* l = child(*res, "limits")) {
      auto v = decodeResourceList(*l, join(rp, "limits"));
      if (!v) return std::unexpected(v.error());
      limits = std::move(*v);
    }
    if (auto e = validateContainerResources(requests, limits, rp)) return std::unexpected(*e);
  }
  for (const auto& [name, q] : limits.entries()) {
    if (!requests.has(name)) requests.set(name, q);
  }
  return requests;
}

DecodeResult<ResourceList> effectiveRequests(const json& spec, const std::string& path) {
  ResourceList sum;
  // The apiserver refuses a pod without containers; there would be nothing to run.
  const std::string here = join(path, "containers");
  const json* cs = child(spec, "containers");
  if (!cs) return fieldError(here, "required: a pod runs at least one container");
  if (auto e = expectArray(*cs, here)) return std::unexpected(*e);
  if (cs->empty()) return fieldError(here, "must have at least one container");
  for (size_t i = 0; i < cs->size(); ++i) {
    auto r = containerRequests((*cs)[i], index(here, i));
    if (!r) return std::unexpected(r.error());
    sum += *r;
  }
  // Init containers run one after another, so the pod needs the largest of them, except
  // sidecars (restartPolicy: Always), which keep running next to everything started after.
  ResourceList initMax;
  ResourceList sidecars;
  if (const json* ics = child(spec, "initContainers")) {
    const std::string initPath = join(path, "initContainers");
    if (auto e = expectArray(*ics, initPath)) return std::unexpected(*e);
    for (size_t i = 0; i < ics->size(); ++i) {
      const json& ic = (*ics)[i];
      auto r = containerRequests(ic, index(initPath, i));
      if (!r) return std::unexpected(r.error());
      auto restart = stringField(ic, index(initPath, i), "restartPolicy");
      if (!restart) return std::unexpected(restart.error());
      if (*restart == "Always") {
        sidecars += *r;
      } else {
        initMax = ResourceList::max(initMax, *r + sidecars);
      }
    }
  }
  ResourceList total = ResourceList::max(sum + sidecars, initMax);
  if (const json* overhead = child(spec, "overhead")) {
    auto o = decodeResourceList(*overhead, join(path, "overhead"));
    if (!o) return std::unexpected(o.error());
    if (auto e = validateQuantityRange(*o, join(path, "overhead"))) return std::unexpected(*e);
    total += *o;
  }
  return total;
}

std::optional<FieldError> decodeMetadata(const json& meta, const std::string& path, Pod& pod) {
  if (auto e = expectObject(meta, path)) return e;
  if (const json* labels = child(meta, "labels")) {
    auto l = decodeStringMap(*labels, join(path, "labels"));
    if (!l) return l.error();
    pod.labels.insert(l->begin(), l->end());
  }
  if (const json* ann = child(meta, "annotations")) {
    auto a = decodeStringMap(*ann, join(path, "annotations"));
    if (!a) return a.error();
    for (auto& [k, v] : *a) pod.annotations[k] = v;
  }
  if (const json* owners = child(meta, "ownerReferences")) {
    const std::string op = join(path, "ownerReferences");
    if (auto e = expectArray(*owners, op)) return e;
    for (size_t i = 0; i < owners->size(); ++i) {
      if (auto e = expectObject((*owners)[i], index(op, i))) return e;
      auto controller = boolField((*owners)[i], index(op, i), "controller", false);
      if (!controller) return controller.error();
      if (!*controller) continue;
      auto kind = stringField((*owners)[i], index(op, i), "kind");
      auto name = stringField((*owners)[i], index(op, i), "name");
      auto uid = stringField((*owners)[i], index(op, i), "uid");
      if (!kind) return kind.error();
      if (!name) return name.error();
      if (!uid) return uid.error();
      pod.owner = OwnerRef{*kind, *name, *uid};
    }
  }
  pod.terminating = child(meta, "deletionTimestamp") != nullptr;
  return std::nullopt;
}

// containers[].ports[] with a hostPort: what the NodePorts filter compares. Containers only,
// as the scheduler does; containerPort-only entries bind nothing on the node.
DecodeResult<std::vector<HostPort>> hostPorts(const json& spec, const std::string& path) {
  std::vector<HostPort> out;
  const json* cs = child(spec, "containers");
  if (cs == nullptr || !cs->is_array()) return out;  // effectiveRequests reported a bad shape
  for (size_t i = 0; i < cs->size(); ++i) {
    const json* ports = (*cs)[i].is_object() ? child((*cs)[i], "ports") : nullptr;
    if (ports == nullptr) continue;
    const std::string here = join(index(join(path, "containers"), i), "ports");
    if (auto e = expectArray(*ports, here)) return std::unexpected(*e);
    for (size_t j = 0; j < ports->size(); ++j) {
      const json& entry = (*ports)[j];
      const std::string at = index(here, j);
      if (auto e = expectObject(entry, at)) return std::unexpected(*e);
      auto port = int32Field(entry, at, "hostPort", 0, 0, 65535);
      if (!port) return std::unexpected(port.error());
      if (*port == 0) continue;
      auto protocol = stringField(entry, at, "protocol", "TCP");
      if (!protocol) return std::unexpected(protocol.error());
      auto ip = stringField(entry, at, "hostIP");
      if (!ip) return std::unexpected(ip.error());
      out.push_back(HostPort{*protocol, *ip, *port});
    }
  }
  return out;
}

// The images the kubelet pulls before the pod runs: init containers first, then containers,
// each once. Only `gantry simulate` uses them (its image-pull times); a container without an
// image is the apiserver's error to report, not ours.
DecodeResult<std::vector<std::string>> images(const json& spec, const std::string& path) {
  std::vector<std::string> out;
  for (const char* list : {"initContainers", "containers"}) {
    const json* cs = child(spec, list);
    if (cs == nullptr || !cs->is_array()) continue;  // effectiveRequests reported a bad shape
    for (size_t i = 0; i < cs->size(); ++i) {
      if (!(*cs)[i].is_object()) continue;
      auto image = stringField((*cs)[i], index(join(path, list), i), "image");
      if (!image) return std::unexpected(image.error());
      if (!image->empty() && std::find(out.begin(), out.end(), *image) == out.end()) {
        out.push_back(std::move(*image));
      }
    }
  }
  return out;
}

// Whether a volume stores data on the node (hostPath; emptyDir is scratch and does not count).
bool usesLocalStorage(const json& spec) {
  const json* volumes = child(spec, "volumes");
  if (volumes == nullptr || !volumes->is_array()) return false;
  return std::any_of(volumes->begin(), volumes->end(), [](const json& v) {
    return v.is_object() && child(v, "hostPath") != nullptr;
  });
}

// Spec fields shared by Pods and pod templates.
std::optional<FieldError> decodeSpec(const json& spec, const std::string& path, Pod& pod) {
  if (auto e = expectObject(spec, path)) return e;
  auto requests = effectiveRequests(spec, path);
  if (!requests) return requests.error();
  pod.requests = std::move(*requests);
  auto ports = hostPorts(spec, path);
  if (!ports) return ports.error();
  pod.hostPorts = std::move(*ports);
  auto pulled = images(spec, path);
  if (!pulled) return pulled.error();
  pod.images = std::move(*pulled);
  pod.localStorage = usesLocalStorage(spec);
  if (const json* ns = child(spec, "nodeSelector")) {
    auto m = decodeStringMap(*ns, join(path, "nodeSelector"));
    if (!m) return m.error();
    pod.nodeSelector = std::move(*m);
  }
  if (const json* aff = child(spec, "affinity")) {
    if (auto e = decodeAffinity(*aff, join(path, "affinity"), pod)) return e;
  }
  if (const json* tol = child(spec, "tolerations")) {
    auto t = decodeTolerations(*tol, join(path, "tolerations"));
    if (!t) return t.error();
    pod.tolerations = std::move(*t);
  }
  if (const json* tsc = child(spec, "topologySpreadConstraints")) {
    if (auto e = decodeSpread(*tsc, join(path, "topologySpreadConstraints"), pod)) return e;
  }
  auto priority = int32Field(spec, path, "priority", 0);
  if (!priority) return priority.error();
  pod.priority = *priority;
  auto nodeName = stringField(spec, path, "nodeName");
  if (!nodeName) return nodeName.error();
  pod.nodeName = *nodeName;
  auto scheduler = stringField(spec, path, "schedulerName", "default-scheduler");
  if (!scheduler) return scheduler.error();
  pod.schedulerName = *scheduler;
  if (const json* gates = child(spec, "schedulingGates")) {
    if (auto e = expectArray(*gates, join(path, "schedulingGates"))) return e;
    pod.schedulingGated = !gates->empty();
  }
  return std::nullopt;
}

void assignGang(Pod& pod) {
  if (!pod.gang.empty()) return;
  if (auto it = pod.labels.find(kPodGroupLabel); it != pod.labels.end()) {
    pod.gang = pod.ns + "/" + it->second;
  } else if (auto a = pod.annotations.find(kVolcanoGroupAnnotation); a != pod.annotations.end()) {
    pod.gang = pod.ns + "/" + a->second;
  } else if (auto j = pod.labels.find(kKubeflowJobLabel); j != pod.labels.end()) {
    pod.gang = pod.ns + "/" + j->second;
  }
}

}  // namespace

DecodeResult<Pod> decodePod(const json& object) {
  if (auto e = expectObject(object, "")) return std::unexpected(*e);
  Pod pod;
  auto name = objectName(object);
  if (!name) return std::unexpected(name.error());
  const json* meta = child(object, "metadata");
  auto ns = stringField(*meta, "metadata", "namespace", "default");
  if (!ns) return std::unexpected(ns.error());
  auto uid = stringField(*meta, "metadata", "uid");
  if (!uid) return std::unexpected(uid.error());
  pod.name = *name;
  pod.ns = ns->empty() ? "default" : *ns;
  pod.uid = *uid;
  if (auto e = decodeMetadata(*meta, "metadata", pod)) return std::unexpected(*e);
  const json* spec = child(object, "spec");
  if (!spec) return fieldError("spec", "required");
  if (auto e = decodeSpec(*spec, "spec", pod)) return std::unexpected(*e);
  if (const json* status = child(object, "status")) {
    if (auto e = expectObject(*status, "status")) return std::unexpected(*e);
    auto phase = stringField(*status, "status", "phase", "Pending");
    if (!phase) return std::unexpected(phase.error());
    pod.phase = *phase;
    auto nominated = stringField(*status, "status", "nominatedNodeName");
    if (!nominated) return std::unexpected(nominated.error());
    pod.nominatedNodeName = *nominated;
    if (const json* conds = child(*status, "conditions")) {
      // Status is written by the cluster, not the user: entries we cannot read are skipped
      // rather than failing the pod. (json::value() would throw on a non-object or a
      // non-string field, so each one is checked.)
      auto text = [](const json& c, std::string_view field) {
        const json* v = child(c, field);
        return v && v->is_string() ? v->get<std::string>() : std::string();
      };
      if (auto e = expectArray(*conds, "status.conditions")) return std::unexpected(*e);
      for (const json& c : *conds) {
        if (text(c, "type") == "PodScheduled" && text(c, "status") == "False" &&
            text(c, "reason") == "Unschedulable") {
          pod.unschedulable = true;
        }
      }
    }
  } else {
    pod.phase = "Pending";
  }
  assignGang(pod);
  return pod;
}

DecodeResult<Pod> decodePodTemplate(const json& templ, const std::string& path, std::string ns,
                                    std::string name) {
  if (auto e = expectObject(templ, path)) return std::unexpected(*e);
  Pod pod;
  pod.ns = std::move(ns);
  pod.name = std::move(name);
  pod.phase = "Pending";
  pod.unschedulable = true;  // a pod that `plan` imagines has nowhere to go yet
  if (const json* meta = child(templ, "metadata")) {
    if (auto e = decodeMetadata(*meta, join(path, "metadata"), pod)) return std::unexpected(*e);
  }
  const json* spec = child(templ, "spec");
  if (!spec) return fieldError(join(path, "spec"), "required");
  if (auto e = decodeSpec(*spec, join(path, "spec"), pod)) return std::unexpected(*e);
  assignGang(pod);
  return pod;
}

}  // namespace gantry::api
