// The apiserver's validation of a container's resources (k8s.io/kubernetes
// pkg/apis/core/validation, ValidateResourceRequirements), for pods read from manifests:
// a pod the apiserver would refuse is reported instead of planned. Internal to src/api.
#pragma once

#include <optional>
#include <string>

#include "src/api/decode.h"
#include "src/api/resources.h"

namespace gantry::api::detail {

// Checks one container's requests and limits as written (before limits default requests),
// `path` being the container's "resources" field:
//  - names: cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource
//    (a domain other than kubernetes.io, e.g. nvidia.com/gpu); other native names such as
//    "gpu" or "pods" are refused as the apiserver does ("must be a standard resource");
//  - extended resources are whole numbers; they must have a limit, and a request, if given,
//    must equal it (they cannot be overcommitted); hugepages likewise need request == limit;
//  - cpu, memory and ephemeral-storage requests are at most their limits;
//  - every amount is within fitsInt64Milli() (quantity.h).
std::optional<FieldError> validateContainerResources(const ResourceList& requests,
                                                     const ResourceList& limits,
                                                     const std::string& path);

// Every amount of `list` (pod overhead) within fitsInt64Milli().
std::optional<FieldError> validateQuantityRange(const ResourceList& list, const std::string& path);

}  // namespace gantry::api::detail
