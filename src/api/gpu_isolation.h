// Who may share a node with GPU work, per NodePool: the annotation gantry.dev/gpu-isolation.
// GPU nodes are the expensive ones, and Gantry reaps a node once the work on it is done; a
// CPU pod of another team on a GPU node keeps that node alive after the training ends. So by
// default (strict) a node that holds GPU work takes other pods only from the same owner.
//   strict  the default: besides GPU work, only pods of the same owner (a TFJob's CPU
//           launcher next to its GPU workers);
//   batch   pods of Jobs too may use the spare room of GPU nodes: they end on their own, so
//           they delay the reaping by at most their run;
//   off     any pod may go anywhere it fits, as with Karpenter.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "src/api/nodepool.h"

namespace gantry::api {

enum class GpuIsolation { kStrict, kBatch, kOff };

inline constexpr std::string_view kGpuIsolationAnnotation = "gantry.dev/gpu-isolation";

std::string_view toString(GpuIsolation policy);

// The annotation's value; strict when absent. Errors: any other value than strict, batch or
// off, with a message that names them.
std::expected<GpuIsolation, std::string> parseGpuIsolation(std::string_view value);

// The pool's policy. A pool that reached here was decoded, which checked the annotation; one
// built in code with a bad value gets strict (the safe choice).
GpuIsolation gpuIsolationOf(const NodePool& pool);

}  // namespace gantry::api
