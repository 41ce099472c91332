// The text form of node-selector requirements, as `kubectl get -l` writes label selectors,
// plus the Gt/Lt comparisons node affinity adds, so a person can type a requirement on the
// command line (`gantry catalog --requirements ...`) and get the same Requirement values the
// NodePool and pod decoders produce.
#pragma once

#include <string_view>

#include "src/api/labels.h"
#include "src/common/status.h"

namespace gantry::api {

// Parses a comma-separated conjunction of requirements. Each one is:
//   key                    Exists            !key              DoesNotExist
//   key=value, key==value  In [value]        key!=value        NotIn [value]
//   key in (v1,v2,...)     In                key notin (v1,..) NotIn
//   key>N                  Gt N              key<N             Lt N   (N an integer)
// Keys are label keys ("[prefix/]name": letters, digits, '-', '_', '.', one '/'); values are
// label values (letters, digits, '-', '_', '.'; may be empty after '='/'!='). Spaces around
// tokens are ignored; `in`/`notin` are lowercase keywords as in kubectl.
// Example: "gantry.dev/instance-gpu-name in (a10g,l4),topology.kubernetes.io/zone=us-east-1a,
//           karpenter.k8s.aws/instance-gpu-count>1".
// Errors: kInvalid naming the offending position and what was expected; an empty or
// all-blank expression is kInvalid too. Pure; thread-safe.
Result<NodeSelectorTerm> parseLabelExpression(std::string_view text);

}  // namespace gantry::api
