// Container resource validation; the rules and their reasons are listed in pod_validation.h.
// Messages follow the apiserver's wording where it has one, so that what `gantry plan` says
// matches what `kubectl apply` would say.
#include "src/api/pod_validation.h"

#include "src/api/decode_internal.h"

namespace gantry::api::detail {

namespace {

bool isHugePages(std::string_view name) { return name.starts_with("hugepages-"); }

// cpu, memory, ephemeral-storage: a request below the limit is the normal case.
bool overcommitAllowed(std::string_view name) { return !resource::isExtended(name) && !isHugePages(name); }

std::optional<FieldError> checkName(std::string_view name, const std::string& here) {
  if (resource::isExtended(name)) return std::nullopt;
  if (name == resource::kCpu || name == resource::kMemory || name == resource::kEphemeralStorage ||
      isHugePages(name)) {
    return std::nullopt;
  }
  return FieldError{here, "\"" + std::string(name) +
                              "\" must be a standard resource for containers (cpu, memory, "
                              "ephemeral-storage, hugepages-<size>) or an extended resource "
                              "with a domain, such as nvidia.com/gpu"};
}

std::optional<FieldError> checkRange(const Quantity& q, const std::string& here) {
  if (q.fitsInt64Milli()) return std::nullopt;
  return FieldError{here, "quantity " + q.toString() +
                              " is larger than Kubernetes can hold (2^63-1 milli-units, "
                              "about 9.2e15)"};
}

std::optional<FieldError> checkAmount(std::string_view name, const Quantity& q, const std::string& here) {
  if (auto e = checkRange(q, here)) return e;
  if (resource::isExtended(name) && q.nanoValue() % 1'000'000'000 != 0) {
    return FieldError{here, q.toString() + " must be an integer: extended resources are whole devices"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<FieldError> validateContainerResources(const ResourceList& requests,
                                                     const ResourceList& limits,
                                                     const std::string& path) {
  const std::string limitsPath = join(path, "limits");
  const std::string requestsPath = join(path, "requests");
  for (const auto& [name, limit] : limits.entries()) {
    const std::string here = join(limitsPath, name);
    if (auto e = checkName(name, here)) return e;
    if (auto e = checkAmount(name, limit, here)) return e;
  }
  for (const auto& [name, request] : requests.entries()) {
    const std::string here = join(requestsPath, name);
    if (auto e = checkName(name, here)) return e;
    if (auto e = checkAmount(name, request, here)) return e;
    if (!limits.has(name)) {
      if (!overcommitAllowed(name)) {
        return FieldError{join(limitsPath, name),
                          "required: " + name + " cannot be overcommitted, so its limit must be set "
                          "(and equal the request of " + request.toString() + ")"};
      }
      continue;
    }
    const Quantity limit = limits.get(name);
    if (!overcommitAllowed(name) && request != limit) {
      return FieldError{here, request.toString() + " must be equal to " + name + " limit of " +
                                  limit.toString()};
    }
    if (request > limit) {
      return FieldError{here, request.toString() + " must be less than or equal to " + name +
                                  " limit of " + limit.toString()};
    }
  }
  return std::nullopt;
}

std::optional<FieldError> validateQuantityRange(const ResourceList& list, const std::string& path) {
  for (const auto& [name, q] : list.entries()) {
    if (auto e = checkRange(q, join(path, name))) return e;
  }
  return std::nullopt;
}

}  // namespace gantry::api::detail
