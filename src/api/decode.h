// Decoding Kubernetes JSON (and YAML converted to JSON) into the model. Every input is
// hostile until parsed: a wrong type, a malformed quantity or an unknown operator becomes a
// FieldError naming the field path ("spec.containers[0].resources.requests.cpu"); unknown
// fields are ignored, as the apiserver's clients do.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "src/api/node.h"
#include "src/api/nodepool.h"
#include "src/api/pod.h"
#include "src/common/status.h"

namespace gantry::api {

struct FieldError {
  std::string field;    // JSON path from the object's root, e.g. "spec.template.spec.tolerations[1]"
  std::string message;  // what is wrong, quoting the bad value
};

template <typename T>
using DecodeResult = std::expected<T, FieldError>;

// A Pod object ("kind: Pod"), including status (phase, conditions, nominatedNodeName).
DecodeResult<Pod> decodePod(const nlohmann::json& object);

// A pod template (metadata + spec) found at `path` inside a workload; the pod is named
// `name` in namespace `ns`. Field errors are prefixed with `path`.
DecodeResult<Pod> decodePodTemplate(const nlohmann::json& templ, const std::string& path,
                                    std::string ns, std::string name);

// gantry.dev/v1 (or karpenter.sh/v1) NodePool.
DecodeResult<NodePool> decodeNodePool(const nlohmann::json& object);

// A core/v1 Node, for existing capacity.
DecodeResult<Node> decodeNode(const nlohmann::json& object);

// Pieces shared by the decoders above and by other folders' decoders.
DecodeResult<ResourceList> decodeResourceList(const nlohmann::json& value, const std::string& path);
DecodeResult<std::vector<Taint>> decodeTaints(const nlohmann::json& value, const std::string& path);
DecodeResult<Requirement> decodeRequirement(const nlohmann::json& value, const std::string& path);
DecodeResult<Labels> decodeStringMap(const nlohmann::json& value, const std::string& path);

}  // namespace gantry::api
